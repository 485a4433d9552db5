//! A NUT UPS's status is asked for alone every `ups_status_interval`, so a power cut shows
//! without waiting for the full read of `ups_poll_interval` (issue 15, detection). Each test
//! runs the real `upstrad` against a NUT of its own (a copy of the harness's), with an hour
//! between full reads: an event within the tests' deadlines can only come from the checks.
//! Skipped (with a note) without a harness run; a failure under CI=true.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::path::Path;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use support::*;
use upstra_core::api::v1::{LabSpec, SessionToken, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, parse};
use upstra_tests::nut::DevFile;
use upstra_tests::own_nut::OwnNut;

/// Generous for a loaded 2-core machine, and far below the hour between full reads: the
/// dummy driver takes a second or two to notice its file changed, upsd up to its MAXAGE (5 s)
/// to call a frozen driver stale.
const LIMIT: Duration = Duration::from_secs(60);

/// Full reads an hour apart: only the status checks can see a change while a test runs.
const SLOW_READS: &str = "ups_poll_interval = \"1h\"\nsync_interval = \"1h\"\n";

struct Setup {
    nut: OwnNut,
    daemon: Daemon,
    client: UpstraClient,
    token: SessionToken,
    cursor: u64,
}

/// Starts a NUT of the test's own and `upstrad` on `config`, applies a lab of one UPS on the
/// NUT's `ups2` (that never sheds) and waits for its first reading.
async fn start(test: &str, dir: &Path, config: &str) -> Option<Setup> {
    let shared = upstra_tests::peers(test)?;
    let nut = OwnNut::start(&shared);
    std::fs::write(dir.join("upstrad.toml"), config).unwrap();
    let daemon = Daemon::start(dir).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;
    let lab = format!(
        "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"ups-two\"\nroom = \"lab\"\n\
         nut = \"ups2@127.0.0.1:{}\"\npolicy = {{ grace = \"1h\", act_on_low_battery = false }}\n",
        nut.port
    );
    let lab = parse(&lab, &KnownNames::default()).unwrap();
    let cursor = client
        .events_since(ctx(), token.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;
    client
        .apply(ctx(), token.clone(), LabSpec::from(&lab.inventory), false)
        .await
        .unwrap()
        .unwrap();
    until("the first reading of ups-two", LIMIT, || async {
        let list = client
            .list_ups(ctx(), token.clone())
            .await
            .unwrap()
            .unwrap();
        list.iter()
            .any(|u| u.status.as_deref() == Some("OL"))
            .then_some(())
    })
    .await;
    Some(Setup {
        nut,
        daemon,
        client,
        token,
        cursor,
    })
}

impl Setup {
    fn dev(&self) -> DevFile {
        DevFile::open(&self.nut.dir, "ups2")
    }

    /// Waits for ups-two's status to change to one holding `flag`.
    async fn status_becomes(&mut self, flag: &str) {
        wait_event(
            &self.client,
            &self.token,
            &mut self.cursor,
            &format!("ups-two's status to hold {flag}"),
            LIMIT,
            |e| {
                matches!(e, DomainEvent::UpsStatusChanged { ups, to, .. }
                    if ups.as_str() == "ups-two" && to.split(' ').any(|f| f == flag))
            },
        )
        .await;
    }
}

#[tokio::test]
async fn a_power_cut_shows_without_waiting_for_the_full_read() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{SLOW_READS}ups_status_interval = \"100ms\"\n");
    let Some(mut lab) = start("status_checks", dir.path(), &config).await else {
        return;
    };
    let dev = lab.dev();
    dev.set(&[("ups.status", "OB DISCHRG")]);
    lab.status_becomes("OB").await;
    dev.set(&[("ups.status", "OL")]);
    lab.status_becomes("OL").await;
    lab.daemon.stop();
}

#[tokio::test]
async fn a_reload_turns_the_status_checks_on() {
    let dir = tempfile::tempdir().unwrap();
    let off = format!("{SLOW_READS}ups_status_interval = \"off\"\n");
    let Some(mut lab) = start("status_checks", dir.path(), &off).await else {
        return;
    };
    let on = off.replace("\"off\"", "\"250ms\"");
    std::fs::write(dir.path().join("upstrad.toml"), on).unwrap();
    lab.daemon.signal(Signal::SIGHUP);
    until("the reload in the log", LIMIT, || async {
        lab.daemon
            .log()
            .contains("ups_status_interval off -> 250ms")
            .then_some(())
    })
    .await;
    let dev = lab.dev();
    dev.set(&[("ups.status", "OB DISCHRG")]);
    lab.status_becomes("OB").await;
    lab.daemon.stop();
}

#[tokio::test]
async fn communication_lost_and_restored_show_between_full_reads() {
    let dir = tempfile::tempdir().unwrap();
    let config = format!("{SLOW_READS}ups_status_interval = \"100ms\"\nups_dead_time = \"2s\"\n");
    let Some(mut lab) = start("status_checks", dir.path(), &config).await else {
        return;
    };
    // A frozen driver: upsd calls its data stale after MAXAGE. The NUT's drop resumes it if
    // the test fails first.
    let pidfile = lab.nut.dir.join("nut-ups2.pid");
    let pid = std::fs::read_to_string(pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let driver = Pid::from_raw(pid);
    kill(driver, Signal::SIGSTOP).unwrap();
    let lost = wait_event(
        &lab.client,
        &lab.token,
        &mut lab.cursor,
        "ups-two's communication lost",
        LIMIT,
        |e| matches!(e, DomainEvent::UpsCommsLost { ups, .. } if ups.as_str() == "ups-two"),
    )
    .await;
    kill(driver, Signal::SIGCONT).unwrap();
    assert!(
        matches!(&lost.event, DomainEvent::UpsCommsLost { reason, .. } if reason.contains("DATA-STALE")),
        "{lost:?}"
    );
    wait_event(
        &lab.client,
        &lab.token,
        &mut lab.cursor,
        "ups-two's communication restored",
        LIMIT,
        |e| matches!(e, DomainEvent::UpsCommsRestored { ups } if ups.as_str() == "ups-two"),
    )
    .await;
    lab.daemon.stop();
}
