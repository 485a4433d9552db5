//! The countdown before a restore, one line per UPS whose watch says what the restore waits
//! for: how long until it starts and why not yet (mains not stable long enough, charge too
//! low), or that only an operator's restore undoes the shed. The dashboard and the plan view
//! both draw it.

use ratatui::text::Line;

use super::shown;
use crate::console::command_table::Command;
use crate::console::state::State;

pub fn lines(state: &State) -> Vec<Line<'static>> {
    let s = state.strings();
    let t = state.theme;
    let key = state
        .keys
        .first(Command::PlanRestore)
        .map(|k| s.key(&k))
        .unwrap_or_default();
    state
        .plan
        .restore_countdowns()
        .iter()
        .map(|c| {
            let text = (s.dashboard.restore_wait)(c, &key);
            let style = if c.needs_operator {
                t.warn()
            } else {
                t.strong()
            };
            Line::styled(shown(&text).into_owned(), style)
        })
        .collect()
}
