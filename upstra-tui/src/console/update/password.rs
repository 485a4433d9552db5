//! The forced password change: a session opened with an admin's reset secret may only set a
//! new password. The daemon then ends every session of the user, so the console goes back to
//! the login form.

use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::{end_session, expire, lost};
use crate::console::action::{Effect, Failure, PasswordAction};
use crate::console::message::Message;
use crate::console::state::{PasswordField, State};

/// A key on the forced password change.
pub(super) fn key(state: &mut State, action: PasswordAction) -> Vec<Effect> {
    match action {
        PasswordAction::Submit => submit(state),
        _ => {
            edit(state, action);
            Vec::new()
        }
    }
}

fn edit(state: &mut State, action: PasswordAction) {
    let form = &mut state.password;
    if form.pending {
        return;
    }
    let field = match form.focus {
        PasswordField::New => &mut form.new,
        PasswordField::Repeat => &mut form.repeat,
    };
    match action {
        PasswordAction::Char(c) => field.push(c),
        PasswordAction::Backspace => {
            field.pop();
        }
        PasswordAction::NextField => {
            form.focus = match form.focus {
                PasswordField::New => PasswordField::Repeat,
                PasswordField::Repeat => PasswordField::New,
            };
        }
        _ => {}
    }
}

fn submit(state: &mut State) -> Vec<Effect> {
    let Some(session) = &state.session else {
        return Vec::new();
    };
    let form = &mut state.password;
    if form.pending {
        return Vec::new();
    }
    if form.new.is_empty() {
        form.error = Some(Message::NeedNewPassword);
        form.focus = PasswordField::New;
        return Vec::new();
    }
    if form.focus == PasswordField::New && form.repeat.is_empty() {
        // Enter in the first field moves on, as people expect of a two-field form.
        form.focus = PasswordField::Repeat;
        return Vec::new();
    }
    if form.new != form.repeat {
        form.error = Some(Message::PasswordsDiffer);
        form.repeat = Zeroizing::new(String::new());
        form.focus = PasswordField::Repeat;
        return Vec::new();
    }
    form.pending = true;
    form.error = None;
    let new = std::mem::replace(&mut form.new, Zeroizing::new(String::new()));
    form.repeat = Zeroizing::new(String::new());
    vec![Effect::ChangePassword {
        epoch: state.epoch,
        token: session.token.clone(),
        new: Secret::new(new.as_str()),
    }]
}

pub(super) fn changed(state: &mut State, result: Result<(), Failure>) -> Vec<Effect> {
    state.password.pending = false;
    match result {
        Ok(()) => {
            let user = state.session.take().map(|s| s.user).unwrap_or_default();
            end_session(state, user, None, Some(Message::PasswordChanged))
        }
        Err(Failure::Unauthenticated) => expire(state, Message::SessionExpired),
        Err(failure) => {
            let why = match failure {
                Failure::Unreachable(why) => {
                    lost(state, why.clone());
                    Message::Unreachable(why)
                }
                Failure::Refused(e) => Message::Refused(e),
                Failure::Failed(why) => Message::Failed(why),
                Failure::Unauthenticated => Message::SessionExpired,
            };
            state.password.error = Some(why);
            state.password.focus = PasswordField::New;
            Vec::new()
        }
    }
}
