//! `update`: actions in, state and effects out. Keys go through the real key map, so these
//! tests read like what an operator types.

use crate::support;

use support::whoami;
use support::{apply, lab, logged_in, press, token, vm};
use upstra_core::api::v1::{ApiError, EventPage, LoginReply, SessionScope, SessionToken};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UserName;
use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, Effect, Failure};
use upstra_tui::console::message::{Link, Message};
use upstra_tui::console::state::{Connection, LoginField, Screen, State};
use upstra_tui::console::tree::NodeId;
use upstra_tui::console::update::{REFRESH_TICKS, RETRY_TICKS, update};
use upstra_tui::session::StoredSession;

fn selected(state: &State) -> NodeId {
    state.lab.selected.clone().expect("something is selected")
}

fn server(name: &str) -> NodeId {
    NodeId::Server(name.into())
}

fn page(events: Vec<DomainEvent>, next_cursor: u64) -> EventPage {
    EventPage {
        events: events
            .into_iter()
            .enumerate()
            .map(|(i, event)| EventRecord {
                seq: i as u64 + 1,
                at: Timestamp(0),
                event,
            })
            .collect(),
        next_cursor,
        gap: false,
    }
}

#[test]
fn without_a_session_the_console_asks_for_a_login() {
    let mut state = State::new("/s");
    let effects = update(&mut state, Action::Start { session: None });
    assert_eq!(state.screen, Screen::Login);
    assert_eq!(effects, vec![health(0)], "and whether the lab is a demo");
}

/// The `health` call the console makes when it starts.
fn health(epoch: u64) -> Effect {
    Effect::Call {
        epoch,
        token: None,
        call: upstra_tui::console::call::Call::Health,
    }
}

#[test]
fn a_stored_session_is_checked_then_the_lists_are_fetched_and_followed() {
    let state = logged_in();
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(state.connection, Connection::Connected);
    assert!(state.lab.loaded);

    let mut state = State::new("/s");
    let session = upstra_tui::console::state::Session::new(token(), "alice");
    let effects = update(
        &mut state,
        Action::Start {
            session: Some(session),
        },
    );
    assert_eq!(state.screen, Screen::Starting);
    assert_eq!(
        effects,
        vec![
            Effect::CheckSession {
                epoch: 1,
                token: token()
            },
            health(1)
        ]
    );
}

#[test]
fn the_first_line_is_selected_and_keys_move_within_bounds() {
    let mut state = logged_in();
    assert_eq!(selected(&state), NodeId::Room("lab-a".into()));
    press(&mut state, "k^");
    assert_eq!(
        selected(&state),
        NodeId::Room("lab-a".into()),
        "stays at the top"
    );
    press(&mut state, "jv");
    assert_eq!(selected(&state), server("esx-a1"));
    press(&mut state, "G");
    assert_eq!(selected(&state), NodeId::Vm("vm-9".into()));
    press(&mut state, "j");
    assert_eq!(
        selected(&state),
        NodeId::Vm("vm-9".into()),
        "stays at the bottom"
    );
    press(&mut state, "g");
    assert_eq!(selected(&state), NodeId::Room("lab-a".into()));
}

#[test]
fn right_unfolds_then_enters_and_left_goes_back_up_then_folds() {
    let mut state = logged_in();
    press(&mut state, "jj");
    assert_eq!(selected(&state), server("esx-a1"));
    let before = state.rows().len();
    assert!(
        !state.is_expanded(&server("esx-a1")),
        "servers start folded"
    );

    press(&mut state, "l");
    assert!(state.is_expanded(&server("esx-a1")));
    assert_eq!(state.rows().len(), before + 2, "its two VMs show");
    press(&mut state, ">");
    assert_eq!(
        selected(&state),
        NodeId::Vm("vm-2".into()),
        "db-01 sorts first"
    );

    press(&mut state, "h");
    assert_eq!(
        selected(&state),
        server("esx-a1"),
        "left on a leaf goes to the parent"
    );
    press(&mut state, "<");
    assert!(!state.is_expanded(&server("esx-a1")));
    assert_eq!(state.rows().len(), before);
}

#[test]
fn enter_toggles_and_a_folded_room_hides_everything_below() {
    let mut state = logged_in();
    let all = state.rows().len();
    press(&mut state, "\n");
    assert!(!state.is_expanded(&NodeId::Room("lab-a".into())));
    assert_eq!(state.rows().len(), all - 3);
    press(&mut state, "\n");
    assert_eq!(state.rows().len(), all);
    assert!(state.lab.toggled.is_empty(), "back to the defaults");
}

#[test]
fn q_quits() {
    let mut state = logged_in();
    assert_eq!(press(&mut state, "q"), vec![Effect::Quit]);
}

#[test]
fn the_login_form_edits_the_focused_field_and_submit_emits_a_login() {
    let mut state = State::new("/s");
    update(&mut state, Action::Start { session: None });
    press(&mut state, "bobx\x08\tpw!q");
    assert_eq!(state.login.user, "bob");
    assert_eq!(
        state.login.password.as_str(),
        "pw!q",
        "q types, it does not quit here"
    );
    assert_eq!(state.login.focus, LoginField::Password);

    let effects = press(&mut state, "\n");
    assert_eq!(
        effects,
        vec![Effect::Login {
            user: "bob".into(),
            password: Secret::new("pw!q"),
        }]
    );
    assert!(state.login.pending);
    assert!(state.login.password.is_empty(), "the password is not kept");
    assert!(
        press(&mut state, "\n").is_empty(),
        "no second login while one is in flight"
    );
}

#[test]
fn an_incomplete_login_form_says_what_is_missing() {
    let mut state = State::new("/s");
    update(&mut state, Action::Start { session: None });
    assert!(press(&mut state, "\n").is_empty());
    assert_eq!(state.login.error, Some(Message::NeedUser));
    press(&mut state, "bob\n");
    assert_eq!(state.login.error, Some(Message::NeedPassword));
    assert_eq!(state.login.focus, LoginField::Password);
}

#[test]
fn a_successful_login_saves_the_session_checks_it_then_starts_following() {
    let mut state = State::new("/s");
    update(&mut state, Action::Start { session: None });
    press(&mut state, "bob\tpw\n");
    let reply = LoginReply {
        token: token(),
        user: "bob".into(),
        role: "viewer".into(),
        scope: upstra_core::api::v1::SessionScope::Full,
        expires_at: Timestamp(42),
    };
    let effects = update(&mut state, Action::LoggedIn(Ok(reply)));
    let epoch = state.epoch;
    assert_eq!(
        effects,
        vec![
            Effect::SaveSession(StoredSession {
                token: token(),
                user: "bob".into(),
                expires_at: Timestamp(42),
            }),
            Effect::CheckSession {
                epoch,
                token: token()
            },
        ]
    );
    let effects = update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("bob", "read", SessionScope::Full)),
        },
    );
    assert_eq!(state.screen, Screen::Tree);
    assert_eq!(state.permissions(), Permissions::READ);
    assert_eq!(
        effects,
        vec![
            Effect::FetchLists {
                epoch,
                token: token()
            },
            Effect::FollowEvents {
                epoch,
                token: token(),
                cursor: 0
            },
        ]
    );
}

#[test]
fn a_refused_login_shows_the_daemons_message() {
    let mut state = State::new("/s");
    update(&mut state, Action::Start { session: None });
    press(&mut state, "bob\tpw\n");
    update(
        &mut state,
        Action::LoggedIn(Err(Failure::Refused(ApiError::BadCredentials))),
    );
    assert_eq!(state.screen, Screen::Login);
    assert!(!state.login.pending);
    assert_eq!(
        state.login.error,
        Some(Message::Refused(ApiError::BadCredentials))
    );
    assert_eq!(
        state
            .strings()
            .message(&Message::Refused(ApiError::BadCredentials)),
        "Wrong user name or password."
    );
}

#[test]
fn events_advance_the_cursor_and_trigger_a_refresh() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let bob = UserName::new("bob").expect("valid");
    let effects = update(
        &mut state,
        Action::EventsArrived {
            epoch,
            result: Ok(page(vec![DomainEvent::UserLoggedIn { user: bob }], 7)),
        },
    );
    // The next poll leaves at once; the lists are fetched at the next paced tick.
    assert_eq!(
        effects,
        vec![Effect::FollowEvents {
            epoch,
            token: token(),
            cursor: 7
        }]
    );
    // A login changes no list: nothing to fetch.
    assert!(!state.sync.stale);
    let said = state
        .last_event
        .as_ref()
        .map(|e| (state.strings().event)(e));
    assert_eq!(said.as_deref(), Some("bob logged in"));

    // A VM moving to another host does: the tree must place it again.
    let moved = DomainEvent::VmMoved {
        vm: upstra_core::ids::VmId::new("vm-1").expect("valid"),
        name: "web".into(),
        from: Some("esx-a1.lab".into()),
        to: Some("esx-b1.lab".into()),
    };
    let effects = update(
        &mut state,
        Action::EventsArrived {
            epoch,
            result: Ok(page(vec![moved], 7)),
        },
    );
    assert_eq!(
        effects,
        vec![Effect::FollowEvents {
            epoch,
            token: token(),
            cursor: 7
        }]
    );
    assert!(state.sync.stale);
    // However many events came, one fetch, no sooner than STALE_TICKS after the last one.
    let mut fetches = 0;
    for _ in 0..upstra_tui::console::update::STALE_TICKS {
        fetches += update(&mut state, support::tick())
            .iter()
            .filter(|e| matches!(e, Effect::FetchLists { .. }))
            .count();
    }
    assert_eq!(fetches, 1);
    assert!(!state.sync.stale);
}

#[test]
fn replies_from_an_older_session_are_ignored() {
    let mut state = logged_in();
    let before = state.clone();
    let stale = state.epoch - 1;
    let effects = update(
        &mut state,
        Action::ListsLoaded {
            epoch: stale,
            result: Err(Failure::Unauthenticated),
        },
    );
    assert!(effects.is_empty());
    assert_eq!(state, before);
}

#[test]
fn an_expired_session_goes_back_to_the_login_screen_and_is_forgotten() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let effects = update(
        &mut state,
        Action::EventsArrived {
            epoch,
            result: Err(Failure::Unauthenticated),
        },
    );
    assert_eq!(effects, vec![Effect::ForgetSession]);
    assert_eq!(state.screen, Screen::Login);
    assert!(state.session.is_none());
    assert_eq!(state.login.user, "alice", "the user name is kept");
    assert_eq!(state.login.focus, LoginField::Password);
    assert!(state.login.error.is_some());
}

#[test]
fn a_lost_daemon_is_retried_after_a_few_ticks() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let refused = Failure::Refused(ApiError::Unavailable {
        message: "the daemon is shutting down".into(),
    });
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Err(refused),
        },
    );
    assert!(state.sync_problem.is_some());
    update(
        &mut state,
        Action::EventsArrived {
            epoch,
            result: Err(Failure::Unreachable(Link::Closed)),
        },
    );
    assert_eq!(state.connection, Connection::Lost(Link::Closed));
    assert_eq!(
        state.sync_problem, None,
        "the lost connection is what the status line shows"
    );
    let ticks: Vec<Vec<Effect>> = (0..RETRY_TICKS)
        .map(|_| update(&mut state, support::tick()))
        .collect();
    assert!(ticks[..ticks.len() - 1].iter().all(Vec::is_empty));
    assert!(ticks[ticks.len() - 1].contains(&Effect::FollowEvents {
        epoch,
        token: token(),
        cursor: 0
    }));
}

#[test]
fn the_lists_are_refreshed_every_few_ticks_without_events() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let effects = apply(
        &mut state,
        (0..REFRESH_TICKS).map(|_| support::tick()).collect(),
    );
    assert_eq!(
        effects,
        vec![Effect::FetchLists {
            epoch,
            token: token()
        }]
    );
    assert!(!support::tick().may_change_screen(), "ticks do not redraw");
}

#[test]
fn a_vm_that_moved_stays_selected_under_its_new_server() {
    let mut state = logged_in();
    press(&mut state, "jjlj");
    assert_eq!(selected(&state), NodeId::Vm("vm-2".into()));
    let mut moved = lab();
    moved.vms[1] = vm("vm-2", "db-01", Some("esx-b1"));
    let epoch = state.epoch;
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Ok(moved),
        },
    );
    assert_eq!(selected(&state), NodeId::Vm("vm-2".into()));
    assert!(
        state.is_expanded(&server("esx-b1")),
        "its new server unfolds"
    );
    assert!(
        state.selected_index(&state.rows()).is_some(),
        "and it is visible"
    );
}

#[test]
fn a_selection_that_disappears_falls_on_the_same_line() {
    let mut state = logged_in();
    press(&mut state, "G");
    let mut fewer = lab();
    fewer.vms.pop();
    let epoch = state.epoch;
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Ok(fewer),
        },
    );
    assert_eq!(selected(&state), server("esx-b1"), "the new last line");
}

#[test]
fn tokens_never_print() {
    let state = logged_in();
    let debug = format!("{state:?}");
    assert!(!debug.contains(SessionToken::new("0".repeat(64)).expose()));
}

#[test]
fn readings_and_power_states_are_applied_from_the_events_without_a_fetch() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let Some(ups) = state.lab.inventory.ups.keys().next().cloned() else {
        panic!("the test lab has a UPS")
    };
    let id = upstra_core::ids::UpsId::new(ups.clone()).expect("valid");
    let effects = update(
        &mut state,
        Action::EventsArrived {
            epoch,
            result: Ok(page(
                vec![
                    DomainEvent::UpsStatusChanged {
                        ups: id.clone(),
                        from: "OL".into(),
                        to: "OB DISCHRG".into(),
                    },
                    DomainEvent::UpsBatteryChanged {
                        ups: id,
                        charge_pct: Some(61.0),
                        runtime_s: Some(900),
                    },
                ],
                9,
            )),
        },
    );
    assert!(
        !effects
            .iter()
            .any(|e| matches!(e, Effect::FetchLists { .. }))
    );
    assert!(!state.sync.stale);
    let shown = &state.lab.inventory.ups[&ups];
    assert_eq!(
        (shown.status.as_deref(), shown.charge_pct, shown.runtime_s),
        (Some("OB DISCHRG"), Some(61.0), Some(900))
    );
}
