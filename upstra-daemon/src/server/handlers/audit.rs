//! Reading and verifying the audit trail.

use upstra_core::api::v1::{ApiError, AuditQuery, AuditVerification, AuditView};
use upstra_core::audit::ChainBreak;

use super::internal;
use crate::server::service::Connection;
use crate::store::AuditFilter;

/// The most records one query returns.
const MAX_RECORDS: u32 = 1000;

pub async fn list(c: &Connection, q: AuditQuery) -> Result<Vec<AuditView>, ApiError> {
    let filter = AuditFilter {
        since: q.since.map(|t| t.millis()),
        actor: q.user,
        action: q.action,
        limit: q.limit.unwrap_or(MAX_RECORDS).min(MAX_RECORDS),
    };
    let records = c
        .shared
        .store
        .call(move |db| db.audit_records(&filter))
        .await
        .map_err(internal)?;
    Ok(records
        .into_iter()
        .map(|r| AuditView {
            seq: r.seq,
            at: r.at,
            actor: r.actor,
            peer_uid: r.peer_uid,
            action: r.action,
            target: r.target,
            result: r.result,
            detail: r.detail,
            correlation: r.correlation,
        })
        .collect())
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
