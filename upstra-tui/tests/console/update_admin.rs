//! `update` for the accounts view: what it asks for (the accounts for admins, the people for
//! everyone), tabs, adding a user (passwords typed twice, never kept once sent) and a grant,
//! the confirmed changes (disable, reset with its secret shown once, remove a grant, end
//! sessions), and presence following the events.

use crate::support;

use crossterm::event::{KeyCode, KeyModifiers};
use support::{accounts, apply, key, logged_in_with, people, press};
use support::{calls, replied};
use upstra_core::api::v1::{ApiError, ConflictReason, EventPage, GrantView, ResetSecret};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, ConfirmAction, Failure, FormAction};
use upstra_tui::console::call::{Call, Outcome, Reply, Request};
use upstra_tui::console::message::Message;
use upstra_tui::console::state::{AdminTab, FieldName, Mode, Overlay, Screen, State};

const ADMIN: &str = "read,write,delete,power,migrate,ssh,plan,audit,admin";

fn on_accounts() -> State {
    let mut state = logged_in_with(ADMIN);
    key(&mut state, KeyCode::F(5));
    replied(&mut state, Reply::Accounts(Ok(accounts())));
    replied(&mut state, Reply::People(Ok(people(None))));
    state
}

fn typed(state: &mut State, text: &str) {
    apply(
        state,
        text.chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .collect(),
    );
}

#[test]
fn an_admin_gets_the_accounts_and_everyone_the_people() {
    let mut state = logged_in_with(ADMIN);
    let effects = key(&mut state, KeyCode::F(5));
    assert_eq!(state.screen, Screen::Admin);
    assert_eq!(
        calls(&effects),
        vec![Call::Accounts, Call::People { user: None }]
    );
    let mut viewer = logged_in_with("read");
    let effects = key(&mut viewer, KeyCode::F(5));
    assert_eq!(calls(&effects), vec![Call::People { user: None }]);
    assert_eq!(viewer.admin.tab, AdminTab::People);
    // The tabs stay on people, and changes are refused before any question.
    apply(&mut viewer, vec![Action::Expand]);
    assert_eq!(viewer.admin.tab, AdminTab::People);
    press(&mut viewer, "D");
    assert!(viewer.overlay.is_none());
}

#[test]
fn the_tabs_go_round_and_the_people_tab_lists_the_chosen_users_sessions() {
    let mut state = on_accounts();
    press(&mut state, "j"); // bob
    apply(&mut state, vec![Action::Expand]);
    assert_eq!(state.admin.tab, AdminTab::Roles);
    let effects = apply(&mut state, vec![Action::Expand, Action::Expand]);
    assert_eq!(state.admin.tab, AdminTab::People);
    assert_eq!(
        state.admin.sessions_of.as_deref(),
        None,
        "grants tab kept none"
    );
    assert!(calls(&effects).is_empty());
    apply(&mut state, vec![Action::Expand]);
    assert_eq!(state.admin.tab, AdminTab::Users);
    press(&mut state, "j");
    let effects = apply(&mut state, vec![Action::Collapse]);
    assert_eq!(state.admin.tab, AdminTab::People);
    assert_eq!(
        calls(&effects),
        vec![Call::People {
            user: Some("bob".into())
        }]
    );
}

#[test]
fn adding_a_user_checks_the_form_and_never_keeps_the_password() {
    let mut state = on_accounts();
    press(&mut state, "+");
    assert_eq!(state.mode(), Mode::Form);
    typed(&mut state, "dave");
    apply(
        &mut state,
        vec![
            Action::Form(FormAction::Move(1)),
            Action::Form(FormAction::Move(1)),
        ],
    );
    typed(&mut state, "correct horse");
    apply(&mut state, vec![Action::Form(FormAction::Move(1))]);
    typed(&mut state, "correct hose");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    let Some(Overlay::Form(form)) = &state.overlay else {
        panic!("the form stays");
    };
    assert_eq!(form.error, Some(Message::PasswordsDiffer));
    assert_eq!(
        form.value(FieldName::Repeat),
        "",
        "the second one is typed again"
    );
    assert!(!format!("{form:?}").contains("correct"), "Debug hides them");
    typed(&mut state, "correct horse");
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert_eq!(
        calls(&effects),
        vec![Call::AddUser {
            name: "dave".into(),
            role: "viewer".into(),
            password: Secret::new("correct horse"),
        }]
    );
    let Some(Overlay::Form(form)) = &state.overlay else {
        panic!("the form waits for the answer");
    };
    assert!(form.pending);
    assert_eq!(form.value(FieldName::Password), "", "wiped once sent");
    let effects = replied(
        &mut state,
        Reply::UserAdded {
            name: "dave".into(),
            result: Ok(()),
        },
    );
    assert!(state.overlay.is_none());
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::UserAdded("dave".into()))
    );
    assert!(calls(&effects).contains(&Call::Accounts));
}

#[test]
fn a_refused_user_stays_in_the_form_with_the_reason() {
    let mut state = on_accounts();
    press(&mut state, "+");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    let Some(Overlay::Form(form)) = &state.overlay else {
        panic!("the form");
    };
    assert_eq!(form.error, Some(Message::NeedField(FieldName::Name)));
    typed(&mut state, "alice");
    apply(
        &mut state,
        vec![
            Action::Form(FormAction::Move(1)),
            Action::Form(FormAction::Move(1)),
        ],
    );
    typed(&mut state, "pw");
    apply(&mut state, vec![Action::Form(FormAction::Move(1))]);
    typed(&mut state, "pw");
    apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    replied(
        &mut state,
        Reply::UserAdded {
            name: "alice".into(),
            result: Err(Failure::Refused(ApiError::Conflict {
                message: "user `alice` already exists".into(),
                reason: ConflictReason::UserExists,
            })),
        },
    );
    let Some(Overlay::Form(form)) = &state.overlay else {
        panic!("the form stays");
    };
    assert!(!form.pending);
    assert!(matches!(
        form.error,
        Some(Message::Refused(ApiError::Conflict { .. }))
    ));
}

#[test]
fn disable_asks_naming_the_user_then_enable_undoes_it() {
    let mut state = on_accounts();
    press(&mut state, "D");
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::SetDisabled { user: "alice".into(), disabled: true }
    ));
    press(&mut state, "\x1b");
    press(&mut state, "jD"); // bob is disabled already: enable
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::SetDisabled { user: "bob".into(), disabled: false }
    ));
    let effects = apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    assert_eq!(
        calls(&effects),
        vec![Call::Do(Request::SetDisabled {
            user: "bob".into(),
            disabled: false
        })]
    );
    let effects = replied(
        &mut state,
        Reply::Done {
            request: Request::SetDisabled {
                user: "bob".into(),
                disabled: false,
            },
            result: Ok(Outcome::Done),
        },
    );
    assert!(calls(&effects).contains(&Call::Accounts));
    assert_eq!(
        state
            .strings()
            .message(&state.notice.as_ref().expect("notice").message),
        "bob is enabled."
    );
}

#[test]
fn a_reset_shows_its_secret_once_and_closing_forgets_it() {
    let mut state = on_accounts();
    let ctrl_r = crossterm::event::KeyEvent::new(KeyCode::Char('r'), KeyModifiers::CONTROL);
    let action = upstra_tui::console::keys::action_for(&state, ctrl_r).expect("bound");
    apply(&mut state, vec![action]);
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::ResetPassword { user: "alice".into() }
    ));
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
            request: Request::ResetPassword {
                user: "alice".into(),
            },
            result: Ok(Outcome::Reset(ResetSecret {
                secret: Secret::new("reset-secret-1234"),
                expires_at: Timestamp(1_795_600_900_000),
            })),
        },
    );
    assert_eq!(state.mode(), Mode::Secret);
    assert!(!format!("{state:?}").contains("reset-secret-1234"));
    press(&mut state, "\n");
    assert!(state.overlay.is_none());
    assert_eq!(state.mode(), Mode::Admin);
}

#[test]
fn delete_removes_a_grant_or_ends_sessions() {
    let mut state = on_accounts();
    apply(&mut state, vec![Action::Expand, Action::Expand]);
    assert_eq!(state.admin.tab, AdminTab::Grants);
    press(&mut state, "jj");
    key(&mut state, KeyCode::Delete);
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::RemoveGrant(GrantView {
            user: "carol".into(), role: "operator".into(), resource: "room:lab-b".into()
        })
    ));
    press(&mut state, "\x1b");
    // Own sessions end one by one; someone else's all at once.
    apply(&mut state, vec![Action::Expand]);
    key(&mut state, KeyCode::Delete);
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::EndSession { id: "a1b2c3d4".into() }
    ));
    press(&mut state, "\x1b");
    replied(&mut state, Reply::People(Ok(people(Some("carol")))));
    key(&mut state, KeyCode::Delete);
    assert!(matches!(
        &state.overlay,
        Some(Overlay::Ask(a)) if a.request == Request::EndSessionsOf { user: "carol".into() }
    ));
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
            request: Request::EndSessionsOf {
                user: "carol".into(),
            },
            result: Ok(Outcome::Ended(2)),
        },
    );
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::SessionsEnded {
            user: "carol".into(),
            count: 2
        })
    );
}

#[test]
fn someone_connecting_refreshes_the_people_while_the_view_shows() {
    let mut state = on_accounts();
    let epoch = state.epoch;
    let dave = upstra_core::ids::UserName::new("dave").expect("valid");
    let effects = apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Ok(EventPage {
                events: vec![EventRecord {
                    seq: 5,
                    at: Timestamp(0),
                    event: DomainEvent::UserConnected { user: dave },
                }],
                next_cursor: 6,
                gap: false,
            }),
        }],
    );
    assert!(calls(&effects).contains(&Call::People { user: None }));
}
