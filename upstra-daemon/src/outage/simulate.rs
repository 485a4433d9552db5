//! `plan simulate UPS`: what would happen if this UPS failed now, checked against the real
//! lab without changing anything: the vCenter login and read, each affected server's BMC, the
//! room on the target hosts, the UPS-off command and this host's shutdown (the shed's last
//! steps), and the battery runtime against the plan's duration.

use std::collections::BTreeSet;
use std::time::Duration;

use upstra_core::api::v1::{ApiError, CheckView, PlanView, SimulationReport};
use upstra_core::ids::UpsId;
use upstra_core::outage::{CommsLostPolicy, StepAction, shed_plan};

use super::lab::{estimates, lab_state, runtime_of};
use super::ups_off_check;
use crate::shared::Shared;

const CHECK_DEADLINE: Duration = Duration::from_secs(15);

pub async fn simulate(shared: &Shared, ups: &str) -> Result<SimulationReport, ApiError> {
    let id = UpsId::new(ups).map_err(|e| ApiError::invalid(e.to_string()))?;
    let inventory = shared.inventory();
    let Some(declared) = inventory.ups.get(&id) else {
        return Err(ApiError::NotFound {
            what: format!("UPS `{ups}`"),
        });
    };
    let mut checks = Vec::new();
    let at_risk = BTreeSet::from([id.clone()]);
    let (state, problem) = lab_state(shared, &at_risk, true).await;
    if matches!(shared.drivers.hypervisor(&inventory), Ok(Some(_))) {
        checks.push(CheckView {
            target: "vcenter".into(),
            ok: problem.is_none(),
            detail: problem.unwrap_or_else(|| {
                format!(
                    "read {} hosts and {} VMs",
                    state.hosts.len(),
                    state.vms.len()
                )
            }),
        });
    }
    let p = shed_plan(&inventory, &state, &estimates(shared).await);
    // Every server the plan touches must answer its BMC with the stored credentials.
    let servers: BTreeSet<_> = p
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            StepAction::ShutdownServer { server, .. } => Some(server.clone()),
            _ => None,
        })
        .collect();
    for sid in servers {
        let Some(server) = inventory.servers.get(&sid) else {
            continue;
        };
        let (ok, detail) = if server.bmc.is_none() && !shared.simulated {
            (false, "no BMC declared: it can only be shut down through vSphere, and its power cannot be confirmed".to_owned())
        } else {
            match tokio::time::timeout(CHECK_DEADLINE, shared.drivers.bmc.status(server)).await {
                Ok(Ok(status)) => (true, format!("BMC answers: power {}", status.power)),
                Ok(Err(e)) => (false, format!("BMC: {e}")),
                Err(_) => (
                    false,
                    format!("BMC did not answer within {} s", CHECK_DEADLINE.as_secs()),
                ),
            }
        };
        checks.push(CheckView {
            target: format!("server:{sid}"),
            ok,
            detail,
        });
    }
    for ask in ups_off_check::asks(&p, &inventory) {
        let asked = ups_off_check::ask(shared, &ask, CHECK_DEADLINE).await;
        checks.push(ups_off_check::check_view(&ask, &asked));
    }
    checks.extend(ups_off_check::this_host_check(shared, &p));
    // A UPS that keeps its output on is the operator's choice, said as a passing check
    // rather than as the planner's note (a failure).
    let kept_on = ups_off_check::kept_on(&p, &inventory, std::slice::from_ref(&id));
    for note in &p.notes {
        if kept_on.iter().any(|k| k.target == note.target) {
            continue;
        }
        checks.push(CheckView {
            target: note.target.clone(),
            ok: false,
            detail: note.message.clone(),
        });
    }
    checks.extend(kept_on);
    let policy = &declared.policy;
    let runtime = runtime_of(&shared.live, &id);
    let needed = p.needs_battery_s() + policy.runtime_margin_s;
    let mut trigger = format!("after {} s on battery", policy.grace_s);
    if policy.act_on_low_battery {
        trigger.push_str(", at once on low battery or a forced shutdown");
    }
    if !p.steps.is_empty() {
        trigger.push_str(&format!(
            ", or when the runtime left falls to {needed} s (the plan's {} s plus a {} s margin)",
            p.needs_battery_s(),
            policy.runtime_margin_s
        ));
    }
    if let CommsLostPolicy::ActAfter { secs } = policy.comms_lost {
        trigger.push_str(&format!(
            ", or after {secs} s without an answer from the UPS"
        ));
    }
    Ok(SimulationReport {
        plan: PlanView::new(&p, vec![id.to_string()], runtime),
        trigger,
        checks,
        fits_runtime: runtime.map(|r| r >= needed),
    })
}
