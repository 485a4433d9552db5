//! `update`: the only function that changes the console's [`State`]. Pure: no I/O, no await,
//! no clock; anything to do outside comes back as an [`Effect`]. Time enters as
//! [`Action::Tick`].
//!
//! This module holds the dispatch and the session/sync logic; `login` the login form and
//! `nav` tree navigation.

mod login;
mod nav;

use upstra_core::api::v1::EventPage;

use super::action::{Action, Effect, Failure};
use super::state::{Connection, Inventory, LoginField, LoginForm, Screen, Session, State, Sync};
use super::strings::strings;

/// Ticks between two fetches of the lists when no event asked for one. Events only mark
/// changes of state; charge and runtime move without them.
pub const REFRESH_TICKS: u32 = 5;
/// Ticks to wait before calling a daemon that could not be reached.
pub const RETRY_TICKS: u32 = 3;

/// Applies `action` to `state` and returns what the driver should do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Start { session } => start(state, session),
        Action::Quit => vec![Effect::Quit],
        Action::Tick => tick(state),
        Action::Up | Action::Down | Action::First | Action::Last => {
            nav::navigate(state, &action);
            Vec::new()
        }
        Action::Collapse | Action::Expand | Action::Toggle => {
            nav::fold(state, &action);
            Vec::new()
        }
        Action::LoginChar(_) | Action::LoginBackspace | Action::LoginNextField => {
            login::edit(state, &action);
            Vec::new()
        }
        Action::LoginSubmit => login::submit_login(state),
        Action::LoggedIn(result) => login::logged_in(state, result),
        Action::SessionChecked { epoch, result } if epoch == state.epoch => match result {
            Ok(me) => {
                if let Some(session) = &mut state.session {
                    session.user = me.user;
                }
                state.screen = Screen::Tree;
                state.connection = Connection::Connected;
                start_following(state)
            }
            Err(Failure::Unreachable(why)) => {
                lost(state, why);
                Vec::new()
            }
            Err(Failure::Unauthenticated) => expire(state, strings().session_expired.to_owned()),
            Err(Failure::Refused(why)) => expire(state, why),
        },
        Action::ListsLoaded { epoch, result } if epoch == state.epoch => {
            state.sync.fetching = false;
            state.sync.ticks_since_fetch = 0;
            match result {
                Ok(lists) => {
                    state.connection = Connection::Connected;
                    state.notice = None;
                    state.set_inventory(Inventory::from(lists));
                    Vec::new()
                }
                Err(f) => failed(state, f),
            }
        }
        Action::EventsArrived { epoch, result } if epoch == state.epoch => {
            state.sync.following = false;
            match result {
                Ok(page) => events_arrived(state, &page),
                Err(f) => failed(state, f),
            }
        }
        // A reply to a call made with an earlier session: that session is gone.
        Action::SessionChecked { .. }
        | Action::ListsLoaded { .. }
        | Action::EventsArrived { .. } => Vec::new(),
        Action::SessionNotSaved(why) => {
            state.notice = Some(why);
            Vec::new()
        }
    }
}

fn start(state: &mut State, session: Option<Session>) -> Vec<Effect> {
    state.connection = Connection::Connected;
    match session {
        Some(session) => {
            state.epoch += 1;
            let token = session.token.clone();
            state.session = Some(session);
            state.screen = Screen::Starting;
            vec![Effect::CheckSession {
                epoch: state.epoch,
                token,
            }]
        }
        None => {
            state.screen = Screen::Login;
            Vec::new()
        }
    }
}

fn tick(state: &mut State) -> Vec<Effect> {
    let sync = &mut state.sync;
    sync.ticks_since_fetch = sync.ticks_since_fetch.saturating_add(1);
    sync.ticks_since_failure = sync.ticks_since_failure.saturating_add(1);
    let Some(session) = &state.session else {
        return Vec::new();
    };
    let token = session.token.clone();
    let epoch = state.epoch;
    let retry_due = sync.ticks_since_failure >= RETRY_TICKS;
    let mut effects = Vec::new();
    match state.screen {
        Screen::Starting if retry_due && matches!(state.connection, Connection::Lost(_)) => {
            sync.ticks_since_failure = 0;
            effects.push(Effect::CheckSession { epoch, token });
        }
        Screen::Tree => {
            if !sync.following && retry_due {
                sync.following = true;
                effects.push(Effect::FollowEvents {
                    epoch,
                    token: token.clone(),
                    cursor: sync.cursor,
                });
            }
            if !sync.fetching && sync.ticks_since_fetch >= REFRESH_TICKS {
                sync.fetching = true;
                effects.push(Effect::FetchLists { epoch, token });
            }
        }
        _ => {}
    }
    effects
}

/// Fetches the lists and starts the long-poll, for a session just accepted.
fn start_following(state: &mut State) -> Vec<Effect> {
    let Some(session) = &state.session else {
        return Vec::new();
    };
    state.sync = Sync {
        cursor: state.sync.cursor,
        fetching: true,
        following: true,
        ..Sync::default()
    };
    vec![
        Effect::FetchLists {
            epoch: state.epoch,
            token: session.token.clone(),
        },
        Effect::FollowEvents {
            epoch: state.epoch,
            token: session.token.clone(),
            cursor: state.sync.cursor,
        },
    ]
}

fn events_arrived(state: &mut State, page: &EventPage) -> Vec<Effect> {
    state.connection = Connection::Connected;
    state.sync.cursor = page.next_cursor;
    if let Some(last) = page.events.last() {
        state.last_event = Some((strings().event)(&last.event));
    }
    let Some(session) = &state.session else {
        return Vec::new();
    };
    let mut effects = Vec::new();
    if (page.gap || !page.events.is_empty()) && !state.sync.fetching {
        state.sync.fetching = true;
        effects.push(Effect::FetchLists {
            epoch: state.epoch,
            token: session.token.clone(),
        });
    }
    state.sync.following = true;
    effects.push(Effect::FollowEvents {
        epoch: state.epoch,
        token: session.token.clone(),
        cursor: state.sync.cursor,
    });
    effects
}

/// A call for the current session failed.
fn failed(state: &mut State, failure: Failure) -> Vec<Effect> {
    match failure {
        Failure::Unauthenticated => expire(state, strings().session_expired.to_owned()),
        Failure::Unreachable(why) => {
            lost(state, why);
            Vec::new()
        }
        Failure::Refused(why) => {
            state.notice = Some(why);
            state.sync.ticks_since_failure = 0;
            Vec::new()
        }
    }
}

fn lost(state: &mut State, why: String) {
    // The lost connection is the news now; an older refusal would hide it.
    state.notice = None;
    state.connection = Connection::Lost(why);
    state.sync.ticks_since_failure = 0;
}

/// The daemon no longer accepts the session: forget it and ask for a login.
fn expire(state: &mut State, why: String) -> Vec<Effect> {
    let user = state.session.take().map(|s| s.user).unwrap_or_default();
    state.epoch += 1;
    state.screen = Screen::Login;
    state.inventory = Inventory::default();
    state.tree.clear();
    state.loaded = false;
    state.sync = Sync::default();
    state.login = LoginForm {
        focus: if user.is_empty() {
            LoginField::User
        } else {
            LoginField::Password
        },
        user,
        error: Some(why),
        ..LoginForm::default()
    };
    vec![Effect::ForgetSession]
}
