//! Wire types for the outage plans: what `plan show`, `plan simulate`, `plan run`,
//! `plan cancel`, `plan restore` and `plan status` answer.

use serde::{Deserialize, Serialize};

use super::states::{PlanType, RunStatus, StepKind, StepStatus, WatchState};
use crate::outage::{Plan, StepState};
use crate::state::Timestamp;

/// One step of a plan, with its predicted place on the timeline and, in a run, how it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepView {
    /// 1-based, as shown to operators.
    pub number: u32,
    pub kind: StepKind,
    /// `server:NAME` or `vm:NAME`.
    pub target: String,
    /// In words: "migrate VM web from esx-a1 to esx-b1".
    pub action: String,
    /// Step numbers that must finish first.
    pub after: Vec<u32>,
    pub estimate_s: u64,
    /// Predicted start and end, seconds from the start of the run.
    pub start_s: u64,
    pub end_s: u64,
    /// On the critical path.
    pub critical: bool,
    /// In a run: how the step went.
    pub state: Option<StepStatus>,
    pub attempts: u32,
    /// What happened, in words.
    pub outcome: Option<String>,
    /// How long it took (or has taken so far).
    pub took_ms: Option<u64>,
    /// In a run: when the step actually started and ended, seconds from the start of the
    /// run, to draw what happened over what was predicted.
    #[serde(default)]
    pub started_s: Option<u64>,
    #[serde(default)]
    pub ended_s: Option<u64>,
    /// The estimate was learned from earlier runs that did real work (otherwise a default).
    #[serde(default)]
    pub estimate_learned: bool,
}

/// A plan as operators see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanView {
    pub kind: PlanType,
    /// The UPS whose outage it answers.
    pub ups: Vec<String>,
    pub steps: Vec<StepView>,
    /// Predicted duration with the migration limits.
    pub makespan_s: u64,
    /// The longest chain of dependencies.
    pub critical_path_s: u64,
    /// What was left out and why.
    pub notes: Vec<String>,
    /// The battery runtime the UPS reports now, to set the timeline against.
    pub runtime_s: Option<u64>,
    /// When the first UPS asked to cut its output does so, in seconds from the start: the
    /// battery must last until then. Absent without a UPS-off step (and from older daemons).
    #[serde(default)]
    pub output_cut_s: Option<u64>,
    /// How the VMs of servers with preferred targets (`migrate_to`) were placed, and why a
    /// preferred host was passed over: typed, so that each client words it in its language.
    /// Absent from older daemons.
    #[serde(default)]
    pub preferred: Vec<crate::outage::PreferredChoice>,
}

impl PlanView {
    /// The view of `plan`, before it runs.
    pub fn new(plan: &Plan, ups: Vec<String>, runtime_s: Option<u64>) -> Self {
        let s = &plan.schedule;
        let steps = plan
            .steps
            .iter()
            .map(|step| StepView {
                number: step.id.0 + 1,
                kind: StepKind::from(&step.action),
                target: step.action.target(),
                action: step.action.to_string(),
                after: step.deps.iter().map(|d| d.step.0 + 1).collect(),
                estimate_s: step.estimate_s,
                start_s: s.start_s.get(step.id.index()).copied().unwrap_or(0),
                end_s: s.end_s.get(step.id.index()).copied().unwrap_or(0),
                critical: s.critical_path.contains(&step.id),
                state: None,
                attempts: 0,
                outcome: None,
                took_ms: None,
                started_s: None,
                ended_s: None,
                estimate_learned: step.estimate_learned,
            })
            .collect();
        Self {
            kind: plan.kind.into(),
            ups,
            steps,
            makespan_s: s.makespan_s,
            critical_path_s: s.critical_path_s,
            notes: plan
                .notes
                .iter()
                .map(|n| format!("{}: {}", n.target, n.message))
                .collect(),
            runtime_s,
            output_cut_s: plan.output_cut_s(),
            preferred: plan.preferred.clone(),
        }
    }
}

/// Step counts by state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StepCounts {
    pub pending: u32,
    /// Started or dispatched.
    pub running: u32,
    pub done: u32,
    pub failed: u32,
    pub skipped: u32,
}

impl StepCounts {
    pub fn add(&mut self, state: StepState) {
        match state {
            StepState::Pending => self.pending += 1,
            StepState::Started | StepState::Dispatched => self.running += 1,
            StepState::Done => self.done += 1,
            StepState::Failed => self.failed += 1,
            StepState::Skipped => self.skipped += 1,
        }
    }
}

/// A shed or restore that ran or runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunView {
    pub id: i64,
    pub state: RunStatus,
    /// Why it started.
    pub reason: String,
    /// Who started it, when an operator did.
    pub by: Option<String>,
    /// Why it stopped early.
    pub stopped: Option<String>,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub counts: StepCounts,
    pub plan: PlanView,
    /// For a restore: the sheds it undoes.
    pub undoes: Vec<i64>,
    /// For a restore that ended: how many of the objects its sheds changed were verified back
    /// in their state before, read from the peers after the run.
    #[serde(default)]
    pub restored: Option<RestoredTally>,
    /// For a shed whose last step powered off this host: the run was recorded as going on
    /// when power returns, and the next daemon finishes it and restores the lab.
    #[serde(default)]
    pub continues_after_power_returns: bool,
    /// For a shed that could cut a UPS's output, when mains came back before the run was
    /// undone: which side of the UPS-off command it came, and what follows, in words.
    #[serde(default)]
    pub power_race: Option<String>,
}

/// "restored N of M".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoredTally {
    pub restored: u32,
    pub of: u32,
}

/// An object a shed changed that is not back in its state before: what the restore still owes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotRestored {
    /// `server:NAME` or `vm:NAME`, by name.
    pub target: String,
    /// The shed that changed it.
    pub shed: i64,
    /// Its state before the shed, in words ("on, out of maintenance", "running on esx-a1").
    pub expected: String,
    /// What the peers say now, in words; absent when they could not be read.
    pub found: Option<String>,
    /// The last error met while restoring it.
    pub error: Option<String>,
}

impl RunView {
    /// One line for the operator: "run 3 (shed) finished: 12 done, 1 failed".
    pub fn summary(&self) -> String {
        let c = &self.counts;
        let mut parts = vec![format!("{} done", c.done)];
        for (n, what) in [
            (c.running, "in flight"),
            (c.pending, "pending"),
            (c.failed, "failed"),
            (c.skipped, "skipped"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        format!(
            "run {} ({}) {}: {}",
            self.id,
            self.plan.kind,
            self.state,
            parts.join(", ")
        )
    }
}

/// One UPS's watch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WatchView {
    pub ups: String,
    pub phase: WatchState,
    /// When the phase began, where it has a start.
    pub since: Option<Timestamp>,
    /// Seconds of grace left while on battery.
    pub grace_left_s: Option<u64>,
    /// When the grace period ends while on battery, by the daemon's clock: a console counts
    /// down from it rather than from when the status arrived. Absent from older daemons.
    #[serde(default)]
    pub grace_ends_at: Option<Timestamp>,
    /// In phase `power_back` (or while a shed awaits undoing): what the restore waits for.
    #[serde(default)]
    pub restore_wait: Option<RestoreWait>,
}

/// What a restore waits for, so a console can count down and say why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreWait {
    /// Seconds mains has been back without a break, and how many the policy needs.
    pub stable_s: u64,
    pub stable_needed_s: u64,
    /// Battery charge now and the charge the policy needs, where it needs one.
    pub charge_pct: Option<u8>,
    pub charge_needed_pct: Option<u8>,
    /// When the restore starts if mains holds and the charge suffices, by the daemon's clock;
    /// absent while that cannot be known (charge still too low) or an operator must act.
    pub restore_at: Option<Timestamp>,
    /// The shed was started by an operator: only `plan restore` undoes it.
    pub needs_operator: bool,
}

/// `plan status`: the watches, the run going on, and the last ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanStatus {
    pub watches: Vec<WatchView>,
    pub active: Option<RunView>,
    /// The newest runs, newest first (the active one included).
    pub recent: Vec<RunView>,
    /// Sheds not yet undone.
    pub unrestored: Vec<i64>,
    /// What those sheds changed that is not back yet, read from the peers.
    #[serde(default)]
    pub not_restored: Vec<NotRestored>,
}

/// One read-only check of `plan simulate`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckView {
    /// `server:NAME`, `vcenter`, `ups:NAME`.
    pub target: String,
    pub ok: bool,
    pub detail: String,
}

/// `plan simulate`: what would happen if this UPS failed now, checked against the real lab
/// without changing anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulationReport {
    pub plan: PlanView,
    /// When the trigger would act, in words ("after the 60 s grace period ...").
    pub trigger: String,
    pub checks: Vec<CheckView>,
    /// The plan fits in the battery runtime the UPS reports (with the margin).
    pub fits_runtime: Option<bool>,
}

#[cfg(test)]
#[path = "outage_last_out_tests.rs"]
mod last_out_tests;
