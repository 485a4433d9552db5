//! The systemd watchdog, as systemd sees it: the test is the service manager, listening on
//! `NOTIFY_SOCKET` (a Unix datagram socket) with `WATCHDOG_USEC` set, and the real `upstrad`
//! pings it while its monitor and conductor go round, and stops once the conductor is wedged
//! (a test double in test builds only: `UPSTRA_TEST_WEDGE_CONDUCTOR`).
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use support::*;

/// The watchdog interval the test asks for: short, so the test is quick, and still many
/// times the daemon's ordinary scheduling delays.
const WATCHDOG: Duration = Duration::from_secs(2);
/// Pings counted as "regular" before the wedge.
const PINGS_WHILE_HEALTHY: usize = 4;
/// Generous for a loaded 2-core machine: how long the healthy pings and the silence may take
/// to show.
const LIMIT: Duration = Duration::from_secs(60);

/// The next datagram, or `None` when none arrives within `wait`.
fn next(listener: &UnixDatagram, wait: Duration) -> Option<String> {
    listener.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 4096];
    match listener.recv(&mut buf) {
        Ok(n) => Some(String::from_utf8_lossy(&buf[..n]).into_owned()),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ) =>
        {
            None
        }
        Err(e) => panic!("reading the notify socket: {e}"),
    }
}

fn is_ping(message: &str) -> bool {
    message.lines().any(|l| l == "WATCHDOG=1")
}

#[tokio::test]
async fn the_watchdog_is_pinged_while_healthy_and_not_once_the_conductor_is_wedged() {
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify.sock");
    let listener = UnixDatagram::bind(&notify).unwrap();
    let wedge = dir.path().join("wedge-now");
    let usec = WATCHDOG.as_micros().to_string();
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("NOTIFY_SOCKET", notify.to_str().unwrap()),
            ("WATCHDOG_USEC", &usec),
            ("UPSTRA_TEST_WEDGE_CONDUCTOR", wedge.to_str().unwrap()),
        ],
    )
    .await;

    // Healthy: pings arrive, each well within the interval systemd would enforce.
    let deadline = Instant::now() + LIMIT;
    let mut pings = 0;
    let mut others = Vec::new();
    while pings < PINGS_WHILE_HEALTHY {
        assert!(
            Instant::now() < deadline,
            "{pings} pings within {LIMIT:?}; also got {others:?}: {}",
            daemon.log()
        );
        match next(&listener, WATCHDOG * 3) {
            Some(m) if is_ping(&m) => pings += 1,
            Some(m) => others.push(m),
            None => panic!(
                "no ping for {:?} from a healthy daemon: {}",
                WATCHDOG * 3,
                daemon.log()
            ),
        }
    }
    assert!(others.iter().any(|m| m.contains("READY=1")), "{others:?}");

    // Wedge the conductor. The pings may go on until its beat is stale; then they stop, and
    // stay stopped for several intervals, longer than systemd would wait.
    std::fs::write(&wedge, b"").unwrap();
    let silence = WATCHDOG * 4;
    let deadline = Instant::now() + LIMIT;
    let mut after_wedge = 0;
    loop {
        assert!(
            Instant::now() < deadline,
            "still pinged {after_wedge} times after the wedge: {}",
            daemon.log()
        );
        match next(&listener, silence) {
            Some(m) if is_ping(&m) => after_wedge += 1,
            Some(_) => {}
            None => break,
        }
    }
    eprintln!("pings after the wedge before the silence: {after_wedge}");
    let log = daemon.log();
    assert!(
        log.contains("not pinging the watchdog") && log.contains("conductor"),
        "the log should say which loop stalled: {log}"
    );
    assert!(!log.contains("stalled=monitor"), "{log}");
}
