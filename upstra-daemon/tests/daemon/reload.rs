//! `SIGHUP` re-reads the config, as an operator uses it: edit `upstrad.toml`, `systemctl reload
//! upstrad`. Each test starts the real `upstrad` with a config file, keeps a connection and a
//! session open across the reload, and watches what a client and the log can see. The test is
//! also the service manager: it listens on `NOTIFY_SOCKET` for `RELOADING=1` and `READY=1`.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::time::Duration;

use nix::sys::signal::Signal;
use support::*;
use upstra_core::api::v1::{ApiError, AuditQuery, AuditView, LoginRequest, UpstraClient};
use upstra_core::secret::Secret;

/// Generous for a loaded 2-core machine: how long a reload may take to show in the log.
const LIMIT: Duration = Duration::from_secs(30);

/// Starts `upstrad` on `config` (written where the harness looks for its config file), without
/// `UPSTRA_LOG`, so the file's `log` is the one in force, and with `notify` as systemd's socket.
async fn start(dir: &Path, config: &str, notify: &Path) -> Daemon {
    std::fs::write(dir.join("upstrad.toml"), config).unwrap();
    Daemon::start_with_env(dir, &[("NOTIFY_SOCKET", notify.to_str().unwrap())]).await
}

/// Waits until the daemon's log holds `text`; returns the log.
async fn log_shows(daemon: &Daemon, text: &str) -> String {
    until(&format!("`{text}` in the log"), LIMIT, || async {
        let log = daemon.log();
        log.contains(text).then_some(log)
    })
    .await
}

/// Every message systemd would have received so far.
fn notifications(listener: &UnixDatagram) -> Vec<String> {
    listener.set_nonblocking(true).unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = listener.recv(&mut buf) {
        out.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    out
}

/// A login with a wrong password: refused for the password, or by the failed-login limit.
async fn wrong_login(client: &UpstraClient) -> ApiError {
    client
        .login(
            ctx(),
            LoginRequest {
                user: ADMIN.into(),
                password: Secret::new("not the password"),
            },
        )
        .await
        .unwrap()
        .map(|_| ())
        .expect_err("a wrong password never logs in")
}

async fn reload_records(
    client: &UpstraClient,
    token: &upstra_core::api::v1::SessionToken,
) -> Vec<AuditView> {
    let query = AuditQuery {
        action: Some("config_reload".into()),
        ..AuditQuery::default()
    };
    client
        .audit_list(ctx(), token.clone(), query)
        .await
        .unwrap()
        .unwrap()
        .records
}

#[tokio::test]
async fn sighup_puts_the_new_log_filter_and_login_limit_in_force_and_the_session_lives_on() {
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify.sock");
    let listener = UnixDatagram::bind(&notify).unwrap();
    let mut daemon = start(dir.path(), "log = \"info\"\n", &notify).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;
    client.whoami(ctx(), token.clone()).await.unwrap().unwrap();
    assert!(!daemon.log().contains(" DEBUG "), "{}", daemon.log());
    let started = notifications(&listener);
    assert!(started.iter().any(|m| m.contains("READY=1")), "{started:?}");

    // The operator edits the file: debug logging, one failed login an hour, a new UPS dead
    // time (which needs a restart), and reloads.
    std::fs::write(
        dir.path().join("upstrad.toml"),
        "log = \"debug\"\nups_dead_time = \"7s\"\n\n[limits]\nlogin = \"1/1h\"\n",
    )
    .unwrap();
    daemon.signal(Signal::SIGHUP);
    let log = log_shows(&daemon, "config reloaded:").await;
    assert!(log.contains("log info -> debug"), "{log}");
    assert!(log.contains("limits.login 5/15m -> 1/1h"), "{log}");
    assert!(
        log.contains("ups_dead_time changed (5s -> 7s) but takes effect only at a restart"),
        "{log}"
    );

    // The connection and the session opened before the reload still work, and their calls
    // now show at the debug level.
    let who = client.whoami(ctx(), token.clone()).await.unwrap().unwrap();
    assert_eq!(who.user, ADMIN);
    log_shows(&daemon, " DEBUG ").await;

    // One failed login an hour: the second is refused by the limit, where the old limit of 5
    // would have let it through to the password check.
    assert!(!matches!(
        wrong_login(&client).await,
        ApiError::RateLimited { .. }
    ));
    let second = wrong_login(&client).await;
    assert!(matches!(second, ApiError::RateLimited { .. }), "{second:?}");

    // systemd was told the reload started (with the time it did) and ended.
    let reload = notifications(&listener).join("\n");
    let (reloading, ready) = (reload.find("RELOADING=1"), reload.rfind("READY=1"));
    assert!(
        matches!((reloading, ready), (Some(a), Some(b)) if a < b),
        "{reload}"
    );
    assert!(reload.contains("MONOTONIC_USEC="), "{reload}");

    // Audited: by a signal, the keys and never their values.
    let records = reload_records(&client, &token).await;
    assert_eq!(records.len(), 1, "{records:?}");
    let record = &records[0];
    assert_eq!(record.result, "ok");
    assert_eq!(record.actor, None);
    let detail = record.detail.clone().unwrap_or_default();
    for part in [
        "\"by\":\"signal\"",
        "\"log\"",
        "\"limits.login\"",
        "\"ups_dead_time\"",
    ] {
        assert!(detail.contains(part), "{part} in {detail}");
    }
    assert!(
        !detail.contains("1/1h") && !detail.contains("debug"),
        "{detail}"
    );
    daemon.stop();
}

#[tokio::test]
async fn a_broken_file_changes_nothing_and_the_log_names_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify.sock");
    let listener = UnixDatagram::bind(&notify).unwrap();
    let mut daemon = start(dir.path(), "[limits]\nlogin = \"1/1h\"\n", &notify).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;

    // A generous limit, and a typo four lines down: none of it may apply.
    std::fs::write(
        dir.path().join("upstrad.toml"),
        "log = \"debug\"\n[limits]\nlogin = \"100/1m\"\n[sessions]\nidle = \"5m\"\n",
    )
    .unwrap();
    daemon.signal(Signal::SIGHUP);
    let log = log_shows(&daemon, "config reload failed").await;
    assert!(
        log.contains("upstrad.toml:5: unknown field `idle`"),
        "{log}"
    );
    assert!(log.contains("The running config is unchanged"), "{log}");

    // Still serving, on the old connection and a new one; the old limit still applies, and
    // the old log filter too.
    client.whoami(ctx(), token.clone()).await.unwrap().unwrap();
    let fresh = connect(&daemon.socket).await.unwrap();
    assert!(!matches!(
        wrong_login(&fresh).await,
        ApiError::RateLimited { .. }
    ));
    let second = wrong_login(&fresh).await;
    assert!(matches!(second, ApiError::RateLimited { .. }), "{second:?}");
    assert!(!daemon.log().contains(" DEBUG "), "{}", daemon.log());

    let told = notifications(&listener).join("\n");
    assert!(told.contains("STATUS=config reload failed"), "{told}");
    let records = reload_records(&client, &token).await;
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].result, "invalid");
    let detail = records[0].detail.clone().unwrap_or_default();
    assert!(detail.contains("\"line\":5"), "{detail}");

    // Fixed, the file reloads: the same signal, nothing restarted.
    std::fs::write(
        dir.path().join("upstrad.toml"),
        "[limits]\nlogin = \"100/1m\"\n",
    )
    .unwrap();
    daemon.signal(Signal::SIGHUP);
    log_shows(&daemon, "config reloaded: limits.login 1/1h -> 100/1m").await;
    client.whoami(ctx(), token).await.unwrap().unwrap();
    daemon.stop();
}

/// Logs in and returns the session with the end the daemon gave it.
async fn login_reply(client: &UpstraClient) -> upstra_core::api::v1::LoginReply {
    let outcome = client
        .login(
            ctx(),
            LoginRequest {
                user: ADMIN.into(),
                password: Secret::new(PASSWORD),
            },
        )
        .await
        .unwrap()
        .unwrap();
    match outcome {
        upstra_core::api::v1::LoginOutcome::Session(reply) => reply,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_reloaded_idle_timeout_ends_idle_sessions_and_spares_the_busy_one() {
    /// The new idle timeout: short for the test, and still many times the gap between two
    /// calls of the busy session below on a loaded machine.
    const IDLE: Duration = Duration::from_secs(6);
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify.sock");
    let _listener = UnixDatagram::bind(&notify).unwrap();
    let mut daemon = start(dir.path(), "# defaults\n", &notify).await;
    let client = connect(&daemon.socket).await.unwrap();
    let busy = setup_and_login(&client).await;
    let before = login_reply(&client).await;

    std::fs::write(
        dir.path().join("upstrad.toml"),
        "[sessions]\nidle_timeout = \"6s\"\nabsolute_lifetime = \"1h\"\n",
    )
    .unwrap();
    daemon.signal(Signal::SIGHUP);
    log_shows(&daemon, "sessions.idle_timeout 30m -> 6s").await;

    // A session opened now ends an hour after its login; the one opened before keeps the
    // twelve hours it was given.
    let after = login_reply(&client).await;
    let lifetime = |r: &upstra_core::api::v1::LoginReply| r.expires_at.millis();
    let hour = 3_600_000;
    assert!(
        lifetime(&before) - lifetime(&after) > 10 * hour,
        "{before:?} {after:?}"
    );

    // The busy session is used all along; the idle one is not touched until the new timeout
    // has passed, then it is refused: reading it earlier would count as a use.
    let idle_since = std::time::Instant::now();
    while idle_since.elapsed() < IDLE * 2 {
        client.whoami(ctx(), busy.clone()).await.unwrap().unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let idle = client.whoami(ctx(), after.token.clone()).await.unwrap();
    assert_eq!(idle.map(|_| ()), Err(ApiError::Unauthenticated));
    client.whoami(ctx(), busy).await.unwrap().unwrap();
    daemon.stop();
}

/// Readings the monitor has taken of every UPS in the last hour.
async fn readings(client: &UpstraClient, token: &upstra_core::api::v1::SessionToken) -> u32 {
    client
        .ups_history(ctx(), token.clone())
        .await
        .unwrap()
        .unwrap()
        .iter()
        .flat_map(|h| &h.samples)
        .map(|s| s.readings)
        .sum()
}

#[tokio::test]
async fn a_reloaded_poll_interval_takes_over_the_monitors_timer() {
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify.sock");
    let _listener = UnixDatagram::bind(&notify).unwrap();
    // The simulated lab answers at once; an hour between polls means the UPS is read once,
    // when the lab is applied, and not again while the test runs.
    let slow = "drivers = \"simulated\"\nups_poll_interval = \"1h\"\nsync_interval = \"1h\"\n";
    let mut daemon = start(dir.path(), slow, &notify).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;
    let lab = "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"ups-1\"\nroom = \"lab\"\n\
               nut = \"ups-1@127.0.0.1:1\"\n";
    let lab = upstra_core::lab::parse(lab, &upstra_core::lab::KnownNames::default()).unwrap();
    let spec = upstra_core::api::v1::LabSpec::from(&lab.inventory);
    client
        .apply(ctx(), token.clone(), spec, false)
        .await
        .unwrap()
        .unwrap();
    let first = until("the read after the apply", LIMIT, || async {
        let n = readings(&client, &token).await;
        (n > 0).then_some(n)
    })
    .await;

    std::fs::write(
        dir.path().join("upstrad.toml"),
        slow.replace("ups_poll_interval = \"1h\"", "ups_poll_interval = \"1s\""),
    )
    .unwrap();
    daemon.signal(Signal::SIGHUP);
    log_shows(&daemon, "config reloaded: ups_poll_interval 1h -> 1s").await;
    // Three more reads can only come from the new timer: the old one would not fire for an
    // hour.
    until(
        "reads at the new interval",
        Duration::from_secs(60),
        || async { (readings(&client, &token).await >= first + 3).then_some(()) },
    )
    .await;
    daemon.stop();
}
