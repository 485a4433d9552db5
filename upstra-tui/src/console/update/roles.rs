//! Roles in the accounts view: drawing up a new one (a name, and permissions ticked among the
//! names `upstra_core::rbac` knows, so nothing is misspelt), removing one through the confirm
//! dialog, and picking the role a user holds on everything, confirmed too. The daemon keeps
//! the last word: it refuses to remove a role still granted or to demote the last admin, and
//! its refusal is shown as the answer to the request.

use super::views::{ask, call, failure_message};
use crate::console::action::{Effect, Failure, FormAction};
use crate::console::call::{Call, Request};
use crate::console::message::{Message, Notice};
use crate::console::state::{FieldName, Overlay, RoleDraft, RolePicker, State};

/// The longest role name worth typing (the daemon checks the rest).
const NAME_MAX: usize = 64;

/// `+` in the roles tab: an empty role, its name focused.
pub(super) fn draft(state: &mut State) {
    state.overlay = Some(Overlay::Role(RoleDraft::default()));
}

/// Keys in the new role's form: typing on the name, Space on a permission ticks it.
pub(super) fn key(state: &mut State, action: FormAction) -> Vec<Effect> {
    let Some(Overlay::Role(draft)) = &mut state.overlay else {
        return Vec::new();
    };
    if draft.pending {
        return Vec::new();
    }
    let lines = 1 + RoleDraft::choices().len();
    match action {
        FormAction::Char(c)
            if draft.focus == 0 && draft.name.chars().count() < NAME_MAX && !c.is_whitespace() =>
        {
            draft.name.push(c);
        }
        FormAction::Char(' ') => {
            if let Some(name) = draft.focused() {
                draft.toggle(&name);
            }
        }
        FormAction::Backspace if draft.focus == 0 => {
            draft.name.pop();
        }
        FormAction::Move(by) => {
            let lines = i32::try_from(lines).unwrap_or(1);
            let at = i32::try_from(draft.focus).unwrap_or(0);
            draft.focus = usize::try_from((at + by).rem_euclid(lines)).unwrap_or(0);
        }
        FormAction::Submit => return submit(state),
        _ => {}
    }
    Vec::new()
}

/// Enter: a name and at least one permission, then `role_create`.
fn submit(state: &mut State) -> Vec<Effect> {
    let Some(Overlay::Role(draft)) = &mut state.overlay else {
        return Vec::new();
    };
    if draft.name.is_empty() {
        draft.error = Some(Message::NeedField(FieldName::Name));
        draft.focus = 0;
        return Vec::new();
    }
    if draft.permissions.names().is_empty() {
        draft.error = Some(Message::NeedPermission);
        draft.focus = 1;
        return Vec::new();
    }
    draft.pending = true;
    draft.error = None;
    let create = Call::CreateRole {
        name: draft.name.clone(),
        permissions: draft.permissions.names(),
    };
    call(state, create)
}

/// The daemon answered the new role: the form closes, or shows why not.
pub(super) fn created(state: &mut State, name: String, result: Result<(), Failure>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            if matches!(state.overlay, Some(Overlay::Role(_))) {
                state.overlay = None;
            }
            state.notice = Some(Notice::info(Message::RoleCreated(name)));
            super::admin::refresh(state)
        }
        Err(f) => {
            let why = failure_message(state, f);
            if let Some(Overlay::Role(draft)) = &mut state.overlay {
                draft.pending = false;
                draft.error = Some(why);
            } else {
                state.notice = Some(Notice::error(why));
            }
            Vec::new()
        }
    }
}

/// Delete in the roles tab: a built-in role is refused here, any other is asked about.
pub(super) fn remove(state: &mut State) {
    let Some(role) = state.admin.accounts.roles.get(state.admin.selected) else {
        return;
    };
    let name = role.name.clone();
    if role.builtin {
        state.notice = Some(Notice::error(Message::BuiltinRole(name)));
    } else {
        ask(state, Request::RemoveRole { name });
    }
}

/// `A` in the users tab: the roles to choose from, on the user's own.
pub(super) fn pick(state: &mut State) {
    let accounts = &state.admin.accounts;
    let Some(user) = accounts.users.get(state.admin.selected) else {
        return;
    };
    let roles: Vec<String> = accounts.roles.iter().map(|r| r.name.clone()).collect();
    let selected = user
        .role
        .as_ref()
        .and_then(|current| roles.iter().position(|r| r == current))
        .unwrap_or(0);
    state.overlay = Some(Overlay::Roles(RolePicker {
        user: user.name.clone(),
        current: user.role.clone(),
        roles,
        selected,
    }));
}

/// Enter in the role picker: the question, unless the role is the one the user has.
pub(super) fn picked(state: &mut State) {
    let Some(Overlay::Roles(p)) = &state.overlay else {
        return;
    };
    let Some(role) = p.roles.get(p.selected).cloned() else {
        return;
    };
    if p.current.as_ref() == Some(&role) {
        state.overlay = None;
        return;
    }
    let user = p.user.clone();
    ask(state, Request::SetRole { user, role });
}
