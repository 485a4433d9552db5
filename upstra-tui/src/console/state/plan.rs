//! What the plan view knows: the daemon's `plan_status` (the UPS watches, the run going on,
//! the last runs), the plan a UPS's outage would run, and the last simulation. The header's
//! power banner reads the status too, so it is kept whatever the screen.

use upstra_core::api::v1::{
    PlanStatus, PlanView, RunView, SimulationReport, StepStatus, StepView, WatchView,
};
use upstra_core::state::Timestamp;

use crate::console::message::Message;

/// What the timeline shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PlanShows {
    /// The plan the selected UPS's outage would run (`plan_show`).
    #[default]
    Preview,
    /// A run, live while it goes on, then with its report.
    Run(i64),
    /// The last `plan simulate`, with its checks.
    Simulation,
}

/// The plan view's state, and the plan status the banner reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanScreen {
    /// The UPS the view is about: what `plan-run` and `plan-simulate` act on.
    pub ups: Option<String>,
    pub shows: PlanShows,
    /// The last run the view switched to by itself, so that it follows a new run once and
    /// then leaves the operator free to look at the preview.
    pub followed_run: Option<i64>,
    pub status: Option<PlanStatus>,
    /// Ticks since `status` arrived: the pace of the status calls, and the countdown of a
    /// grace period whose end the daemon does not say (an older daemon).
    pub status_age: u32,
    /// The driver's clock at the last tick: grace periods count down to the end the daemon
    /// says, so a fresh status neither restarts nor jolts them.
    pub now: Option<Timestamp>,
    pub fetching_status: bool,
    /// News (an outage event) arrived while a status call was in flight: ask again after it.
    pub status_stale: bool,
    /// Events asked for the status; it is fetched at the next paced tick.
    pub status_wanted: bool,
    /// `plan_show` for [`Self::preview_of`].
    pub preview: Option<PlanView>,
    pub preview_of: Option<String>,
    pub fetching_preview: bool,
    pub simulation: Option<SimulationReport>,
    /// The UPS a simulation was asked for, while it runs.
    pub simulating: Option<String>,
    /// The selected step of the timeline.
    pub selected: usize,
    /// Why the plan could not be read.
    pub problem: Option<Message>,
}

impl PlanScreen {
    /// The run going on, if any.
    pub fn active(&self) -> Option<&RunView> {
        self.status.as_ref()?.active.as_ref()
    }

    /// The run `id`: the active one or one of the last runs.
    pub fn run(&self, id: i64) -> Option<&RunView> {
        let status = self.status.as_ref()?;
        status
            .active
            .iter()
            .chain(status.recent.iter())
            .find(|r| r.id == id)
    }

    /// The plan the timeline shows now.
    pub fn shown(&self) -> Option<&PlanView> {
        match self.shows {
            PlanShows::Preview => self.preview.as_ref(),
            PlanShows::Run(id) => self.run(id).map(|r| &r.plan),
            PlanShows::Simulation => self.simulation.as_ref().map(|s| &s.plan),
        }
    }

    /// The selected step of the plan shown.
    pub fn selected_step(&self) -> Option<&StepView> {
        self.shown()?.steps.get(self.selected)
    }

    /// The watch of `ups`.
    pub fn watch(&self, ups: &str) -> Option<&WatchView> {
        self.status.as_ref()?.watches.iter().find(|w| w.ups == ups)
    }

    /// The grace seconds left for `ups`, while it is on battery: up to the end the daemon
    /// says, by the last tick's clock (rounded up, as the daemon counts); without that end or
    /// before a tick, what the status said less the ticks since it arrived.
    pub fn grace_left(&self, ups: &str) -> Option<u64> {
        let watch = self.watch(ups)?;
        match (watch.grace_ends_at, self.now) {
            (Some(end), Some(now)) => {
                let ms = u64::try_from(end.millis().saturating_sub(now.millis())).unwrap_or(0);
                Some(ms.div_ceil(1000))
            }
            _ => {
                let left = watch.grace_left_s?;
                Some(left.saturating_sub(u64::from(self.status_age)))
            }
        }
    }

    /// Whether a grace period is counting down, so the header changes every second.
    pub fn counting_down(&self) -> bool {
        self.status.as_ref().is_some_and(|s| {
            s.watches
                .iter()
                .any(|w| self.grace_left(&w.ups).is_some_and(|g| g > 0))
        })
    }
}

/// What a run did, target by target, from its steps' outcomes: for a restore, what was
/// restored and what was not, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// Targets (`server:NAME`, `vm:NAME`) whose every step is done.
    pub done: Vec<String>,
    /// Targets with a step that failed, was skipped or never ran: the first such step's
    /// action, and its outcome when it has one.
    pub missed: Vec<Missed>,
}

/// A target the run did not finish with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missed {
    pub target: String,
    /// The step that did not succeed: its number and, in the daemon's words, its action.
    pub step: u32,
    pub action: String,
    pub state: StepStatus,
    pub outcome: Option<String>,
}

impl RunReport {
    /// The report of `run`, targets in the order of their first step.
    pub fn of(run: &RunView) -> Self {
        let mut order: Vec<&str> = Vec::new();
        for step in &run.plan.steps {
            if !order.contains(&step.target.as_str()) {
                order.push(&step.target);
            }
        }
        let mut report = Self::default();
        for target in order {
            let steps = run.plan.steps.iter().filter(|s| s.target == target);
            let mut missed = steps.filter(|s| s.state != Some(StepStatus::Done));
            match missed.next() {
                None => report.done.push(target.to_owned()),
                Some(step) => report.missed.push(Missed {
                    target: target.to_owned(),
                    step: step.number,
                    action: step.action.clone(),
                    state: step.state.unwrap_or(StepStatus::Pending),
                    outcome: step.outcome.clone(),
                }),
            }
        }
        report
    }
}
