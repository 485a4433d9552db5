//! What the history view draws, in English and French at 80×24 and 200×50: the charts per
//! day and per action over the records, a filtered list, the filter form, and no permission.

#[macro_use]
mod support;

use crossterm::event::KeyCode;
use support::{apply, audit_trail, key, logged_in_with, press};
use upstra_tui::console::action::Action;
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::State;

fn on_history() -> State {
    let mut state = logged_in_with("read,audit");
    key(&mut state, KeyCode::F(4));
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::Replied {
            epoch,
            reply: Box::new(Reply::Audit(Ok(audit_trail()))),
        }],
    );
    state
}

#[test]
fn history_with_its_charts() {
    let mut state = on_history();
    press(&mut state, "jj");
    screens!("history", state);
}

#[test]
fn history_filter_form() {
    let mut state = on_history();
    press(&mut state, "/");
    apply(&mut state, "alice".chars().map(Action::FormChar).collect());
    screens!("history_filter_form", state);
}

#[test]
fn history_without_the_permission() {
    let mut state = logged_in_with("read");
    key(&mut state, KeyCode::F(4));
    screens!("history_forbidden", state);
}
