//! After a restore: read the peers afresh and settle each shed it undid. A shed is closed
//! only when every object it changed is back in its state before; what is not back is kept
//! on the shed (by name, with what was found and the last error) so that `plan status` says
//! it and the next `plan restore` retries exactly that.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use futures::StreamExt;
use upstra_core::api::v1::{NotRestored, RestoredTally};
use upstra_core::ids::ServerId;
use upstra_core::outage::verify::{Owed, Seen, Verdict, Want, check, owed, to_undo};
use upstra_core::outage::{JournalEntry, StepState};

use crate::clock;
use crate::shared::Shared;
use crate::store::audit_detail_outage::{RestoreVerified, StillOwed};
use crate::store::{AuditEntry, RunRecord, RunState};

/// BMCs read at once: enough for a room's servers, few enough not to flood a management
/// network that has just come back.
const BMC_READS_AT_ONCE: usize = 16;
/// Deadline of each read: a peer that does not answer by then counts as not read, and what
/// it owns as not back.
const READ_DEADLINE: Duration = Duration::from_secs(20);

/// A run's steps with their records, as `restore_plan` reads them.
pub fn journal_of(run: &RunRecord) -> Vec<JournalEntry> {
    run.plan
        .steps
        .iter()
        .zip(&run.steps)
        .map(|(step, record)| JournalEntry {
            step: step.clone(),
            state: record.state,
            before: record.before.clone(),
        })
        .collect()
}

/// The part of a shed a restore undoes: what it changed, narrowed to what an earlier restore
/// left when one looked.
pub fn still_to_undo(shed: &RunRecord) -> Vec<JournalEntry> {
    let only: Option<BTreeSet<String>> = shed
        .info
        .not_restored
        .as_ref()
        .map(|list| list.iter().map(|n| n.target.clone()).collect());
    to_undo(&journal_of(shed), only.as_ref())
}

async fn within<T, E: std::fmt::Display>(
    f: impl std::future::Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(READ_DEADLINE, f).await {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no answer within {} s", READ_DEADLINE.as_secs())),
    }
}

/// Reads now what the owed objects are: their BMCs, and vCenter once.
async fn read(shared: &Shared, owed: &[Owed]) -> Seen {
    let inventory = shared.inventory();
    let servers: BTreeSet<ServerId> = owed
        .iter()
        .filter_map(|o| match &o.want {
            Want::Server {
                server,
                power: Some(_),
                ..
            } => Some(server.clone()),
            _ => None,
        })
        .collect();
    let bmc = &shared.drivers.bmc;
    let servers = futures::stream::iter(servers)
        .map(|id| {
            let declared = inventory.servers.get(&id).cloned();
            async move {
                let power = match declared {
                    Some(s) => within(bmc.status(&s)).await.map(|st| st.power),
                    None => Err("no longer declared".to_owned()),
                };
                (id, power)
            }
        })
        .buffer_unordered(BMC_READS_AT_ONCE)
        .collect::<BTreeMap<_, _>>()
        .await;
    let hv = match shared.drivers.hypervisor(&inventory) {
        Ok(Some(hv)) => within(hv.inventory()).await,
        Ok(None) => Err("no vCenter is declared".to_owned()),
        Err(e) => Err(e),
    };
    let (hosts, vms) = match hv {
        Ok(inv) => {
            let hosts = inv
                .hosts
                .iter()
                .map(|h| (h.name.clone(), h.in_maintenance))
                .collect();
            let vms = inv
                .vms
                .iter()
                .map(|v| (v.id.clone(), (v.host.clone(), v.power)))
                .collect();
            shared
                .live
                .apply_hypervisor(&inventory, inv, &shared.events);
            (Ok(hosts), Ok(vms))
        }
        Err(e) => (Err(e.clone()), Err(e)),
    };
    Seen {
        servers,
        hosts,
        vms,
    }
}

/// Verifies what the sheds undone by `restore` changed and records the outcome: on each shed
/// (closed when all is back), on the restore (the tally) and in the audit log. `stopped` is
/// how the restore ends when it stopped early.
pub async fn settle(shared: &Shared, restore: i64, stopped: Option<RunState>) {
    let loaded = shared
        .store
        .call(move |db| {
            let Some(run) = db.run(restore)? else {
                return Ok(None);
            };
            let mut sheds = Vec::new();
            for id in &run.info.undoes {
                if let Some(shed) = db.run(*id)? {
                    sheds.push(shed);
                }
            }
            Ok(Some((run, sheds)))
        })
        .await;
    let (run, sheds) = match loaded {
        Ok(Some(v)) => v,
        Ok(None) => return,
        Err(e) => {
            tracing::error!(run = restore, error = %e, "cannot read the restore to verify it; its sheds stay open");
            return;
        }
    };
    let journals: Vec<(i64, Vec<JournalEntry>)> =
        sheds.iter().map(|s| (s.id, still_to_undo(s))).collect();
    let owed = owed(&journals);
    let seen = read(shared, &owed).await;

    // The last error each target met during the restore, in step order: a failure says more
    // than the skips that followed it, so a skip counts only for a target that never failed.
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for wanted in [StepState::Failed, StepState::Skipped] {
        let mut found: BTreeMap<String, String> = BTreeMap::new();
        for (step, record) in run.plan.steps.iter().zip(&run.steps) {
            if record.state == wanted
                && let Some(outcome) = &record.outcome
            {
                found.insert(step.action.target(), outcome.clone());
            }
        }
        for (target, outcome) in found {
            errors.entry(target).or_insert(outcome);
        }
    }
    let mut missing: BTreeMap<i64, Vec<NotRestored>> =
        sheds.iter().map(|s| (s.id, Vec::new())).collect();
    let mut back = 0u32;
    for o in &owed {
        match check(&o.want, &seen) {
            Verdict::Back => back += 1,
            Verdict::Missing { found, unread } => {
                missing.entry(o.shed).or_default().push(NotRestored {
                    target: o.target.clone(),
                    shed: o.shed,
                    expected: o.want.describe(),
                    found,
                    error: errors.get(&o.target).cloned().or(unread),
                });
            }
        }
    }
    let tally = RestoredTally {
        restored: back,
        of: u32::try_from(owed.len()).unwrap_or(u32::MAX),
    };
    // After a restore that ran to its end (or an operator cancelled), trying again by itself
    // would fail the same way: the shed waits for an operator. Halted by a new cut, it is
    // retried when mains is stable again.
    let operator_next = stopped != Some(RunState::Halted);
    let now = clock::now();
    let complete = tally.restored == tally.of;
    let detail = RestoreVerified {
        restored: tally.restored,
        of: tally.of,
        not_restored: missing
            .values()
            .flatten()
            .map(|n| StillOwed {
                target: n.target.clone(),
                shed: n.shed,
                expected: n.expected.clone(),
                found: n.found.clone(),
                error: n.error.clone(),
            })
            .collect(),
    };
    let saved = shared
        .store
        .call(move |db| {
            for (shed, list) in missing {
                let Some(r) = db.run(shed)? else { continue };
                let mut info = r.info;
                if list.is_empty() {
                    info.restored_by = Some(restore);
                    info.waits_for_operator = false;
                } else if operator_next {
                    info.waits_for_operator = true;
                }
                info.not_restored = Some(list);
                db.set_run_state(shed, r.state, &info, None)?;
            }
            if let Some(r) = db.run(restore)? {
                let info = crate::store::RunInfo {
                    restored: Some(tally),
                    ..r.info
                };
                db.set_run_state(restore, r.state, &info, None)?;
            }
            db.audit(
                &AuditEntry::new(
                    "plan_verify",
                    if complete { "restored" } else { "incomplete" },
                )
                .at(now.millis())
                .target(format!("run:{restore}"))
                .detail(&detail),
            )
            .map(|_| ())
        })
        .await;
    match saved {
        Err(e) => {
            tracing::error!(run = restore, error = %e, "cannot record what the restore put back; its sheds stay open")
        }
        Ok(()) if complete => {
            tracing::info!(
                run = restore,
                of = tally.of,
                "restore verified: everything is back"
            );
        }
        Ok(()) => tracing::warn!(
            run = restore,
            restored = tally.restored,
            of = tally.of,
            "restore verified: not everything is back; `upstra plan status` says what, `upstra plan restore` retries it"
        ),
    }
}
