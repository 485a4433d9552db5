//! The audit chain: each record carries the hash of the one before it, so editing, inserting or
//! deleting a record breaks the chain at that point. [`verify`] finds the first break.
//!
//! A record's hash covers its sequence number and every field, serialized canonically (JSON of a
//! fixed struct, fields in declaration order), plus the previous hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::state::Timestamp;

/// The hash before the first record.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit record, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    pub seq: u64,
    pub at: Timestamp,
    /// The user, or `None` before anyone is known (a refused login names the attempted user).
    pub actor: Option<String>,
    /// The Unix uid of the process that made the call.
    pub peer_uid: Option<u32>,
    pub action: String,
    pub target: Option<String>,
    /// `ok`, `refused`, `failed`, ...
    pub result: String,
    /// JSON with before/after or details; never a secret.
    pub detail: Option<String>,
    /// Correlates the records of one operation.
    pub correlation: Option<String>,
}

/// The chained hash of `record` after `prev`.
pub fn chain_hash(prev: &[u8; 32], record: &AuditRecord) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update(prev);
    // Serializing a plain struct of strings and numbers cannot fail.
    h.update(serde_json::to_vec(record).unwrap_or_default());
    h.finalize().into()
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The record at this position does not hash to its stored hash: it was edited, or a record
    /// before it was deleted or inserted.
    Mismatch { seq: u64 },
    /// Sequence numbers jump: records were deleted.
    Gap { after: u64, next: u64 },
}

/// Checks records (in stored order, each with its stored hash). `Ok(n)` is the count verified.
pub fn verify<'a>(
    records: impl IntoIterator<Item = (&'a AuditRecord, &'a [u8; 32])>,
) -> Result<u64, ChainBreak> {
    let mut prev = GENESIS;
    let mut last: Option<u64> = None;
    let mut count = 0;
    for (record, stored) in records {
        if let Some(after) = last
            && record.seq != after + 1
        {
            return Err(ChainBreak::Gap {
                after,
                next: record.seq,
            });
        }
        if chain_hash(&prev, record) != *stored {
            return Err(ChainBreak::Mismatch { seq: record.seq });
        }
        prev = *stored;
        last = Some(record.seq);
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(seq: u64, action: &str) -> AuditRecord {
        AuditRecord {
            seq,
            at: Timestamp(seq as i64 * 1000),
            actor: Some("alice".into()),
            peer_uid: Some(0),
            action: action.into(),
            target: None,
            result: "ok".into(),
            detail: None,
            correlation: None,
        }
    }

    fn chain(n: u64) -> Vec<(AuditRecord, [u8; 32])> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|seq| {
                let r = record(seq, "login");
                prev = chain_hash(&prev, &r);
                (r, prev)
            })
            .collect()
    }

    fn check(c: &[(AuditRecord, [u8; 32])]) -> Result<u64, ChainBreak> {
        verify(c.iter().map(|(r, h)| (r, h)))
    }

    #[test]
    fn an_intact_chain_verifies() {
        assert_eq!(check(&chain(5)), Ok(5));
    }

    #[test]
    fn an_edit_is_found_at_the_edited_record() {
        let mut c = chain(5);
        c[2].0.result = "refused".into();
        assert_eq!(check(&c), Err(ChainBreak::Mismatch { seq: 3 }));
    }

    #[test]
    fn a_deletion_is_found() {
        let mut c = chain(5);
        c.remove(2);
        assert_eq!(check(&c), Err(ChainBreak::Gap { after: 2, next: 4 }));
        let mut tail = chain(5);
        tail.remove(0);
        assert_eq!(check(&tail), Err(ChainBreak::Mismatch { seq: 2 }));
    }

    #[test]
    fn an_insertion_is_found() {
        let mut c = chain(5);
        let mut forged = record(3, "forged");
        forged.seq = 3;
        let h = chain_hash(&c[1].1, &forged);
        c.insert(2, (forged, h));
        for (i, (r, _)) in c.iter_mut().enumerate().skip(3) {
            r.seq = i as u64 + 1;
        }
        assert_eq!(check(&c), Err(ChainBreak::Mismatch { seq: 4 }));
    }
}
