//! The subcommands. Each one connects, makes its calls, and prints for people or, with
//! `--json`, the API's wire types; failures come back as [`CliError`] for `main` to print.

mod apply;
mod auth;
mod list;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use upstra_core::api::v1::SessionToken;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use crate::cli::{Cli, Command, ListVerb};
use crate::client::Connector;
use crate::error::CliError;
use crate::session::{SessionEnv, SessionStore};
use crate::{console, logging};

/// Runs the command `cli` names; no subcommand opens the console.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let socket = cli.socket.as_path();
    let Some(command) = cli.command else {
        return open_console(socket).await;
    };
    match command {
        #[cfg(feature = "demo")]
        Command::Demo => crate::demo::run().await,
        Command::Setup(c) => auth::setup(socket, &c.user).await,
        Command::Login(l) => {
            auth::login(
                socket,
                &l.credentials.user,
                second_factor(l.totp, l.recovery_code),
            )
            .await
        }
        Command::Logout => auth::logout(socket).await,
        Command::Whoami(f) => auth::whoami(socket, f.json).await,
        Command::Apply(a) => apply::run(socket, &a).await,
        Command::Room(ListVerb::List(f)) => list::rooms(socket, f.json).await,
        Command::Ups(ListVerb::List(f)) => list::ups(socket, f.json).await,
        Command::Server(ListVerb::List(f)) => list::servers(socket, f.json).await,
        Command::Vm(ListVerb::List(f)) => list::vms(socket, f.json).await,
    }
}

async fn open_console(socket: &Path) -> Result<(), CliError> {
    if let Some(log) = logging::default_log_file() {
        logging::to_file(&log);
    }
    let store = SessionStore::locate(&SessionEnv::from_process(), socket)?;
    let conn = Arc::new(Connector::new(socket));
    // Fail before taking over the terminal: "daemon not running" belongs on stderr.
    conn.connect().await?;
    // A damaged file is as good as none: the console asks for a login and overwrites it.
    let session = store.load().unwrap_or_else(|e| {
        tracing::warn!(error = %e, "ignoring the session file");
        None
    });
    console::run(conn, Some(store), session).await?;
    Ok(())
}

/// The session store for `socket`.
fn session_store(socket: &Path) -> Result<SessionStore, CliError> {
    Ok(SessionStore::locate(&SessionEnv::from_process(), socket)?)
}

/// A connection and the stored token, for commands that need a login. Reachability is checked
/// first: "the daemon is down" is more useful than "not logged in".
async fn signed_in(socket: &Path) -> Result<(Connector, SessionToken), CliError> {
    let store = session_store(socket)?;
    let conn = Connector::new(socket);
    conn.connect().await?;
    match store.load()? {
        Some(session) => Ok((conn, session.token)),
        None => Err(CliError::NotLoggedIn {
            socket: socket.display().to_string(),
        }),
    }
}

/// Longest password line read; anything longer is refused rather than silently cut.
const MAX_PASSWORD_BYTES: u64 = 4096;

/// Reads the password from the first line of standard input.
fn read_password_stdin() -> Result<Secret, CliError> {
    let stdin = io::stdin();
    if stdin.is_terminal() {
        eprint!("password (read from standard input): ");
    }
    read_password(stdin.lock())
}

/// Reads one line, drops its line ending, and refuses an empty or overlong one.
fn read_password(input: impl BufRead) -> Result<Secret, CliError> {
    let mut line = Zeroizing::new(String::new());
    input
        .take(MAX_PASSWORD_BYTES + 1)
        .read_line(&mut line)
        .map_err(|e| {
            CliError::Usage(format!("cannot read the password from standard input: {e}"))
        })?;
    if line.len() as u64 > MAX_PASSWORD_BYTES {
        return Err(CliError::Usage(format!(
            "the password on standard input is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let text = line.strip_suffix('\n').unwrap_or(&line);
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.is_empty() {
        return Err(CliError::Usage(
            "the password on standard input is empty".into(),
        ));
    }
    Ok(Secret::new(text))
}

/// Writes `text` to stdout. A closed pipe (`upstra ups list | head -1`) is not an error.
fn out(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(CliError::Failed(format!(
            "cannot write to standard output: {e}"
        ))),
    }
}

/// Prints `value` as pretty JSON followed by a newline.
fn out_json<T: Serialize>(value: &T) -> Result<(), CliError> {
    let json = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Failed(format!("cannot encode the reply as JSON: {e}")))?;
    out(&format!("{json}\n"))
}

/// The second factor given on the command line, if any.
fn second_factor(
    totp: Option<String>,
    recovery: Option<String>,
) -> Option<upstra_core::api::v1::SecondFactor> {
    use upstra_core::api::v1::SecondFactor;
    use upstra_core::secret::Secret;
    totp.map(|c| SecondFactor::Totp(Secret::new(c)))
        .or_else(|| recovery.map(|c| SecondFactor::RecoveryCode(Secret::new(c))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_line_loses_its_line_ending_only() {
        let p = read_password(&b"  s3cret \r\nnext line\n"[..]).expect("valid");
        assert_eq!(p.expose(), "  s3cret ");
        let p = read_password(&b"no-newline"[..]).expect("valid");
        assert_eq!(p.expose(), "no-newline");
    }

    #[test]
    fn an_empty_or_huge_password_is_refused() {
        for input in [&b""[..], b"\n", b"\r\n"] {
            let err = read_password(input).expect_err("empty");
            assert_eq!(err.to_string(), "the password on standard input is empty");
        }
        let huge = vec![b'x'; 5000];
        assert!(read_password(&huge[..]).is_err());
    }
}
