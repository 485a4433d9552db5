//! `update`: the only function that changes the console's [`State`]. Pure: no I/O, no await,
//! no clock; anything to do outside comes back as an [`Effect`]. Time enters as
//! [`Action::Tick`].

use upstra_core::api::v1::{EventPage, LoginReply};
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::action::{Action, Effect, Failure};
use super::state::{Connection, Inventory, LoginField, LoginForm, Screen, Session, State, Sync};
use super::strings::strings;
use crate::session::StoredSession;

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
            navigate(state, &action);
            Vec::new()
        }
        Action::Collapse | Action::Expand | Action::Toggle => {
            fold(state, &action);
            Vec::new()
        }
        Action::LoginChar(c) => {
            login_field(&mut state.login).push(c);
            Vec::new()
        }
        Action::LoginBackspace => {
            login_field(&mut state.login).pop();
            Vec::new()
        }
        Action::LoginNextField => {
            state.login.focus = match state.login.focus {
                LoginField::User => LoginField::Password,
                LoginField::Password => LoginField::User,
            };
            Vec::new()
        }
        Action::LoginSubmit => submit_login(state),
        Action::LoggedIn(result) => logged_in(state, result),
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

fn login_field(form: &mut LoginForm) -> &mut String {
    match form.focus {
        LoginField::User => &mut form.user,
        LoginField::Password => &mut form.password,
    }
}

fn submit_login(state: &mut State) -> Vec<Effect> {
    let form = &mut state.login;
    if form.pending {
        return Vec::new();
    }
    let s = strings();
    if form.user.trim().is_empty() {
        form.error = Some(s.login_need_user.to_owned());
        form.focus = LoginField::User;
        return Vec::new();
    }
    if form.password.is_empty() {
        form.error = Some(s.login_need_password.to_owned());
        form.focus = LoginField::Password;
        return Vec::new();
    }
    form.pending = true;
    form.error = None;
    let password = std::mem::replace(&mut form.password, Zeroizing::new(String::new()));
    vec![Effect::Login {
        user: form.user.trim().to_owned(),
        password: Secret::new(password.as_str()),
    }]
}

fn logged_in(state: &mut State, result: Result<LoginReply, Failure>) -> Vec<Effect> {
    state.login.pending = false;
    let reply = match result {
        Ok(reply) => reply,
        Err(failure) => {
            state.login.focus = LoginField::Password;
            state.login.error = Some(match failure {
                Failure::Unauthenticated => strings().login_refused.to_owned(),
                Failure::Unreachable(why) => {
                    state.connection = Connection::Lost(why.clone());
                    why
                }
                Failure::Refused(why) => why,
            });
            return Vec::new();
        }
    };
    state.epoch += 1;
    state.session = Some(Session {
        token: reply.token.clone(),
        user: reply.user.clone(),
    });
    state.login = LoginForm::default();
    state.screen = Screen::Tree;
    state.connection = Connection::Connected;
    let mut effects = vec![Effect::SaveSession(StoredSession {
        token: reply.token,
        user: reply.user,
        expires_at: reply.expires_at,
    })];
    effects.extend(start_following(state));
    effects
}

fn navigate(state: &mut State, action: &Action) {
    let rows = state.rows();
    let Some(last) = rows.len().checked_sub(1) else {
        return;
    };
    let index = match (state.selected_index(&rows), action) {
        (None, _) | (_, Action::First) => 0,
        (_, Action::Last) => last,
        (Some(i), Action::Up) => i.saturating_sub(1),
        (Some(i), Action::Down) => (i + 1).min(last),
        (Some(i), _) => i,
    };
    state.selected = Some(rows[index].id.clone());
}

fn fold(state: &mut State, action: &Action) {
    let rows = state.rows();
    let Some(index) = state.selected_index(&rows) else {
        navigate(state, &Action::First);
        return;
    };
    let row = &rows[index];
    match action {
        Action::Toggle if row.has_children => state.set_expanded(&row.id, !row.expanded),
        Action::Expand if row.has_children && !row.expanded => state.set_expanded(&row.id, true),
        Action::Expand if row.expanded => {
            if let Some(child) = rows.get(index + 1) {
                state.selected = Some(child.id.clone());
            }
        }
        Action::Collapse if row.expanded => state.set_expanded(&row.id, false),
        Action::Collapse => {
            // Already folded (or a leaf): go up to the parent, as file managers do.
            if let Some(parent) = rows[..index].iter().rev().find(|r| r.depth < row.depth) {
                state.selected = Some(parent.id.clone());
            }
        }
        _ => {}
    }
}
