//! `upstra ssh NAME`: a shell on a server in this terminal, authorized and audited by the
//! daemon like the console's pane. The terminal is put in raw mode while the shell runs and
//! given back on exit and on panic.

use std::io::{self, IsTerminal, Write};
use std::path::Path;
use std::sync::Once;
use std::time::Instant;

use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use upstra_core::api::v1::SshTarget;
use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::confirm::{Confirm, confirm};
use super::signed_in;
use super::stdin_reader::{Chunk, StdinReader};
use crate::cli::SshArgs;
use crate::client::{Connector, timeouts};
use crate::console::ssh::driver::SshSettings;
use crate::error::CliError;
use crate::ssh::{End, Event, Input, Prompt, Request, SshError, session};

/// Raw mode while this lives, when standard input is a terminal.
struct RawMode {
    on: bool,
}

impl RawMode {
    fn enter() -> Self {
        static HOOK: Once = Once::new();
        HOOK.call_once(|| {
            let previous = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                let _ = crossterm::terminal::disable_raw_mode();
                previous(info);
            }));
        });
        let on = io::stdin().is_terminal() && crossterm::terminal::enable_raw_mode().is_ok();
        Self { on }
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        if self.on {
            let _ = crossterm::terminal::disable_raw_mode();
        }
    }
}

pub async fn run(socket: &Path, args: &SshArgs) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let mut pinned_here = false;
    loop {
        let (t, name) = (token.clone(), args.name.clone());
        let target = conn
            .call(timeouts::CALL, |c, ctx| async move {
                c.ssh_open(ctx, t, name).await
            })
            .await?;
        let started = Instant::now();
        let end = shell(&args.name, &target, args).await;
        record(&conn, &token, &target, &end, started).await;
        match end {
            End::Failed(SshError::HostKeyUnpinned {
                key, fingerprint, ..
            }) if !pinned_here => {
                pin(&conn, &token, args, &key, &fingerprint).await?;
                pinned_here = true;
            }
            End::Exited(Some(status)) if status != 0 => {
                return Err(CliError::RemoteStatus(
                    u8::try_from(status).unwrap_or(u8::MAX),
                ));
            }
            End::Exited(_) | End::ClosedHere => return Ok(()),
            End::Failed(e) => return Err(CliError::Failed(e.to_string())),
            other => {
                return Err(CliError::Failed(format!(
                    "the shell on {}: {}",
                    args.name,
                    other.audit_reason()
                )));
            }
        }
    }
}

/// Pins the key the server showed, if the caller is an admin and confirms it.
async fn pin(
    conn: &Connector,
    token: &upstra_core::api::v1::SessionToken,
    args: &SshArgs,
    key: &str,
    fingerprint: &str,
) -> Result<(), CliError> {
    let t = token.clone();
    let me = conn
        .call(
            timeouts::CALL,
            |c, ctx| async move { c.whoami(ctx, t).await },
        )
        .await?;
    let admin =
        crate::console::update::parse_permissions(&me.permissions).contains(Permissions::ADMIN);
    if !admin {
        return Err(CliError::Failed(format!(
            "the host key of {} is not pinned in the inventory yet (fingerprint {fingerprint}): \
             an admin must confirm it first, with `upstra ssh {}`",
            args.name, args.name
        )));
    }
    let detail = format!(
        "{} shows the host key {fingerprint}; nothing is pinned for it yet. Compare it with \
         the server's own (`ssh-keygen -lf` on its host key file) first.",
        args.name
    );
    confirm(
        Confirm {
            action: &format!("pin this host key for {}", args.name),
            target: &args.name,
            detail: Some(&detail),
        },
        args.yes,
    )?;
    let (t, server, key) = (token.clone(), args.name.clone(), key.to_owned());
    conn.call(timeouts::CALL, |c, ctx| async move {
        c.ssh_pin_host_key(ctx, t, server, key).await
    })
    .await?;
    eprintln!("pinned the host key of {}", args.name);
    Ok(())
}

/// Records the end of the shell; a failure is a warning, the shell is over anyway.
async fn record(
    conn: &Connector,
    token: &upstra_core::api::v1::SessionToken,
    target: &SshTarget,
    end: &End,
    started: Instant,
) {
    let (t, id, reason) = (token.clone(), target.session_id.clone(), end.audit_reason());
    let ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let recorded = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.ssh_closed(ctx, t, id, ms, reason).await
        })
        .await;
    if let Err(e) = recorded {
        eprintln!("warning: the end of the shell was not recorded: {e}");
    }
}

/// Runs one shell on this terminal until it ends.
async fn shell(server: &str, target: &SshTarget, args: &SshArgs) -> End {
    let settings = SshSettings::from_env();
    let (cols, rows) = crossterm::terminal::size().unwrap_or((80, 24));
    let request = Request {
        server: server.to_owned(),
        address: target.address.clone(),
        host_key: target.host_key.clone(),
        login: args
            .user
            .clone()
            .unwrap_or_else(|| target.login_hint.clone()),
        term: settings.term,
        cols,
        rows,
        identities: args
            .identity
            .clone()
            .map_or(settings.identities, |path| vec![path]),
        use_agent: settings.use_agent,
    };
    let (input, task_input) = mpsc::unbounded_channel();
    let (events_tx, mut events) = mpsc::unbounded_channel();
    let task = tokio::spawn(session::run(
        request,
        task_input,
        Box::new(move |event| {
            let _ = events_tx.send(event);
        }),
    ));
    let raw = RawMode::enter();
    // Started once something takes standard input (below), dropped when the shell ends, so
    // that nothing is left reading the terminal we give back.
    let mut stdin: Option<StdinReader> = None;
    let mut stdin_open = true;
    let mut winch = signal(SignalKind::window_change()).ok();
    let mut prompt: Option<Zeroizing<String>> = None;
    // Standard input is read only once something takes it (a prompt, the shell), so that an
    // attempt refused at the host key leaves it for the next one.
    let mut opened = false;
    let mut stdout = io::stdout();
    let end = loop {
        if stdin.is_none() && stdin_open && (opened || prompt.is_some()) {
            stdin = StdinReader::start().ok();
            stdin_open = stdin.is_some();
        }
        tokio::select! {
            event = events.recv() => match event {
                Some(Event::Output(bytes)) => {
                    let _ = stdout.write_all(&bytes).and_then(|()| stdout.flush());
                    let _ = input.send(Input::Ack);
                }
                Some(Event::NeedSecret(p)) => {
                    let text = match &p {
                        Prompt::Password { login, retry } => format!(
                            "{}password of {login}@{server}: ",
                            if *retry { "wrong password; " } else { "" }
                        ),
                        Prompt::Passphrase { path } => {
                            format!("passphrase of {}: ", path.display())
                        }
                    };
                    eprint!("{text}");
                    prompt = Some(Zeroizing::new(String::new()));
                }
                Some(Event::Opened) => opened = true,
                Some(Event::Ended { end, .. }) => break end,
                None => break End::Lost("the SSH task stopped".to_owned()),
            },
            read = async { match stdin.as_mut() { Some(s) => s.next().await, None => None } },
                if stdin_open && (opened || prompt.is_some()) => match read {
                None | Some(Chunk::End) => {
                    stdin_open = false;
                    match prompt.take() {
                        Some(typed) => {
                            let secret = (!typed.is_empty()).then(|| Secret::new(typed.as_str()));
                            let _ = input.send(Input::Secret(secret));
                        }
                        None => {
                            let _ = input.send(Input::Eof);
                        }
                    }
                }
                Some(Chunk::Data(bytes)) => {
                    let bytes = bytes.as_slice();
                    match prompt.as_mut() {
                        Some(typed) => {
                            if let Some(done) = take_line(typed, bytes) {
                                prompt = None;
                                eprint!("\r\n");
                                let _ = input.send(Input::Secret(done));
                            }
                        }
                        None => {
                            let _ = input.send(Input::Data(bytes.to_vec()));
                        }
                    }
                }
            },
            Some(()) = async { match winch.as_mut() { Some(w) => w.recv().await, None => None } } => {
                if let Ok((cols, rows)) = crossterm::terminal::size() {
                    let _ = input.send(Input::Resize { cols, rows });
                }
            }
        }
    };
    drop(stdin);
    drop(raw);
    let _ = task.await;
    end
}

/// Adds what was typed at a prompt to `typed`; at the end of the line, the secret (`None`
/// when the operator pressed Ctrl-C or Ctrl-D, or typed nothing).
fn take_line(typed: &mut Zeroizing<String>, bytes: &[u8]) -> Option<Option<Secret>> {
    for &b in bytes {
        match b {
            b'\r' | b'\n' => {
                return Some((!typed.is_empty()).then(|| Secret::new(typed.as_str())));
            }
            0x03 | 0x04 => return Some(None),
            0x7f | 0x08 => {
                typed.pop();
            }
            _ => typed.push(char::from(b)),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prompt_line_ends_at_enter_and_backspace_erases() {
        let mut typed = Zeroizing::new(String::new());
        assert!(take_line(&mut typed, b"pees").is_none());
        let secret = take_line(&mut typed, b"\x7frpass\r")
            .expect("a line")
            .expect("a secret");
        assert_eq!(secret.expose(), "peerpass");
        let mut typed = Zeroizing::new(String::new());
        assert_eq!(
            take_line(&mut typed, b"ab\x03").map(|s| s.is_none()),
            Some(true)
        );
    }
}
