//! The main views (lab, plan, ...): going from one to the other, what navigation keys mean
//! in each, and the answers to their calls (`Action::Replied`), dispatched by kind.

use upstra_core::api::v1::ApiError;
use upstra_core::events::DomainEvent;
use upstra_core::rbac::Permissions;

use super::{admin, dashboard, expire, history, lost, nav, plan, roles, setup};
use crate::console::action::{Action, Effect, Failure, PaletteAction};
use crate::console::call::{Call, Reply, Request};
use crate::console::message::{Message, Notice};
use crate::console::mouse::Hit;
use crate::console::state::{Ask, FormPurpose, Overlay, Screen, State};

/// Shows `screen`, one of the main views, and fetches what it shows.
pub(super) fn show(state: &mut State, screen: Screen) -> Vec<Effect> {
    if !screen.is_view() || !state.screen.is_view() {
        return Vec::new();
    }
    state.overlay = None;
    state.screen = screen;
    match screen {
        Screen::Plan => plan::entered(state),
        Screen::History => history::entered(state),
        Screen::Admin => admin::entered(state),
        Screen::Dashboard => dashboard::entered(state),
        _ => Vec::new(),
    }
}

/// The next (`by` 1) or previous (`by` -1) view.
pub(super) fn cycle(state: &mut State, by: i32) -> Vec<Effect> {
    let views = Screen::VIEWS;
    let Some(at) = views.iter().position(|v| *v == state.screen) else {
        return Vec::new();
    };
    let len = i32::try_from(views.len()).unwrap_or(1);
    let at = i32::try_from(at).unwrap_or(0);
    let next = usize::try_from((at + by).rem_euclid(len)).unwrap_or(0);
    show(state, views[next])
}

/// Up, Down, First, Last and the page keys, in the view on screen. `lines` is how far a
/// page key moves.
pub(super) fn navigate(state: &mut State, action: &Action) {
    match state.screen {
        Screen::Tree => nav::navigate(state, action),
        Screen::Plan => plan::navigate(state, action),
        Screen::History => history::navigate(state, action),
        Screen::Admin => admin::navigate(state, action),
        _ => {}
    }
}

/// The mouse wheel: the palette's or the host picker's lines, else the view's.
pub(super) fn scroll(state: &mut State, by: i32) {
    match &mut state.overlay {
        Some(Overlay::Palette(p)) => {
            let last = p.matches.len().saturating_sub(1);
            p.selected = moved(p.selected, by, last);
        }
        Some(Overlay::Hosts(h)) => {
            let last = h.hosts.len().saturating_sub(1);
            h.selected = moved(h.selected, by, last);
        }
        Some(Overlay::Roles(p)) => {
            let last = p.roles.len().saturating_sub(1);
            p.selected = moved(p.selected, by, last);
        }
        Some(_) => {}
        None if state.screen.is_view() => {
            let step = if by < 0 { Action::Up } else { Action::Down };
            for _ in 0..by.unsigned_abs() {
                navigate(state, &step);
            }
        }
        None => {}
    }
}

fn moved(at: usize, by: i32, last: usize) -> usize {
    let n = usize::try_from(by.unsigned_abs()).unwrap_or(usize::MAX);
    if by < 0 {
        at.saturating_sub(n)
    } else {
        at.saturating_add(n).min(last)
    }
}

/// A click on a line: it is selected; on the selected tree line it folds or unfolds; on a
/// palette line it runs.
pub(super) fn clicked(state: &mut State, hit: Hit) -> Vec<Effect> {
    match hit {
        Hit::PaletteItem(i) => {
            if let Some(Overlay::Palette(p)) = &mut state.overlay
                && i < p.matches.len()
            {
                p.selected = i;
                return super::overlay::palette_key(state, PaletteAction::Run);
            }
            Vec::new()
        }
        Hit::Row(i) if state.overlay.is_none() => {
            match state.screen {
                Screen::Tree => {
                    let rows = state.rows();
                    if let Some(row) = rows.get(i) {
                        if state.lab.selected.as_ref() == Some(&row.id) {
                            nav::fold(state, &Action::Toggle);
                        } else {
                            state.lab.selected = Some(row.id.clone());
                        }
                    }
                }
                Screen::Plan if i < state.plan.shown().map_or(0, |p| p.steps.len()) => {
                    state.plan.selected = i;
                }
                Screen::History if i < state.history.records.len() => {
                    state.history.selected = i;
                }
                Screen::Admin if i < state.admin.rows() => state.admin.selected = i,
                _ => {}
            }
            Vec::new()
        }
        Hit::Row(_) => Vec::new(),
    }
}

/// Left, Right and Enter in the view on screen.
pub(super) fn fold(state: &mut State, action: &Action) -> Vec<Effect> {
    match state.screen {
        Screen::Tree => {
            nav::fold(state, action);
            Vec::new()
        }
        Screen::Plan => plan::fold(state, action),
        Screen::Admin => admin::fold(state, action),
        _ => Vec::new(),
    }
}

/// `call` with the session's token, if there is a session.
pub(super) fn call(state: &State, call: Call) -> Vec<Effect> {
    match &state.session {
        Some(session) => vec![Effect::Call {
            epoch: state.epoch,
            token: Some(session.token.clone()),
            call,
        }],
        None => Vec::new(),
    }
}

/// Whether the session may do what `needs` says on everything.
pub(super) fn may(state: &State, needs: Permissions) -> bool {
    state.permissions().contains(needs)
}

/// The refusal to show when the session lacks `needed` (the daemon's own wording).
pub(super) fn needs(needed: &str) -> Message {
    Message::Refused(ApiError::Forbidden {
        needed: needed.to_owned(),
    })
}

/// Opens the confirm dialog for `request`, on No.
pub(super) fn ask(state: &mut State, request: Request) {
    state.overlay = Some(Overlay::Ask(Ask {
        request,
        yes: false,
    }));
}

/// The confirm dialog said Yes: send it.
pub(super) fn send(state: &mut State, request: Request) -> Vec<Effect> {
    state.in_flight += 1;
    state.notice = Some(Notice::progress(Message::Requesting(request.clone())));
    call(state, Call::Do(request))
}

/// What a failed call means for the console: the message to show, after dealing with a
/// lost daemon. An expired session is handled by the caller (it leaves the view).
pub(super) fn failure_message(state: &mut State, failure: Failure) -> Message {
    match failure {
        Failure::Unreachable(why) => {
            lost(state, why.clone());
            Message::Unreachable(why)
        }
        Failure::Refused(e) => Message::Refused(e),
        Failure::Failed(why) => Message::Failed(why),
        Failure::Unauthenticated => Message::SessionExpired,
    }
}

/// An answer to a view's call.
pub(super) fn replied(state: &mut State, reply: Reply) -> Vec<Effect> {
    if is_expired(&reply) {
        return expire(state, Message::SessionExpired);
    }
    match reply {
        Reply::PlanStatus(result) => plan::status_loaded(state, result),
        Reply::UpsHistory(result) => dashboard::loaded(state, result),
        Reply::PlanShown { ups, result } => plan::preview_loaded(state, ups, result),
        Reply::Simulated { ups, result } => plan::simulated(state, &ups, result),
        Reply::Audit(result) => history::loaded(state, result),
        Reply::Accounts(result) => admin::accounts_loaded(state, result),
        Reply::People(result) => admin::people_loaded(state, result),
        Reply::UserAdded { name, result } => admin::added(
            state,
            FormPurpose::AddUser,
            Message::UserAdded(name),
            result,
        ),
        Reply::GrantAdded { grant, result } => admin::added(
            state,
            FormPurpose::AddGrant,
            Message::GrantAdded(grant),
            result,
        ),
        Reply::RoleCreated { name, result } => roles::created(state, name, result),
        Reply::Health(Ok(health)) => {
            setup::health(state, &health);
            state.health = Some(health);
            Vec::new()
        }
        Reply::Setup(result) => setup::admin_created(state, result),
        Reply::LabRead(result) => setup::lab_read(state, result),
        Reply::Applied { dry_run, result } => setup::applied(state, dry_run, result),
        Reply::CommunityUnread { path, reason } => setup::community_unread(state, &path, reason),
        Reply::Synced(result) => setup::synced(state, result),
        Reply::Done { request, result } => {
            state.in_flight = state.in_flight.saturating_sub(1);
            match result {
                Ok(outcome) if request.is_plan() => plan::request_done(state, request, outcome),
                Ok(outcome) => admin::request_done(state, request, outcome),
                Err(f) => {
                    let why = failure_message(state, f);
                    state.notice = Some(Notice::error(Message::RequestFailed(
                        request,
                        Box::new(why),
                    )));
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    }
}

/// Whether a reply says the session is gone.
fn is_expired(reply: &Reply) -> bool {
    let gone = |f: &Failure| *f == Failure::Unauthenticated;
    match reply {
        Reply::Health(_) | Reply::Setup(_) | Reply::LabRead(_) | Reply::CommunityUnread { .. } => {
            false
        }
        Reply::PlanStatus(r) => r.as_ref().err().is_some_and(gone),
        Reply::UpsHistory(r) => r.as_ref().err().is_some_and(gone),
        Reply::PlanShown { result, .. } => result.as_ref().err().is_some_and(gone),
        Reply::Simulated { result, .. } => result.as_ref().err().is_some_and(gone),
        Reply::Audit(r) => r.as_ref().err().is_some_and(gone),
        Reply::Accounts(r) => r.as_ref().err().is_some_and(gone),
        Reply::People(r) => r.as_ref().err().is_some_and(gone),
        Reply::UserAdded { result, .. }
        | Reply::GrantAdded { result, .. }
        | Reply::RoleCreated { result, .. } => result.as_ref().err().is_some_and(gone),
        Reply::Applied { result, .. } => result.as_ref().err().is_some_and(gone),
        Reply::Synced(r) => r.as_ref().err().is_some_and(gone),
        Reply::Done { result, .. } => result.as_ref().err().is_some_and(gone),
    }
}

/// What the views do about new events: the plan view follows runs and outages.
pub(super) fn events(state: &mut State, events: &[DomainEvent]) -> Vec<Effect> {
    let mut effects = plan::events(state, events);
    let presence = events.iter().any(|e| {
        matches!(
            e,
            DomainEvent::UserConnected { .. }
                | DomainEvent::UserDisconnected { .. }
                | DomainEvent::UserLoggedIn { .. }
                | DomainEvent::UserLoggedOut { .. }
        )
    });
    if presence {
        effects.extend(admin::presence_changed(state));
    }
    effects
}
