//! The SSH pane's daemon side: authorizing a shell, recording how it ended, and pinning a
//! server's host key. The shell itself runs between the operator's console and the server;
//! the daemon never sees a credential of the operator's, only who opened what, where, for how
//! long, and why it ended.

use rand::RngCore;
use upstra_core::api::v1::ConflictReason;
use upstra_core::api::v1::{ApiError, MAX_CLOSE_REASON, SshTarget};
use upstra_core::model::{SshEndpoint, host_key_line};

use crate::server::service::Connection;
use crate::store::audit_detail::{SshClosed, SshHostKeyPinned, SshOpened};
use crate::store::{AuditEntry, CloseRefusal};

/// The server's SSH endpoint, or why it has none.
fn endpoint(c: &Connection, name: &str) -> Result<(String, SshEndpoint), ApiError> {
    let server = c.resolved_server(name)?;
    let id = server.id;
    match server.ssh {
        Some(ssh) => Ok((format!("server:{id}"), ssh)),
        None if c.shared.simulated => Err(ApiError::invalid(format!(
            "server `{name}` is part of the simulated lab, which has no SSH servers: a shell \
             needs a real server declared with `ssh = {{ address = \"host:22\" }}`"
        ))),
        None => Err(ApiError::invalid(format!(
            "server `{name}` has no SSH address declared: add `ssh = {{ address = \"host:22\" }}` \
             to its entry in the lab file"
        ))),
    }
}

/// A fresh id for one shell: 64 random bits, enough to never repeat in one audit log.
fn new_session_id() -> String {
    let mut bytes = [0u8; 8];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub async fn open(c: &Connection, server: String) -> Result<SshTarget, ApiError> {
    let who = c.who()?;
    let (user, upstra_session) = (who.user.clone(), who.session_id.clone());
    let (target, ssh) = endpoint(c, &server)?;
    let session_id = new_session_id();
    let login_hint = ssh.user.clone().unwrap_or_else(|| user.clone());
    let detail = SshOpened {
        address: ssh.address.clone(),
        login: login_hint.clone(),
        host_key_pinned: ssh.host_key.is_some(),
        upstra_session,
    };
    // The record is written before the address is handed out: a shell nobody can find in the
    // audit log is not opened at all.
    let (uid, id, t) = (c.peer_uid, session_id.clone(), target.clone());
    c.shared
        .store
        .call(move |db| {
            db.audit(
                &AuditEntry::new("ssh_open", "ok")
                    .actor(&user)
                    .peer_uid(uid)
                    .target(&t)
                    .detail(&detail)
                    .correlation(&id),
            )
        })
        .await?;
    tracing::info!(server = %server, session = %session_id, "ssh shell authorized");
    Ok(SshTarget {
        session_id,
        address: ssh.address,
        host_key: ssh.host_key,
        login_hint,
    })
}

/// `reason` as kept: one line of printable text, at most [`MAX_CLOSE_REASON`] characters.
fn clean_reason(reason: &str) -> String {
    let line: String = reason
        .chars()
        .map(|ch| if ch.is_control() { ' ' } else { ch })
        .take(MAX_CLOSE_REASON)
        .collect();
    let line = line.trim();
    if line.is_empty() {
        "unknown".to_owned()
    } else {
        line.to_owned()
    }
}

pub async fn closed(
    c: &Connection,
    session_id: String,
    duration_ms: u64,
    reason: String,
) -> Result<(), ApiError> {
    let user = c.who()?.user.clone();
    let detail = SshClosed {
        duration_ms,
        reason: clean_reason(&reason),
    };
    let (uid, id, u) = (c.peer_uid, session_id.clone(), user.clone());
    let recorded = c
        .shared
        .store
        .call(move |db| {
            db.record_ssh_close(
                &id,
                &u,
                &AuditEntry::new("ssh_close", "ok")
                    .actor(&u)
                    .peer_uid(uid)
                    .detail(&detail),
            )
        })
        .await?;
    match recorded {
        Ok(_) => Ok(()),
        Err(CloseRefusal::NotOpened) => Err(ApiError::NotFound {
            what: format!("SSH session `{session_id}` opened by {user}"),
        }),
        Err(CloseRefusal::AlreadyClosed) => Err(ApiError::Conflict {
            reason: ConflictReason::SshSessionClosed,
            message: format!("SSH session `{session_id}` is already recorded as closed"),
        }),
    }
}

pub async fn pin_host_key(
    c: &Connection,
    server: String,
    host_key: String,
) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let line = host_key_line(&host_key).ok_or_else(|| {
        ApiError::invalid("not an OpenSSH public key line (`ssh-ed25519 AAAA...`)")
    })?;
    let (target, _) = endpoint(c, &server)?;
    let id = c.resolved_server(&server)?.id;
    let mut inventory = (*c.shared.inventory()).clone();
    let entry = inventory
        .servers
        .get_mut(&id)
        .ok_or_else(|| ApiError::NotFound {
            what: format!("server `{server}`"),
        })?;
    let Some(ssh) = entry.ssh.as_mut() else {
        return Err(ApiError::invalid(format!(
            "server `{server}` has no SSH address declared"
        )));
    };
    let before = ssh.host_key.replace(line.clone());
    let saved = entry.clone();
    let detail = SshHostKeyPinned {
        host_key: line,
        before,
    };
    let (uid, t) = (c.peer_uid, target);
    c.shared
        .store
        .call(move |db| {
            db.save_inventory(
                &[],
                &[],
                &[&saved],
                None,
                &AuditEntry::new("ssh_pin_host_key", "ok")
                    .actor(&who)
                    .peer_uid(uid)
                    .target(&t)
                    .detail(&detail),
            )
        })
        .await?;
    c.shared.set_inventory(inventory);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::clean_reason;

    #[test]
    fn close_reasons_are_one_short_printable_line() {
        assert_eq!(clean_reason("exit\nstatus 0\u{1b}[2J"), "exit status 0 [2J");
        assert_eq!(clean_reason("   "), "unknown");
        assert_eq!(clean_reason(&"x".repeat(500)).chars().count(), 200);
    }
}
