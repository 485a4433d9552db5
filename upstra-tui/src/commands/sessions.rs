//! `upstra session list|revoke|revoke-user` and `upstra who`. `--json` prints the API's
//! `SessionView` and `PresenceView` arrays.

use std::path::Path;

use upstra_core::api::v1::{PresenceView, SessionView};

use super::{out, out_json, signed_in, signed_in_as};
use crate::cli::SessionVerb;
use crate::client::timeouts;
use crate::error::CliError;
use crate::format;
use crate::table::{Align, Table};

/// Runs one `session` verb.
pub async fn run(socket: &Path, verb: SessionVerb) -> Result<(), CliError> {
    match verb {
        SessionVerb::List(l) => list(socket, l.user, l.json).await,
        SessionVerb::Revoke(r) => revoke(socket, r.id).await,
        SessionVerb::RevokeUser(u) => revoke_user(socket, u.name).await,
    }
}

async fn list(socket: &Path, user: Option<String>, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let sessions = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.session_list(ctx, token, user).await
        })
        .await?;
    if json {
        return out_json(&sessions);
    }
    out(&sessions_table(&sessions))
}

async fn revoke(socket: &Path, id: String) -> Result<(), CliError> {
    let (conn, session, store) = signed_in_as(socket).await?;
    let token = session.token.clone();
    let mine = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.session_list(ctx, token, None).await
        })
        .await?;
    let current = mine.iter().any(|s| s.current && s.id == id);
    let (token, target) = (session.token, id.clone());
    conn.call(timeouts::CALL, |c, ctx| async move {
        c.session_revoke(ctx, token, target).await
    })
    .await?;
    if current {
        store.remove()?;
        return out(&format!(
            "ended session {id}, the one this command used: log in again to go on\n"
        ));
    }
    out(&format!("ended session {id}\n"))
}

async fn revoke_user(socket: &Path, user: String) -> Result<(), CliError> {
    let (conn, session, store) = signed_in_as(socket).await?;
    let (token, name) = (session.token, user.clone());
    let ended = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.session_revoke_user(ctx, token, name).await
        })
        .await?;
    let count = match ended {
        1 => "1 session".to_owned(),
        n => format!("{n} sessions"),
    };
    if user == session.user {
        store.remove()?;
        return out(&format!(
            "ended {count} of {user}, this one too: log in again to go on\n"
        ));
    }
    out(&format!("ended {count} of {user}\n"))
}

/// `upstra who`.
pub async fn who(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let present = conn
        .call(timeouts::CALL, |c, ctx| async move {
            c.presence(ctx, token).await
        })
        .await?;
    if json {
        return out_json(&present);
    }
    out(&presence_table(&present))
}

fn sessions_table(sessions: &[SessionView]) -> String {
    let mut t = Table::new(&[
        ("ID", Align::Left),
        ("USER", Align::Left),
        ("SCOPE", Align::Left),
        ("UID", Align::Right),
        ("CREATED", Align::Left),
        ("LAST SEEN", Align::Left),
        ("EXPIRES", Align::Left),
    ]);
    for s in sessions {
        let id = if s.current {
            format!("{} (this one)", s.id)
        } else {
            s.id.clone()
        };
        t.row(vec![
            id,
            s.user.clone(),
            s.scope.as_str().to_owned(),
            s.peer_uid.to_string(),
            format::timestamp(s.created_at),
            format::timestamp(s.last_seen_at),
            format::timestamp(s.expires_at),
        ]);
    }
    t.render()
}

fn presence_table(present: &[PresenceView]) -> String {
    let mut t = Table::new(&[
        ("USER", Align::Left),
        ("SINCE", Align::Left),
        ("UIDS", Align::Left),
        ("CONNECTIONS", Align::Right),
    ]);
    for p in present {
        let uids: Vec<String> = p.peer_uids.iter().map(u32::to_string).collect();
        t.row(vec![
            p.user.clone(),
            format::timestamp(p.since),
            uids.join(","),
            p.connections.to_string(),
        ]);
    }
    t.render()
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::api::v1::SessionScope;
    use upstra_core::state::Timestamp;

    #[test]
    fn the_current_session_is_marked() {
        let s = SessionView {
            id: "a1b2c3".into(),
            user: "alice".into(),
            scope: SessionScope::Full,
            peer_uid: 1000,
            created_at: Timestamp(0),
            last_seen_at: Timestamp(0),
            expires_at: Timestamp(0),
            current: true,
        };
        let text = sessions_table(&[s]);
        assert!(
            text.lines()
                .nth(1)
                .is_some_and(|l| l.starts_with("a1b2c3 (this one)  alice  full   1000")),
            "{text}"
        );
    }

    #[test]
    fn presence_lists_uids() {
        let p = PresenceView {
            user: "bob".into(),
            since: Timestamp(0),
            peer_uids: vec![0, 1000],
            connections: 3,
        };
        assert_eq!(
            presence_table(&[p]),
            "USER  SINCE                 UIDS    CONNECTIONS\n\
             bob   1970-01-01T00:00:00Z  0,1000            3\n"
        );
    }
}
