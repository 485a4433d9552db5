//! The dashboard's pace and memory: what it asks when it opens and as time passes, and the
//! events it keeps.

use crate::support;

use crossterm::event::KeyCode;
use support::{apply, key, logged_in, replied, tick};
use upstra_core::api::v1::{EventPage, StepStatus};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UpsId;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, Effect};
use upstra_tui::console::call::{Call, Reply};
use upstra_tui::console::state::{RECENT_EVENTS, State};

fn calls(effects: &[Effect]) -> Vec<Call> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call { call, .. } => Some(call.clone()),
            _ => None,
        })
        .collect()
}

/// Ticks `n` times and returns the calls made.
fn ticks(state: &mut State, n: usize) -> Vec<Call> {
    let mut made = Vec::new();
    for _ in 0..n {
        made.extend(calls(&apply(state, vec![tick()])));
    }
    made
}

#[test]
fn opening_the_dashboard_asks_the_history_and_the_plan_status() {
    let mut state = logged_in();
    let made = calls(&key(&mut state, KeyCode::F(6)));
    assert!(made.contains(&Call::UpsHistory), "{made:?}");
    // The status for the countdown: asked now, or once the call in flight answers.
    assert!(
        made.contains(&Call::PlanStatus) || state.plan.status_stale,
        "{made:?}"
    );
}

#[test]
fn the_history_is_asked_again_every_fifteen_seconds_while_the_dashboard_shows() {
    let mut state = logged_in();
    key(&mut state, KeyCode::F(6));
    // Still in flight: never a second call on top.
    assert!(!ticks(&mut state, 20).contains(&Call::UpsHistory));
    replied(&mut state, Reply::UpsHistory(Ok(Vec::new())));
    let made = ticks(&mut state, 15);
    assert_eq!(
        made.iter().filter(|c| **c == Call::UpsHistory).count(),
        1,
        "{made:?}"
    );
    // Another view: the history is not followed.
    replied(&mut state, Reply::UpsHistory(Ok(Vec::new())));
    key(&mut state, KeyCode::F(2));
    assert!(!ticks(&mut state, 40).contains(&Call::UpsHistory));
}

fn record(seq: u64, event: DomainEvent) -> EventRecord {
    EventRecord {
        seq,
        at: Timestamp(1_795_600_000_000 + i64::try_from(seq).expect("small") * 1000),
        event,
    }
}

#[test]
fn the_event_list_keeps_the_outage_not_the_readings_and_stays_bounded() {
    let mut state = logged_in();
    let ups = UpsId::new("ups-a1").expect("id");
    let mut events = Vec::new();
    for seq in 1..=(3 * RECENT_EVENTS as u64) {
        events.push(record(
            2 * seq,
            DomainEvent::UpsBatteryChanged {
                ups: ups.clone(),
                charge_pct: Some(50.0),
                runtime_s: Some(600),
            },
        ));
        events.push(record(
            2 * seq + 1,
            DomainEvent::StepEnded {
                run: 1,
                step: u32::try_from(seq).expect("small"),
                state: if seq % 2 == 0 {
                    StepStatus::Failed
                } else {
                    StepStatus::Done
                },
                detail: String::new(),
            },
        ));
    }
    let epoch = state.epoch;
    let next_cursor = events.last().map_or(0, |e| e.seq);
    apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Ok(EventPage {
                events,
                next_cursor,
                gap: false,
            }),
        }],
    );
    let kept = &state.dashboard.events;
    assert_eq!(kept.len(), RECENT_EVENTS);
    assert!(kept.iter().all(|r| matches!(
        &r.event,
        DomainEvent::StepEnded { state, .. } if *state == StepStatus::Failed
    )));
    assert_eq!(kept.back().map(|r| r.seq), Some(next_cursor));
}

#[test]
fn mains_lost_on_the_dashboard_reads_the_lists_again_for_the_input_voltage() {
    let mut state = logged_in();
    key(&mut state, KeyCode::F(6));
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Ok(EventPage {
                events: vec![record(
                    1,
                    DomainEvent::UpsStatusChanged {
                        ups: UpsId::new("ups-a1").expect("id"),
                        from: "OL".into(),
                        to: "OB DISCHRG".into(),
                    },
                )],
                next_cursor: 1,
                gap: false,
            }),
        }],
    );
    assert!(
        state.sync.stale,
        "the lists are read at the next paced tick"
    );
}

/// Seen in a real demo outage: mains came back while the plan view showed, and the dashboard
/// opened a few seconds later said "on mains, input 0 V" until the fallback refresh.
#[test]
fn opening_the_dashboard_reads_the_lists_again() {
    let mut state = logged_in();
    state.sync.stale = false;
    key(&mut state, KeyCode::F(6));
    assert!(
        state.sync.stale,
        "its load and input voltage are read again at the next paced tick"
    );
}
