//! Reading and verifying the audit trail.

use upstra_core::api::v1::{ApiError, AuditPage, AuditQuery, AuditVerification, AuditView};
use upstra_core::audit::{AuditRecord, ChainBreak};

use super::internal;
use crate::server::service::Connection;
use crate::store::AuditFilter;

/// The most records one page holds: a screenful many times over, and cheap to read.
const MAX_RECORDS: u32 = 1000;
/// The most bytes of JSON one page holds, well under the 8 MiB frame so that the reply's
/// envelope never pushes it over. A page always holds at least one record; a record is bounded
/// by the request bounds of what it describes.
pub const PAGE_BYTES: usize = 1024 * 1024;

pub async fn list(c: &Connection, q: AuditQuery) -> Result<AuditPage, ApiError> {
    let wanted = q.limit.unwrap_or(MAX_RECORDS).clamp(1, MAX_RECORDS);
    let filter = AuditFilter {
        since: q.since.map(|t| t.millis()),
        actor: q.user,
        action: q.action,
        before: q.before,
        // One more than the page, to know whether older records match.
        limit: wanted + 1,
    };
    let records = c
        .shared
        .store
        .call(move |db| db.audit_records(&filter))
        .await
        .map_err(internal)?;
    Ok(page(records, wanted as usize, PAGE_BYTES))
}

/// The newest records that fit `count` and `bytes`, oldest first, and the cursor to the rest.
/// `records` is oldest first, as the store returns them.
fn page(records: Vec<AuditRecord>, count: usize, bytes: usize) -> AuditPage {
    let mut views = Vec::new();
    let mut size = 0;
    let mut more = false;
    for r in records.into_iter().rev() {
        let view = view(r);
        let len = serde_json::to_vec(&view).map_or(0, |v| v.len() + 1);
        if views.len() == count || (!views.is_empty() && size + len > bytes) {
            more = true;
            break;
        }
        size += len;
        views.push(view);
    }
    views.reverse();
    let next = more.then(|| views.first().map(|v| v.seq)).flatten();
    AuditPage {
        records: views,
        next,
    }
}

fn view(r: AuditRecord) -> AuditView {
    AuditView {
        seq: r.seq,
        at: r.at,
        actor: r.actor,
        peer_uid: r.peer_uid,
        action: r.action,
        target: r.target,
        result: r.result,
        detail: r.detail,
        correlation: r.correlation,
    }
}
pub async fn verify(c: &Connection) -> Result<AuditVerification, ApiError> {
    let who = c.who()?.user.clone();
    let outcome = c
        .shared
        .store
        .call(|db| db.audit_verify())
        .await
        .map_err(internal)?;
    let report = match outcome {
        Ok(n) => AuditVerification {
            verified: n,
            intact: true,
            problem: None,
        },
        Err(ChainBreak::Mismatch { seq }) => AuditVerification {
            verified: seq.saturating_sub(1),
            intact: false,
            problem: Some(format!(
                "record {seq} does not match the chain: it was edited, or a record was inserted or deleted just before it"
            )),
        },
        Err(ChainBreak::Gap { after, next }) => AuditVerification {
            verified: after,
            intact: false,
            problem: Some(format!(
                "records {} to {} are missing: they were deleted",
                after + 1,
                next - 1
            )),
        },
    };
    let result = if report.intact { "ok" } else { "broken" };
    c.audit_detail(
        Some(&who),
        "audit_verify",
        None,
        result,
        report
            .problem
            .as_ref()
            .map(|problem| serde_json::json!({ "problem": problem })),
    )
    .await;
    Ok(report)
}
