//! `update` for the history view: asked for when opened (with the audit permission), the
//! filter form (the daemon filters user, action and time, the console the target), counts
//! per day and per action, scrolling.

use crate::support;

use crossterm::event::KeyCode;
use support::replied;
use support::{apply, audit_trail, key, logged_in_with, press};
use upstra_core::api::v1::{ApiError, AuditQuery};
use upstra_tui::console::action::{Action, Effect, Failure, FormAction};
use upstra_tui::console::call::{Call, Reply};
use upstra_tui::console::message::Message;
use upstra_tui::console::state::{FieldName, Mode, Overlay, Screen, State};

const AUDITOR: &str = "read,audit";

fn audit_calls(effects: &[Effect]) -> Vec<(AuditQuery, Option<String>)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call {
                call: Call::Audit { query, since },
                ..
            } => Some((query.clone(), since.clone())),
            _ => None,
        })
        .collect()
}

fn on_history() -> State {
    let mut state = logged_in_with(AUDITOR);
    key(&mut state, KeyCode::F(4));
    replied(&mut state, Reply::Audit(Ok(audit_trail())));
    state
}

#[test]
fn opening_the_history_asks_for_the_last_thousand_records() {
    let mut state = logged_in_with(AUDITOR);
    let effects = key(&mut state, KeyCode::F(4));
    assert_eq!(state.screen, Screen::History);
    assert_eq!(
        audit_calls(&effects),
        vec![(
            AuditQuery {
                limit: Some(1000),
                ..AuditQuery::default()
            },
            None
        )]
    );
    // Opening it again while the call is out does not ask twice.
    key(&mut state, KeyCode::F(2));
    assert!(audit_calls(&key(&mut state, KeyCode::F(4))).is_empty());
}

#[test]
fn without_the_audit_permission_the_view_says_so() {
    let mut state = logged_in_with("read,power");
    let effects = key(&mut state, KeyCode::F(4));
    assert!(audit_calls(&effects).is_empty());
    assert_eq!(
        state.history.problem,
        Some(Message::Refused(ApiError::Forbidden {
            needed: "audit".into()
        }))
    );
}

#[test]
fn records_show_newest_first_with_counts_per_day_and_per_action() {
    let state = on_history();
    let h = &state.history;
    assert_eq!(h.records.first().map(|r| r.seq), Some(10));
    assert_eq!(
        h.per_day,
        vec![
            ("2026-11-23".to_owned(), 4),
            ("2026-11-24".to_owned(), 3),
            ("2026-11-25".to_owned(), 3),
        ]
    );
    assert_eq!(h.per_action[0], ("login".to_owned(), 3));
    assert_eq!(h.per_action[1], ("server_power".to_owned(), 2));
}

#[test]
fn the_filter_form_sends_user_action_and_time_and_keeps_the_target_here() {
    let mut state = on_history();
    press(&mut state, "/");
    assert_eq!(state.mode(), Mode::Form);
    // User, action, target, since.
    apply(
        &mut state,
        "alice"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .chain([
                Action::Form(FormAction::Move(1)),
                Action::Form(FormAction::Move(1)),
            ])
            .chain("server".chars().map(|c| Action::Form(FormAction::Char(c))))
            .chain([Action::Form(FormAction::Move(1))])
            .chain("soon".chars().map(|c| Action::Form(FormAction::Char(c))))
            .collect(),
    );
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert!(effects.is_empty(), "a time it cannot read is not sent");
    let Some(Overlay::Form(form)) = &state.overlay else {
        panic!("the form stays");
    };
    assert_eq!(form.error, Some(Message::BadSince("soon".into())));
    assert_eq!(form.fields[form.focus].name, FieldName::Since);
    apply(
        &mut state,
        (0..4)
            .map(|_| Action::Form(FormAction::Backspace))
            .chain("2d".chars().map(|c| Action::Form(FormAction::Char(c))))
            .collect(),
    );
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert!(state.overlay.is_none());
    assert_eq!(
        audit_calls(&effects),
        vec![(
            AuditQuery {
                user: Some("alice".into()),
                limit: Some(1000),
                ..AuditQuery::default()
            },
            Some("2d".into())
        )]
    );
    let alice: Vec<_> = audit_trail()
        .into_iter()
        .filter(|r| r.actor.as_deref() == Some("alice"))
        .collect();
    replied(&mut state, Reply::Audit(Ok(alice)));
    let seqs: Vec<u64> = state.history.records.iter().map(|r| r.seq).collect();
    assert_eq!(seqs, vec![9, 5], "only alice's records on servers");
    // The form opens with the filter in use; Esc leaves it unchanged.
    press(&mut state, "/");
    let Some(Overlay::Form(form)) = &state.overlay else {
        panic!("the form");
    };
    assert_eq!(form.value(FieldName::Target), "server");
    press(&mut state, "\x1b");
    assert_eq!(state.history.filter.target, "server");
}

#[test]
fn the_records_scroll_and_refresh_asks_again() {
    let mut state = on_history();
    press(&mut state, "jjj");
    assert_eq!(state.history.selected, 3);
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.history.selected, 9, "stops at the last");
    press(&mut state, "g");
    assert_eq!(state.history.selected, 0);
    let effects = press(&mut state, "r");
    assert_eq!(audit_calls(&effects).len(), 1);
    let effects = replied(
        &mut state,
        Reply::Audit(Err(Failure::Refused(ApiError::RateLimited {
            retry_after_s: 40,
        }))),
    );
    assert!(effects.is_empty());
    assert!(matches!(
        state.history.problem,
        Some(Message::Refused(ApiError::RateLimited { .. }))
    ));
}

#[test]
fn the_filter_key_in_the_lab_view_filters_the_tree_not_the_history() {
    let mut state = logged_in_with(AUDITOR);
    press(&mut state, "/");
    assert!(state.overlay.is_none(), "no audit filter form");
    assert_eq!(state.mode(), Mode::Filter);
    assert!(state.notice.is_none());
}

#[test]
fn the_target_filter_finds_a_vm_by_its_name_even_in_a_record_by_id() {
    let mut state = logged_in_with(AUDITOR);
    key(&mut state, KeyCode::F(4));
    let mut old = support::audit(1, 0, "bob", "vm_migrate", Some("vm:vm-101"), "ok");
    old.target_name = Some("vm:db-01".into());
    let other = support::audit(2, 0, "bob", "vm_migrate", Some("vm:web-01"), "ok");
    state.history.filter.target = "db-01".into();
    replied(&mut state, Reply::Audit(Ok(vec![old, other])));
    let targets: Vec<_> = state
        .history
        .records
        .iter()
        .map(|r| r.target.clone())
        .collect();
    assert_eq!(targets, [Some("vm:vm-101".to_owned())]);
}
