//! Two-factor and the login rate limit from the command line, end to end against the demo
//! daemon. Codes are computed as an authenticator app would, with the daemon's own
//! `twofactor::code_at`; a code for the next 30 s step is still accepted (one step of skew), so
//! no test waits for the clock.
#![cfg(feature = "demo")]

use crate::harness;

use harness::{Demo, fails, now_secs, ok, text};
use upstra_core::api::v1::{TotpEnrollment, WhoAmI};
use upstra_daemon::twofactor::code_at;

/// The recovery codes in `2fa confirm`'s output: the indented `XXXX-XXXX` words.
fn recovery_codes(output: &str) -> Vec<String> {
    output
        .lines()
        .filter(|l| l.starts_with("    "))
        .flat_map(str::split_whitespace)
        .filter(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
        .map(str::to_owned)
        .collect()
}

#[test]
fn enroll_confirm_then_log_in_with_a_code_once_and_a_recovery_code_once() {
    let demo = Demo::start();
    demo.login();
    let password = format!("{}\n", demo.daemon().password);

    let drawn = demo.ok(&["2fa", "enroll"], "");
    assert!(
        drawn.contains('█') && drawn.contains('▄'),
        "a QR code:\n{drawn}"
    );
    assert!(
        drawn.contains("URI: otpauth://totp/Upstra:demo?secret="),
        "{drawn}"
    );
    assert!(drawn.contains("upstra 2fa confirm CODE"));
    assert!(
        !drawn.contains('\x1b'),
        "no colour when stdout is not a terminal"
    );
    // Enrolling again replaces the pending secret; the JSON is the API's `TotpEnrollment`.
    let enrollment: TotpEnrollment =
        serde_json::from_str(&demo.ok(&["2fa", "enroll", "--json"], "")).expect("enrollment");
    let secret = enrollment.secret.expose().to_owned();
    assert!(enrollment.uri.expose().contains(&secret));

    fails(
        &demo.upstra(&["2fa", "confirm", "000000x"], ""),
        1,
        "wrong code",
    );
    let code = code_at(&secret, now_secs()).expect("a code");
    let confirmed = demo.ok(&["2fa", "confirm", &code], "");
    assert!(confirmed.contains("SHOWN ONLY NOW"), "{confirmed}");
    let codes = recovery_codes(&confirmed);
    assert_eq!(codes.len(), 10, "{confirmed}");
    let me: WhoAmI =
        serde_json::from_str(&demo.ok(&["whoami", "--json"], "")).expect("whoami JSON");
    assert!(me.two_factor);
    demo.ok(&["logout"], "");

    let login = |extra: &[&str]| {
        let args = [&["login", "--user", "demo", "--password-stdin"][..], extra].concat();
        demo.upstra(&args, &password)
    };
    fails(
        &login(&[]),
        2,
        "demo has two-factor authentication on: add --totp CODE (or --recovery-code CODE)",
    );
    assert!(
        !demo.session_file().exists(),
        "a password alone opens nothing"
    );

    // The code of the next step: the confirmation used this one.
    let next = code_at(&secret, now_secs() + 30).expect("a code");
    ok(login(&["--totp", &next]));
    ok(demo.upstra(&["ups", "list"], ""));
    fails(
        &login(&["--totp", &next]),
        1,
        "this code was already used: wait for the next one",
    );

    ok(login(&["--recovery-code", &codes[0]]));
    fails(
        &login(&["--recovery-code", &codes[0]]),
        1,
        "wrong or already used recovery code",
    );

    // Turning it off needs a current code; a wrong one leaves it on.
    fails(
        &demo.upstra(&["2fa", "disable", "--totp", "12345x"], ""),
        1,
        "two-factor is still on: wrong or expired code",
    );
    let me: WhoAmI =
        serde_json::from_str(&demo.ok(&["whoami", "--json"], "")).expect("whoami JSON");
    assert!(me.two_factor);
}

#[test]
fn a_user_who_must_use_two_factor_gets_an_enrollment_only_session() {
    let demo = Demo::start();
    demo.login();
    demo.ok(&["settings", "require-2fa", "everyone"], "");
    demo.ok(
        &[
            "user",
            "add",
            "fay",
            "--role",
            "operator",
            "--password-stdin",
        ],
        "fay-password-1\n",
    );
    let login = |extra: &[&str]| {
        let args = [&["login", "--user", "fay", "--password-stdin"][..], extra].concat();
        demo.as_user("fay", &args, "fay-password-1\n")
    };
    let said = ok(login(&[]));
    assert!(
        said.contains("your account must use two-factor: run `upstra 2fa enroll`"),
        "{said}"
    );
    fails(
        &demo.as_user("fay", &["ups", "list"], ""),
        5,
        "this session can only be used to set up two-factor authentication",
    );
    let enrollment: TotpEnrollment =
        serde_json::from_str(&ok(demo.as_user("fay", &["2fa", "enroll", "--json"], "")))
            .expect("enrollment");
    let secret = enrollment.secret.expose().to_owned();
    let code = code_at(&secret, now_secs()).expect("a code");
    let confirmed = ok(demo.as_user("fay", &["2fa", "confirm", &code], ""));
    assert!(
        confirmed.contains("This enrollment-only session has ended: log in again now."),
        "{confirmed}"
    );
    assert!(
        !demo.session_of("fay").exists(),
        "the ended session is forgotten"
    );

    let next = code_at(&secret, now_secs() + 30).expect("a code");
    ok(login(&["--totp", &next]));
    ok(demo.as_user("fay", &["ups", "list"], ""));
}

#[test]
fn the_sixth_login_inside_15_minutes_is_refused_and_says_when_to_retry() {
    let demo = Demo::start();
    for _ in 0..5 {
        fails(
            &demo.upstra(
                &["login", "--user", "demo", "--password-stdin"],
                "wrong-password\n",
            ),
            1,
            "wrong user name or password",
        );
    }
    // Even the right password waits now: 5 attempts per 15 minutes, one back every 3.
    let out = demo.upstra(
        &["login", "--user", "demo", "--password-stdin"],
        &format!("{}\n", demo.daemon().password),
    );
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr),
        "error: too many attempts: try again in 3 min\n"
    );
    assert!(!demo.session_file().exists());
}
