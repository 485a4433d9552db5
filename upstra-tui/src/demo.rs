//! `upstra demo`: a daemon on a simulated lab, in this process, and the console on it.
//!
//! Everything lives in a fresh temporary directory (socket, encrypted store, log), removed when
//! the console closes. The console still talks to the daemon only through its socket, exactly
//! as it would to a real `upstrad`; the demo login is printed first so that other terminals
//! can use the same daemon (`upstra --socket ... ups list`).

use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use upstra_core::api::v1::LoginRequest;
use upstra_core::secret::Secret;
use upstra_daemon::demo::DemoDaemon;

use crate::client::{Connector, timeouts};
use crate::error::CliError;
use crate::session::{SessionEnv, SessionStore, StoredSession};
use crate::{console, logging};

/// Runs the demo until the console is closed; `keys` is the console's key file, if given.
pub async fn run(keys: Option<&Path>) -> Result<(), CliError> {
    let options = crate::commands::console_options(keys)?;
    let dir = tempfile::Builder::new()
        .prefix("upstra-demo-")
        .tempdir()
        .map_err(|e| CliError::Failed(format!("cannot create a directory for the demo: {e}")))?;
    let daemon = upstra_daemon::demo::start(dir.path())
        .await
        .map_err(|e| CliError::Failed(format!("cannot start the demo daemon: {e}")))?;
    // The in-process daemon logs through the same subscriber, into the demo directory.
    logging::to_file(&daemon.log_file);
    let socket = daemon.socket.display().to_string();
    let banner = banner(
        &dir.path().display().to_string(),
        &daemon.user,
        &daemon.password,
        &socket,
    );
    // Best effort: a closed stdout must not stop the demo.
    let _ = std::io::stdout().write_all(banner.as_bytes());
    let _ = std::io::stdout().flush();

    let options = console::Options {
        demo: Some(console::state::DemoLogin {
            user: daemon.user.clone(),
            password: daemon.password.clone(),
        }),
        ..options
    };
    let outcome = console_on(&daemon, options).await;
    daemon.shutdown().await;
    if let Err(e) = dir.close() {
        tracing::warn!(error = %e, "cannot remove the demo directory");
    }
    outcome
}

/// What the demo prints before the console covers the terminal: what it is, the login to type
/// (the console opens logged in; a logout or a second terminal needs it), the socket, and the
/// commands for a second console and for scripts. The help shows the login again.
fn banner(dir: &str, user: &str, password: &str, socket: &str) -> String {
    format!(
        "Upstra demo: a daemon on a simulated lab, in {dir} (removed when you quit).\n\
         The console opens logged in. To log in again (after a logout, or elsewhere), type:\n  \
         user      {user}\n  \
         password  {password}\n\
         The daemon listens on the socket {socket}\n\
         A second console, from another terminal:  upstra --socket {socket}\n\
         A command, from another terminal:         upstra --socket {socket} ups list\n\
         The help (? in the console) shows the login again.\n"
    )
}

/// Logs in as the demo user, keeps the session for the demo socket, runs the console, and
/// forgets the session afterwards (the daemon is about to disappear).
async fn console_on(daemon: &DemoDaemon, options: console::Options) -> Result<(), CliError> {
    let conn = Arc::new(Connector::new(&daemon.socket));
    let req = LoginRequest {
        user: daemon.user.clone(),
        password: Secret::new(daemon.password.as_str()),
    };
    let outcome = conn
        .call(
            timeouts::LOGIN,
            |c, ctx| async move { c.login(ctx, req).await },
        )
        .await?;
    let upstra_core::api::v1::LoginOutcome::Session(reply) = outcome else {
        return Err(CliError::Usage(
            "the demo user unexpectedly needs a second factor".into(),
        ));
    };
    let session = StoredSession {
        token: reply.token,
        user: reply.user,
        expires_at: reply.expires_at,
    };
    let store = SessionStore::locate(&SessionEnv::from_process(), &daemon.socket)?;
    store.save(&session)?;
    let outcome = console::run(conn, Some(store.clone()), Some(session), options).await;
    store.remove()?;
    Ok(outcome?)
}
