//! Against the real upsd of the project's harness (`tests/peers/start.sh`, then
//! `UPSTRA_PEERS_ENV=<dir>/peers.env`). Without it each test is skipped with a note, and fails
//! under `CI=true`.
//!
//! `ups1` is only read. Tests that change `ups2` (its status, its driver) live in `ups2.rs`,
//! take one lock so they never overlap, and restore it. The upsd restart uses a private upsd
//! (`restart.rs`), never the shared one.

mod commands;
#[path = "../common/mod.rs"]
mod common;
mod harness;
mod restart;
mod ups2;

use std::time::Duration;

use harness::Lab;
use tokio::net::TcpListener;
use upstra_adapter_nut::{Connection, ErrCode, NutConfig, NutMonitor};
use upstra_core::state::UpsFlag;
use upstra_core::traits::{AdapterError, UpsMonitor};

#[tokio::test]
async fn reads_ups1_on_line_with_charge_and_runtime() {
    let Some(lab) = Lab::get("reads_ups1_on_line_with_charge_and_runtime") else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let reading = monitor.read(&lab.ups("ups1")).await.expect("ups1 reads");
    assert_eq!(reading.flags, vec![UpsFlag::Ol]);
    assert_eq!(reading.charge_pct, Some(100.0));
    assert_eq!(reading.runtime_s, Some(3600));
    assert_eq!(reading.load_pct, Some(21.0));
    assert_eq!(reading.input_voltage, Some(230.0));
}

#[tokio::test]
async fn speaks_the_protocol_of_upsd_2_8() {
    let Some(lab) = Lab::get("speaks_the_protocol_of_upsd_2_8") else {
        return;
    };
    let mut conn = Connection::connect(&lab.host, lab.port)
        .await
        .expect("connects");
    assert!(conn.ver().await.expect("VER").contains("upsd"));
    assert_eq!(conn.netver().await.expect("NETVER"), "1.3");
    let names: Vec<String> = conn
        .list_ups()
        .await
        .expect("LIST UPS")
        .into_iter()
        .map(|u| u.name)
        .collect();
    // The harness also serves the clone UPS of the instant-command tests.
    assert_eq!(names[..2], ["ups1", "ups2"]);
    assert_eq!(
        conn.get_var("ups1", "ups.mfr").await.expect("GET VAR"),
        "PeerSim"
    );
    let err = conn
        .get_var("ups1", "no.such.var")
        .await
        .expect_err("no such var");
    assert_eq!(err.code(), Some(&ErrCode::VarNotSupported));
    // An ERR leaves the conversation usable.
    assert!(
        conn.list_var("ups1")
            .await
            .expect("LIST VAR")
            .contains_key("ups.status")
    );
    conn.logout().await.expect("LOGOUT");
}

#[tokio::test]
async fn an_unknown_ups_is_not_found() {
    let Some(lab) = Lab::get("an_unknown_ups_is_not_found") else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let err = monitor.read(&lab.ups("nosuch")).await.expect_err("unknown");
    assert!(
        matches!(&err, AdapterError::NotFound { what, .. } if what.starts_with("UNKNOWN-UPS")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_full_reads_of_one_upsd_together_answer_as_each_alone() {
    let Some(lab) = Lab::get("the_full_reads_of_one_upsd_together_answer_as_each_alone") else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let ups = [lab.ups("ups1"), lab.ups("nosuch"), lab.ups("ups1")];
    let readings = monitor.read_many(&ups).await;
    let alone = monitor.read(&ups[0]).await.expect("ups1 reads alone");
    assert_eq!(readings[0].as_ref().expect("ups1 reads"), &alone);
    // upsd's ERR for the one it does not serve leaves the others and the connection alone.
    assert!(
        matches!(&readings[1], Err(AdapterError::NotFound { what, .. }) if what.starts_with("UNKNOWN-UPS")),
        "{readings:?}"
    );
    assert_eq!(readings[2].as_ref().expect("ups1 reads again"), &alone);
}

#[tokio::test]
async fn a_refused_port_is_unreachable_with_connection_refused() {
    let Some(lab) = Lab::get("a_refused_port_is_unreachable_with_connection_refused") else {
        return;
    };
    let port = closed_port().await;
    let monitor = NutMonitor::new(NutConfig::default());
    let err = monitor
        .read(&common::ups("ups1", &lab.host, port, None))
        .await
        .expect_err("refused");
    assert_eq!(
        err,
        AdapterError::Unreachable {
            peer: format!("ups1@{}:{port}", lab.host),
            reason: "connection refused".into()
        }
    );
}

#[tokio::test]
async fn a_dead_upsd_does_not_stop_a_live_one_from_answering() {
    let Some(lab) = Lab::get("a_dead_upsd_does_not_stop_a_live_one_from_answering") else {
        return;
    };
    // One dead endpoint refuses; the other accepts connections but never answers.
    let refused = common::ups("ups1", &lab.host, closed_port().await, None);
    let silent_listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let silent_port = silent_listener.local_addr().expect("addr").port();
    let silent = common::ups("ups1", "127.0.0.1", silent_port, None);
    let live = lab.ups("ups1");
    let monitor = NutMonitor::new(NutConfig::default());
    let (dead1, dead2, alive) = tokio::join!(
        monitor.read(&refused),
        monitor.read(&silent),
        monitor.read(&live)
    );
    assert!(alive.expect("the live upsd answers").has(&UpsFlag::Ol));
    assert!(dead1.is_err() && dead2.is_err(), "{dead1:?} {dead2:?}");
    assert!(
        dead2
            .expect_err("silent")
            .to_string()
            .contains("timed out after 2 s")
    );
}

#[tokio::test]
async fn a_wrong_password_is_refused_on_an_action_not_on_reads() {
    let Some(lab) = Lab::get("a_wrong_password_is_refused_on_an_action_not_on_reads") else {
        return;
    };
    let (user, _) = &lab.admin;
    let mut conn = Connection::connect(&lab.host, lab.port)
        .await
        .expect("connects");
    let wrong = upstra_core::secret::Secret::new("not the password");
    conn.login(user, Some(&wrong))
        .await
        .expect("upsd takes any password here");
    // Reads need no login: they still work.
    conn.get_var("ups1", "ups.status").await.expect("reads");
    let err = conn
        .set_var("ups1", "battery.charge.low", "20")
        .await
        .expect_err("denied");
    assert_eq!(err.code(), Some(&ErrCode::AccessDenied));
    let peer = format!("ups1@{}:{}", lab.host, lab.port);
    assert_eq!(
        err.to_adapter_error(&peer),
        AdapterError::AuthFailed { peer }
    );
    // The monitor logs in too, and a wrong password does not stop its reads either.
    let monitor = NutMonitor::new(NutConfig::default());
    let ups = common::ups(
        "ups1",
        &lab.host,
        lab.port,
        Some((user, "not the password")),
    );
    monitor.read(&ups).await.expect("reads with any password");
}

/// A port nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

/// Deadlines for states upsd shows within about a second (dummy-ups polls every second).
const SOON: Duration = Duration::from_secs(10);
