//! What the outage is doing now, in English.

use upstra_core::api::v1::{PlanType, RunStatus};

use super::situation::{SituationWords, step_at};
use crate::format;

fn secs(s: u64) -> String {
    format::runtime(Some(s))
}

/// How long a plan takes and how much of that is its critical path, which are different
/// quantities when migrations queue for a host's slots.
pub fn length(makespan: u64, critical: u64) -> String {
    if critical >= makespan {
        format!("about {}, all of it on the critical path", secs(makespan))
    } else {
        format!(
            "about {}: critical path {}, the rest waits for migration slots",
            secs(makespan),
            secs(critical)
        )
    }
}

fn kind(kind: PlanType) -> &'static str {
    match kind {
        PlanType::Restore => "restore",
        _ => "shed",
    }
}

pub static SITUATION: SituationWords = SituationWords {
    on_battery: |ups, acting_in, plan, runtime| {
        let when = match acting_in {
            Some(0) => "acting now".to_owned(),
            Some(s) => format!("acting in {}", secs(s)),
            None => "the daemon acts at the end of its grace period or on low battery".to_owned(),
        };
        let battery = runtime
            .map(|r| format!("; battery runtime {}", secs(r)))
            .unwrap_or_default();
        format!(
            "UPS {ups} on battery: {when}. Its {} plan: {} step{}, {}{battery}.",
            kind(plan.kind),
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" },
            length(plan.makespan_s, plan.critical_path_s)
        )
    },
    triggered: |ups| format!("UPS {ups}: the plan is triggered; its run starts now."),
    mains_back: |ups, by_hand| {
        if by_hand {
            format!(
                "UPS {ups}: mains is back; the shed was run by hand: it stays shed until you restore it."
            )
        } else {
            format!("UPS {ups}: mains is back; the lab stays shed until the restore starts.")
        }
    },
    restoring: |ups| format!("UPS {ups}: restoring the lab."),
    awaiting_restore: |runs| {
        let runs: Vec<String> = runs.iter().map(|r| format!("run {r}")).collect();
        format!(
            "Shed, waiting to restore ({}): what it stopped stays off until a restore.",
            runs.join(", ")
        )
    },
    running_elsewhere: |run, ups| {
        format!(
            "Run {} going on: {}. Below, the plan an outage of UPS {ups} would run now.",
            run.id,
            (SITUATION.progress)(run)
        )
    },
    progress: |run| {
        let (at, of) = step_at(run);
        format!("{}: step {at} of {of}", (SITUATION.doing)(run))
    },
    doing: |run| match (run.plan.kind, run.state) {
        (_, RunStatus::Cancelling) => "cancelling",
        (_, RunStatus::Halting) => "halting",
        (PlanType::Restore, _) => "restoring",
        _ => "shedding",
    },
    length,
    legend_run: |runtime| {
        let battery = runtime
            .map(|r| format!("  ┊ battery runtime {}", secs(r)))
            .unwrap_or_default();
        format!("█ what happened  ░ predicted  * critical path{battery}")
    },
    actual: |s| {
        let start = s.started_s?;
        let end = s
            .ended_s
            .map(secs)
            .unwrap_or_else(|| "still running".to_owned());
        Some(format!(
            "Actually {} → {end}; predicted {} → {}",
            secs(start),
            secs(s.start_s),
            secs(s.end_s)
        ))
    },
    help_view: "This view",
    help_steps: "Select a step",
    help_ups: "Previous / next UPS",
    help_toggle: "Switch between the plan and the run",
    help_move: "Up / down",
    help_tabs: "Previous / next tab",
    help_fold: "Fold or go up / unfold or go down",
};
