//! The audit trail in the store: every record is appended with the hash chained over the one
//! before it (`upstra_core::audit`), inside the caller's transaction when there is one, so a
//! change and its audit record land together or not at all.

use rusqlite::{Connection, OptionalExtension, params};
use upstra_core::audit::{self, AuditRecord, GENESIS};
use upstra_core::state::Timestamp;

pub use super::audit_entry::AuditEntry;
use super::{Db, StoreError};

/// Filters for reading records.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub since: Option<i64>,
    /// A prefix of the user: `al` finds `alice` and `albert`.
    pub actor: Option<String>,
    /// A prefix of the action: `plan` finds `plan_run`, `plan_restore`, `plan_step`...
    pub action: Option<String>,
    /// Only records with a smaller sequence number.
    pub before: Option<u64>,
    pub limit: u32,
}

fn last_link(conn: &Connection) -> Result<(u64, [u8; 32]), StoreError> {
    let last: Option<(i64, Option<Vec<u8>>)> = conn
        .query_row(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match last {
        None => Ok((0, GENESIS)),
        Some((seq, Some(hash))) => {
            let hash: [u8; 32] = hash.try_into().map_err(|_| {
                StoreError::Corrupt(format!("audit record {seq} has a malformed hash"))
            })?;
            Ok((seq.unsigned_abs(), hash))
        }
        Some((seq, None)) => Err(StoreError::Corrupt(format!(
            "audit record {seq} has no hash"
        ))),
    }
}

/// Appends a record after the last one, chaining its hash.
pub(super) fn append(conn: &Connection, e: &AuditEntry) -> Result<u64, StoreError> {
    let (last, prev) = last_link(conn)?;
    let record = AuditRecord {
        seq: last + 1,
        at: Timestamp(e.at),
        actor: e.actor.clone(),
        peer_uid: e.peer_uid,
        action: e.action.clone(),
        target: e.target.clone(),
        result: e.result.clone(),
        detail: e.detail.as_ref().map(serde_json::Value::to_string),
        correlation: e.correlation.clone(),
    };
    let hash = audit::chain_hash(&prev, &record);
    insert(conn, &record, &hash)?;
    Ok(record.seq)
}

fn insert(conn: &Connection, r: &AuditRecord, hash: &[u8; 32]) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (seq, at, actor, peer_uid, action, target, result, detail, correlation, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            i64::try_from(r.seq).unwrap_or(i64::MAX),
            r.at.millis(),
            r.actor,
            r.peer_uid,
            r.action,
            r.target,
            r.result,
            r.detail,
            r.correlation,
            hash.as_slice()
        ],
    )?;
    Ok(())
}

fn row_to_record(r: &rusqlite::Row<'_>) -> rusqlite::Result<(AuditRecord, Option<Vec<u8>>)> {
    Ok((
        AuditRecord {
            seq: r.get::<_, i64>(0)?.unsigned_abs(),
            at: Timestamp(r.get(1)?),
            actor: r.get(2)?,
            peer_uid: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            result: r.get(6)?,
            detail: r.get(7)?,
            correlation: r.get(8)?,
        },
        r.get(9)?,
    ))
}

const COLUMNS: &str = "seq, at, actor, peer_uid, action, target, result, detail, correlation, hash";

impl Db {
    /// Appends one record.
    pub fn audit(&mut self, entry: &AuditEntry) -> Result<u64, StoreError> {
        let tx = self.conn().transaction()?;
        let seq = append(&tx, entry)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Chains records written before the chain existed (schema 1), once, in order.
    pub(super) fn backfill_audit_chain(&mut self) -> Result<(), StoreError> {
        let tx = self.conn().transaction()?;
        let unchained: i64 =
            tx.query_row("SELECT count(*) FROM audit WHERE hash IS NULL", [], |r| {
                r.get(0)
            })?;
        if unchained > 0 {
            let rows: Vec<(AuditRecord, Option<Vec<u8>>)> = {
                let mut stmt = tx.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
                stmt.query_map([], row_to_record)?
                    .collect::<Result<_, _>>()?
            };
            let mut prev = GENESIS;
            for (record, _) in rows {
                prev = audit::chain_hash(&prev, &record);
                let seq = i64::try_from(record.seq).unwrap_or(i64::MAX);
                tx.execute(
                    "UPDATE audit SET hash = ?2 WHERE seq = ?1",
                    params![seq, prev.as_slice()],
                )?;
            }
            tracing::info!(
                records = unchained,
                "chained the audit records written before the hash chain"
            );
        }
        tx.commit()?;
        Ok(())
    }

    /// Records matching `filter`, oldest first, the newest `limit` of them.
    pub fn audit_records(&mut self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM audit
             WHERE (?1 IS NULL OR at >= ?1)
               AND (?2 IS NULL OR substr(actor, 1, length(?2)) = ?2)
               AND (?3 IS NULL OR substr(action, 1, length(?3)) = ?3)
               AND (?5 IS NULL OR seq < ?5)
             ORDER BY seq DESC LIMIT ?4"
        ))?;
        let before = filter.before.map(|b| i64::try_from(b).unwrap_or(i64::MAX));
        let rows = stmt.query_map(
            params![
                filter.since,
                filter.actor,
                filter.action,
                filter.limit,
                before
            ],
            row_to_record,
        )?;
        let mut out: Vec<AuditRecord> = rows
            .map(|r| r.map(|(rec, _)| rec))
            .collect::<Result<_, _>>()?;
        out.reverse();
        Ok(out)
    }

    /// Walks the whole chain.
    pub fn audit_verify(&mut self) -> Result<Result<u64, audit::ChainBreak>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
        let rows: Vec<(AuditRecord, Option<Vec<u8>>)> = stmt
            .query_map([], row_to_record)?
            .collect::<Result<_, _>>()?;
        let mut chained = Vec::with_capacity(rows.len());
        for (record, hash) in rows {
            // A missing or malformed hash cannot match any record's hash.
            let hash: [u8; 32] = hash.and_then(|h| h.try_into().ok()).unwrap_or([0xff; 32]);
            chained.push((record, hash));
        }
        Ok(audit::verify(chained.iter().map(|(r, h)| (r, h))))
    }
}
