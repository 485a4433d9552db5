//! The subcommands. Each one connects, makes its calls, and prints for people or, with
//! `--json`, the API's wire types; failures come back as [`CliError`] for `main` to print.

mod access;
pub(crate) mod apply;
mod audit;
mod auth;
mod backup;
pub mod confirm;
mod events;
mod export;
mod import;
mod list;
mod no_echo;
mod notify;
mod operations;
mod plan;
mod sessions;
mod ssh;
mod stdin_reader;
mod twofactor;
mod users;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;

use serde::Serialize;
use upstra_core::api::v1::SessionToken;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use crate::cli::{Cli, Command, ListVerb, ServerVerb, VmVerb};
use crate::client::Connector;
use crate::error::CliError;
use crate::session::{SessionEnv, SessionStore, StoredSession};
use crate::{console, logging};

/// Runs the command `cli` names; no subcommand opens the console.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let socket = cli.socket.as_path();
    let keys = cli.keys.as_deref();
    let Some(command) = cli.command else {
        return open_console(socket, keys).await;
    };
    match command {
        #[cfg(feature = "demo")]
        Command::Demo(a) => crate::demo::run(a.keys.as_deref().or(keys)).await,
        Command::Completions(a) => {
            let mut buf = Vec::new();
            clap_complete::generate(a.shell, &mut crate::cli::command(), "upstra", &mut buf);
            // Generated from our own command line, tabs and all: nothing to escape.
            out_trusted(&String::from_utf8_lossy(&buf))
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(crate::cli::command())
                // An empty date (roff's zero-width `\&`): clap_mangen writes an empty one as nothing,
                // which moved the source into the date's place in the page's footer.
                .date("\\&")
                .manual("User Commands")
                .render(&mut buf)
                .map_err(|e| CliError::Failed(format!("cannot write the manual page: {e}")))?;
            out_trusted(&String::from_utf8_lossy(&buf))
        }
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
        Command::Passwd(_) => auth::passwd(socket).await,
        Command::Apply(a) => apply::run(socket, &a).await,
        Command::Import(crate::cli::ImportVerb::UpstraV1(a)) => import::upstra_v1(&a).await,
        Command::Export(f) => export::run(socket, f.json).await,
        Command::Room(ListVerb::List(f)) => list::rooms(socket, f.json).await,
        Command::Ups(ListVerb::List(f)) => list::ups(socket, f.json).await,
        Command::Server(ServerVerb::List(f)) => list::servers(socket, f.json).await,
        Command::Server(ServerVerb::Power(a)) => operations::server_power(socket, &a).await,
        Command::Vm(VmVerb::List(f)) => list::vms(socket, f.json).await,
        Command::Vm(VmVerb::Power(a)) => operations::vm_power(socket, &a).await,
        Command::Vm(VmVerb::Migrate(a)) => operations::vm_migrate(socket, &a).await,
        Command::Sync(f) => operations::sync(socket, f.json).await,
        Command::Events(a) => events::run(socket, &a).await,
        Command::Trust(t) => operations::trust(socket, t).await,
        Command::Plan(v) => plan::run(socket, v).await,
        Command::User(v) => users::run(socket, v).await,
        Command::Role(v) => access::role(socket, v).await,
        Command::Grant(v) => access::grant(socket, v).await,
        Command::Settings(v) => access::settings(socket, v).await,
        Command::TwoFactor(v) => twofactor::run(socket, v).await,
        Command::Session(v) => sessions::run(socket, v).await,
        Command::Who(f) => sessions::who(socket, f.json).await,
        Command::Audit(a) => audit::run(socket, a).await,
        Command::Backup(a) => backup::run(socket, &a).await,
        Command::Notify(v) => notify::run(socket, v).await,
        Command::Ssh(a) => ssh::run(socket, &a).await,
    }
}

/// The console's options: read before the terminal is taken over, so that a bad key file is
/// one line on stderr.
pub(crate) fn console_options(keys: Option<&Path>) -> Result<console::Options, CliError> {
    let keys = console::keyfile::load(keys).map_err(|e| CliError::Usage(e.to_string()))?;
    Ok(console::Options::from_env(keys))
}

async fn open_console(socket: &Path, keys: Option<&Path>) -> Result<(), CliError> {
    let options = console_options(keys)?;
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
    console::run(conn, Some(store), session, options).await?;
    Ok(())
}

/// The session store for `socket`.
fn session_store(socket: &Path) -> Result<SessionStore, CliError> {
    Ok(SessionStore::locate(&SessionEnv::from_process(), socket)?)
}

/// A connection and the stored token, for commands that need a login. Reachability is checked
/// first: "the daemon is down" is more useful than "not logged in".
async fn signed_in(socket: &Path) -> Result<(Connector, SessionToken), CliError> {
    let (conn, session, _) = signed_in_as(socket).await?;
    Ok((conn, session.token))
}

/// [`signed_in`], with the whole stored session and its store, for commands that may end the
/// session they run in (`passwd`, `session revoke`) and must then forget it.
async fn signed_in_as(socket: &Path) -> Result<(Connector, StoredSession, SessionStore), CliError> {
    let store = session_store(socket)?;
    let conn = Connector::new(socket);
    conn.connect().await?;
    match store.load()? {
        Some(session) => Ok((conn, session, store)),
        None => Err(CliError::NotLoggedIn {
            socket: socket.display().to_string(),
        }),
    }
}

/// Longest password line read; anything longer is refused rather than silently cut.
const MAX_PASSWORD_BYTES: u64 = 4096;

/// Reads the password from the first line of standard input.
fn read_password_stdin() -> Result<Secret, CliError> {
    let mut passwords = read_passwords_stdin(&["the password"])?;
    Ok(passwords.remove(0))
}

/// Reads one password per line of standard input, one for each of `what` ("the current
/// password", ...), prompting with those words when standard input is a terminal.
fn read_passwords_stdin(what: &[&str]) -> Result<Vec<Secret>, CliError> {
    let stdin = io::stdin();
    let interactive = stdin.is_terminal();
    let mut lines = stdin.lock();
    let mut passwords = Vec::with_capacity(what.len());
    for name in what {
        let _quiet = interactive.then(|| {
            eprint!("{name} (read from standard input): ");
            no_echo::NoEcho::start()
        });
        passwords.push(read_secret_line(&mut lines, name)?);
    }
    Ok(passwords)
}

/// Reads one line, drops its line ending, and refuses an empty or overlong one.
#[cfg(test)]
fn read_password(input: impl BufRead) -> Result<Secret, CliError> {
    read_secret_line(input, "the password")
}

/// Reads one line holding `what`, drops its line ending, and refuses an empty or overlong one.
fn read_secret_line(input: impl BufRead, what: &str) -> Result<Secret, CliError> {
    let mut line = Zeroizing::new(String::new());
    input
        .take(MAX_PASSWORD_BYTES + 1)
        .read_line(&mut line)
        .map_err(|e| CliError::Usage(format!("cannot read {what} from standard input: {e}")))?;
    if line.len() as u64 > MAX_PASSWORD_BYTES {
        return Err(CliError::Usage(format!(
            "{what} on standard input is longer than {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let text = line.strip_suffix('\n').unwrap_or(&line);
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.is_empty() {
        return Err(CliError::Usage(format!(
            "{what} on standard input is empty"
        )));
    }
    Ok(Secret::new(text))
}

/// Writes `text` to stdout. A closed pipe (`upstra ups list | head -1`) is not an error.
///
/// Every command's text holds names that came from users, lab files and peers (an audit
/// record's actor, a VM's name in vCenter); any control or bidirectional character in it is
/// escaped here, whichever command built it, so none reaches the terminal. Only the newlines
/// stay: they are the command's own layout. Cells and messages that quote one name escape it
/// whole beforehand ([`crate::table::Table::row`], [`shown`]), newlines included.
fn out(text: &str) -> Result<(), CliError> {
    out_trusted(&shown_lines(text))
}

/// `text` with every hostile character escaped but the newlines.
pub fn shown_lines(text: &str) -> String {
    text.split('\n')
        .map(upstra_core::text::escape)
        .collect::<Vec<_>>()
        .join("\n")
}

/// One name or quoted text, escaped whole, for a message: a newline in it would otherwise
/// start a line of its own.
pub(crate) fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    upstra_core::text::escape(text)
}

/// [`out`] for text this program wrote in full, escape sequences included (the QR code's
/// colours): nothing in it came from someone else.
fn out_trusted(text: &str) -> Result<(), CliError> {
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
    out_trusted(&format!("{}\n", json_escaped(&json)))
}

/// serde_json escapes the C0 controls in strings but writes DEL, the C1 controls and the
/// bidirectional characters as they are. Those can only occur inside JSON strings, where
/// `\uXXXX` means the same character: escaping them keeps the JSON's meaning and the terminal
/// safe.
pub(crate) fn json_escaped(json: &str) -> std::borrow::Cow<'_, str> {
    use std::fmt::Write as _;
    if !json.contains(upstra_core::text::is_hostile) {
        return std::borrow::Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if upstra_core::text::is_hostile(c) && c != '\n' {
            // Every hostile character is in the Basic Multilingual Plane: one \u escape each.
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
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
    fn two_lines_give_two_passwords_named_in_errors() {
        let mut input = &b"old-password\nnew-password\n"[..];
        let old = read_secret_line(&mut input, "the current password").expect("first line");
        let new = read_secret_line(&mut input, "the new password").expect("second line");
        assert_eq!(
            (old.expose(), new.expose()),
            ("old-password", "new-password")
        );
        let err = read_secret_line(&mut input, "the new password").expect_err("no third line");
        assert_eq!(
            err.to_string(),
            "the new password on standard input is empty"
        );
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
