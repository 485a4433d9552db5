//! The status line follows the outage as its events arrive (see [`crate::console::news`]).

use upstra_core::events::EventRecord;

use crate::console::message::Tone;
use crate::console::news::{self, Weight};
use crate::console::state::State;

/// Weighs each event of a page in order. An outage event also retires the answer to the
/// operator's last action (it is old news once the outage moved on); work still in progress
/// keeps its line until its answer comes.
pub(super) fn arrived(state: &mut State, records: &[EventRecord]) {
    for record in records {
        let Some(shown) = news::next(state.news.as_ref(), record) else {
            continue;
        };
        if news::weight(&shown.event) >= Weight::Outage
            && state
                .notice
                .as_ref()
                .is_some_and(|n| n.tone != Tone::Progress)
        {
            state.notice = None;
        }
        state.news = Some(shown);
    }
}
