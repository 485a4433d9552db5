//! The dashboard: each UPS's last hour asked when it opens and again every
//! [`HISTORY_TICKS`] while it shows, the plan status with it (for the countdown before a
//! restore), and the answers.

use upstra_core::api::v1::UpsHistory;
use upstra_core::events::{DomainEvent, EventRecord};

use super::plan;
use super::views::{call, failure_message};
use crate::console::action::{Effect, Failure};
use crate::console::call::Call;
use crate::console::state::{Screen, State};

/// Ticks between two `ups_history` calls while the dashboard shows: half the daemon's sample
/// span (30 s), so the newest bar of a curve is never more than a quarter minute old, at two
/// calls a minute against the operator's rate limit.
pub const HISTORY_TICKS: u32 = 15;

/// The dashboard was opened: its history and the plan status, fresh, and the lists at the
/// next paced tick, so its load and input voltage are not those of before the last change.
pub(super) fn entered(state: &mut State) -> Vec<Effect> {
    state.sync.stale = true;
    let mut effects = want_history(state);
    effects.extend(plan::want_status(state));
    effects
}

/// One second passed: while the dashboard shows, the history and the status are asked
/// again at their pace (the status also follows the outage events, see the plan view).
pub(super) fn tick(state: &mut State) -> Vec<Effect> {
    let d = &mut state.dashboard;
    d.ticks_since_fetch = d.ticks_since_fetch.saturating_add(1);
    if state.screen != Screen::Dashboard || d.ticks_since_fetch < HISTORY_TICKS {
        return Vec::new();
    }
    let mut effects = want_history(state);
    effects.extend(plan::want_status(state));
    effects
}

fn want_history(state: &mut State) -> Vec<Effect> {
    if state.dashboard.fetching {
        return Vec::new();
    }
    let effects = call(state, Call::UpsHistory);
    if !effects.is_empty() {
        state.dashboard.fetching = true;
        state.dashboard.ticks_since_fetch = 0;
    }
    effects
}

pub(super) fn loaded(state: &mut State, result: Result<Vec<UpsHistory>, Failure>) -> Vec<Effect> {
    state.dashboard.fetching = false;
    match result {
        Ok(list) => {
            state.dashboard.history = list.into_iter().map(|h| (h.ups.clone(), h)).collect();
            state.dashboard.problem = None;
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.dashboard.problem = Some(why);
        }
    }
    Vec::new()
}

/// New events: the significant ones go to the list. While the dashboard shows, a UPS that
/// lost or got back its mains has its lists read again at the next paced tick: its input
/// voltage and load changed, and the event does not carry them, so the dashboard would say
/// "ON BATTERY, input 230 V" until the fallback refresh. (Other views show neither, and
/// opening the dashboard reads the lists again.)
pub(super) fn events(state: &mut State, records: &[EventRecord]) {
    state.dashboard.record(records);
    let mains_changed = records
        .iter()
        .any(|r| matches!(r.event, DomainEvent::UpsStatusChanged { .. }));
    if mains_changed && state.screen == Screen::Dashboard {
        state.sync.stale = true;
    }
}
