//! The login form: editing, submitting, and the daemon's answer.

use upstra_core::api::v1::LoginReply;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::start_following;
use crate::console::action::{Action, Effect, Failure};
use crate::console::state::{Connection, LoginField, LoginForm, Screen, Session, State};
use crate::console::strings::strings;
use crate::session::StoredSession;

/// Typing, erasing and moving between the fields.
pub(super) fn edit(state: &mut State, action: &Action) {
    match action {
        Action::LoginChar(c) => login_field(&mut state.login).push(*c),
        Action::LoginBackspace => {
            login_field(&mut state.login).pop();
        }
        Action::LoginNextField => {
            state.login.focus = match state.login.focus {
                LoginField::User => LoginField::Password,
                LoginField::Password => LoginField::User,
            };
        }
        _ => {}
    }
}

fn login_field(form: &mut LoginForm) -> &mut String {
    match form.focus {
        LoginField::User => &mut form.user,
        LoginField::Password => &mut form.password,
    }
}

/// Checks the form and emits the login call; the password leaves the form here.
pub(super) fn submit_login(state: &mut State) -> Vec<Effect> {
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

/// The daemon's answer: a new session (saved, then followed) or a message on the form.
pub(super) fn logged_in(state: &mut State, result: Result<LoginReply, Failure>) -> Vec<Effect> {
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
