//! `update` for the plan view: which UPS it is about, following the daemon's plan status on
//! outage, run and step events, the grace period counting down, the plan commands (run,
//! cancel, restore through the confirm dialog; simulate straight away; the demo's power cut
//! only in the demo) and the report of a run.

use crate::support;

use crossterm::event::KeyCode;
use support::plan::{on_battery, quiet, restored, shed, shedding, simulation, tick_after};
use support::{apply, key, logged_in, logged_in_with, press, tick, token, ups};
use support::{calls, replied};
use upstra_core::api::v1::{
    ApiError, ConflictReason, EventPage, Health, PlanStatus, PlanType, StepStatus,
};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UpsId;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, ConfirmAction, Effect, Failure};
use upstra_tui::console::call::{Call, Outcome, Reply, Request};
use upstra_tui::console::message::{Message, Tone};
use upstra_tui::console::state::{Overlay, PlanShows, RunReport, Screen, State};

/// The lab view with the plan status answered.
fn with_status(status: PlanStatus) -> State {
    let mut state = logged_in();
    replied(&mut state, Reply::PlanStatus(Ok(status)));
    state
}

/// The plan view on ups-a1, its preview and status answered.
fn on_plan_view(status: PlanStatus) -> State {
    let mut state = with_status(status);
    press(&mut state, "j");
    key(&mut state, KeyCode::F(3));
    replied(
        &mut state,
        Reply::PlanShown {
            ups: Some("ups-a1".into()),
            result: Ok(shed()),
        },
    );
    replied(&mut state, Reply::PlanStatus(Ok(quiet())));
    state
}

fn events(state: &mut State, events: Vec<DomainEvent>) -> Vec<Effect> {
    let epoch = state.epoch;
    let records = events
        .into_iter()
        .enumerate()
        .map(|(i, event)| EventRecord {
            seq: 10 + i as u64,
            at: Timestamp(0),
            event,
        })
        .collect();
    apply(
        state,
        vec![Action::EventsArrived {
            epoch,
            result: Ok(EventPage {
                events: records,
                next_cursor: 20,
                gap: false,
            }),
        }],
    )
}

fn ups_id(name: &str) -> UpsId {
    UpsId::new(name).expect("valid")
}

#[test]
fn opening_the_plan_view_asks_for_the_status_and_the_selected_ups_plan() {
    let mut state = with_status(quiet());
    press(&mut state, "j"); // ups-a1
    let effects = key(&mut state, KeyCode::F(3));
    assert_eq!(state.screen, Screen::Plan);
    assert_eq!(state.plan.ups.as_deref(), Some("ups-a1"));
    assert_eq!(
        calls(&effects),
        vec![
            Call::PlanStatus,
            Call::ShowPlan {
                ups: Some("ups-a1".into())
            }
        ]
    );
    assert!(effects.iter().all(|e| matches!(
        e,
        Effect::Call { token: Some(t), .. } if *t == token()
    )));
    // Tab goes on to the next view and back round; F2 is the lab again.
    key(&mut state, KeyCode::F(2));
    assert_eq!(state.screen, Screen::Tree);
    key(&mut state, KeyCode::Tab);
    assert_eq!(state.screen, Screen::Plan);
}

#[test]
fn without_the_plan_permission_the_view_says_so_and_asks_nothing() {
    let mut state = logged_in_with("read,power");
    let effects = key(&mut state, KeyCode::F(3));
    assert_eq!(state.screen, Screen::Plan);
    assert!(calls(&effects).is_empty());
    assert_eq!(
        state.plan.problem,
        Some(Message::Refused(ApiError::Forbidden {
            needed: "plan".into()
        }))
    );
    press(&mut state, "R");
    assert!(
        state.overlay.is_none(),
        "no question for what would be refused"
    );
}

#[test]
fn left_and_right_go_through_the_ups_and_fetch_each_ones_plan() {
    let mut state = on_plan_view(quiet());
    let effects = apply(&mut state, vec![Action::Expand]);
    assert_eq!(state.plan.ups.as_deref(), Some("ups-b1"));
    assert_eq!(
        calls(&effects),
        vec![Call::ShowPlan {
            ups: Some("ups-b1".into())
        }]
    );
    // A second move while that call is out asks again once it answers, for the UPS shown.
    assert!(apply(&mut state, vec![Action::Collapse]).is_empty());
    assert_eq!(state.plan.ups.as_deref(), Some("ups-a1"));
    let effects = replied(
        &mut state,
        Reply::PlanShown {
            ups: Some("ups-b1".into()),
            result: Ok(shed()),
        },
    );
    assert_eq!(
        calls(&effects),
        vec![Call::ShowPlan {
            ups: Some("ups-a1".into())
        }]
    );
}

#[test]
fn run_and_step_events_refresh_the_status_and_the_view_follows_the_run() {
    let mut state = on_plan_view(quiet());
    let effects = events(
        &mut state,
        vec![DomainEvent::RunStarted {
            run: 3,
            plan: PlanType::Shed,
            ups: vec![ups_id("ups-a1")],
            reason: "operator".into(),
            steps: 5,
            estimate_s: 465,
        }],
    );
    assert_eq!(state.plan.shows, PlanShows::Run(3));
    // Events by the second ask for the status once per paced tick, not once each.
    assert!(!calls(&effects).contains(&Call::PlanStatus));
    for _ in 0..3 {
        events(
            &mut state,
            vec![DomainEvent::StepEnded {
                run: 3,
                step: 1,
                state: StepStatus::Done,
                detail: "moved".into(),
            }],
        );
    }
    assert_eq!(status_calls_over_ticks(&mut state), 1);
    replied(&mut state, Reply::PlanStatus(Ok(shedding())));
    assert_eq!(state.plan.shown().map(|p| p.steps.len()), Some(5));
    assert_eq!(
        state.plan.selected_step().and_then(|s| s.state),
        Some(StepStatus::Done)
    );
    // The operator looks at the preview; the same run does not pull the view back.
    apply(&mut state, vec![Action::Toggle]);
    assert_eq!(state.plan.shows, PlanShows::Preview);
    replied(&mut state, Reply::PlanStatus(Ok(shedding())));
    assert_eq!(state.plan.shows, PlanShows::Preview);
    // Other events leave the status alone.
    let bob = upstra_core::ids::UserName::new("bob").expect("valid");
    events(&mut state, vec![DomainEvent::UserLoggedIn { user: bob }]);
    assert!(!state.plan.status_wanted);
}

/// Plan status calls made over the next few ticks.
fn status_calls_over_ticks(state: &mut State) -> usize {
    (0..=upstra_tui::console::update::STALE_TICKS)
        .map(|_| {
            calls(&upstra_tui::console::update::update(state, tick()))
                .iter()
                .filter(|c| **c == Call::PlanStatus)
                .count()
        })
        .sum()
}

#[test]
fn the_grace_period_counts_down_to_the_daemons_end_by_the_ticks_clock() {
    let mut state = with_status(on_battery(45));
    assert_eq!(
        state.plan.grace_left("ups-a1"),
        Some(45),
        "before any tick: as the daemon said"
    );
    assert!(state.plan.counting_down());
    apply(
        &mut state,
        vec![tick_after(1), tick_after(2), tick_after(3)],
    );
    assert_eq!(state.plan.grace_left("ups-a1"), Some(42));
    assert_eq!(state.plan.grace_left("ups-b1"), None);
    // Ticks run late on a busy machine or skip: the clock they bring keeps the count right.
    apply(&mut state, vec![tick_after(7)]);
    assert_eq!(state.plan.grace_left("ups-a1"), Some(38));
    // A fresh status (answered half a second later than the tick) changes nothing: the end
    // is the same.
    let mut later = on_battery(45);
    later.watches[0].grace_left_s = Some(38);
    replied(&mut state, Reply::PlanStatus(Ok(later)));
    assert_eq!(state.plan.grace_left("ups-a1"), Some(38));
    apply(&mut state, vec![tick_after(44)]);
    assert_eq!(state.plan.grace_left("ups-a1"), Some(1));
    assert!(state.plan.counting_down());
    apply(&mut state, vec![tick_after(46)]);
    assert_eq!(
        state.plan.grace_left("ups-a1"),
        Some(0),
        "over, not negative"
    );
    assert!(!state.plan.counting_down(), "nothing left to count");
}

#[test]
fn a_part_second_left_counts_as_a_second_as_the_daemon_counts() {
    let mut state = with_status(on_battery(45));
    apply(
        &mut state,
        vec![upstra_tui::console::action::Action::Tick {
            now: upstra_core::state::Timestamp(support::plan::READ_AT.millis() + 44_500),
        }],
    );
    assert_eq!(state.plan.grace_left("ups-a1"), Some(1));
}

#[test]
fn without_the_daemons_end_the_grace_period_counts_down_in_ticks() {
    // What a daemon from before `grace_ends_at` answers.
    let older = || {
        let mut status = on_battery(45);
        status.watches[0].grace_ends_at = None;
        status
    };
    let mut state = with_status(older());
    apply(&mut state, vec![tick(), tick(), tick()]);
    assert_eq!(state.plan.grace_left("ups-a1"), Some(42));
    let mut fresh = older();
    fresh.watches[0].grace_left_s = Some(40);
    replied(&mut state, Reply::PlanStatus(Ok(fresh)));
    assert_eq!(state.plan.grace_left("ups-a1"), Some(40));
    apply(&mut state, (0..40).map(|_| tick()).collect());
    assert_eq!(state.plan.grace_left("ups-a1"), Some(0));
    assert!(!state.plan.counting_down(), "nothing left to count");
}

#[test]
fn while_a_ups_is_on_battery_the_fallback_refresh_also_reads_the_plan_status() {
    let mut state = with_status(quiet());
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
    let effects = apply(
        &mut state,
        (0..upstra_tui::console::update::REFRESH_TICKS)
            .map(|_| tick())
            .collect(),
    );
    assert!(calls(&effects).contains(&Call::PlanStatus), "{effects:?}");
}

#[test]
fn run_asks_first_naming_the_ups_and_yes_starts_it_and_follows_it() {
    let mut state = on_plan_view(quiet());
    assert!(press(&mut state, "R").is_empty());
    let Some(Overlay::Ask(ask)) = &state.overlay else {
        panic!("a question: {:?}", state.overlay);
    };
    assert_eq!(
        ask.request,
        Request::PlanRun {
            ups: "ups-a1".into()
        }
    );
    assert!(!ask.yes, "No first");
    assert!(
        state
            .strings()
            .request(&ask.request)
            .question
            .contains("UPS ups-a1")
    );
    let effects = apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    assert_eq!(
        calls(&effects),
        vec![Call::Do(Request::PlanRun {
            ups: "ups-a1".into()
        })]
    );
    assert_eq!(state.notice.as_ref().map(|n| n.tone), Some(Tone::Progress));
    let run = shedding().active.expect("a run");
    let effects = replied(
        &mut state,
        Reply::Done {
            request: Request::PlanRun {
                ups: "ups-a1".into(),
            },
            result: Ok(Outcome::Run(Box::new(run))),
        },
    );
    assert_eq!(state.plan.shows, PlanShows::Run(3));
    assert!(calls(&effects).contains(&Call::PlanStatus));
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchLists { .. }))
    );
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::Requested(Request::PlanRun {
            ups: "ups-a1".into()
        }))
    );
}

#[test]
fn no_answers_no_and_a_refusal_says_why() {
    let mut state = on_plan_view(quiet());
    press(&mut state, "E");
    assert!(matches!(&state.overlay, Some(Overlay::Ask(a)) if a.request == Request::PlanRestore));
    assert!(press(&mut state, "n").is_empty());
    assert!(state.overlay.is_none());
    press(&mut state, "E");
    apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    replied(
        &mut state,
        Reply::Done {
            request: Request::PlanRestore,
            result: Err(Failure::Refused(ApiError::Conflict {
                message: "nothing to restore".into(),
                reason: ConflictReason::NothingToRestore,
            })),
        },
    );
    let notice = state.notice.as_ref().expect("a notice");
    assert_eq!(notice.tone, Tone::Error);
    assert_eq!(
        state.strings().message(&notice.message),
        "Could not start the restore: Nothing to restore"
    );
}

#[test]
fn cancel_with_nothing_running_says_so_instead_of_asking() {
    let mut state = on_plan_view(quiet());
    press(&mut state, "C");
    assert!(state.overlay.is_none());
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::NoRunningPlan)
    );
    replied(&mut state, Reply::PlanStatus(Ok(shedding())));
    press(&mut state, "C");
    assert!(matches!(&state.overlay, Some(Overlay::Ask(a)) if a.request == Request::PlanCancel));
}

#[test]
fn simulate_changes_nothing_so_it_goes_at_once_and_shows_its_checks() {
    let mut state = on_plan_view(quiet());
    let effects = press(&mut state, "S");
    assert!(state.overlay.is_none());
    assert_eq!(
        calls(&effects),
        vec![Call::Simulate {
            ups: "ups-a1".into()
        }]
    );
    assert!(press(&mut state, "S").is_empty(), "one at a time");
    replied(
        &mut state,
        Reply::Simulated {
            ups: "ups-a1".into(),
            result: Ok(simulation()),
        },
    );
    assert_eq!(state.plan.shows, PlanShows::Simulation);
    let notice = state.notice.as_ref().expect("a notice");
    assert_eq!(notice.tone, Tone::Error, "a check failed");
    assert_eq!(
        state.strings().message(&notice.message),
        "The plan for UPS ups-a1 has 1 problem: see the checks."
    );
}

#[test]
fn the_demo_power_cut_exists_only_on_a_simulated_lab_and_toggles_the_mains() {
    let mut state = on_plan_view(quiet());
    press(&mut state, "Z");
    assert!(state.overlay.is_none());
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::DemoOnly)
    );
    assert!(
        !upstra_tui::console::palette::commands(&state)
            .contains(&upstra_tui::console::command_table::Command::DemoPowerCut)
    );
    replied(
        &mut state,
        Reply::Health(Ok(Health {
            version: "0".into(),
            api_version: 1,
            has_users: true,
            simulated: true,
        })),
    );
    assert!(
        upstra_tui::console::palette::commands(&state)
            .contains(&upstra_tui::console::command_table::Command::DemoPowerCut)
    );
    press(&mut state, "Z");
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::PowerCut { ups: "ups-a1".into(), cut: true }
    ));
    press(&mut state, "\x1b");
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
    press(&mut state, "Z");
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::PowerCut { ups: "ups-a1".into(), cut: false }
    ));
}

#[test]
fn the_report_of_a_restore_says_what_came_back_and_what_did_not_and_why() {
    let status = restored();
    let run = &status.recent[0];
    let report = RunReport::of(run);
    assert_eq!(
        report.done,
        vec!["server:nas-a1", "server:esx-a1", "vm:web-01"]
    );
    assert_eq!(report.missed.len(), 1);
    let missed = &report.missed[0];
    assert_eq!(missed.target, "vm:db-01");
    assert_eq!(missed.step, 6);
    assert_eq!(missed.state, StepStatus::Failed);
    assert_eq!(
        missed.outcome.as_deref(),
        Some("vCenter refused: not enough memory on esx-a1")
    );
    // Enter shows the last run when nothing runs.
    let mut state = on_plan_view(status.clone());
    replied(&mut state, Reply::PlanStatus(Ok(status)));
    apply(&mut state, vec![Action::Toggle]);
    assert_eq!(state.plan.shows, PlanShows::Run(4));
    assert_eq!(state.plan.shown().map(|p| p.kind.as_str()), Some("restore"));
}

#[test]
fn a_plan_reply_from_an_older_session_is_dropped_and_an_expired_one_logs_out() {
    let mut state = on_plan_view(quiet());
    let old = state.epoch;
    let status = shedding();
    state.epoch += 1;
    apply(
        &mut state,
        vec![Action::Replied {
            epoch: old,
            reply: Box::new(Reply::PlanStatus(Ok(status))),
        }],
    );
    assert!(state.plan.active().is_none());
    let epoch = state.epoch;
    let effects = apply(
        &mut state,
        vec![Action::Replied {
            epoch,
            reply: Box::new(Reply::PlanStatus(Err(Failure::Unauthenticated))),
        }],
    );
    assert_eq!(state.screen, Screen::Login);
    assert!(effects.contains(&Effect::ForgetSession));
}
