//! Carries out [`SshEffect`]s: the daemon calls (`ssh_open`, `ssh_pin_host_key`,
//! `ssh_closed`) and the SSH tasks, one per pane. Each task reports through the console's
//! action channel; what it sends there is bounded by the credit scheme of [`crate::ssh`]
//! (one output in flight per pane, acknowledged by `update` once it is on the screen).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc::{self, UnboundedSender};
use tokio::task::JoinSet;

use super::{PaneInput, SshAction, SshEffect};
use crate::client::{CallError, Connector, timeouts};
use crate::console::action::{Action, Failure};
use crate::ssh::{Input, Request, auth, session};

/// How shells are opened from this console, read from the environment once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshSettings {
    /// `TERM` for the remote: the console's own, as the emulator follows xterm.
    pub term: String,
    /// Key files to try after the agent: `UPSTRA_SSH_IDENTITY` if set, else OpenSSH's defaults.
    pub identities: Vec<PathBuf>,
    pub use_agent: bool,
}

impl SshSettings {
    pub fn from_env() -> Self {
        let term = std::env::var("TERM")
            .ok()
            .filter(|t| !t.is_empty() && t != "dumb")
            .unwrap_or_else(|| "xterm-256color".to_owned());
        let identities = match std::env::var_os("UPSTRA_SSH_IDENTITY") {
            Some(path) if !path.is_empty() => vec![PathBuf::from(path)],
            _ => std::env::var_os("HOME")
                .map(|home| auth::default_identities(&PathBuf::from(home)))
                .unwrap_or_default(),
        };
        Self {
            term,
            identities,
            use_agent: true,
        }
    }
}

/// The SSH side of the driver.
pub struct SshDriver {
    settings: SshSettings,
    /// Each running task's input; a task's entry goes when a send to it fails.
    inputs: HashMap<u64, UnboundedSender<Input>>,
}

impl SshDriver {
    pub fn new(settings: SshSettings) -> Self {
        Self {
            settings,
            inputs: HashMap::new(),
        }
    }

    /// Carries out `effect`; calls and tasks run in `tasks` and report to `actions`.
    pub fn run(
        &mut self,
        effect: SshEffect,
        conn: &Arc<Connector>,
        actions: &UnboundedSender<Action>,
        tasks: &mut JoinSet<()>,
    ) {
        let conn = Arc::clone(conn);
        let reply = actions.clone();
        match effect {
            SshEffect::Authorize {
                token,
                pane,
                server,
                ..
            } => {
                tasks.spawn(async move {
                    let result = conn
                        .call(timeouts::CALL, |c, ctx| async move {
                            c.ssh_open(ctx, token, server).await
                        })
                        .await;
                    let _ = reply.send(Action::Ssh(SshAction::Authorized {
                        pane,
                        result: result.map_err(failure),
                    }));
                });
            }
            SshEffect::Pin {
                token,
                pane,
                server,
                key,
                ..
            } => {
                tasks.spawn(async move {
                    let result = conn
                        .call(timeouts::CALL, |c, ctx| async move {
                            c.ssh_pin_host_key(ctx, token, server, key).await
                        })
                        .await;
                    let _ = reply.send(Action::Ssh(SshAction::Pinned {
                        pane,
                        result: result.map_err(failure),
                    }));
                });
            }
            SshEffect::Record {
                token,
                session_id,
                duration_ms,
                reason,
            } => {
                tasks.spawn(async move {
                    let result = conn
                        .call(timeouts::CALL, |c, ctx| async move {
                            c.ssh_closed(ctx, token, session_id, duration_ms, reason)
                                .await
                        })
                        .await;
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "the end of a shell was not recorded");
                    }
                    let _ = reply.send(Action::Ssh(SshAction::Recorded));
                });
            }
            SshEffect::Connect {
                pane,
                server,
                target,
                cols,
                rows,
            } => {
                let request = Request {
                    server,
                    address: target.address,
                    host_key: target.host_key,
                    login: target.login_hint,
                    term: self.settings.term.clone(),
                    cols,
                    rows,
                    identities: self.settings.identities.clone(),
                    use_agent: self.settings.use_agent,
                };
                let (tx, rx) = mpsc::unbounded_channel();
                self.inputs.insert(pane, tx);
                let emit = Box::new(move |event| {
                    let _ = reply.send(Action::Ssh(SshAction::Task { pane, event }));
                });
                tasks.spawn(session::run(request, rx, emit));
            }
            SshEffect::Send { pane, input } => {
                let input = match input {
                    PaneInput::Data(bytes) => Input::Data(bytes),
                    PaneInput::Resize { cols, rows } => Input::Resize { cols, rows },
                    PaneInput::Secret(secret) => Input::Secret(secret),
                    PaneInput::Ack => Input::Ack,
                    PaneInput::Close => Input::Close,
                };
                let gone = self
                    .inputs
                    .get(&pane)
                    .is_none_or(|tx| tx.send(input).is_err());
                if gone {
                    self.inputs.remove(&pane);
                }
            }
        }
    }
}

/// What the console reacts to in a failed call.
fn failure(e: CallError) -> Failure {
    crate::console::driver::failure(e)
}
