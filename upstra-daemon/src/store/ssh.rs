//! The SSH shells' audit records: a shell's open and close records share its session id as
//! their correlation id, so the close can be checked against the open in the same
//! transaction that records it.

use rusqlite::{OptionalExtension, params};

use super::audit::{AuditEntry, append};
use super::{Db, StoreError};

/// Why a close was not recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CloseRefusal {
    /// No shell of this user was opened under this id.
    NotOpened,
    /// Its close is already recorded.
    AlreadyClosed,
}

impl Db {
    /// Appends the close record `entry` (action `ssh_close`) of the shell `session_id` that
    /// `user` opened, and returns the open record's target (`server:NAME`). Refused when the
    /// user opened no such shell or its close is recorded already, so a close is recorded at
    /// most once, and only by whoever opened the shell.
    pub fn record_ssh_close(
        &mut self,
        session_id: &str,
        user: &str,
        entry: &AuditEntry,
    ) -> Result<Result<String, CloseRefusal>, StoreError> {
        let tx = self.conn().transaction()?;
        let opened: Option<Option<String>> = tx
            .query_row(
                "SELECT target FROM audit
                 WHERE correlation = ?1 AND action = 'ssh_open' AND result = 'ok' AND actor = ?2
                 LIMIT 1",
                params![session_id, user],
                |r| r.get(0),
            )
            .optional()?;
        let Some(target) = opened else {
            return Ok(Err(CloseRefusal::NotOpened));
        };
        let closed: i64 = tx.query_row(
            "SELECT count(*) FROM audit WHERE correlation = ?1 AND action = 'ssh_close'",
            params![session_id],
            |r| r.get(0),
        )?;
        if closed > 0 {
            return Ok(Err(CloseRefusal::AlreadyClosed));
        }
        let target = target.unwrap_or_default();
        append(
            &tx,
            &entry
                .clone()
                .target(target.as_str())
                .correlation(session_id),
        )?;
        tx.commit()?;
        Ok(Ok(target))
    }
}
