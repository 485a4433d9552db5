//! What the outage is doing now, in words: the plan view's heading when a UPS is on battery,
//! a run goes on or a shed waits to be undone (never "if UPS X lost mains now" then), the
//! timeline's actual-against-predicted legend, and the plan view's keys as the help words them.

use upstra_core::api::v1::{PlanView, RunView, StepView};

pub struct SituationWords {
    /// "UPS ups-a1 on battery: acting in 42s. Its shed plan: …"; the seconds left of the
    /// grace period when known, the runtime from the UPS's last reading.
    pub on_battery: fn(&str, Option<u64>, &PlanView, Option<u64>) -> String,
    pub triggered: fn(&str) -> String,
    /// Mains is back; `by_hand`: the shed was started by an operator and waits for one.
    pub mains_back: fn(&str, bool) -> String,
    pub restoring: fn(&str) -> String,
    /// A shed ended and nothing undid it yet: the runs it took.
    pub awaiting_restore: fn(&[i64]) -> String,
    /// The operator looks at the preview while a run goes on.
    pub running_elsewhere: fn(&RunView, &str) -> String,
    /// "shedding: step 3 of 12".
    pub progress: fn(&RunView) -> String,
    /// "shedding", "restoring", "cancelling".
    pub doing: fn(&RunView) -> &'static str,
    /// "about 6m 00s: critical path 4m 00s, the rest waits for migration slots".
    pub length: fn(u64, u64) -> String,
    /// The timeline's legend during and after a run.
    pub legend_run: fn(Option<u64>) -> String,
    /// The selected step's actual times against its predicted ones.
    pub actual: fn(&StepView) -> Option<String>,
    /// The help's title for the keys of the view below it.
    pub help_view: &'static str,
    /// The plan view's keys as the help words them (the footer says `hint_*`).
    pub help_steps: &'static str,
    pub help_ups: &'static str,
    pub help_toggle: &'static str,
    /// The lab's and lists' ↑↓ and ←→, as the help words them.
    pub help_move: &'static str,
    pub help_fold: &'static str,
    pub help_tabs: &'static str,
}

/// The step a run is at, counting from 1: the first one not over yet, or the last.
pub fn step_at(run: &RunView) -> (u32, u32) {
    let c = &run.counts;
    let total = c.pending + c.running + c.done + c.failed + c.skipped;
    let over = c.done + c.failed + c.skipped;
    ((over + 1).min(total), total)
}
