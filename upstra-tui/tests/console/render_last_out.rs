//! The shed's last steps in the plan view, in English and French at 80×24 and 200×50: after
//! ups-a1's servers are down, the UPS is asked to cut its output and this host shuts down;
//! the timeline marks the cut (`╳`) beside the battery runtime (`┊`), red when the battery
//! would run out first.

use crate::support;

use ratatui::style::Color;
use support::plan::{quiet, run, shed, step, watch};
use support::replied;
use support::{apply, draw, key, logged_in, press};
use upstra_core::api::v1::{PlanStatus, PlanView};
use upstra_tui::console::action::Action;
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::State;

/// ups-a1's shed with its last steps: the UPS told to cut its output 180 s after its command
/// (the console host's shutdown plus a margin), then the console host shut down.
fn last_out(runtime_s: u64) -> PlanView {
    let mut plan = shed();
    let mut ups_off = step(
        6,
        "ups_off",
        "ups:ups-a1",
        "ask UPS ups-a1 to cut its output in 180 s and restore it when mains returns",
        (465, 470),
    );
    ups_off.after = vec![1, 2, 3, 4, 5];
    ups_off.critical = true;
    let mut host = step(
        7,
        "shutdown_this_host",
        "server:console",
        "shut down this host (console), where the daemon runs",
        (470, 590),
    );
    host.after = vec![1, 2, 3, 4, 5, 6];
    host.critical = true;
    plan.steps.extend([ups_off, host]);
    plan.makespan_s = 590;
    plan.critical_path_s = 590;
    plan.runtime_s = Some(runtime_s);
    plan.output_cut_s = Some(645);
    plan.notes
        .push("UPS ups-a1 cuts its output at 10 min 45 s (after this host is down)".into());
    plan
}

fn plan_view(plan: PlanView, status: PlanStatus) -> State {
    let mut state = logged_in();
    press(&mut state, "j");
    key(&mut state, crossterm::event::KeyCode::F(3));
    replied(
        &mut state,
        Reply::PlanShown {
            ups: Some("ups-a1".into()),
            result: Ok(plan),
        },
    );
    replied(&mut state, Reply::PlanStatus(Ok(status)));
    state
}

#[test]
fn the_last_steps_and_the_output_cut() {
    let mut state = plan_view(last_out(2400), quiet());
    press(&mut state, "jjjjj");
    screens!("plan_last_out", state);
}

#[test]
fn a_cut_after_the_battery_runs_out_is_red() {
    let mut state = plan_view(last_out(600), quiet());
    // The timeline sets the plan against the UPS's last reading, as the header does.
    let epoch = state.epoch;
    let mut lab = support::lab();
    lab.ups[0].runtime_s = Some(600);
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(lab),
        }],
    );
    let term = draw(&state, 80, 24);
    let buffer = term.backend().buffer();
    // One mark per step line; the legend's is dim, as the legend is.
    let marks: Vec<_> = buffer
        .content()
        .iter()
        .filter(|c| c.symbol() == "╳" && c.fg != Color::Reset)
        .collect();
    assert!(
        marks.len() >= 5,
        "the cut is marked on every line: {marks:?}"
    );
    assert!(marks.iter().all(|c| c.fg == Color::Red), "{marks:?}");
}

/// ups-a1's shed with its last steps as a run, its steps in `states`.
fn last_out_run(states: &[(&str, Option<&str>)], ended: bool) -> PlanStatus {
    let run = run(5, last_out(2400), states, ended);
    PlanStatus {
        watches: vec![
            watch("ups-a1", "triggered", None),
            watch("ups-b1", "online", None),
        ],
        active: (!ended).then(|| run.clone()),
        recent: vec![run],
        unrestored: Vec::new(),
        not_restored: Vec::new(),
    }
}

const DONE: (&str, Option<&str>) = ("done", None);

#[test]
fn the_last_steps_going_on() {
    let status = last_out_run(
        &[
            DONE,
            DONE,
            DONE,
            DONE,
            DONE,
            (
                "done",
                Some(
                    "UPS ups-a1 will cut its output in 180 s and restore it when mains returns \
                     (shutdown.return, confirmed by the driver)",
                ),
            ),
            ("dispatched", None),
        ],
        false,
    );
    let mut state = plan_view(last_out(2400), status);
    press(&mut state, "jjjjj");
    screens!("plan_last_out_running", state);
}

#[test]
fn no_cut_is_marked_once_the_ups_off_command_failed() {
    let status = last_out_run(
        &[
            DONE,
            DONE,
            DONE,
            DONE,
            DONE,
            (
                "failed",
                Some("UPS ups-a1 offers no command to cut its output"),
            ),
            ("dispatched", None),
        ],
        false,
    );
    let state = plan_view(last_out(2400), status);
    let term = draw(&state, 80, 24);
    let marks = term
        .backend()
        .buffer()
        .content()
        .iter()
        .filter(|c| c.symbol() == "╳")
        .count();
    assert_eq!(marks, 0, "{:?}", term.backend());
}

#[test]
fn the_demo_says_this_host_is_only_simulated() {
    let mut state = plan_view(last_out(2400), quiet());
    state.demo = Some(upstra_tui::console::state::DemoLogin {
        user: "demo".into(),
        password: "demo-0123456789".into(),
    });
    press(&mut state, "jjjjjj");
    screens!("plan_last_out_demo", state);
}
