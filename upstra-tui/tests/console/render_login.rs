//! What the console draws before it has a full session: the login form and its second step,
//! first-login two-factor enrollment and its recovery codes, the forced password change, and
//! their help, in English and French at 80×24 and 200×50.

use crate::support;

use support::{apply, draw, logged_in, token, whoami};
use upstra_core::api::v1::{ApiError, SecondFactorCode, SessionScope, TotpEnrollment};
use upstra_core::secret::Secret;
use upstra_tui::console::action::{Action, EnrollAction, Failure, LoginAction, PasswordAction};
use upstra_tui::console::command_table::Command;
use upstra_tui::console::state::{Session, State};

/// A fixed key, as `totp_enroll` would return it for alice.
pub const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

fn login_form() -> State {
    let mut state = State::new("/run/upstra/upstra.sock");
    let mut actions = vec![Action::Start { session: None }];
    actions.extend("alice".chars().map(|c| Action::Login(LoginAction::Char(c))));
    actions.push(Action::Login(LoginAction::NextField));
    actions.extend(
        "hunter2"
            .chars()
            .map(|c| Action::Login(LoginAction::Char(c))),
    );
    apply(&mut state, actions);
    state
}

/// Password accepted, a code asked for.
fn second_step() -> State {
    let mut state = login_form();
    apply(
        &mut state,
        vec![
            Action::Login(LoginAction::Submit),
            Action::SecondFactorRequired { challenge: token() },
        ],
    );
    state
}

/// A session that may only enroll, as after its `whoami`.
fn enrolling() -> State {
    let mut state = State::new("/run/upstra/upstra.sock");
    apply(
        &mut state,
        vec![Action::Start {
            session: Some(Session::new(token(), "alice")),
        }],
    );
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::SessionChecked {
            epoch,
            result: Ok(whoami("alice", "", SessionScope::EnrollTwoFactor)),
        }],
    );
    state
}

fn enrollment() -> TotpEnrollment {
    TotpEnrollment {
        uri: Secret::new(format!(
            "otpauth://totp/Upstra:alice?secret={SECRET}&issuer=Upstra"
        )),
        secret: Secret::new(SECRET),
    }
}

#[test]
fn login_with_a_wrong_password() {
    let mut state = login_form();
    apply(
        &mut state,
        vec![
            Action::Login(LoginAction::Submit),
            Action::LoggedIn(Err(Failure::Refused(ApiError::BadCredentials))),
        ],
    );
    apply(
        &mut state,
        "hunter3"
            .chars()
            .map(|c| Action::Login(LoginAction::Char(c)))
            .collect(),
    );
    let terminal = draw(&state, 80, 24);
    assert!(
        !terminal.backend().to_string().contains("hunter"),
        "the password is masked"
    );
    screens!("login_wrong_password", state);
}

#[test]
fn login_rate_limited_says_when_to_retry() {
    let mut state = login_form();
    apply(
        &mut state,
        vec![
            Action::Login(LoginAction::Submit),
            Action::LoggedIn(Err(Failure::Refused(ApiError::RateLimited {
                retry_after_s: 754,
            }))),
        ],
    );
    screens!("login_rate_limited", state);
}

#[test]
fn login_when_the_session_expired() {
    let mut state = logged_in();
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Err(Failure::Unauthenticated),
        }],
    );
    screens!("login_session_expired", state);
}

#[test]
fn login_second_step_asks_for_the_apps_code() {
    let mut state = second_step();
    apply(
        &mut state,
        "1234"
            .chars()
            .map(|c| Action::Login(LoginAction::Char(c)))
            .collect(),
    );
    screens!("login_second_step_totp", state);
}

#[test]
fn login_second_step_says_a_code_was_replayed() {
    let mut state = second_step();
    let mut actions: Vec<Action> = "123456"
        .chars()
        .map(|c| Action::Login(LoginAction::Char(c)))
        .collect();
    actions.push(Action::Login(LoginAction::Submit));
    actions.push(Action::LoggedIn(Err(Failure::Refused(
        ApiError::SecondFactorRefused {
            reason: "this code was already used: wait for the next one (codes change every 30 s)"
                .into(),
            code: SecondFactorCode::Replayed,
        },
    ))));
    apply(&mut state, actions);
    screens!("login_second_step_replayed", state);
}

#[test]
fn login_second_step_with_a_recovery_code() {
    let mut state = second_step();
    let mut actions = vec![Action::Login(LoginAction::NextField)];
    actions.extend(
        "ABCD-EF"
            .chars()
            .map(|c| Action::Login(LoginAction::Char(c))),
    );
    apply(&mut state, actions);
    screens!("login_second_step_recovery", state);
}

#[test]
fn login_help() {
    let mut state = login_form();
    apply(&mut state, vec![Action::Run(Command::Help)]);
    screens!("login_help", state);
}

#[test]
fn enrollment_shows_the_qr_code_the_key_and_the_code_field() {
    let mut state = enrolling();
    let epoch = state.epoch;
    let mut actions = vec![Action::EnrollStarted {
        epoch,
        result: Ok(enrollment()),
    }];
    actions.extend("123".chars().map(|c| Action::Enroll(EnrollAction::Char(c))));
    apply(&mut state, actions);
    let text = draw(&state, 80, 24).backend().to_string();
    assert!(
        text.contains("JBSW Y3DP EHPK 3PXP"),
        "the key in groups:\n{text}"
    );
    assert!(
        text.contains('▀') && text.contains('█'),
        "the QR code:\n{text}"
    );
    screens!("enroll_scan", state);
}

#[test]
fn enrollment_says_a_wrong_code() {
    let mut state = enrolling();
    let epoch = state.epoch;
    let mut actions = vec![Action::EnrollStarted {
        epoch,
        result: Ok(enrollment()),
    }];
    actions.extend(
        "123456"
            .chars()
            .map(|c| Action::Enroll(EnrollAction::Char(c))),
    );
    actions.push(Action::Enroll(EnrollAction::Submit));
    actions.push(Action::EnrollConfirmed {
        epoch,
        result: Err(Failure::Refused(ApiError::SecondFactorRefused {
            reason: "wrong code: type the code your authenticator shows now".into(),
            code: SecondFactorCode::Wrong,
        })),
    });
    apply(&mut state, actions);
    screens!("enroll_wrong_code", state);
}

#[test]
fn enrollment_shows_the_recovery_codes_once() {
    let mut state = enrolling();
    let epoch = state.epoch;
    let codes: Vec<String> = (0..10).map(|i| format!("ABCD-EFG{i}")).collect();
    apply(
        &mut state,
        vec![
            Action::EnrollStarted {
                epoch,
                result: Ok(enrollment()),
            },
            Action::EnrollConfirmed {
                epoch,
                result: Ok(codes),
            },
        ],
    );
    let text = draw(&state, 80, 24).backend().to_string();
    assert_eq!(text.matches("ABCD-EFG").count(), 10, "all ten:\n{text}");
    screens!("enroll_recovery_codes", state);
}

#[test]
fn a_reset_password_must_be_changed() {
    let mut state = State::new("/run/upstra/upstra.sock");
    apply(
        &mut state,
        vec![Action::Start {
            session: Some(Session::new(token(), "bob")),
        }],
    );
    let epoch = state.epoch;
    let mut actions = vec![Action::SessionChecked {
        epoch,
        result: Ok(whoami("bob", "", SessionScope::ChangePassword)),
    }];
    actions.extend(
        "short"
            .chars()
            .map(|c| Action::Password(PasswordAction::Char(c))),
    );
    actions.push(Action::Password(PasswordAction::NextField));
    actions.extend(
        "short"
            .chars()
            .map(|c| Action::Password(PasswordAction::Char(c))),
    );
    actions.push(Action::Password(PasswordAction::Submit));
    actions.push(Action::PasswordChanged {
        epoch,
        result: Err(Failure::Refused(ApiError::invalid(
            "the password must be at least 12 characters long",
        ))),
    });
    apply(&mut state, actions);
    screens!("password_change_refused", state);
}
