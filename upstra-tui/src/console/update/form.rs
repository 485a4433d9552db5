//! Typing in a form (over a view, or the setup wizard's), and what Enter does for each kind
//! of form over a view. The new role's form has its own keys (`roles`).

use super::{admin, history, roles, setup};
use crate::console::action::{Effect, FormAction};
use crate::console::state::{Form, FormPurpose, Overlay, Screen, State};

/// The longest value worth typing in a field.
const FIELD_MAX: usize = 200;

pub(super) fn key(state: &mut State, action: FormAction) -> Vec<Effect> {
    if matches!(state.overlay, Some(Overlay::Role(_))) {
        return roles::key(state, action);
    }
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return if state.screen == Screen::Setup {
            setup::key(state, action)
        } else {
            Vec::new()
        };
    };
    if form.pending {
        return Vec::new();
    }
    if action != FormAction::Submit {
        edit(form, action);
        return Vec::new();
    }
    let form = form.clone();
    match form.purpose {
        FormPurpose::AuditFilter => history::filter(state, &form),
        FormPurpose::AddUser | FormPurpose::AddGrant => admin::submit(state, form),
        // The wizard's forms are not overlays.
        _ => Vec::new(),
    }
}

/// Typing, erasing, and moving between fields.
pub(super) fn edit(form: &mut Form, action: FormAction) {
    let len = form.fields.len();
    match action {
        FormAction::Char(c) => {
            if let Some(field) = form.fields.get_mut(form.focus)
                && field.value.chars().count() < FIELD_MAX
            {
                field.value.push(c);
            }
        }
        FormAction::Backspace => {
            if let Some(field) = form.fields.get_mut(form.focus) {
                field.value.pop();
            }
        }
        FormAction::Move(by) => {
            let by = usize::try_from(by.rem_euclid(i32::try_from(len).unwrap_or(1))).unwrap_or(0);
            form.focus = (form.focus + by) % len.max(1);
        }
        _ => {}
    }
}
