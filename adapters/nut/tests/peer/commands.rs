//! Instant commands against the harness's real upsd. dummy-ups answers none, so the harness
//! runs NUT's `clone` driver as `upsout` (over ups1's driver): it offers `shutdown.return` and
//! `shutdown.stayoff`, with a read-only `ups.delay.shutdown` (its `offdelay`). A command that
//! arrived shows in upsd's log ("Instant command: <user>@<addr> did shutdown.return on
//! upsout") and in the clone's state: `FSD` in `ups.status`, `ups.timer.shutdown` counting down
//! from that delay. Only `sends_shutdown_return_and_the_clone_ups_starts_its_timer` sends one;
//! every other test is refused before the driver.

use std::time::Duration;

use tokio::time::{Instant, sleep};
use upstra_adapter_nut::{
    CommandError, Confirmation, Connection, DelayHandling, ErrCode, UpsCommander,
};
use upstra_core::model::Ups;
use upstra_core::traits::UpsOutputControl;
use upstra_core::ups_off::UpsCommandFailure;

use crate::common;
use crate::harness::Lab;

/// The clone counts `offdelay` (30 s) then `ondelay` (5 s) after a command: an earlier run's
/// command on the same harness is over within this.
const CLONE_CYCLE: Duration = Duration::from_secs(120);
/// The clone publishes its timers at its next poll, every 2 s.
const SOON: Duration = Duration::from_secs(10);

fn cmd_ups(lab: &Lab, login: Option<(&str, &str)>) -> Ups {
    common::ups(&lab.cmd_ups, &lab.host, lab.port, login)
}

#[tokio::test]
async fn lists_the_commands_of_a_ups_and_what_would_be_sent() {
    let Some(lab) = Lab::get("lists_the_commands_of_a_ups_and_what_would_be_sent") else {
        return;
    };
    let mut conn = Connection::connect(&lab.host, lab.port)
        .await
        .expect("connects");
    assert_eq!(
        conn.list_cmd(&lab.cmd_ups).await.expect("LIST CMD"),
        ["shutdown.return", "shutdown.stayoff"]
    );
    // The clone's delay is set in ups.conf, not writable.
    let rw = conn.list_rw(&lab.cmd_ups).await.expect("LIST RW");
    assert!(!rw.contains_key("ups.delay.shutdown"), "{rw:?}");

    let (user, password) = &lab.cmd_user;
    let ups = cmd_ups(&lab, Some((user, password)));
    let cap = UpsCommander::default()
        .ups_off_capability(&ups, Duration::from_secs(20))
        .await
        .expect("reads");
    let plan = cap.plan.expect("shutdown.return is offered");
    assert_eq!(plan.command, "shutdown.return");
    assert!(plan.returns_on_mains);
    assert_eq!(
        plan.delay,
        DelayHandling::Fixed {
            seconds: lab.cmd_offdelay
        }
    );
    assert!(
        cap.permission_unchecked
            .is_some_and(|u| u.contains("no dry run")),
        "without upsd.users the permission cannot be checked"
    );

    // A longer shutdown than the fixed delay is refused before anything is sent.
    let wanted = lab.cmd_offdelay + 15;
    let cap = UpsCommander::default()
        .ups_off_capability(&ups, Duration::from_secs(wanted))
        .await
        .expect("reads");
    let err = cap.plan.expect_err("too short");
    assert!(matches!(err, CommandError::DelayTooShort { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&format!(
            "offdelay (or the UPS's own shutdown delay) to at least {wanted} s"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_ups_without_the_command_says_what_its_driver_offers() {
    let Some(lab) = Lab::get("a_ups_without_the_command_says_what_its_driver_offers") else {
        return;
    };
    let (user, password) = &lab.cmd_user;
    let ups1 = common::ups("ups1", &lab.host, lab.port, Some((user, password)));
    let offered = {
        let mut conn = Connection::connect(&lab.host, lab.port)
            .await
            .expect("connects");
        conn.list_cmd("ups1").await.expect("LIST CMD")
    };
    let err = UpsCommander::default()
        .ups_off_then_return(&ups1, Duration::from_secs(20))
        .await
        .expect_err("dummy-ups offers no shutdown.return");
    assert_eq!(
        err,
        CommandError::NotOffered {
            ups: format!("ups1@{}:{}", lab.host, lab.port),
            command: "shutdown.return".into(),
            offered: offered.clone(),
        }
    );
    let text = err.to_string();
    let listed = if offered.is_empty() {
        "none".to_owned()
    } else {
        offered.join(", ")
    };
    assert!(
        text.contains(&format!("its driver offers: {listed}.")),
        "{text}"
    );

    // upsd's own answer to a command the driver lacks, on the clone UPS.
    let mut conn = Connection::connect(&lab.host, lab.port)
        .await
        .expect("connects");
    conn.login(
        user,
        Some(&upstra_core::secret::Secret::new(password.as_str())),
    )
    .await
    .expect("login");
    let err = conn
        .instcmd(&lab.cmd_ups, "load.off", None)
        .await
        .expect_err("not offered");
    assert_eq!(err.code(), Some(&ErrCode::CmdNotSupported));
}

#[tokio::test]
async fn a_user_without_instcmds_is_denied_with_the_fix() {
    let Some(lab) = Lab::get("a_user_without_instcmds_is_denied_with_the_fix") else {
        return;
    };
    let (user, password) = &lab.nocmd_user;
    let ups = cmd_ups(&lab, Some((user, password)));
    let err = UpsCommander::default()
        .ups_off_then_return(&ups, Duration::from_secs(20))
        .await
        .expect_err("denied");
    assert!(matches!(err, CommandError::AccessDenied { .. }), "{err:?}");
    let text = err.to_string();
    assert!(
        text.starts_with(&format!(
            "user {user} may not send instant commands to UPS {}@",
            lab.cmd_ups
        )),
        "{text}"
    );
    assert!(
        text.contains("add `instcmds = shutdown.return` (or ALL) for it in upsd.users"),
        "{text}"
    );

    // The same through the core's contract, as the orchestrator will call it.
    let err = UpsOutputControl::ups_off_then_return(&UpsCommander::default(), &ups, 20)
        .await
        .expect_err("denied");
    assert_eq!(err.kind, UpsCommandFailure::NotAllowed);
    assert_eq!(err.message, text);
    // The check without side effects cannot see it, and says so.
    let check = UpsOutputControl::ups_off_capability(&UpsCommander::default(), &ups, 20)
        .await
        .expect("reads");
    assert_eq!(
        check.verdict.map(|s| (s.command, s.delay_s)),
        Ok(("shutdown.return".to_owned(), Some(lab.cmd_offdelay)))
    );
    assert!(
        check.unchecked.is_some_and(|u| u.contains("instcmds")),
        "the limit is said"
    );
}

#[tokio::test]
async fn a_wrong_password_is_denied_like_a_missing_permission() {
    let Some(lab) = Lab::get("a_wrong_password_is_denied_like_a_missing_permission") else {
        return;
    };
    let (user, _) = &lab.cmd_user;
    let ups = cmd_ups(&lab, Some((user, "not the password")));
    let err = UpsCommander::default()
        .ups_off_then_return(&ups, Duration::from_secs(20))
        .await
        .expect_err("denied");
    // upsd 2.8 answers a wrong password with ACCESS-DENIED too: the message names both fixes.
    assert!(matches!(err, CommandError::AccessDenied { .. }), "{err:?}");
    assert!(err.to_string().ends_with("and check its password"), "{err}");

    let no_login = cmd_ups(&lab, None);
    let err = UpsCommander::default()
        .ups_off_then_return(&no_login, Duration::from_secs(20))
        .await
        .expect_err("no login");
    assert!(matches!(err, CommandError::NoLogin { .. }), "{err:?}");
    // The check says it beforehand.
    let check = UpsOutputControl::ups_off_capability(&UpsCommander::default(), &no_login, 20)
        .await
        .expect("reads");
    assert_eq!(
        check.verdict.map_err(|e| e.kind),
        Err(UpsCommandFailure::NoLogin)
    );
}

#[tokio::test]
async fn sends_shutdown_return_and_the_clone_ups_starts_its_timer() {
    let Some(lab) = Lab::get("sends_shutdown_return_and_the_clone_ups_starts_its_timer") else {
        return;
    };
    let mut conn = Connection::connect(&lab.host, lab.port)
        .await
        .expect("connects");
    // An earlier run on this harness may have left the clone counting: wait until it is idle.
    let deadline = Instant::now() + CLONE_CYCLE;
    loop {
        let vars = conn.list_var(&lab.cmd_ups).await.expect("LIST VAR");
        let idle = vars.get("ups.timer.shutdown").map(String::as_str) == Some("-1")
            && vars.get("ups.timer.start").map(String::as_str) == Some("-1")
            && vars.get("ups.status").is_some_and(|s| !s.contains("FSD"));
        if idle {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the clone UPS stays busy: {vars:?}"
        );
        sleep(Duration::from_millis(500)).await;
    }
    let log_before = std::fs::read_to_string(&lab.upsd_log)
        .expect("upsd log")
        .len();

    let (user, password) = &lab.cmd_user;
    let ups = cmd_ups(&lab, Some((user, password)));
    let sent = UpsCommander::default()
        .ups_off_then_return(&ups, Duration::from_secs(20))
        .await
        .expect("sent");
    assert_eq!(sent.plan.command, "shutdown.return");
    assert_eq!(sent.delay_s, Some(lab.cmd_offdelay));
    assert_eq!(sent.confirmation, Confirmation::Confirmed);

    // upsd logged it, once.
    let log = std::fs::read_to_string(&lab.upsd_log).expect("upsd log");
    let new = &log[log_before..];
    let line = format!(
        "Instant command: {user}@{} did shutdown.return on {}",
        lab.host, lab.cmd_ups
    );
    assert_eq!(
        new.matches(&line).count(),
        1,
        "upsd log since the test began:\n{new}"
    );

    // The driver took it: FSD at once, and at its next poll (every 2 s) its shutdown timer
    // runs from the delay reported.
    let delay = i64::try_from(lab.cmd_offdelay).expect("small");
    let deadline = Instant::now() + SOON;
    loop {
        let vars = conn.list_var(&lab.cmd_ups).await.expect("LIST VAR");
        let status = vars.get("ups.status").expect("status");
        assert!(status.split(' ').any(|f| f == "FSD"), "{vars:?}");
        let timer: i64 = vars
            .get("ups.timer.shutdown")
            .expect("timer")
            .parse()
            .expect("a number");
        if (0..=delay).contains(&timer) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the shutdown timer did not start from {delay}: {vars:?}"
        );
        sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn upsd_users_on_this_machine_proves_the_permission_before_anything_is_sent() {
    let Some(lab) =
        Lab::get("upsd_users_on_this_machine_proves_the_permission_before_anything_is_sent")
    else {
        return;
    };
    let commander = UpsCommander::with_users_file(&lab.users_file);
    let log_before = std::fs::read_to_string(&lab.upsd_log)
        .expect("upsd log")
        .len();

    let (user, password) = &lab.cmd_user;
    let allowed = cmd_ups(&lab, Some((user, password)));
    let check = UpsOutputControl::ups_off_capability(&commander, &allowed, 20)
        .await
        .expect("reads");
    assert_eq!(
        check.verdict.map(|s| s.command),
        Ok("shutdown.return".to_owned())
    );
    assert_eq!(check.unchecked, None, "upsd.users proved it");

    let (user, password) = &lab.nocmd_user;
    let denied = cmd_ups(&lab, Some((user, password)));
    let check = UpsOutputControl::ups_off_capability(&commander, &denied, 20)
        .await
        .expect("reads");
    assert_eq!(check.unchecked, None, "upsd.users proved it");
    let err = check.verdict.expect_err("nocmduser has no instcmds");
    assert_eq!(err.kind, UpsCommandFailure::NotAllowed);
    assert!(
        err.message.contains(&format!(
            "add `instcmds = shutdown.return` to the `[{user}]` section of upsd.users and \
             reload upsd (`upsd -c reload`)"
        )),
        "{}",
        err.message
    );

    // A password other than upsd.users' is found too (upsd would answer ACCESS-DENIED).
    let (cmd_user, _) = &lab.cmd_user;
    let wrong = cmd_ups(&lab, Some((cmd_user, "not the password")));
    let check = UpsOutputControl::ups_off_capability(&commander, &wrong, 20)
        .await
        .expect("reads");
    let err = check.verdict.expect_err("wrong password");
    assert_eq!(err.kind, UpsCommandFailure::NotAllowed);
    assert!(
        err.message.contains(&format!(
            "is not the one in the `[{cmd_user}]` section of upsd.users"
        )),
        "{}",
        err.message
    );

    // Without the file configured the same user stays unproved, and says why.
    let check = UpsOutputControl::ups_off_capability(&UpsCommander::default(), &denied, 20)
        .await
        .expect("reads");
    assert!(check.verdict.is_ok());
    assert!(
        check
            .unchecked
            .is_some_and(|u| u.contains("no upsd.users file is configured")),
        "the limit is said"
    );

    // Nothing was sent as that user (other tests may send as cmduser meanwhile).
    let log = std::fs::read_to_string(&lab.upsd_log).expect("upsd log");
    let sent_as = format!("Instant command: {user}@");
    assert!(
        !log[log_before..].contains(&sent_as),
        "{}",
        &log[log_before..]
    );
}
