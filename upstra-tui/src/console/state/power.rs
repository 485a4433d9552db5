//! One answer, for every part of the screen, to "how is this UPS doing and what is the outage
//! doing now". The header's banner, the plan view's strip and its heading all ask here, so
//! they cannot contradict one another: the daemon's watch (what it decided) and the UPS's
//! reading (what it last said) are reconciled in one place.

use upstra_core::api::v1::{PlanView, RunView, WatchState};

use super::{State, ups_on_battery};

/// A UPS's power as the console shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsPower {
    OnMains,
    OnBattery,
    /// The daemon triggered its plan; `on_battery` while mains is still out.
    Triggered {
        on_battery: bool,
    },
    /// Mains is back; the daemon waits before restoring.
    MainsBack,
    Restoring,
    SelfTest,
}

impl UpsPower {
    /// Whether the UPS runs on its battery now: what the red banner lists.
    pub fn on_battery(self) -> bool {
        matches!(self, Self::OnBattery | Self::Triggered { on_battery: true })
    }
}

/// How `ups` is doing. The watch says what the daemon decided; where it has nothing to say
/// (on mains, or no status yet) or lags behind the reading (mains back but the UPS says `OB`
/// again), the reading decides, so that no part of the screen says "on mains" while another
/// says ON BATTERY.
pub fn ups_power(state: &State, ups: &str) -> UpsPower {
    let reading_on_battery = state.lab.inventory.ups.get(ups).is_some_and(ups_on_battery);
    let phase = state.plan.watch(ups).map(|w| w.phase);
    match phase {
        Some(WatchState::OnBattery) => UpsPower::OnBattery,
        Some(WatchState::Triggered) => UpsPower::Triggered {
            on_battery: reading_on_battery,
        },
        Some(WatchState::SelfTest) => UpsPower::SelfTest,
        Some(WatchState::PowerBack | WatchState::Restoring) if reading_on_battery => {
            UpsPower::OnBattery
        }
        Some(WatchState::PowerBack) => UpsPower::MainsBack,
        Some(WatchState::Restoring) => UpsPower::Restoring,
        _ if reading_on_battery => UpsPower::OnBattery,
        _ => UpsPower::OnMains,
    }
}

/// The battery runtime of `ups` as the header shows it, from the UPS's last reading; the
/// plan view uses the same figure, so the two never differ. Falls back to the figure the plan
/// was made with while the lists are not read yet.
pub fn ups_runtime(state: &State, ups: &str, plan: &PlanView) -> Option<u64> {
    match state.lab.inventory.ups.get(ups) {
        Some(u) => u.runtime_s,
        None => plan.runtime_s,
    }
}

/// What is happening to the plan view's UPS, most pressing first: the heading says this
/// rather than what an outage would do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Situation<'a> {
    /// A run goes on (of whichever UPS: nothing else is worth a hypothesis then).
    Running(&'a RunView),
    OnBattery {
        acting_in: Option<u64>,
    },
    Triggered,
    MainsBack,
    Restoring,
    /// A shed is over and not undone yet.
    AwaitingRestore,
    /// On mains, nothing to undo: the plan is what an outage would run.
    Quiet,
}

pub fn situation<'a>(state: &'a State, ups: &str) -> Situation<'a> {
    if let Some(run) = state.plan.active() {
        return Situation::Running(run);
    }
    match ups_power(state, ups) {
        UpsPower::OnBattery => Situation::OnBattery {
            acting_in: state.plan.grace_left(ups),
        },
        UpsPower::Triggered { .. } => Situation::Triggered,
        UpsPower::MainsBack => Situation::MainsBack,
        UpsPower::Restoring => Situation::Restoring,
        UpsPower::OnMains | UpsPower::SelfTest => {
            let unrestored = state
                .plan
                .status
                .as_ref()
                .is_some_and(|s| !s.unrestored.is_empty());
            if unrestored {
                Situation::AwaitingRestore
            } else {
                Situation::Quiet
            }
        }
    }
}
