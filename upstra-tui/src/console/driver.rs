//! The driver carries out [`Effect`]s. RPC calls run in tokio tasks and report back as
//! [`Action`]s over the console's channel, so the event loop never waits on the daemon.
//! Tasks live in a `JoinSet`: dropping the driver (on quit) aborts whatever is in flight,
//! including the long-poll and the SSH shells (see `ssh::driver`).

use std::future::Future;
use std::io;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use upstra_core::api::v1::{
    ActionReport, ApiError, LoginOutcome, LoginRequest, SecondFactor, SessionToken,
};
use upstra_core::secret::Secret;

use super::action::{Action, Effect, Failure};
use super::message::Link;
use super::operation::Operation;
use super::ssh::driver::{SshDriver, SshSettings};
use super::state::Lists;
use crate::client::{CallError, Connector, TransportFailure, timeouts};
use crate::session::SessionStore;

/// How long one `events_since` call may wait for news, in milliseconds.
pub const FOLLOW_WAIT_MS: u64 = 5_000;

/// Whether the console goes on after an effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Quit,
}

/// Runs effects against one daemon.
pub struct Driver {
    conn: Arc<Connector>,
    /// Where to keep a new session; `None` keeps it in memory only.
    store: Option<SessionStore>,
    actions: UnboundedSender<Action>,
    tasks: JoinSet<()>,
    ssh: SshDriver,
}

impl Driver {
    /// A driver whose calls go to `conn` and whose replies go to `actions`.
    pub fn new(
        conn: Arc<Connector>,
        store: Option<SessionStore>,
        actions: UnboundedSender<Action>,
    ) -> Self {
        Self {
            conn,
            store,
            actions,
            tasks: JoinSet::new(),
            ssh: SshDriver::new(SshSettings::from_env()),
        }
    }

    /// The same driver opening shells with `settings` rather than the environment's.
    pub fn with_ssh_settings(mut self, settings: SshSettings) -> Self {
        self.ssh = SshDriver::new(settings);
        self
    }

    /// Carries out one effect. Calls are started, not awaited.
    pub fn run(&mut self, effect: Effect) -> Flow {
        let conn = Arc::clone(&self.conn);
        match effect {
            Effect::Quit => return Flow::Quit,
            Effect::Ssh(effect) => self.ssh.run(effect, &conn, &self.actions, &mut self.tasks),
            Effect::CheckSession { epoch, token } => self.spawn(async move {
                let result = conn
                    .call(timeouts::CALL, |c, ctx| async move {
                        c.whoami(ctx, token).await
                    })
                    .await;
                Action::SessionChecked {
                    epoch,
                    result: result.map_err(failure),
                }
            }),
            Effect::Login { user, password } => self.spawn(async move {
                let req = LoginRequest { user, password };
                let result = conn
                    .call(
                        timeouts::LOGIN,
                        |c, ctx| async move { c.login(ctx, req).await },
                    )
                    .await;
                match result {
                    Ok(LoginOutcome::Session(reply)) => Action::LoggedIn(Ok(reply)),
                    Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) => {
                        Action::SecondFactorRequired { challenge }
                    }
                    Err(e) => Action::LoggedIn(Err(failure(e))),
                }
            }),
            Effect::LoginSecondFactor {
                challenge,
                code,
                recovery,
            } => self.spawn(async move {
                let factor = if recovery {
                    SecondFactor::RecoveryCode(code)
                } else {
                    SecondFactor::Totp(code)
                };
                let result = conn
                    .call(timeouts::LOGIN, |c, ctx| async move {
                        c.login_second_factor(ctx, challenge, factor).await
                    })
                    .await;
                Action::LoggedIn(result.map_err(failure))
            }),
            Effect::EnrollTotp { epoch, token } => self.spawn(async move {
                let result = conn
                    .call(timeouts::CALL, |c, ctx| async move {
                        c.totp_enroll(ctx, token).await
                    })
                    .await;
                Action::EnrollStarted {
                    epoch,
                    result: result.map_err(failure),
                }
            }),
            Effect::ConfirmTotp { epoch, token, code } => self.spawn(async move {
                // Hashing ten recovery codes with argon2 takes the daemon a moment.
                let result = conn
                    .call(timeouts::LOGIN, |c, ctx| async move {
                        c.totp_confirm(ctx, token, code.expose().to_owned()).await
                    })
                    .await;
                Action::EnrollConfirmed {
                    epoch,
                    result: result.map_err(failure),
                }
            }),
            Effect::ChangePassword { epoch, token, new } => self.spawn(async move {
                // A reset session proves the user already; the daemon ignores `current` then.
                let current = Secret::new("");
                let result = conn
                    .call(timeouts::LOGIN, |c, ctx| async move {
                        c.change_password(ctx, token, current, new).await
                    })
                    .await;
                Action::PasswordChanged {
                    epoch,
                    result: result.map_err(failure),
                }
            }),
            Effect::Operate { epoch, token, op } => self.spawn(async move {
                let result = operate(&conn, token, &op).await;
                Action::Operated {
                    epoch,
                    op,
                    result: result.map_err(failure),
                }
            }),
            Effect::Call { epoch, token, call } => self.spawn(async move {
                let reply = super::carry_out::perform(&conn, token, call).await;
                Action::Replied {
                    epoch,
                    reply: Box::new(reply),
                }
            }),
            Effect::FetchLists { epoch, token } => self.spawn(async move {
                let result = fetch_lists(&conn, &token).await;
                Action::ListsLoaded {
                    epoch,
                    result: result.map_err(failure),
                }
            }),
            Effect::FollowEvents {
                epoch,
                token,
                cursor,
            } => self.spawn(async move {
                let result = conn
                    .call(timeouts::long_poll(FOLLOW_WAIT_MS), |c, ctx| async move {
                        c.events_since(ctx, token, cursor, FOLLOW_WAIT_MS).await
                    })
                    .await;
                Action::EventsArrived {
                    epoch,
                    result: result.map_err(failure),
                }
            }),
            Effect::SaveSession(session) => {
                if let Some(store) = &self.store
                    && let Err(e) = store.save(&session)
                {
                    tracing::warn!(error = %e, "cannot save the session");
                    let _ = self.actions.send(Action::SessionNotSaved(e.to_string()));
                }
            }
            Effect::ForgetSession => {
                if let Some(store) = &self.store
                    && let Err(e) = store.remove()
                {
                    tracing::warn!(error = %e, "cannot remove the session file");
                }
            }
        }
        Flow::Continue
    }

    /// Drops the results of finished tasks (they report through the channel).
    pub fn reap(&mut self) {
        while self.tasks.try_join_next().is_some() {}
    }

    fn spawn(&mut self, call: impl Future<Output = Action> + Send + 'static) {
        let actions = self.actions.clone();
        self.tasks.spawn(async move {
            // The receiver is gone only when the console is closing.
            let _ = actions.send(call.await);
        });
    }
}

/// The four lists, fetched concurrently.
async fn fetch_lists(conn: &Connector, token: &SessionToken) -> Result<Lists, CallError> {
    let (t1, t2, t3, t4) = (token.clone(), token.clone(), token.clone(), token.clone());
    let (rooms, ups, servers, vms) = tokio::try_join!(
        conn.call(timeouts::CALL, |c, ctx| async move {
            c.list_rooms(ctx, t1).await
        }),
        conn.call(
            timeouts::CALL,
            |c, ctx| async move { c.list_ups(ctx, t2).await }
        ),
        conn.call(timeouts::CALL, |c, ctx| async move {
            c.list_servers(ctx, t3).await
        }),
        conn.call(
            timeouts::CALL,
            |c, ctx| async move { c.list_vms(ctx, t4).await }
        ),
    )?;
    Ok(Lists {
        rooms,
        ups,
        servers,
        vms,
    })
}

/// Sends one operation and waits for the daemon's report.
async fn operate(
    conn: &Connector,
    token: SessionToken,
    op: &Operation,
) -> Result<ActionReport, CallError> {
    match op.clone() {
        Operation::Server { server, action } => {
            conn.call(timeouts::ACTION, |c, ctx| async move {
                c.server_power(ctx, token, server, action).await
            })
            .await
        }
        Operation::Vm { id, action, .. } => {
            conn.call(timeouts::ACTION, |c, ctx| async move {
                c.vm_power(ctx, token, id, action).await
            })
            .await
        }
        Operation::Migrate { id, to, .. } => {
            conn.call(timeouts::ACTION, |c, ctx| async move {
                c.vm_migrate(ctx, token, id, to).await
            })
            .await
        }
    }
}

/// What the console needs to know about a failed call.
pub(crate) fn failure(e: CallError) -> Failure {
    tracing::debug!(error = %e, "call failed");
    match e {
        CallError::Api(ApiError::Unauthenticated) => Failure::Unauthenticated,
        CallError::Api(e) => Failure::Refused(e),
        CallError::Connect(e) => Failure::Unreachable(match e.kind() {
            io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused => Link::NotRunning,
            io::ErrorKind::PermissionDenied => Link::NoPermission,
            _ => Link::Other(e.to_string()),
        }),
        CallError::Transport { kind, .. } => Failure::Unreachable(match kind {
            TransportFailure::Timeout(s) => Link::Timeout(s),
            TransportFailure::Closed => Link::Closed,
        }),
        e => Failure::Failed(e.to_string()),
    }
}
