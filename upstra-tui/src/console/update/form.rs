//! Typing in a form over a view, and what Enter does for each kind of form.

use super::{admin, history};
use crate::console::action::{Action, Effect};
use crate::console::state::{FormPurpose, Overlay, State};

/// The longest value worth typing in a field.
const FIELD_MAX: usize = 200;

pub(super) fn key(state: &mut State, action: &Action) -> Vec<Effect> {
    let Some(Overlay::Form(form)) = &mut state.overlay else {
        return Vec::new();
    };
    if form.pending {
        return Vec::new();
    }
    let len = form.fields.len();
    match action {
        Action::FormChar(c) => {
            if let Some(field) = form.fields.get_mut(form.focus)
                && field.value.chars().count() < FIELD_MAX
            {
                field.value.push(*c);
            }
        }
        Action::FormBackspace => {
            if let Some(field) = form.fields.get_mut(form.focus) {
                field.value.pop();
            }
        }
        Action::FormMove(by) => {
            let by = usize::try_from(by.rem_euclid(i32::try_from(len).unwrap_or(1))).unwrap_or(0);
            form.focus = (form.focus + by) % len.max(1);
        }
        Action::FormSubmit => {
            let form = form.clone();
            return match form.purpose {
                FormPurpose::AuditFilter => history::filter(state, &form),
                FormPurpose::AddUser | FormPurpose::AddGrant => admin::submit(state, form),
            };
        }
        _ => {}
    }
    Vec::new()
}
