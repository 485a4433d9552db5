//! The login form: the password step, the second step (an authenticator code, or with Tab a
//! recovery code) when the account has two-factor on, and the daemon's answers.

use upstra_core::api::v1::{LoginReply, SessionToken};
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::begin;
use crate::console::action::{Effect, Failure, LoginAction};
use crate::console::message::Message;
use crate::console::state::{
    Connection, FactorKind, LoginField, LoginForm, SecondStep, Session, State,
};
use crate::session::StoredSession;

/// The longest code worth typing: a recovery code with its dash and a little slack.
const CODE_MAX: usize = 12;

/// A key on the login form.
pub(super) fn key(state: &mut State, action: LoginAction) -> Vec<Effect> {
    match action {
        LoginAction::Submit => submit(state),
        _ => edit(state, action),
    }
}

/// Typing, erasing, Tab and Esc.
fn edit(state: &mut State, action: LoginAction) -> Vec<Effect> {
    let form = &mut state.login;
    if form.pending {
        return match action {
            LoginAction::Escape => vec![Effect::Quit],
            _ => Vec::new(),
        };
    }
    match (&mut form.second, action) {
        (Some(step), LoginAction::Char(c))
            if step.code.chars().count() < CODE_MAX && !c.is_whitespace() =>
        {
            step.code.push(c);
        }
        (Some(_), LoginAction::Char(_)) => {}
        (Some(step), LoginAction::Backspace) => {
            step.code.pop();
        }
        (Some(step), LoginAction::NextField) => {
            step.kind = match step.kind {
                FactorKind::Totp => FactorKind::Recovery,
                FactorKind::Recovery => FactorKind::Totp,
            };
            step.code = Zeroizing::new(String::new());
            form.error = None;
        }
        (Some(_), LoginAction::Escape) => {
            // Back to the password; the challenge is dropped with the step.
            form.second = None;
            form.focus = LoginField::Password;
            form.error = None;
        }
        (None, LoginAction::Char(c)) => field(form).push(c),
        (None, LoginAction::Backspace) => {
            field(form).pop();
        }
        (None, LoginAction::NextField) => {
            form.focus = match form.focus {
                LoginField::User => LoginField::Password,
                LoginField::Password => LoginField::User,
            };
        }
        (None, LoginAction::Escape) => return vec![Effect::Quit],
        _ => {}
    }
    Vec::new()
}

fn field(form: &mut LoginForm) -> &mut String {
    match form.focus {
        LoginField::User => &mut form.user,
        LoginField::Password => &mut form.password,
    }
}

/// Enter: sends the password, or the code of the second step. Secrets leave the form here.
pub(super) fn submit(state: &mut State) -> Vec<Effect> {
    let form = &mut state.login;
    if form.pending {
        return Vec::new();
    }
    form.info = None;
    if let Some(step) = &mut form.second {
        let recovery = step.kind == FactorKind::Recovery;
        let code = std::mem::replace(&mut step.code, Zeroizing::new(String::new()));
        let problem = if code.is_empty() {
            Some(Message::NeedCode { recovery })
        } else if !recovery && (code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit())) {
            Some(Message::TotpFormat)
        } else {
            None
        };
        if let Some(problem) = problem {
            form.error = Some(problem);
            return Vec::new();
        }
        form.pending = true;
        form.error = None;
        return vec![Effect::LoginSecondFactor {
            challenge: step.challenge.clone(),
            code: Secret::new(code.as_str()),
            recovery,
        }];
    }
    if form.user.trim().is_empty() {
        form.error = Some(Message::NeedUser);
        form.focus = LoginField::User;
        return Vec::new();
    }
    if form.password.is_empty() {
        form.error = Some(Message::NeedPassword);
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

/// The password was right and a code is needed.
pub(super) fn second_factor(state: &mut State, challenge: SessionToken) -> Vec<Effect> {
    let form = &mut state.login;
    form.pending = false;
    form.error = None;
    form.second = Some(SecondStep {
        challenge,
        kind: FactorKind::Totp,
        code: Zeroizing::new(String::new()),
    });
    Vec::new()
}

/// The daemon's answer to either step: a session (saved, then checked), or a message.
pub(super) fn logged_in(state: &mut State, result: Result<LoginReply, Failure>) -> Vec<Effect> {
    state.login.pending = false;
    let reply = match result {
        Ok(reply) => reply,
        Err(failure) => {
            refused(state, failure);
            return Vec::new();
        }
    };
    state.login = LoginForm::default();
    state.connection = Connection::Connected;
    let stored = StoredSession {
        token: reply.token.clone(),
        user: reply.user.clone(),
        expires_at: reply.expires_at,
    };
    let mut session = Session::new(reply.token, reply.user);
    session.scope = reply.scope;
    let mut effects = vec![Effect::SaveSession(stored)];
    effects.extend(begin(state, session));
    effects
}

fn refused(state: &mut State, failure: Failure) {
    let form = &mut state.login;
    let in_second_step = form.second.is_some();
    form.error = Some(match failure {
        // In the second step: the challenge expired (five minutes) or is unknown.
        Failure::Unauthenticated if in_second_step => {
            form.second = None;
            Message::ChallengeExpired
        }
        Failure::Unauthenticated => Message::SessionExpired,
        Failure::Unreachable(why) => {
            state.connection = Connection::Lost(why.clone());
            Message::Unreachable(why)
        }
        Failure::Refused(e) => Message::Refused(e),
        Failure::Failed(why) => Message::Failed(why),
    });
    if form.second.is_none() {
        form.focus = LoginField::Password;
    }
}
