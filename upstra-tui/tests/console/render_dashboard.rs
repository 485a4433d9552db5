//! What the dashboard draws, in English and French at 80×24 and 200×50: the lab on mains, a
//! UPS on battery mid-outage with its last hour as a curve and the events that led there,
//! the lab after a run, and the wait before a restore (mains not stable long enough yet,
//! charge too low, an operator's restore awaited), on the dashboard and in the plan view.

use crate::support;

use crossterm::event::KeyCode;
use support::dashboard::{
    after_run_events, charge_wait, draining, operator_wait, outage_events, stable_wait, steady,
    steady_at,
};
use support::plan::{quiet, restored, shed, shedding, tick_after};
use support::{apply, draw, key, logged_in, press, replied, ups};
use upstra_core::api::v1::{EventPage, PlanStatus, UpsHistory};
use upstra_core::events::EventRecord;
use upstra_tui::console::action::{Action, Effect};
use upstra_tui::console::call::{Call, Reply};
use upstra_tui::console::state::{Screen, State};

/// The dashboard after F6, with these answers and events, ups-a1 at `a1_status`.
pub(crate) fn dashboard(
    a1_status: &str,
    charge: f32,
    history: Vec<UpsHistory>,
    status: PlanStatus,
    events: Vec<EventRecord>,
) -> State {
    let mut state = logged_in();
    let epoch = state.epoch;
    let mut lab = support::lab();
    lab.ups[0] = ups("ups-a1", "lab-a", a1_status, charge);
    if a1_status.starts_with("OB") {
        lab.ups[0].input_voltage = Some(0.0);
        lab.ups[0].runtime_s = Some(1536);
        lab.servers[1].power = upstra_core::state::PowerState::Off;
        lab.servers[0].power = upstra_core::state::PowerState::Unknown;
    }
    let next_cursor = events.last().map_or(0, |e| e.seq);
    apply(
        &mut state,
        // The events first: the lists read after them are the newest figures.
        vec![
            Action::EventsArrived {
                epoch,
                result: Ok(EventPage {
                    events,
                    next_cursor,
                    gap: false,
                }),
            },
            Action::ListsLoaded {
                epoch,
                result: Ok(lab),
            },
        ],
    );
    let effects = key(&mut state, KeyCode::F(6));
    assert_eq!(state.screen, Screen::Dashboard);
    let calls: Vec<&Call> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { call, .. } => Some(call),
            _ => None,
        })
        .collect();
    assert!(
        calls.contains(&&Call::UpsHistory),
        "asks the history: {calls:?}"
    );
    replied(&mut state, Reply::UpsHistory(Ok(history)));
    replied(&mut state, Reply::PlanStatus(Ok(status)));
    apply(&mut state, vec![tick_after(0)]);
    state
}

#[test]
fn dashboard_on_mains() {
    let state = dashboard(
        "OL CHRG",
        97.0,
        vec![steady_at("ups-a1", 97.0), steady("ups-b1")],
        quiet(),
        Vec::new(),
    );
    screens!("dashboard_on_mains", state);
}

#[test]
fn dashboard_on_battery_mid_outage() {
    let state = dashboard(
        "OB DISCHRG",
        64.0,
        vec![draining("ups-a1"), steady("ups-b1")],
        shedding(),
        outage_events(),
    );
    screens!("dashboard_on_battery", state);
}

#[test]
fn dashboard_after_a_run() {
    let state = dashboard(
        "OL CHRG",
        71.0,
        vec![draining("ups-a1"), steady("ups-b1")],
        restored(),
        after_run_events(),
    );
    screens!("dashboard_after_run", state);
}

#[test]
fn the_dashboard_counts_down_to_a_restore_waiting_for_stable_mains() {
    let mut state = dashboard(
        "OL CHRG",
        80.0,
        vec![draining("ups-a1"), steady("ups-b1")],
        stable_wait(),
        after_run_events(),
    );
    let text = |state: &State| format!("{:?}", draw(state, 80, 24).backend());
    assert!(text(&state).contains("restore in 42 s: mains stable 18 of 60 s"));
    // By the daemon's clock: ten seconds later, ten seconds less, whatever the status's age.
    apply(&mut state, vec![tick_after(10)]);
    assert!(text(&state).contains("restore in 32 s: mains stable 28 of 60 s"));
    assert!(state.shows_a_clock(), "the countdown redraws every second");
    apply(&mut state, vec![tick_after(0)]);
    screens!("restore_wait_stable", state);
}

#[test]
fn the_dashboard_says_a_restore_waits_for_charge() {
    let state = dashboard(
        "OL CHRG",
        35.0,
        vec![draining("ups-a1"), steady("ups-b1")],
        charge_wait(),
        after_run_events(),
    );
    assert!(
        !state.shows_a_clock(),
        "nothing counts down while charge is short"
    );
    screens!("restore_wait_charge", state);
}

#[test]
fn the_dashboard_says_a_restore_waits_for_an_operator() {
    let state = dashboard(
        "OL",
        100.0,
        vec![steady("ups-a1"), steady("ups-b1")],
        operator_wait(),
        Vec::new(),
    );
    screens!("restore_wait_operator", state);
}

/// The plan view draws the same countdown under its watches.
#[test]
fn the_plan_view_shows_the_wait_before_a_restore() {
    for (name, status) in [
        ("plan_restore_wait_stable", stable_wait()),
        ("plan_restore_wait_charge", charge_wait()),
        ("plan_restore_wait_operator", operator_wait()),
    ] {
        let mut state = logged_in();
        press(&mut state, "j");
        key(&mut state, KeyCode::F(3));
        replied(
            &mut state,
            Reply::PlanShown {
                ups: Some("ups-a1".into()),
                result: Ok(shed()),
            },
        );
        replied(&mut state, Reply::PlanStatus(Ok(status)));
        apply(&mut state, vec![tick_after(0)]);
        screens!(name, state);
    }
}

/// Colour only repeats what the words and symbols say: without it (`NO_COLOR`) the dashboard
/// mid-outage reads the same, cell for cell, and not one cell is coloured.
#[test]
fn the_dashboard_says_the_same_without_colour() {
    use ratatui::style::Color;
    use upstra_tui::console::theme::Theme;
    let mut state = dashboard(
        "OB DISCHRG",
        64.0,
        vec![draining("ups-a1"), steady("ups-b1")],
        shedding(),
        outage_events(),
    );
    let text = |state: &State| -> Vec<String> {
        let terminal = draw(state, 80, 24);
        let buffer = terminal.backend().buffer().clone();
        buffer
            .content()
            .iter()
            .map(|c| c.symbol().to_owned())
            .collect()
    };
    state.theme = Theme::colour();
    let coloured = text(&state);
    state.theme = Theme::no_colour();
    assert_eq!(text(&state), coloured);
    let terminal = draw(&state, 80, 24);
    let painted = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| c.fg != Color::Reset || c.bg != Color::Reset)
        .count();
    assert_eq!(painted, 0, "NO_COLOR: not one coloured cell");
}

/// Eight UPS do not fit at 80×24: the curves of the last ones are cut, the wait before the
/// restore is not.
#[test]
fn with_many_ups_the_countdown_stays_on_an_80x24_screen() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let mut lab = support::lab();
    for i in 2..=8 {
        lab.ups
            .push(ups(&format!("ups-c{i}"), "lab-b", "OL", 100.0));
    }
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(lab),
        }],
    );
    key(&mut state, KeyCode::F(6));
    replied(&mut state, Reply::PlanStatus(Ok(stable_wait())));
    apply(&mut state, vec![tick_after(0)]);
    let screen = format!("{:?}", draw(&state, 80, 24).backend());
    assert!(
        screen.contains("ups-a1: restore in 42 s: mains stable 18 of 60 s"),
        "{screen}"
    );
    assert!(screen.contains("Last events"), "{screen}");
}
