//! `update`: the only function that changes the console's [`State`]. Pure: no I/O, no await,
//! no clock; anything to do outside comes back as an [`Effect`]. Time enters as
//! [`Action::Tick`].
//!
//! This module holds the dispatch and the session/sync logic; `login` the login form and its
//! second step, `enroll` two-factor enrollment, `password` the forced password change, `nav`
//! tree navigation, `lab_filter` the tree's `/` filter, `overlay` the palette, the help and
//! the dialogs, `operate` the commands that act on the lab and their answers.

mod admin;
mod dashboard;
mod enroll;
mod form;
mod history;
mod lab_filter;
mod login;
mod nav;
mod news;
mod operate;
mod overlay;
mod password;
mod plan;
mod roles;
mod setup;
mod setup_ups;
mod views;

pub use self::plan::{offers, target_ups};

use upstra_core::api::v1::{EventPage, SessionScope, WhoAmI};
use upstra_core::rbac::Permissions;
use upstra_core::state::Timestamp;

use super::action::{Action, Effect, Failure};
use super::call::Call;
use super::message::{Link, Message, Notice, Tone};
use super::state::{
    Connection, Enrollment, LoginField, LoginForm, PasswordForm, Screen, Session, State, Sync,
};

/// Ticks between two fetches of the lists when no event asked for one: a fallback, since
/// events announce every change worth showing.
pub const REFRESH_TICKS: u32 = 30;
/// Ticks at least between two fetches that events asked for. Events come every second in an
/// outage; fetching on each would spend the operator's rate limit (1000 calls in 15 minutes)
/// in minutes, right when the console matters most.
pub const STALE_TICKS: u32 = 3;
/// Ticks to wait before calling a daemon that could not be reached.
pub const RETRY_TICKS: u32 = 3;

/// Applies `action` to `state` and returns what the driver should do.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Start { session } => start(state, session),
        Action::Quit => super::ssh::update::quit(state),
        Action::Tick { now } => tick(state, now),
        Action::Up | Action::Down | Action::First | Action::Last => {
            seen(state);
            views::navigate(state, &action);
            Vec::new()
        }
        Action::Collapse | Action::Expand | Action::Toggle => {
            seen(state);
            views::fold(state, &action)
        }
        Action::Run(command) => operate::run(state, command),
        Action::Login(key) => login::key(state, key),
        Action::SecondFactorRequired { challenge } => login::second_factor(state, challenge),
        Action::LoggedIn(result) => login::logged_in(state, result),
        Action::Enroll(key) => enroll::key(state, key),
        Action::EnrollStarted { epoch, result } if epoch == state.epoch => {
            enroll::started(state, result)
        }
        Action::EnrollConfirmed { epoch, result } if epoch == state.epoch => {
            enroll::confirmed(state, result)
        }
        Action::Password(key) => password::key(state, key),
        Action::PasswordChanged { epoch, result } if epoch == state.epoch => {
            password::changed(state, result)
        }
        Action::CloseOverlay if state.overlay.is_none() && state.screen == Screen::Setup => {
            setup::back(state)
        }
        Action::CloseOverlay => {
            state.overlay = None;
            Vec::new()
        }
        Action::Palette(key) => overlay::palette_key(state, key),
        Action::Confirm(key) => overlay::confirm_key(state, key),
        Action::Picker(key) => overlay::picker_key(state, key),
        Action::Operated { epoch, op, result } if epoch == state.epoch => {
            operate::answered(state, op, result)
        }
        Action::SessionChecked { epoch, result } if epoch == state.epoch => match result {
            Ok(me) => checked(state, me),
            Err(Failure::Unreachable(why)) => {
                lost(state, why);
                Vec::new()
            }
            Err(Failure::Unauthenticated) => expire(state, Message::SessionExpired),
            Err(Failure::Refused(e)) => expire(state, Message::Refused(e)),
            Err(Failure::Failed(why)) => expire(state, Message::Failed(why)),
        },
        Action::ListsLoaded { epoch, result } if epoch == state.epoch => {
            state.sync.fetching = false;
            state.sync.ticks_since_fetch = 0;
            match result {
                Ok(lists) => {
                    state.connection = Connection::Connected;
                    state.sync_problem = None;
                    state.set_inventory(lists.into());
                    setup::lists_loaded(state);
                    overlay::refresh_palette(state);
                    Vec::new()
                }
                Err(f) => failed(state, f),
            }
        }
        Action::EventsArrived { epoch, result } if epoch == state.epoch => {
            state.sync.following = false;
            match result {
                Ok(page) => events_arrived(state, page),
                Err(f) => failed(state, f),
            }
        }
        // A reply to a call made with an earlier session: that session is gone.
        Action::SessionChecked { .. }
        | Action::ListsLoaded { .. }
        | Action::EventsArrived { .. }
        | Action::EnrollStarted { .. }
        | Action::EnrollConfirmed { .. }
        | Action::PasswordChanged { .. }
        | Action::Operated { .. } => Vec::new(),
        Action::Ssh(action) => super::ssh::update::update(state, action),
        Action::SessionNotSaved(why) => {
            state.notice = Some(Notice::error(Message::SessionNotSaved(why)));
            Vec::new()
        }
        Action::Replied { epoch, reply } if epoch == state.epoch || reply.needs_no_session() => {
            views::replied(state, *reply)
        }
        Action::Replied { .. } => Vec::new(),
        Action::Form(key) => form::key(state, key),
        Action::Filter(key) => {
            seen(state);
            lab_filter::key(state, key);
            Vec::new()
        }
        Action::Scroll(by) => {
            seen(state);
            views::scroll(state, by);
            Vec::new()
        }
        Action::Clicked(hit) => {
            seen(state);
            views::clicked(state, hit)
        }
    }
}

/// The operator moved on: the answer to what they did last has been read. Work still in
/// progress keeps its line until its answer comes.
pub(super) fn seen(state: &mut State) {
    if state
        .notice
        .as_ref()
        .is_some_and(|n| n.tone != Tone::Progress)
    {
        state.notice = None;
    }
}

fn start(state: &mut State, session: Option<Session>) -> Vec<Effect> {
    state.connection = Connection::Connected;
    let mut effects = match session {
        Some(session) => begin(state, session),
        None => {
            state.screen = Screen::Login;
            Vec::new()
        }
    };
    // Whether the lab is simulated (the demo's commands) and whether a first admin exists.
    effects.push(Effect::Call {
        epoch: state.epoch,
        token: None,
        call: Call::Health,
    });
    effects
}

/// Takes `session` as the one in use and asks the daemon what it may do; the answer decides
/// the screen.
pub(super) fn begin(state: &mut State, session: Session) -> Vec<Effect> {
    state.epoch += 1;
    let token = session.token.clone();
    state.session = Some(session);
    state.screen = Screen::Starting;
    vec![Effect::CheckSession {
        epoch: state.epoch,
        token,
    }]
}

/// `whoami` answered: the session's scope chooses the screen.
fn checked(state: &mut State, me: WhoAmI) -> Vec<Effect> {
    state.connection = Connection::Connected;
    let Some(session) = &mut state.session else {
        return Vec::new();
    };
    session.user = me.user.clone();
    session.scope = me.scope;
    session.permissions = parse_permissions(&me.permissions);
    let token = session.token.clone();
    match me.scope {
        // A newer daemon's limited scope opens the lab like a full one: the daemon refuses
        // what the scope does not allow, and its refusal says what the session may do.
        SessionScope::Full | SessionScope::Unknown => {
            if state.lab.view_of.as_deref() != Some(me.user.as_str()) {
                state.clear_view();
                state.lab.view_of = Some(me.user);
            }
            state.screen = Screen::Tree;
            start_following(state)
        }
        SessionScope::EnrollTwoFactor => {
            state.screen = Screen::Enroll;
            state.enroll = Enrollment::Requesting;
            vec![Effect::EnrollTotp {
                epoch: state.epoch,
                token,
            }]
        }
        SessionScope::ChangePassword => {
            state.screen = Screen::Password;
            state.password = PasswordForm::default();
            Vec::new()
        }
    }
}

/// `whoami`'s permissions: names separated by commas (`read,power`), or `none`. Names this
/// console does not know are skipped: a newer daemon may have more.
pub fn parse_permissions(names: &str) -> Permissions {
    names
        .split(',')
        .map(str::trim)
        .filter_map(|n| Permissions::parse_names(&[n]).ok())
        .fold(Permissions::NONE, |acc, p| acc | p)
}

fn tick(state: &mut State, now: Timestamp) -> Vec<Effect> {
    plan::tick(state, now);
    let mut followed = dashboard::tick(state);
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
    let mut refreshed = false;
    match state.screen {
        Screen::Starting if retry_due && matches!(state.connection, Connection::Lost(_)) => {
            sync.ticks_since_failure = 0;
            effects.push(Effect::CheckSession { epoch, token });
        }
        screen if screen.is_view() => {
            if !sync.following && retry_due {
                sync.following = true;
                effects.push(Effect::FollowEvents {
                    epoch,
                    token: token.clone(),
                    cursor: sync.cursor,
                });
            }
            let due = sync.ticks_since_fetch >= REFRESH_TICKS
                || (sync.stale && sync.ticks_since_fetch >= STALE_TICKS);
            if !sync.fetching && due {
                sync.fetching = true;
                sync.stale = false;
                effects.push(Effect::FetchLists { epoch, token });
                refreshed = true;
            }
        }
        _ => {}
    }
    if refreshed {
        effects.extend(plan::refresh(state));
    }
    effects.extend(plan::paced(state));
    effects.append(&mut followed);
    effects
}

/// Fetches the lists and starts the long-poll, for a session just accepted.
pub(super) fn start_following(state: &mut State) -> Vec<Effect> {
    let Some(session) = &state.session else {
        return Vec::new();
    };
    state.sync = Sync {
        cursor: state.sync.cursor,
        fetching: true,
        following: true,
        ..Sync::default()
    };
    let mut effects = vec![
        Effect::FetchLists {
            epoch: state.epoch,
            token: session.token.clone(),
        },
        Effect::FollowEvents {
            epoch: state.epoch,
            token: session.token.clone(),
            cursor: state.sync.cursor,
        },
    ];
    state.plan.fetching_status = false;
    effects.extend(plan::want_status(state));
    effects
}

/// Fetches the lists now unless a fetch is already in flight.
pub(super) fn fetch_now(state: &mut State) -> Vec<Effect> {
    match &state.session {
        Some(session) if !state.sync.fetching => {
            state.sync.fetching = true;
            vec![Effect::FetchLists {
                epoch: state.epoch,
                token: session.token.clone(),
            }]
        }
        _ => Vec::new(),
    }
}

fn events_arrived(state: &mut State, page: EventPage) -> Vec<Effect> {
    state.connection = Connection::Connected;
    state.sync.cursor = page.next_cursor;
    dashboard::events(state, &page.events);
    news::arrived(state, &page.events);
    let events: Vec<_> = page.events.into_iter().map(|r| r.event).collect();
    // Readings and power states are applied as they come; only what moves things around
    // (a VM to another host, an apply, lost events) needs the lists again.
    let mut changed = page.gap;
    for event in &events {
        changed |= !state.lab.inventory.apply(event);
    }
    let mut effects = views::events(state, &events);
    // The event shows once the operator has read the notice (see `seen`): a UPS reading
    // every second must not wipe the answer to a power-off before anyone sees it.
    if let Some(last) = events.into_iter().last() {
        state.last_event = Some(last);
    }
    let Some(session) = &state.session else {
        return Vec::new();
    };
    let token = session.token.clone();
    if changed {
        // Fetched at the next paced tick (see `STALE_TICKS`), however many pages come.
        state.sync.stale = true;
    }
    state.sync.following = true;
    effects.push(Effect::FollowEvents {
        epoch: state.epoch,
        token,
        cursor: state.sync.cursor,
    });
    effects
}

/// A call following the daemon (lists, events) failed.
pub(super) fn failed(state: &mut State, failure: Failure) -> Vec<Effect> {
    match failure {
        Failure::Unauthenticated => expire(state, Message::SessionExpired),
        Failure::Unreachable(why) => {
            lost(state, why);
            Vec::new()
        }
        Failure::Refused(e) => {
            state.sync_problem = Some(Message::Refused(e));
            state.sync.ticks_since_failure = 0;
            Vec::new()
        }
        Failure::Failed(why) => {
            state.sync_problem = Some(Message::Failed(why));
            state.sync.ticks_since_failure = 0;
            Vec::new()
        }
    }
}

pub(super) fn lost(state: &mut State, why: Link) {
    // The lost connection is the news now; an older refusal would hide it.
    state.sync_problem = None;
    state.connection = Connection::Lost(why);
    state.sync.ticks_since_failure = 0;
}

/// The daemon no longer accepts the session: forget it and ask for a login. The view (what
/// was loaded, selected and unfolded) is kept for whoever logs in next, and dropped by
/// [`checked`] when that is someone else.
pub(super) fn expire(state: &mut State, why: Message) -> Vec<Effect> {
    let user = state.session.take().map(|s| s.user).unwrap_or_default();
    end_session(state, user, Some(why), None)
}

/// Back to the login form for `user` after the session ended, with an error or some news.
pub(super) fn end_session(
    state: &mut State,
    user: String,
    error: Option<Message>,
    info: Option<Message>,
) -> Vec<Effect> {
    state.session = None;
    state.epoch += 1;
    state.screen = Screen::Login;
    // What the status line said belongs to the session that ended: the login screen shows
    // none of it (the reason the session ended is on the form).
    state.notice = None;
    state.sync_problem = None;
    state.news = None;
    state.overlay = None;
    state.lab.filter.typing = false;
    state.in_flight = 0;
    state.sync = Sync::default();
    state.enroll = Enrollment::default();
    state.password = PasswordForm::default();
    state.login = LoginForm {
        focus: if user.is_empty() {
            LoginField::User
        } else {
            LoginField::Password
        },
        user,
        error,
        info,
        ..LoginForm::default()
    };
    vec![Effect::ForgetSession]
}
