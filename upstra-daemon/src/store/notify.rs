//! The notification outbox's rows and cursor (see `crate::notify`).

use rusqlite::{OptionalExtension, params};

use super::{Db, StoreError};

/// Where a (message, channel) row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting for its next attempt.
    Pending,
    /// The server took it: never sent again.
    Delivered,
    /// The server refused it for good.
    Rejected,
    /// Still undelivered at the end of the retry horizon, or dropped at the outbox's cap.
    Failed,
}

impl OutboxState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Delivered => "delivered",
            Self::Rejected => "rejected",
            Self::Failed => "failed",
        }
    }

    /// The state as `notify_list` sends it.
    pub fn on_the_wire(self) -> upstra_core::api::v1::DeliveryState {
        use upstra_core::api::v1::DeliveryState;
        match self {
            Self::Pending => DeliveryState::Pending,
            Self::Delivered => DeliveryState::Delivered,
            Self::Rejected => DeliveryState::Rejected,
            Self::Failed => DeliveryState::Failed,
        }
    }

    fn parse(s: &str) -> Self {
        match s {
            "delivered" => Self::Delivered,
            "rejected" => Self::Rejected,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }
}

/// A row to write.
#[derive(Debug, Clone)]
pub struct NewOutboxRow {
    pub id: String,
    pub channel: String,
    pub kind: String,
    pub created_ms: i64,
    /// The `Message` as JSON.
    pub message: String,
}

/// A row as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxRow {
    pub id: String,
    pub channel: String,
    pub kind: String,
    pub created_ms: i64,
    pub message: String,
    pub state: OutboxState,
    pub attempts: u32,
    pub next_at_ms: i64,
    pub last_at_ms: Option<i64>,
    pub answer: Option<String>,
}

const COLUMNS: &str =
    "id, channel, kind, created, message, state, attempts, next_at, last_at, answer";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        channel: r.get(1)?,
        kind: r.get(2)?,
        created_ms: r.get(3)?,
        message: r.get(4)?,
        state: OutboxState::parse(&r.get::<_, String>(5)?),
        attempts: r.get(6)?,
        next_at_ms: r.get(7)?,
        last_at_ms: r.get(8)?,
        answer: r.get(9)?,
    })
}

fn seq_param(seq: u64) -> i64 {
    i64::try_from(seq).unwrap_or(i64::MAX)
}

impl Db {
    /// The last event the outbox has turned into rows; `None` before the first.
    pub fn notify_cursor(&mut self) -> Result<Option<u64>, StoreError> {
        let seq: Option<i64> = self
            .conn()
            .query_row("SELECT seq FROM notify_cursor WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(seq.map(i64::unsigned_abs))
    }

    /// Writes `rows` (a row already there by id is left as it is) and moves the cursor to
    /// `cursor`, in one transaction. At `max_pending` pending rows a new row is written as
    /// failed instead, so the outbox cannot grow without bound while a receiver is down;
    /// returns how many were.
    pub fn notify_enqueue(
        &mut self,
        rows: &[NewOutboxRow],
        cursor: u64,
        max_pending: u64,
        cap_reason: &str,
    ) -> Result<u32, StoreError> {
        let tx = self.conn().transaction()?;
        let mut dropped = 0;
        {
            let mut pending: i64 = tx.query_row(
                "SELECT count(*) FROM notify_outbox WHERE state = 'pending'",
                [],
                |r| r.get(0),
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO notify_outbox
                 (id, channel, kind, created, message, state, attempts, next_at, answer)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?4, ?7)",
            )?;
            for r in rows {
                let full = pending.unsigned_abs() >= max_pending;
                let (state, answer) = if full {
                    ("failed", Some(cap_reason))
                } else {
                    ("pending", None)
                };
                let n = insert.execute(params![
                    r.id,
                    r.channel,
                    r.kind,
                    r.created_ms,
                    r.message,
                    state,
                    answer
                ])?;
                if n > 0 {
                    if full {
                        dropped += 1;
                    } else {
                        pending += 1;
                    }
                }
            }
            tx.execute(
                "INSERT INTO notify_cursor (id, seq) VALUES (1, ?1)
                 ON CONFLICT(id) DO UPDATE SET seq = max(seq, ?1)",
                [seq_param(cursor)],
            )?;
        }
        tx.commit()?;
        Ok(dropped)
    }

    /// Forgets the cursor (no channel is configured any more).
    pub fn notify_forget_cursor(&mut self) -> Result<(), StoreError> {
        self.conn().execute("DELETE FROM notify_cursor", [])?;
        Ok(())
    }

    /// Inserts one row now (a test message), pending.
    pub fn notify_insert(&mut self, row: &NewOutboxRow) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR IGNORE INTO notify_outbox
             (id, channel, kind, created, message, state, attempts, next_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'pending', 0, ?4)",
            params![row.id, row.channel, row.kind, row.created_ms, row.message],
        )?;
        Ok(())
    }

    /// The pending rows of `channel`, oldest first, at most `limit`.
    pub fn notify_pending(
        &mut self,
        channel: &str,
        limit: u32,
    ) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notify_outbox
             WHERE channel = ?1 AND state = 'pending' ORDER BY created, id LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![channel, limit], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records an attempt's outcome. A row already delivered stays delivered.
    pub fn notify_mark(
        &mut self,
        id: &str,
        state: OutboxState,
        attempts: u32,
        next_at_ms: i64,
        now_ms: i64,
        answer: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE notify_outbox SET state = ?2, attempts = ?3, next_at = ?4, last_at = ?5,
             answer = ?6 WHERE id = ?1 AND state = 'pending'",
            params![id, state.as_str(), attempts, next_at_ms, now_ms, answer],
        )?;
        Ok(())
    }

    /// One row by id.
    pub fn notify_row(&mut self, id: &str) -> Result<Option<OutboxRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM notify_outbox WHERE id = ?1"),
                [id],
                row,
            )
            .optional()?)
    }

    /// The newest rows, newest first.
    pub fn notify_recent(&mut self, limit: u32) -> Result<Vec<OutboxRow>, StoreError> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM notify_outbox ORDER BY created DESC, id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([limit], row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Deletes finished rows (delivered, rejected, failed) beyond the newest `keep`.
    pub fn notify_trim(&mut self, keep: u32) -> Result<(), StoreError> {
        self.conn().execute(
            "DELETE FROM notify_outbox WHERE state != 'pending' AND id NOT IN
             (SELECT id FROM notify_outbox ORDER BY created DESC LIMIT ?1)",
            [keep],
        )?;
        Ok(())
    }
}
