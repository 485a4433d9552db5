//! One truth on screen during an outage, as an operator reads it at 80×24 (and 200×50), in
//! English and French: the plan view says what is happening rather than what an outage would
//! do; the header and the plan view give the same runtime and never disagree about mains; a
//! run's timeline shows what happened over what was predicted; the status line follows the
//! run's events; the login screen after a session ended shows nothing from it.

use crate::support;

use crossterm::event::KeyCode;
use support::plan::{READ_AT, on_battery, quiet, run, shed, shedding, tick_after, watch};
use support::replied;
use support::{apply, draw, key, logged_in, press, ups};
use upstra_core::api::v1::{EventPage, PlanStatus, PlanType, RunStatus, StepStatus};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UpsId;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, Failure};
use upstra_tui::console::call::Reply;
use upstra_tui::console::lang::Lang;
use upstra_tui::console::message::{Message, Notice};
use upstra_tui::console::state::{Screen, State};

/// The rows of `state` drawn at `width`×`height`.
fn screen(state: &State, width: u16, height: u16) -> Vec<String> {
    let terminal = draw(state, width, height);
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect()
        })
        .collect()
}

/// The plan view on ups-a1 with `status`; ups-a1's last reading says `reading` with
/// `runtime_s` of battery left.
fn plan_view(status: PlanStatus, reading: &str, runtime_s: u64) -> State {
    let mut state = logged_in();
    let epoch = state.epoch;
    let mut lab = support::lab();
    lab.ups[0] = ups("ups-a1", "lab-a", reading, 64.0);
    lab.ups[0].runtime_s = Some(runtime_s);
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(lab),
        }],
    );
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
    state
}

/// Every language, at both sizes: the rows drawn.
fn everywhere(state: &State) -> Vec<(Lang, Vec<String>)> {
    let mut out = Vec::new();
    for lang in [Lang::En, Lang::Fr] {
        let mut state = state.clone();
        state.lang = lang;
        for (w, h) in [(80, 24), (200, 50)] {
            out.push((lang, screen(&state, w, h)));
        }
    }
    out
}

/// Words that state a hypothesis, or the mains on, which must not show during an outage.
const HYPOTHESIS: [&str; 2] = ["lost mains now", "perdait le secteur maintenant"];

#[test]
fn on_battery_the_plan_view_says_what_happens_with_the_headers_runtime() {
    // The plan was made with 40 minutes of battery; the UPS now says 30.
    let mut state = plan_view(on_battery(45), "OB DISCHRG", 1800);
    apply(&mut state, vec![tick_after(3)]);
    for (lang, rows) in everywhere(&state) {
        let text = rows.join("\n");
        for words in HYPOTHESIS {
            assert!(!text.contains(words), "{lang:?}:\n{text}");
        }
        assert!(text.contains("30m 00s"), "{lang:?}:\n{text}");
        assert!(!text.contains("40m 00s"), "one runtime, {lang:?}:\n{text}");
    }
    let text = screen(&state, 80, 24).join("\n");
    assert!(text.contains("acting in 42s"), "{text}");
    screens!("truth_on_battery", state);
}

#[test]
fn the_strip_never_says_on_mains_while_the_header_says_on_battery() {
    // The daemon's watch has not caught up with the reading yet: the UPS says OB.
    let mut state = plan_view(quiet(), "OB DISCHRG", 1800);
    apply(&mut state, vec![tick_after(1)]);
    for (lang, rows) in everywhere(&state) {
        let header = &rows[0];
        let on_battery = if lang == Lang::En {
            "ON BATTERY"
        } else {
            "SUR BATTERIE"
        };
        assert!(header.contains(on_battery), "{lang:?}: {header}");
        let strip = rows
            .iter()
            .find(|r| r.contains("ups-a1 ") && r.contains("ups-b1 "))
            .unwrap_or_else(|| panic!("the strip:\n{}", rows.join("\n")));
        let a1 = strip.split('│').nth(1).unwrap_or_default();
        assert!(a1.contains(on_battery), "{lang:?}: {strip}");
        let text = rows.join("\n");
        for words in HYPOTHESIS {
            assert!(!text.contains(words), "{lang:?}:\n{text}");
        }
    }
}

/// The shed of ups-a1 as it went: web-01 took 70 s where 60 were predicted, db-01 ended on
/// time, the maintenance step started 10 s late and runs.
fn shed_with_times(ended: bool) -> PlanStatus {
    let mut status = shedding();
    let mut going = status.active.take().expect("a run");
    let times = [(0, Some(70)), (0, Some(95)), (105, None)];
    for (step, (start, end)) in going.plan.steps.iter_mut().zip(times) {
        step.started_s = Some(start);
        step.ended_s = end;
    }
    if ended {
        let mut done = run(
            3,
            shed(),
            &[
                ("done", None),
                ("done", None),
                ("done", None),
                ("done", None),
                ("done", None),
            ],
            true,
        );
        let times = [(0, 70), (0, 95), (105, 112), (112, 330), (330, 500)];
        for (step, (start, end)) in done.plan.steps.iter_mut().zip(times) {
            step.started_s = Some(start);
            step.ended_s = Some(end);
        }
        status.recent = vec![done];
        status.unrestored = vec![3];
        status.watches = vec![
            watch("ups-a1", "online", None),
            watch("ups-b1", "online", None),
        ];
    } else {
        status.recent = vec![going.clone()];
        status.active = Some(going);
    }
    status
}

#[test]
fn shedding_the_timeline_draws_what_happened_over_what_was_predicted() {
    let mut state = plan_view(shed_with_times(false), "OB DISCHRG", 2400);
    // 120 s into the run.
    apply(&mut state, vec![tick_after(120)]);
    press(&mut state, "jj");
    for (lang, rows) in everywhere(&state) {
        let text = rows.join("\n");
        for words in HYPOTHESIS {
            assert!(!text.contains(words), "{lang:?}:\n{text}");
        }
        let bar = |needle: &str| {
            rows.iter()
                .find(|r| r.contains(needle))
                .unwrap_or_else(|| panic!("{needle}:\n{text}"))
                .clone()
        };
        // Done steps are drawn solid; steps still to come only as predicted.
        assert!(bar("web-01").contains('█'), "{lang:?}:\n{text}");
        assert!(!bar("nas-a1").contains('█'), "{lang:?}:\n{text}");
        assert!(bar("nas-a1").contains('░'), "{lang:?}:\n{text}");
    }
    let text = screen(&state, 80, 24).join("\n");
    assert!(text.contains("shedding UPS ups-a1, step 3 of 5"), "{text}");
    // The banner counts the same way as the heading.
    assert!(
        text.lines().next().is_some_and(|h| h.contains("shed 3/5")),
        "{text}"
    );
    assert!(text.contains("Actually 1m 45s → still running"), "{text}");
    screens!("truth_shedding", state);
}

#[test]
fn after_the_shed_the_view_says_it_waits_to_restore() {
    let mut state = plan_view(shed_with_times(true), "OL", 2400);
    apply(&mut state, vec![Action::Toggle]);
    let text = screen(&state, 80, 24).join("\n");
    assert!(text.contains("Shed, waiting to restore (run 3)"), "{text}");
    // Back to the preview: still no hypothesis while the lab is shed.
    let mut preview = state.clone();
    apply(&mut preview, vec![Action::Toggle]);
    for (lang, rows) in everywhere(&preview) {
        let text = rows.join("\n");
        for words in HYPOTHESIS {
            assert!(!text.contains(words), "{lang:?}:\n{text}");
        }
    }
    screens!("truth_after_the_shed", state);
}

fn page(events: Vec<(i64, DomainEvent)>) -> EventPage {
    EventPage {
        events: events
            .into_iter()
            .enumerate()
            .map(|(i, (secs, event))| EventRecord {
                seq: u64::try_from(i).expect("small") + 1,
                at: Timestamp(READ_AT.millis() + secs * 1000),
                event,
            })
            .collect(),
        next_cursor: 1,
        gap: false,
    }
}

fn arrive(state: &mut State, events: Vec<(i64, DomainEvent)>) {
    let epoch = state.epoch;
    apply(
        state,
        vec![Action::EventsArrived {
            epoch,
            result: Ok(page(events)),
        }],
    );
}

fn reading(ups: &UpsId, runtime_s: u64) -> DomainEvent {
    DomainEvent::UpsBatteryChanged {
        ups: ups.clone(),
        charge_pct: Some(80.0),
        runtime_s: Some(runtime_s),
    }
}

/// The status line: the row above the footer.
fn status_line(state: &State) -> String {
    let rows = screen(state, 80, 24);
    rows[rows.len() - 2].trim().to_owned()
}

#[test]
fn the_status_line_follows_the_run_not_the_first_message() {
    let a1 = UpsId::new("ups-a1").expect("valid");
    let mut state = plan_view(quiet(), "OL", 2400);
    // The operator's power cut of the demo, answered.
    state.notice = Some(Notice::info(Message::Requested(
        upstra_tui::console::call::Request::PowerCut {
            ups: "ups-a1".into(),
            cut: true,
        },
    )));
    assert!(status_line(&state).contains("on battery now"));
    arrive(
        &mut state,
        vec![
            (
                1,
                DomainEvent::OutageGraceStarted {
                    ups: a1.clone(),
                    grace_s: 60,
                },
            ),
            (2, reading(&a1, 2300)),
        ],
    );
    assert!(
        status_line(&state).contains("grace"),
        "{}",
        status_line(&state)
    );
    arrive(
        &mut state,
        vec![
            (
                61,
                DomainEvent::OutageTriggered {
                    ups: a1.clone(),
                    reason: "on battery past its 60 s grace".into(),
                },
            ),
            (
                62,
                DomainEvent::RunStarted {
                    run: 3,
                    plan: PlanType::Shed,
                    ups: vec![a1.clone()],
                    reason: "grace over".into(),
                    steps: 5,
                    estimate_s: 465,
                },
            ),
            (
                63,
                DomainEvent::StepStarted {
                    run: 3,
                    step: 1,
                    action: "migrate".into(),
                },
            ),
            (64, reading(&a1, 2200)),
        ],
    );
    let started = status_line(&state);
    assert!(!started.contains("on battery now"), "{started}");
    arrive(
        &mut state,
        vec![
            (
                90,
                DomainEvent::StepEnded {
                    run: 3,
                    step: 4,
                    state: StepStatus::Failed,
                    detail: "the BMC of esx-a1 does not answer".into(),
                },
            ),
            (91, reading(&a1, 2100)),
            (
                92,
                DomainEvent::StepEnded {
                    run: 3,
                    step: 5,
                    state: StepStatus::Done,
                    detail: "nas-a1 is off".into(),
                },
            ),
        ],
    );
    let failed = status_line(&state);
    assert!(failed.contains("esx-a1"), "a failure stays: {failed}");
    arrive(
        &mut state,
        vec![
            (
                95,
                DomainEvent::RunEnded {
                    run: 3,
                    plan: PlanType::Shed,
                    state: RunStatus::Finished,
                    done: 4,
                    failed: 1,
                    skipped: 0,
                },
            ),
            (96, reading(&a1, 2000)),
        ],
    );
    let ended = status_line(&state);
    assert_ne!(ended, failed, "the run's end is the news now");
    // The view follows the run to its end: the status the events asked for arrives.
    let mut status = shed_with_times(true);
    status.recent[0] = run(
        3,
        shed(),
        &[
            ("done", None),
            ("done", None),
            ("done", None),
            ("failed", Some("the BMC of esx-a1 does not answer")),
            ("done", None),
        ],
        true,
    );
    replied(&mut state, Reply::PlanStatus(Ok(status)));
    assert_eq!(status_line(&state), ended);
    screens!("truth_status_after_the_run", state);
}

#[test]
fn after_the_session_ends_the_login_screen_shows_nothing_from_it() {
    let a1 = UpsId::new("ups-a1").expect("valid");
    let mut state = plan_view(quiet(), "OL", 2400);
    state.notice = Some(Notice::info(Message::Requested(
        upstra_tui::console::call::Request::PlanRestore,
    )));
    arrive(
        &mut state,
        vec![(
            1,
            DomainEvent::OutageGraceStarted {
                ups: a1,
                grace_s: 60,
            },
        )],
    );
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Err(Failure::Unauthenticated),
        }],
    );
    assert_eq!(state.screen, Screen::Login);
    for (lang, rows) in everywhere(&state) {
        let text = rows.join("\n");
        for old in ["restore", "grace", "rétabli", "grâce"] {
            assert!(!text.contains(old), "{lang:?} shows {old}:\n{text}");
        }
    }
    screens!("truth_login_after_the_session", state);
}

#[test]
fn the_plan_footer_at_80_columns_keeps_cancel_and_restore() {
    // A shed goes on (Cancel applies) while an earlier one awaits undoing (Restore applies):
    // the footer offers only what would do something now.
    let mut status = shedding();
    status.unrestored = vec![2];
    let state = plan_view(status, "OB DISCHRG", 2400);
    for (lang, rows) in everywhere(&state) {
        let footer = rows.last().expect("a footer");
        let (cancel, restore) = if lang == Lang::En {
            ("C cancel plan", "E restore")
        } else {
            ("C annuler", "E rétablir")
        };
        assert!(
            footer.contains(cancel) && footer.contains(restore),
            "{footer}"
        );
    }
    // Even narrower, they go after Help and Quit only.
    let footer = screen(&state, 40, 24).pop().expect("a footer");
    assert!(footer.contains("C cancel plan"), "{footer}");
    assert!(footer.contains("E restore"), "{footer}");
    assert!(!footer.contains("simulate"), "{footer}");
}

#[test]
fn help_shows_the_footers_keys_whole_words_at_every_size() {
    let mut state = plan_view(shedding(), "OB DISCHRG", 2400);
    press(&mut state, "?");
    for lang in [Lang::En, Lang::Fr] {
        state.lang = lang;
        let mut plain = state.clone();
        plain.overlay = None;
        let footer = screen(&plain, 200, 50).pop().expect("a footer");
        for (w, h) in [(80, 24), (60, 20), (200, 50)] {
            let text = screen(&state, w, h).join("\n");
            // Every key of the footer is in the help (`↑↓` as `↑ k ↓ j`).
            for hint in footer.split("  ").map(str::trim).filter(|h| !h.is_empty()) {
                let keys = hint.split(' ').next().unwrap_or_default();
                for k in keys.chars().filter(|c| !c.is_alphanumeric()) {
                    assert!(text.contains(k), "{lang:?} {w}x{h}: {k} of {hint}:\n{text}");
                }
                if keys.chars().all(char::is_alphanumeric) {
                    assert!(
                        text.contains(&format!(" {keys} ")),
                        "{lang:?} {w}x{h}: {hint}:\n{text}"
                    );
                }
            }
            // What the help says of the plan's commands reads whole.
            let s = state.strings();
            for c in [
                upstra_tui::console::command_table::Command::PlanRun,
                upstra_tui::console::command_table::Command::PlanCancel,
                upstra_tui::console::command_table::Command::PlanRestore,
            ] {
                for word in (s.command)(c).split_whitespace() {
                    assert!(
                        text.contains(&format!("{word} ")) || text.contains(&format!("{word}│")),
                        "{lang:?} {w}x{h}: {word}:\n{text}"
                    );
                }
            }
        }
    }
    state.lang = Lang::En;
    screens!("truth_help_plan", state.clone());
    for (lang, code) in [(Lang::En, "en"), (Lang::Fr, "fr")] {
        state.lang = lang;
        insta::assert_snapshot!(
            format!("truth_help_plan@{code}-60x20"),
            draw(&state, 60, 20).backend()
        );
    }
}
