//! Reading and verifying the audit trail.

use upstra_core::api::v1::{ApiError, AuditPage, AuditQuery, AuditVerification, AuditView};
use upstra_core::audit::{AuditRecord, ChainBreak};

use crate::server::service::Connection;
use crate::store::AuditEntry;
use crate::store::AuditFilter;
use crate::store::audit_detail::AuditChainBroken;

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
        actor: q.user.filter(|u| !u.is_empty()),
        action: q
            .action
            .as_deref()
            .map(action_prefix)
            .filter(|a| !a.is_empty()),
        before: q.before,
        // One more than the page, to know whether older records match.
        limit: wanted + 1,
    };
    let records = c
        .shared
        .store
        .call(move |db| db.audit_records(&filter))
        .await?;
    let mut page = page(records, wanted as usize, PAGE_BYTES);
    name_targets(c, &mut page.records);
    Ok(page)
}

/// An action as an operator types it (`Plan Run`) as the prefix of stored ones (`plan_run`).
fn action_prefix(typed: &str) -> String {
    typed
        .trim()
        .to_lowercase()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join("_")
}

/// Names the VMs that older records target by their vCenter id, when the daemon still knows
/// the VM (live or gone): the record itself stays as it was written. Added after the page is
/// cut: a VM name is short (vCenter allows 80 characters), so a page of 1000 grows by well
/// under the margin `PAGE_BYTES` leaves below the frame.
fn name_targets(c: &Connection, records: &mut [AuditView]) {
    c.shared.live.vms_and_gone(|vms, gone| {
        let names: std::collections::HashMap<&str, &str> = vms
            .values()
            .chain(gone.values().map(|(vm, _)| vm))
            .filter(|vm| vm.id.as_str() != vm.name)
            .map(|vm| (vm.id.as_str(), vm.name.as_str()))
            .collect();
        name_targets_with(&names, records);
    });
}

fn name_targets_with(names: &std::collections::HashMap<&str, &str>, records: &mut [AuditView]) {
    for r in records {
        let name = r
            .target
            .as_deref()
            .and_then(|t| t.strip_prefix("vm:"))
            .and_then(|id| names.get(id));
        if let Some(name) = name {
            r.target_name = Some(format!("vm:{name}"));
        }
    }
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
        target_name: None,
    }
}
pub async fn verify(c: &Connection) -> Result<AuditVerification, ApiError> {
    let who = c.who()?.user.clone();
    let outcome = c.shared.store.call(|db| db.audit_verify()).await?;
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
    if let Some(problem) = &report.problem {
        c.shared
            .events
            .push(upstra_core::events::DomainEvent::AuditChainBroken {
                verified: report.verified,
                problem: problem.clone(),
            });
    }
    c.audit(
        AuditEntry::new("audit_verify", result)
            .actor(&who)
            .maybe_detail(
                report
                    .problem
                    .as_ref()
                    .map(|problem| AuditChainBroken { problem })
                    .as_ref(),
            ),
    )
    .await;
    Ok(report)
}
