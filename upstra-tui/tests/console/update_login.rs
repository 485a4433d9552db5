//! `update` for everything before a full session: the two-factor login, first-login
//! enrollment, the forced password change, and an expired session. Keys go through the real
//! key map, as an operator types them.

use crate::support;

use support::{apply, logged_in, press, token, whoami};
use upstra_core::api::v1::{ApiError, LoginReply, SecondFactorCode, SessionScope, TotpEnrollment};
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, Effect, Failure};
use upstra_tui::console::message::Message;
use upstra_tui::console::state::{
    Enrollment, FactorKind, LoginField, PasswordField, Screen, Session, State,
};
use upstra_tui::console::strings::{EN, FR};
use upstra_tui::console::tree::NodeId;
use upstra_tui::console::update::update;
use upstra_tui::session::StoredSession;

/// The login form with `alice` and a password typed and sent.
fn password_sent() -> (State, Vec<Effect>) {
    let mut state = State::new("/s");
    update(&mut state, Action::Start { session: None });
    let effects = press(&mut state, "alice\tsecret pass\n");
    (state, effects)
}

/// Past the password: the daemon asked for a code.
fn at_second_step() -> State {
    let (mut state, _) = password_sent();
    update(
        &mut state,
        Action::SecondFactorRequired { challenge: token() },
    );
    state
}

fn reply(user: &str, scope: SessionScope) -> LoginReply {
    LoginReply {
        token: token(),
        user: user.into(),
        role: "operator".into(),
        scope,
        expires_at: Timestamp(42),
    }
}

fn refused(code: SecondFactorCode, reason: &str) -> Action {
    Action::LoggedIn(Err(Failure::Refused(ApiError::SecondFactorRefused {
        reason: reason.into(),
        code,
    })))
}

#[test]
fn a_two_factor_login_asks_for_the_code_then_trades_it_for_a_session() {
    let (mut state, effects) = password_sent();
    assert_eq!(
        effects,
        vec![Effect::Login {
            user: "alice".into(),
            password: Secret::new("secret pass"),
        }]
    );
    update(
        &mut state,
        Action::SecondFactorRequired { challenge: token() },
    );
    let step = state.login.second.as_ref().expect("a second step");
    assert_eq!(step.kind, FactorKind::Totp);
    assert!(!state.login.pending);
    assert_eq!(state.screen, Screen::Login);

    let effects = press(&mut state, "123456\n");
    assert_eq!(
        effects,
        vec![Effect::LoginSecondFactor {
            challenge: token(),
            code: Secret::new("123456"),
            recovery: false,
        }]
    );
    assert!(state.login.pending);
    assert!(press(&mut state, "\n").is_empty(), "one attempt at a time");

    let effects = update(
        &mut state,
        Action::LoggedIn(Ok(reply("alice", SessionScope::Full))),
    );
    let epoch = state.epoch;
    assert_eq!(
        effects,
        vec![
            Effect::SaveSession(StoredSession {
                token: token(),
                user: "alice".into(),
                expires_at: Timestamp(42),
            }),
            Effect::CheckSession {
                epoch,
                token: token()
            },
        ]
    );
    assert!(state.login.second.is_none(), "the form is reset");
}

#[test]
fn tab_switches_to_a_recovery_code_and_back() {
    let mut state = at_second_step();
    press(&mut state, "12\t");
    let step = state.login.second.as_ref().expect("second step");
    assert_eq!(step.kind, FactorKind::Recovery);
    assert!(step.code.is_empty(), "switching starts the code afresh");
    let effects = press(&mut state, "ABCD-EFGH\n");
    assert_eq!(
        effects,
        vec![Effect::LoginSecondFactor {
            challenge: token(),
            code: Secret::new("ABCD-EFGH"),
            recovery: true,
        }]
    );
    let mut state = at_second_step();
    press(&mut state, "\t\t");
    assert_eq!(
        state.login.second.as_ref().map(|s| s.kind),
        Some(FactorKind::Totp)
    );
}

#[test]
fn an_authenticator_code_is_checked_for_shape_before_it_is_sent() {
    let mut state = at_second_step();
    assert!(press(&mut state, "\n").is_empty());
    assert_eq!(
        state.login.error,
        Some(Message::NeedCode { recovery: false })
    );
    assert!(press(&mut state, "12a45\n").is_empty());
    assert_eq!(state.login.error, Some(Message::TotpFormat));
    assert_eq!(EN.message(&Message::TotpFormat), "The code is 6 digits.");
}

#[test]
fn a_wrong_or_replayed_code_keeps_the_second_step_and_says_which() {
    let mut state = at_second_step();
    press(&mut state, "123456\n");
    update(
        &mut state,
        refused(
            SecondFactorCode::Replayed,
            "this code was already used: wait for the next one (codes change every 30 s)",
        ),
    );
    assert!(state.login.second.is_some(), "still at the code");
    assert!(!state.login.pending);
    let error = state.login.error.clone().expect("an error");
    assert!(EN.message(&error).starts_with("This code was already used"));
    assert!(FR.message(&error).starts_with("Ce code a déjà servi"));

    press(&mut state, "654321\n");
    update(
        &mut state,
        refused(
            SecondFactorCode::Wrong,
            "wrong or expired code: use the code your authenticator shows now",
        ),
    );
    let error = state.login.error.clone().expect("an error");
    assert_eq!(
        EN.message(&error),
        "Wrong or expired code: type the one your app shows now."
    );
}

#[test]
fn an_expired_challenge_goes_back_to_the_password() {
    let mut state = at_second_step();
    press(&mut state, "123456\n");
    update(&mut state, Action::LoggedIn(Err(Failure::Unauthenticated)));
    assert!(state.login.second.is_none());
    assert_eq!(state.login.focus, LoginField::Password);
    assert_eq!(state.login.error, Some(Message::ChallengeExpired));
    assert_eq!(state.login.user, "alice");
}

#[test]
fn esc_goes_back_to_the_password_then_quits() {
    let mut state = at_second_step();
    assert!(press(&mut state, "\x1b").is_empty());
    assert!(state.login.second.is_none());
    assert_eq!(press(&mut state, "\x1b"), vec![Effect::Quit]);
}

#[test]
fn a_rate_limit_says_when_to_retry_in_both_languages() {
    let (mut state, _) = password_sent();
    update(
        &mut state,
        Action::LoggedIn(Err(Failure::Refused(ApiError::RateLimited {
            retry_after_s: 754,
        }))),
    );
    let error = state.login.error.clone().expect("an error");
    assert_eq!(
        EN.message(&error),
        "Too many attempts: try again in 13 min."
    );
    assert_eq!(
        FR.message(&error),
        "Trop de tentatives : réessayez dans 13 min."
    );
}

/// A stored session that `whoami` says may only enroll.
fn enrolling() -> (State, Vec<Effect>) {
    let mut state = State::new("/s");
    update(
        &mut state,
        Action::Start {
            session: Some(Session::new(token(), "alice")),
        },
    );
    let epoch = state.epoch;
    let effects = update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("alice", "", SessionScope::EnrollTwoFactor)),
        },
    );
    (state, effects)
}

fn enrollment() -> TotpEnrollment {
    let secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";
    TotpEnrollment {
        uri: Secret::new(format!(
            "otpauth://totp/Upstra:alice?secret={secret}&issuer=Upstra"
        )),
        secret: Secret::new(secret),
    }
}

#[test]
fn an_enrollment_only_session_enrolls_shows_the_codes_once_then_logs_in_afresh() {
    let (mut state, effects) = enrolling();
    let epoch = state.epoch;
    assert_eq!(state.screen, Screen::Enroll);
    assert_eq!(
        effects,
        vec![Effect::EnrollTotp {
            epoch,
            token: token()
        }]
    );
    update(
        &mut state,
        Action::EnrollStarted {
            epoch,
            result: Ok(enrollment()),
        },
    );
    let Enrollment::Scan { qr, .. } = &state.enroll else {
        panic!("scanning: {:?}", state.enroll);
    };
    assert!(qr.is_some(), "the QR code is drawn");

    assert!(press(&mut state, "12x34\n").is_empty(), "five digits");
    let effects = press(&mut state, "56\n");
    assert_eq!(
        effects,
        vec![Effect::ConfirmTotp {
            epoch,
            token: token(),
            code: Secret::new("123456"),
        }]
    );

    let codes: Vec<String> = (0..10).map(|i| format!("ABCD-EFG{i}")).collect();
    let effects = update(
        &mut state,
        Action::EnrollConfirmed {
            epoch,
            result: Ok(codes),
        },
    );
    assert_eq!(effects, vec![Effect::ForgetSession], "the daemon ended it");
    assert!(state.session.is_none());
    assert!(matches!(&state.enroll, Enrollment::Codes { codes, .. } if codes.len() == 10));
    assert!(
        press(&mut state, "\x1bq").is_empty(),
        "Esc does not hide them"
    );
    assert!(matches!(state.enroll, Enrollment::Codes { .. }));

    let effects = press(&mut state, "\n");
    assert_eq!(effects, vec![Effect::ForgetSession]);
    assert_eq!(state.screen, Screen::Login);
    assert_eq!(state.login.user, "alice");
    assert_eq!(state.login.focus, LoginField::Password);
    assert_eq!(state.login.info, Some(Message::TwoFactorOn));
    assert_eq!(state.enroll, Enrollment::Requesting, "the codes are gone");
}

#[test]
fn a_wrong_first_code_can_be_typed_again_and_a_failed_start_retried() {
    let (mut state, _) = enrolling();
    let epoch = state.epoch;
    update(
        &mut state,
        Action::EnrollStarted {
            epoch,
            result: Err(Failure::Refused(ApiError::Unavailable {
                message: "the store is busy".into(),
            })),
        },
    );
    assert!(matches!(state.enroll, Enrollment::Failed(_)));
    assert_eq!(
        press(&mut state, "\n"),
        vec![Effect::EnrollTotp {
            epoch,
            token: token()
        }]
    );
    update(
        &mut state,
        Action::EnrollStarted {
            epoch,
            result: Ok(enrollment()),
        },
    );
    press(&mut state, "111111\n");
    update(
        &mut state,
        Action::EnrollConfirmed {
            epoch,
            result: Err(Failure::Refused(ApiError::SecondFactorRefused {
                reason: "wrong code: type the code your authenticator shows now".into(),
                code: SecondFactorCode::Wrong,
            })),
        },
    );
    let Enrollment::Scan {
        pending,
        error,
        code,
        ..
    } = &state.enroll
    else {
        panic!("back to scanning: {:?}", state.enroll);
    };
    assert!(!pending && code.is_empty());
    assert!(error.is_some());
    assert_eq!(press(&mut state, "222222\n").len(), 1, "sent again");
}

/// A newer daemon's limited scope: the console opens the lab and lets the daemon's refusals
/// say what the session may do, instead of failing or guessing a screen.
#[test]
fn a_session_scope_from_a_newer_daemon_opens_the_lab() {
    let mut state = State::new("/s");
    update(
        &mut state,
        Action::Start {
            session: Some(Session::new(token(), "bob")),
        },
    );
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("bob", "read", SessionScope::Unknown)),
        },
    );
    assert_eq!(state.screen, Screen::Tree);
}

#[test]
fn a_reset_password_session_must_choose_a_new_password() {
    let mut state = State::new("/s");
    update(
        &mut state,
        Action::Start {
            session: Some(Session::new(token(), "bob")),
        },
    );
    let epoch = state.epoch;
    let effects = update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("bob", "", SessionScope::ChangePassword)),
        },
    );
    assert!(effects.is_empty());
    assert_eq!(state.screen, Screen::Password);

    assert!(press(&mut state, "\n").is_empty());
    assert_eq!(state.password.error, Some(Message::NeedNewPassword));
    press(&mut state, "a long new one\n");
    assert_eq!(
        state.password.focus,
        PasswordField::Repeat,
        "Enter moves on"
    );
    assert!(press(&mut state, "a long new 0ne\n").is_empty());
    assert_eq!(state.password.error, Some(Message::PasswordsDiffer));
    let effects = press(&mut state, "a long new one\n");
    assert_eq!(
        effects,
        vec![Effect::ChangePassword {
            epoch,
            token: token(),
            new: Secret::new("a long new one"),
        }]
    );
    assert!(state.password.new.is_empty(), "not kept");

    let effects = update(
        &mut state,
        Action::PasswordChanged {
            epoch,
            result: Ok(()),
        },
    );
    assert_eq!(effects, vec![Effect::ForgetSession]);
    assert_eq!(state.screen, Screen::Login);
    assert_eq!(state.login.user, "bob");
    assert_eq!(state.login.info, Some(Message::PasswordChanged));
}

#[test]
fn an_expired_session_keeps_the_view_for_the_same_user_only() {
    let mut state = logged_in();
    press(&mut state, "jjl");
    let esx = NodeId::Server("esx-a1".into());
    assert_eq!(state.lab.selected, Some(esx.clone()));
    let epoch = state.epoch;
    update(
        &mut state,
        Action::EventsArrived {
            epoch,
            result: Err(Failure::Unauthenticated),
        },
    );
    assert_eq!(state.screen, Screen::Login);
    assert_eq!(state.login.error, Some(Message::SessionExpired));

    // The same user again: back where she was, before the lists even arrive.
    let effects = update(
        &mut state,
        Action::LoggedIn(Ok(reply("alice", SessionScope::Full))),
    );
    assert_eq!(effects.len(), 2);
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("alice", "read", SessionScope::Full)),
        },
    );
    assert_eq!(state.screen, Screen::Tree);
    assert!(state.lab.loaded);
    assert_eq!(state.lab.selected, Some(esx.clone()));
    assert!(state.is_expanded(&esx));

    // Someone else: nothing of alice's view is shown to them.
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Err(Failure::Unauthenticated),
        },
    );
    update(
        &mut state,
        Action::LoggedIn(Ok(reply("bob", SessionScope::Full))),
    );
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("bob", "read", SessionScope::Full)),
        },
    );
    assert!(!state.lab.loaded);
    assert!(state.lab.tree.is_empty() && state.lab.selected.is_none());
}

#[test]
fn secrets_never_print() {
    let mut state = at_second_step();
    press(&mut state, "987654");
    let debug = format!("{state:?}");
    assert!(!debug.contains("987654") && !debug.contains("secret pass"));

    let (mut state, _) = enrolling();
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::EnrollStarted {
            epoch,
            result: Ok(enrollment()),
        }],
    );
    assert!(!format!("{state:?}").contains("JBSWY3DP"));
    apply(
        &mut state,
        vec![Action::EnrollConfirmed {
            epoch,
            result: Ok(vec!["WXYZ-2345".into()]),
        }],
    );
    assert!(!format!("{state:?}").contains("WXYZ"));
}
