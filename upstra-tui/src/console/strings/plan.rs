//! The words of the plan view, the power banner and the plan requests, in one struct per
//! language (`plan_en`, `plan_fr`).
//! The daemon's own sentences (a step's action and outcome, why a run started, a simulation's
//! checks) are shown as it says them: they come in English from any daemon.

use upstra_core::api::v1::{
    NotRestored, PlanType, PlanView, RunStatus, RunView, SimulationReport, StepKind, StepStatus,
    StepView, WatchState,
};
use upstra_core::outage::PreferredChoice;

use crate::console::call::Request;

pub struct PlanWords {
    pub title: &'static str,
    pub no_ups: &'static str,
    pub loading: &'static str,
    pub nothing_to_do: &'static str,
    /// "If UPS ups-a1 lost mains now: ...", a plan's shape and the battery.
    pub preview_line: fn(&str, &PlanView) -> String,
    /// "Run 3, shed, running: 5 done, 2 in flight", and who or what started it.
    pub run_line: fn(&RunView) -> String,
    /// When the trigger would act, and whether the plan fits the battery.
    pub simulation_line: fn(&str, &SimulationReport) -> String,
    /// A UPS watch's phase (`online`, `on_battery`...).
    pub phase: fn(WatchState) -> &'static str,
    /// "grace 45s".
    pub grace: fn(u64) -> String,
    /// A timeline line: what the step does, from its kind and target name.
    pub step_label: fn(StepKind, &str) -> String,
    /// A step's state in a run (`pending`, `started`, `done`...); empty before a run.
    pub step_state: fn(Option<StepStatus>) -> &'static str,
    /// A run's state (`running`, `finished`...).
    pub run_state: fn(RunStatus) -> &'static str,
    /// The column titles of the timeline: number, step, state.
    pub col_step: &'static str,
    pub col_state: &'static str,
    /// Under the timeline: what the bars and the marker mean.
    pub legend: fn(Option<u64>) -> String,
    /// After the legend, when a UPS is asked to cut its output: "╳ UPS off 10m 45s".
    pub legend_output_cut: fn(u64) -> String,
    /// In the demo, for the shed's last steps (`ups_off`, `shutdown_this_host`): that the
    /// simulated drivers carry them out and nothing real is touched.
    pub demo_last_out: fn(StepKind) -> Option<&'static str>,
    pub step_title: fn(u32) -> String,
    /// "After #1, #2 · estimate 2m 00s · 1m 00s → 3m 00s · critical path".
    pub step_facts: fn(&StepView) -> String,
    /// "Done in 12.3 s, 1 attempt: ..." once it ran.
    pub step_result: fn(&StepView) -> Option<String>,
    pub notes_title: &'static str,
    /// Above the lines of VMs whose server prefers hosts (`migrate_to`).
    pub preferred_title: &'static str,
    /// One such VM: the preferred host it goes to, or that the usual choice applies, and each
    /// preferred host passed over with why. The VM's name comes unescaped.
    pub preferred: fn(&PreferredChoice, &str) -> String,
    /// The report's title, by plan kind (`shed`, `restore`).
    pub report_title: fn(PlanType) -> &'static str,
    /// "Restored (5):", by plan kind.
    pub report_done: fn(PlanType, usize) -> String,
    /// "Not restored (1):", by plan kind.
    pub report_missed: fn(PlanType, usize) -> String,
    pub report_running: &'static str,
    /// A restore's tally, read back from the lab after it: "Read back from the lab: 11 of 12
    /// restored."
    pub report_verified: fn(u32, u32) -> String,
    /// "Not back, as the lab says now (1):"
    pub report_not_back: fn(usize) -> String,
    /// One object not back: what it should be, what was found, the last error.
    pub report_owed: fn(&NotRestored) -> String,
    /// `server:esx-a1` → "server esx-a1".
    pub target: fn(&str) -> String,
    /// The plan view's footer: what ↑↓, ←→ and Enter do there.
    pub hint_steps: &'static str,
    pub hint_ups: &'static str,
    pub hint_toggle: &'static str,
    pub checks_title: &'static str,
    pub check_ok: &'static str,
    pub check_failed: &'static str,

    /// The banner: "12m 30s left" for a UPS on battery.
    pub banner_runtime: fn(Option<u64>) -> String,
    /// The banner: the plan going on, "shed 3/12".
    pub banner_run: fn(&RunView) -> String,

    /// The confirm dialog's question and warning for a plan request.
    pub question: fn(&Request) -> String,
    pub detail: fn(&Request) -> Option<String>,
    /// On the status line while it is sent, once done, and when refused.
    pub working: fn(&Request) -> String,
    pub done: fn(&Request) -> String,
    pub failed: fn(&Request, &str) -> String,
    pub no_running_plan: &'static str,
    pub simulating: fn(&str) -> String,
    pub simulated: fn(&str, usize) -> String,
    pub simulation_failed: fn(&str, &str) -> String,
    pub demo_only: &'static str,
    /// A command pressed in a view where it means nothing; its words are given.
    pub not_in_this_view: fn(&str) -> String,
}

/// `server:esx-a1` → (`server`, `esx-a1`); anything else is all name.
pub fn split_target(target: &str) -> (&str, &str) {
    target.split_once(':').unwrap_or(("", target))
}
