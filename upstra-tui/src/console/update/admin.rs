//! The accounts view: users (add, disable or enable, reset a password, set the role, remove),
//! roles (`roles`: create, remove) and grants (add, remove), who is connected and sessions
//! (end them). What changes an account goes through the
//! confirm dialog; adding goes through a form whose passwords are typed twice, never shown and
//! wiped once sent. A reset secret is shown once, in a dialog that wipes it when closed.

use upstra_core::api::v1::GrantView;
use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;

use super::roles;
use super::views::{ask, call, failure_message, may, needs};
use crate::console::action::{Action, Effect, Failure};
use crate::console::call::{Accounts, Call, Outcome, People, Request};
use crate::console::command_table::Command;
use crate::console::message::{Message, Notice};
use crate::console::state::{
    AdminTab, Field, FieldName, Form, FormPurpose, Overlay, Revealed, Screen, State,
};

/// How far the page keys move.
const PAGE: usize = 10;

pub(super) fn entered(state: &mut State) -> Vec<Effect> {
    if !may(state, Permissions::ADMIN) {
        // Everyone may see who is connected and their own sessions.
        state.admin.tab = AdminTab::People;
        state.admin.sessions_of = None;
    }
    refresh(state)
}

/// Asks for what the view shows: the accounts (for admins) and the people.
pub(super) fn refresh(state: &mut State) -> Vec<Effect> {
    let mut effects = Vec::new();
    if may(state, Permissions::ADMIN) && !state.admin.fetching_accounts {
        state.admin.fetching_accounts = true;
        effects.extend(call(state, Call::Accounts));
    }
    effects.extend(refresh_people(state));
    effects
}

fn refresh_people(state: &mut State) -> Vec<Effect> {
    if state.admin.fetching_people {
        return Vec::new();
    }
    state.admin.fetching_people = true;
    let user = state.admin.sessions_of.clone();
    call(state, Call::People { user })
}

pub(super) fn accounts_loaded(state: &mut State, result: Result<Accounts, Failure>) -> Vec<Effect> {
    state.admin.fetching_accounts = false;
    match result {
        Ok(accounts) => {
            state.admin.accounts = accounts;
            state.admin.accounts_loaded = true;
            state.admin.problem = None;
            state.admin.clamp();
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.admin.problem = Some(why);
        }
    }
    Vec::new()
}

pub(super) fn people_loaded(state: &mut State, result: Result<People, Failure>) -> Vec<Effect> {
    state.admin.fetching_people = false;
    match result {
        Ok(people) => {
            let stale = people.of != state.admin.sessions_of;
            state.admin.people = people;
            state.admin.people_loaded = true;
            state.admin.clamp();
            // The operator chose someone else's sessions meanwhile.
            if stale {
                return refresh_people(state);
            }
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.admin.problem = Some(why);
        }
    }
    Vec::new()
}

/// Someone connected, left, logged in or out: the people tab is out of date.
pub(super) fn presence_changed(state: &mut State) -> Vec<Effect> {
    if state.screen == Screen::Admin {
        refresh_people(state)
    } else {
        Vec::new()
    }
}

/// Up, Down and the page keys move through the tab's lines.
pub(super) fn navigate(state: &mut State, action: &Action) {
    let a = &mut state.admin;
    let last = a.rows().saturating_sub(1);
    a.selected = match action {
        Action::Up => a.selected.saturating_sub(1),
        Action::Down => (a.selected + 1).min(last),
        Action::First => 0,
        Action::Last => last,
        Action::Run(Command::PageUp) => a.selected.saturating_sub(PAGE),
        Action::Run(Command::PageDown) => (a.selected + PAGE).min(last),
        _ => a.selected,
    };
}

/// Left and Right go through the tabs (the people tab only, without admin). Going to the
/// people tab from a user lists that user's sessions.
pub(super) fn fold(state: &mut State, action: &Action) -> Vec<Effect> {
    if !may(state, Permissions::ADMIN) {
        return Vec::new();
    }
    let tabs = AdminTab::ALL;
    let at = tabs.iter().position(|t| *t == state.admin.tab).unwrap_or(0);
    let next = match action {
        Action::Collapse => (at + tabs.len() - 1) % tabs.len(),
        Action::Expand => (at + 1) % tabs.len(),
        _ => return Vec::new(),
    };
    let chosen = selected_user(state);
    state.admin.tab = tabs[next];
    state.admin.selected = 0;
    if state.admin.tab == AdminTab::People && chosen != state.admin.sessions_of {
        state.admin.sessions_of = chosen;
        return refresh_people(state);
    }
    Vec::new()
}

/// The user selected in the users tab, if that tab is the one shown.
fn selected_user(state: &State) -> Option<String> {
    match state.admin.tab {
        AdminTab::Users => state
            .admin
            .accounts
            .users
            .get(state.admin.selected)
            .map(|u| u.name.clone()),
        _ => state.admin.sessions_of.clone(),
    }
}

/// The accounts commands, from their keys or the palette.
pub(super) fn command(state: &mut State, command: Command) -> Vec<Effect> {
    let admin = may(state, Permissions::ADMIN);
    let tab = state.admin.tab;
    let nothing = |state: &mut State| {
        state.notice = Some(Notice::error(Message::NotInThisView(command)));
        Vec::new()
    };
    match (command, tab) {
        (Command::Add | Command::Disable | Command::ResetPassword | Command::SetRole, _)
        | (Command::Remove, AdminTab::Users | AdminTab::Roles | AdminTab::Grants)
            if !admin =>
        {
            state.notice = Some(Notice::error(needs("admin")));
            Vec::new()
        }
        (Command::Add, AdminTab::Users) => {
            state.overlay = Some(Overlay::Form(Form::new(
                FormPurpose::AddUser,
                vec![
                    Field::new(FieldName::Name, ""),
                    Field::new(FieldName::Role, "viewer"),
                    Field::new(FieldName::Password, ""),
                    Field::new(FieldName::Repeat, ""),
                ],
            )));
            Vec::new()
        }
        (Command::Add, AdminTab::Roles) => {
            roles::draft(state);
            Vec::new()
        }
        (Command::Add, _) => {
            let user = state.admin.sessions_of.clone().unwrap_or_default();
            state.overlay = Some(Overlay::Form(Form::new(
                FormPurpose::AddGrant,
                vec![
                    Field::new(FieldName::User, &user),
                    Field::new(FieldName::Role, "operator"),
                    Field::new(FieldName::Resource, "all"),
                ],
            )));
            Vec::new()
        }
        (Command::Disable | Command::ResetPassword, AdminTab::Users) => {
            let Some(user) = state
                .admin
                .accounts
                .users
                .get(state.admin.selected)
                .cloned()
            else {
                return Vec::new();
            };
            ask(
                state,
                if command == Command::Disable {
                    Request::SetDisabled {
                        disabled: !user.disabled,
                        user: user.name,
                    }
                } else {
                    Request::ResetPassword { user: user.name }
                },
            );
            Vec::new()
        }
        (Command::SetRole, AdminTab::Users) => {
            roles::pick(state);
            Vec::new()
        }
        (Command::Remove, AdminTab::Users) => {
            if let Some(user) = state.admin.accounts.users.get(state.admin.selected) {
                let user = user.name.clone();
                ask(state, Request::RemoveUser { user });
            }
            Vec::new()
        }
        (Command::Remove, AdminTab::Roles) => {
            roles::remove(state);
            Vec::new()
        }
        (Command::Remove, AdminTab::Grants) => {
            if let Some(grant) = state
                .admin
                .accounts
                .grants
                .get(state.admin.selected)
                .cloned()
            {
                ask(state, Request::RemoveGrant(grant));
            }
            Vec::new()
        }
        (Command::Remove, AdminTab::People) => {
            let Some(session) = state
                .admin
                .people
                .sessions
                .get(state.admin.selected)
                .cloned()
            else {
                return Vec::new();
            };
            let own = state
                .session
                .as_ref()
                .is_some_and(|s| s.user == session.user);
            ask(
                state,
                if own {
                    Request::EndSession { id: session.id }
                } else {
                    Request::EndSessionsOf { user: session.user }
                },
            );
            Vec::new()
        }
        _ => nothing(state),
    }
}

/// Enter in the new user or new grant form.
pub(super) fn submit(state: &mut State, mut form: Form) -> Vec<Effect> {
    let required: &[FieldName] = match form.purpose {
        FormPurpose::AddUser => &[
            FieldName::Name,
            FieldName::Role,
            FieldName::Password,
            FieldName::Repeat,
        ],
        _ => &[FieldName::User, FieldName::Role, FieldName::Resource],
    };
    if let Some(missing) = required.iter().find(|f| form.value(**f).is_empty()) {
        form.error = Some(Message::NeedField(*missing));
        form.focus_on(*missing);
        state.overlay = Some(Overlay::Form(form));
        return Vec::new();
    }
    let call_for = match form.purpose {
        FormPurpose::AddUser => {
            if form.value(FieldName::Password) != form.value(FieldName::Repeat) {
                form.error = Some(Message::PasswordsDiffer);
                form.clear(FieldName::Repeat);
                form.focus_on(FieldName::Repeat);
                state.overlay = Some(Overlay::Form(form));
                return Vec::new();
            }
            let password = Secret::new(form.value(FieldName::Password));
            // Sent: the typed passwords are wiped now, not when the form closes.
            form.clear(FieldName::Password);
            form.clear(FieldName::Repeat);
            Call::AddUser {
                name: form.value(FieldName::Name).to_owned(),
                role: form.value(FieldName::Role).to_owned(),
                password,
            }
        }
        _ => Call::AddGrant(GrantView {
            user: form.value(FieldName::User).to_owned(),
            role: form.value(FieldName::Role).to_owned(),
            resource: form.value(FieldName::Resource).to_owned(),
        }),
    };
    form.pending = true;
    form.error = None;
    state.overlay = Some(Overlay::Form(form));
    call(state, call_for)
}

/// The daemon answered the new user or grant.
pub(super) fn added(
    state: &mut State,
    purpose: FormPurpose,
    news: Message,
    result: Result<(), Failure>,
) -> Vec<Effect> {
    match result {
        Ok(()) => {
            if matches!(&state.overlay, Some(Overlay::Form(f)) if f.purpose == purpose) {
                state.overlay = None;
            }
            state.notice = Some(Notice::info(news));
            refresh(state)
        }
        Err(f) => {
            let why = failure_message(state, f);
            if let Some(Overlay::Form(form)) = &mut state.overlay {
                form.pending = false;
                form.error = Some(why);
            } else {
                state.notice = Some(Notice::error(why));
            }
            Vec::new()
        }
    }
}

/// An account request was done.
pub(super) fn request_done(state: &mut State, request: Request, outcome: Outcome) -> Vec<Effect> {
    match (&request, outcome) {
        (Request::ResetPassword { user }, Outcome::Reset(reset)) => {
            state.overlay = Some(Overlay::Secret(Revealed {
                user: user.clone(),
                secret: reset.secret,
                expires_at: reset.expires_at,
            }));
            state.notice = Some(Notice::info(Message::Requested(request)));
        }
        (Request::EndSessionsOf { user }, Outcome::Ended(count)) => {
            state.notice = Some(Notice::info(Message::SessionsEnded {
                user: user.clone(),
                count,
            }));
        }
        _ => state.notice = Some(Notice::info(Message::Requested(request))),
    }
    refresh(state)
}
