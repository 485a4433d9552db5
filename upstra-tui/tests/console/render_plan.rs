//! What the plan view draws, in English and French at 80×24 and 200×50: the plan an outage
//! of ups-a1 would run (its timeline over the battery runtime, the critical path solid), a
//! shed going on (states by colour, the red banner with the runtime and grace left), the
//! report of a restore, a simulation's checks, and the question before a run.

use crate::support;

use ratatui::style::Color;
use support::plan::{on_battery, quiet, restored, shed, shedding, simulation, tick_after};
use support::replied;
use support::{apply, draw, key, logged_in, logged_in_with, press, ups};
use upstra_core::api::v1::PlanStatus;
use upstra_tui::console::action::Action;
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::State;

/// The plan view on ups-a1 with `status`, ups-a1 on battery when `outage`.
fn plan_view(status: PlanStatus, outage: bool) -> State {
    let mut state = logged_in();
    if outage {
        let epoch = state.epoch;
        let mut lab = support::lab();
        lab.ups[0] = ups("ups-a1", "lab-a", "OB DISCHRG", 64.0);
        apply(
            &mut state,
            vec![Action::ListsLoaded {
                epoch,
                result: Ok(lab),
            }],
        );
    }
    press(&mut state, "j");
    key(&mut state, crossterm::event::KeyCode::F(3));
    replied(
        &mut state,
        Reply::PlanShown {
            ups: Some("ups-a1".into()),
            result: Ok(shed()),
        },
    );
    replied(&mut state, Reply::PlanStatus(Ok(status)));
    state
}

#[test]
fn plan_preview_of_an_outage() {
    let mut state = plan_view(quiet(), false);
    press(&mut state, "jjj");
    screens!("plan_preview", state);
}

#[test]
fn plan_during_the_grace_period() {
    let mut state = plan_view(on_battery(45), true);
    apply(&mut state, vec![tick_after(1), tick_after(2)]);
    screens!("plan_grace_period", state);
}

#[test]
fn plan_shed_going_on() {
    let mut state = plan_view(shedding(), true);
    press(&mut state, "jj");
    screens!("plan_shed_running", state);
}

#[test]
fn plan_restore_report() {
    let state = plan_view(restored(), false);
    let mut state = state;
    apply(&mut state, vec![Action::Toggle]);
    screens!("plan_restore_report", state);
}

#[test]
fn plan_simulation_checks() {
    let mut state = plan_view(quiet(), false);
    press(&mut state, "S");
    replied(
        &mut state,
        Reply::Simulated {
            ups: "ups-a1".into(),
            result: Ok(simulation()),
        },
    );
    screens!("plan_simulation", state);
}

#[test]
fn plan_run_asks_first() {
    let mut state = plan_view(on_battery(30), true);
    press(&mut state, "R");
    screens!("plan_confirm_run", state);
}

#[test]
fn plan_without_the_permission() {
    let mut state = logged_in_with("read");
    key(&mut state, crossterm::event::KeyCode::F(3));
    screens!("plan_forbidden", state);
}

#[test]
fn tree_banner_with_the_plan_running() {
    let mut state = plan_view(shedding(), true);
    key(&mut state, crossterm::event::KeyCode::F(2));
    screens!("tree_banner_plan_running", state);
}

#[test]
fn the_banner_is_red_and_the_critical_path_stands_out() {
    let state = plan_view(on_battery(45), true);
    let terminal = draw(&state, 100, 30);
    let buffer = terminal.backend().buffer();
    let header: String = (0..100)
        .map(|x| buffer[(x, 0)].symbol().to_owned())
        .collect();
    let at = header.find("ON BATTERY").expect("the banner");
    let x = u16::try_from(header[..at].chars().count()).expect("fits");
    assert_eq!(buffer[(x, 0)].bg, Color::Red);
    assert!(header.contains("40m 00s left, grace 45s"), "{header}");
    // The solid bars are the critical path, in their own colour; the others are shaded. The
    // legend's own symbols are left out.
    let row = |y: u16| -> String {
        (0..100)
            .map(|x| buffer[(x, y)].symbol().to_owned())
            .collect()
    };
    let cells: Vec<_> = (0..30)
        .filter(|y| !row(*y).contains("critical path"))
        .flat_map(|y| (0..100).map(move |x| (x, y)))
        .map(|p| &buffer[p])
        .collect();
    assert!(
        cells
            .iter()
            .filter(|c| c.symbol() == "█")
            .all(|c| c.fg == Color::Cyan)
    );
    assert!(cells.iter().any(|c| c.symbol() == "▒"));
}

/// A restore that could not bring everything back: the tally read from the lab leads, with
/// what is still missing, what was found and its last error, before the steps' account.
#[test]
fn plan_restore_report_read_back_from_the_lab() {
    let mut status = restored();
    if let Some(run) = status.recent.first_mut() {
        run.undoes = vec![3];
        run.restored = Some(upstra_core::api::v1::RestoredTally {
            restored: 11,
            of: 12,
        });
    }
    status.unrestored = vec![3];
    status.not_restored = vec![upstra_core::api::v1::NotRestored {
        target: "vm:db-01".into(),
        shed: 3,
        expected: "running on esx-a1".into(),
        found: Some("running on esx-b1".into()),
        error: Some("vCenter refused: not enough memory on esx-a1".into()),
    }];
    let mut state = plan_view(status, false);
    apply(&mut state, vec![Action::Toggle]);
    screens!("plan_restore_report_read_back", state);
}
