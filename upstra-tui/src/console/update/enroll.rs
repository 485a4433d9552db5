//! First-login two-factor enrollment, for a session that may do nothing else: ask for a key,
//! show it (QR code and text), take the first code, show the recovery codes once, then send
//! the operator to a fresh login (the daemon ends an enrollment-only session once it is done).

use upstra_core::api::v1::{ApiError, TotpEnrollment};
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::{end_session, expire, lost};
use crate::console::action::{Effect, EnrollAction, Failure};
use crate::console::message::Message;
use crate::console::state::{Enrollment, State};
use crate::qr;

/// Keys on the enrollment screen.
pub(super) fn key(state: &mut State, action: EnrollAction) -> Vec<Effect> {
    match (&mut state.enroll, action) {
        (Enrollment::Codes { .. }, EnrollAction::Submit) => {
            let user = match std::mem::take(&mut state.enroll) {
                Enrollment::Codes { user, .. } => user,
                _ => String::new(),
            };
            end_session(state, user, None, Some(Message::TwoFactorOn))
        }
        // The codes must be acknowledged: Esc does not hide them by accident.
        (Enrollment::Codes { .. }, _) => Vec::new(),
        (_, EnrollAction::Escape) => vec![Effect::Quit],
        (Enrollment::Failed(_), EnrollAction::Submit) => request(state),
        (
            Enrollment::Scan {
                code,
                pending: false,
                error,
                ..
            },
            action,
        ) => match action {
            EnrollAction::Char(c) if c.is_ascii_digit() && code.len() < 6 => {
                code.push(c);
                Vec::new()
            }
            EnrollAction::Backspace => {
                code.pop();
                Vec::new()
            }
            EnrollAction::Submit if code.len() == 6 => {
                let typed = std::mem::replace(code, Zeroizing::new(String::new()));
                *error = None;
                confirm(state, Secret::new(typed.as_str()))
            }
            EnrollAction::Submit => {
                *error = Some(Message::TotpFormat);
                Vec::new()
            }
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Asks the daemon for a key (again).
fn request(state: &mut State) -> Vec<Effect> {
    let Some(session) = &state.session else {
        return Vec::new();
    };
    state.enroll = Enrollment::Requesting;
    vec![Effect::EnrollTotp {
        epoch: state.epoch,
        token: session.token.clone(),
    }]
}

fn confirm(state: &mut State, code: Secret) -> Vec<Effect> {
    let Some(session) = &state.session else {
        return Vec::new();
    };
    if let Enrollment::Scan { pending, .. } = &mut state.enroll {
        *pending = true;
    }
    vec![Effect::ConfirmTotp {
        epoch: state.epoch,
        token: session.token.clone(),
        code,
    }]
}

/// The daemon's new key: drawn as a QR code now, so rendering only copies lines.
pub(super) fn started(state: &mut State, result: Result<TotpEnrollment, Failure>) -> Vec<Effect> {
    match result {
        Ok(enrollment) => {
            let uri = qr::compact_uri(enrollment.uri.expose());
            let qr = qr::lines(&uri, qr::CONSOLE_QUIET_ZONE)
                .ok()
                .map(Zeroizing::new);
            state.enroll = Enrollment::Scan {
                qr,
                secret: enrollment.secret,
                code: Zeroizing::new(String::new()),
                pending: false,
                error: None,
            };
            Vec::new()
        }
        Err(Failure::Unauthenticated) => expire(state, Message::SessionExpired),
        Err(failure) => {
            state.enroll = Enrollment::Failed(message(state, failure));
            Vec::new()
        }
    }
}

/// The first code was right: two-factor is on and the daemon ended this session.
pub(super) fn confirmed(state: &mut State, result: Result<Vec<String>, Failure>) -> Vec<Effect> {
    match result {
        Ok(codes) => {
            let user = state.session.take().map(|s| s.user).unwrap_or_default();
            state.epoch += 1;
            state.enroll = Enrollment::Codes {
                user,
                codes: Zeroizing::new(codes),
            };
            vec![Effect::ForgetSession]
        }
        Err(Failure::Unauthenticated) => expire(state, Message::SessionExpired),
        Err(failure) => {
            let why = message(state, failure);
            if let Enrollment::Scan { pending, error, .. } = &mut state.enroll {
                *pending = false;
                *error = Some(why);
            }
            Vec::new()
        }
    }
}

fn message(state: &mut State, failure: Failure) -> Message {
    match failure {
        Failure::Unreachable(why) => {
            lost(state, why.clone());
            Message::Unreachable(why)
        }
        Failure::Refused(e) => Message::Refused(e),
        Failure::Failed(why) => Message::Failed(why),
        Failure::Unauthenticated => Message::Refused(ApiError::Unauthenticated),
    }
}
