//! This host's power-off, on the real `upstrad` binary: test builds carry a double of
//! `systemctl poweroff` that records the request and stops the daemon the way systemd would,
//! so no test ever powers its machine off. SIGUSR2 (test builds only, with the double active)
//! calls the same `drivers.host_power.power_off` the outage orchestrator calls.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use nix::sys::signal::Signal;
use support::*;

const RECORD_ENV: &str = "UPSTRA_TEST_HOST_POWEROFF";

#[tokio::test]
async fn the_test_double_records_the_power_off_and_the_daemon_stops_as_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("poweroff.log");
    let record_text = record.to_str().unwrap();
    let mut daemon = Daemon::start_with_env(dir.path(), &[(RECORD_ENV, record_text)]).await;
    let log = daemon.log();
    assert!(
        log.contains(&format!("test double recording to {record_text}")),
        "the double is the driver: {log}"
    );
    assert!(!record.exists(), "nothing asked yet");

    daemon.signal(Signal::SIGUSR2);
    let status = daemon.wait();
    let log = daemon.log();
    assert_eq!(status.code(), Some(0), "a clean stop: {log}");
    let recorded = std::fs::read_to_string(&record).unwrap();
    let lines: Vec<&str> = recorded.lines().collect();
    assert_eq!(lines.len(), 1, "{recorded}");
    let (secs, why) = lines[0].split_once(' ').unwrap();
    assert!(secs.parse::<u64>().is_ok(), "{recorded}");
    assert_eq!(why, "test trigger (SIGUSR2)");
    // The same road as SIGTERM: drained, store closed, socket removed.
    assert!(
        log.contains("shutting down: refusing new requests"),
        "{log}"
    );
    assert!(log.contains("stopped"), "{log}");
    assert!(!daemon.socket.exists(), "no stale socket");
}

#[tokio::test]
async fn without_the_variable_a_test_build_uses_systemd_like_a_real_one() {
    let dir = tempfile::tempdir().unwrap();
    // Empty counts as unset (the support module sets the double for every other test).
    let mut daemon = Daemon::start_with_env(dir.path(), &[(RECORD_ENV, "")]).await;
    let log = daemon.log();
    assert!(
        log.contains("host_power=/usr/bin/systemctl poweroff"),
        "the real driver is chosen: {log}"
    );
    // SIGUSR2 is not trapped then; it is never sent here (its default would end the process).
    daemon.stop();
}

#[tokio::test]
async fn every_test_daemon_gets_the_double_unless_it_asks_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start(dir.path()).await;
    let log = daemon.log();
    assert!(
        log.contains("test double recording to"),
        "no test daemon can power its machine off: {log}"
    );
    daemon.signal(Signal::SIGUSR2);
    assert_eq!(daemon.wait().code(), Some(0));
    assert!(dir.path().join("host-poweroff.log").exists());
}

#[tokio::test]
async fn the_demo_never_touches_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("poweroff.log");
    let mut daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_DRIVERS", "simulated"),
            (RECORD_ENV, record.to_str().unwrap()),
        ],
    )
    .await;
    assert!(
        !daemon.log().contains("this host's power-off"),
        "the simulated drivers pick no real power-off: {}",
        daemon.log()
    );
    daemon.stop();
    assert!(!record.exists());
}
