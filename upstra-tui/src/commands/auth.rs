//! `setup`, `login`, `logout`, `whoami` and `passwd`: the session's life cycle.

use std::path::Path;
use std::time::SystemTime;

use upstra_core::api::v1::{
    ApiError, LoginOutcome, LoginRequest, SecondFactor, SessionScope, SetupRequest,
};

use super::{
    out, out_json, read_password_stdin, read_passwords_stdin, session_store, signed_in,
    signed_in_as,
};
use crate::client::{CallError, Connector, timeouts};
use crate::error::CliError;
use crate::format;
use crate::session::{SessionError, StoredSession};

/// `upstra setup`: creates the first admin. The daemon refuses once any user exists, and its
/// message says so.
pub async fn setup(socket: &Path, user: &str) -> Result<(), CliError> {
    let password = read_password_stdin()?;
    let conn = Connector::new(socket);
    let req = SetupRequest {
        user: user.to_owned(),
        password,
    };
    conn.call(
        timeouts::LOGIN,
        |c, ctx| async move { c.setup(ctx, req).await },
    )
    .await?;
    out(&format!(
        "created the first admin, {user}; now run `upstra login --user {user} --password-stdin`\n"
    ))
}

/// `upstra login`: opens a session and keeps its token for this socket. With two-factor on,
/// the password step returns a challenge that is traded, with the code, for the session.
pub async fn login(
    socket: &Path,
    user: &str,
    factor: Option<SecondFactor>,
) -> Result<(), CliError> {
    let password = read_password_stdin()?;
    let store = session_store(socket)?;
    let conn = Connector::new(socket);
    let req = LoginRequest {
        user: user.to_owned(),
        password,
    };
    let outcome = conn
        .call(
            timeouts::LOGIN,
            |c, ctx| async move { c.login(ctx, req).await },
        )
        .await?;
    let reply = match (outcome, factor) {
        (LoginOutcome::Session(reply), _) => reply,
        (LoginOutcome::SecondFactorRequired { challenge, .. }, Some(factor)) => {
            conn.call(timeouts::LOGIN, |c, ctx| async move {
                c.login_second_factor(ctx, challenge, factor).await
            })
            .await?
        }
        (LoginOutcome::SecondFactorRequired { .. }, None) => {
            return Err(CliError::Usage(format!(
                "{user} has two-factor authentication on: add --totp CODE (or --recovery-code CODE)"
            )));
        }
    };
    store.save(&StoredSession {
        token: reply.token,
        user: reply.user.clone(),
        expires_at: reply.expires_at,
    })?;
    let limited = match reply.scope {
        SessionScope::Full => String::new(),
        SessionScope::EnrollTwoFactor => {
            "\nyour account must use two-factor: run `upstra 2fa enroll`, then `upstra 2fa confirm CODE`".into()
        }
        SessionScope::ChangePassword => "\nyour password was reset: set a new one with `upstra passwd`".into(),
        // A newer daemon's limit: its refusals say what the session may do.
        SessionScope::Unknown => "\nthis session is limited in a way this upstra does not know: update upstra; a refused command says what the session may do".into(),
    };
    out(&format!(
        "logged in as {} ({}); the session ends at {} at the latest{limited}\n",
        reply.user,
        reply.role,
        format::timestamp(reply.expires_at)
    ))
}

/// `upstra logout`: ends the session on the daemon, then forgets it. A session the daemon no
/// longer knows is forgotten too; a daemon that cannot be reached keeps the file, so the
/// session can still be ended later.
pub async fn logout(socket: &Path) -> Result<(), CliError> {
    let store = session_store(socket)?;
    let session = match store.load() {
        Ok(Some(session)) => session,
        Ok(None) => {
            return out(&format!(
                "not logged in to the daemon at {}; nothing to do\n",
                socket.display()
            ));
        }
        Err(SessionError::Damaged { .. }) => {
            store.remove()?;
            return out("removed a damaged session file\n");
        }
        Err(e) => return Err(e.into()),
    };
    let conn = Connector::new(socket);
    let token = session.token;
    let ended = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.logout(ctx, token).await
        })
        .await;
    match ended {
        Ok(()) => {
            store.remove()?;
            out(&format!("logged out {}\n", session.user))
        }
        Err(CallError::Api(ApiError::Unauthenticated)) => {
            store.remove()?;
            out("the session had already ended; forgot it\n")
        }
        Err(e) => Err(e.into()),
    }
}

/// `upstra whoami`.
pub async fn whoami(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let me = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.whoami(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&me);
    }
    let expires = format!(
        "{} ({})",
        format::timestamp(me.session_expires_at),
        format::until(me.session_expires_at, SystemTime::now())
    );
    let permissions = if me.permissions.is_empty() {
        format::NONE.to_owned()
    } else {
        me.permissions.clone()
    };
    let rows = [
        ("user", me.user.as_str()),
        ("role", me.role.as_str()),
        ("permissions", permissions.as_str()),
        ("peer uid", &me.peer_uid.to_string()),
        ("expires", expires.as_str()),
    ];
    let text: String = rows.iter().map(|(k, v)| format!("{k:<12} {v}\n")).collect();
    out(&text)
}

/// `upstra passwd`: the current password and the new one, one per line on standard input.
/// The daemon ends every session of the user on success, so the stored one is forgotten.
pub async fn passwd(socket: &Path) -> Result<(), CliError> {
    let (conn, session, store) = signed_in_as(socket).await?;
    let mut passwords = read_passwords_stdin(&["the current password", "the new password"])?;
    let new = passwords.pop();
    let current = passwords.pop();
    let (Some(current), Some(new)) = (current, new) else {
        return Err(CliError::Usage(
            "give the current password, then the new one, on standard input".into(),
        ));
    };
    let token = session.token;
    conn.call(timeouts::LOGIN, |c, ctx| async move {
        c.change_password(ctx, token, current, new).await
    })
    .await?;
    store.remove()?;
    let user = session.user;
    out(&format!(
        "changed the password of {user}; every session of {user} has ended, this one too: \
         log in again with `upstra login --user {user} --password-stdin`\n"
    ))
}
