//! Issue 14's SNMP benchmark, against an snmpsim agent of its own (no harness needed; run
//! `tests/peers/install.sh` first). snmpsim answers in a millisecond or two, so the figures
//! are the daemon's; snmpd's pass script forks a shell per value and would add tens of ms.
//! - poll-to-event: the agent's recording switches between on line and on battery; from the
//!   switch to the daemon's `UpsStatusChanged` event, polling every second (the default);
//! - trap-to-event: the same switch followed by an `upsTrapOnBattery` trap from net-snmp's
//!   `snmptrap`, with the poll interval at ten minutes, so only the trap gets the UPS read;
//!   from the trap's sending to the event.
//!
//! `cargo bench -p upstra-daemon --bench snmp_detection` prints p50 and p99; nothing is
//! asserted about speed.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::Command;
use std::time::{Duration, Instant};

use upstra_core::api::v1::{LabSpec, SessionToken, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, parse};
use upstra_tests::snmp::OwnSnmpsim;

/// Switches per measurement: enough for a p99 to mean "the slowest of a few".
const FLIPS: usize = 20;
/// Time between two traps: within `upstra_daemon::snmp_traps::TRAPS_PER_SOURCE_PER_SECOND`.
const TRAP_PACING: Duration = Duration::from_millis(250);

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn lab(agent_port: u16) -> LabSpec {
    let text = format!(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u1\"\nroom = \"r\"\n\
         snmp = {{ address = \"127.0.0.1:{agent_port}\", version = \"v2c\", community = \"ups1\", mib = \"ietf\" }}\n"
    );
    LabSpec::from(&parse(&text, &KnownNames::default()).unwrap().inventory)
}

/// Waits for u1's status to become `status`; the instant the event was seen.
async fn event(c: &UpstraClient, t: &SessionToken, cursor: &mut u64, status: &str) -> Instant {
    loop {
        let mut long = tarpc::context::current();
        long.deadline = Instant::now() + Duration::from_secs(15);
        let page = c
            .events_since(long, t.clone(), *cursor, 10_000)
            .await
            .unwrap()
            .unwrap();
        let now = Instant::now();
        *cursor = page.next_cursor;
        if page.events.iter().any(|e| {
            matches!(&e.event, DomainEvent::UpsStatusChanged { to, .. } if to.starts_with(status))
        }) {
            return now;
        }
    }
}

fn report(what: &str, mut latencies: Vec<Duration>) {
    latencies.sort();
    let pick = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "{what}, {} switches: p50 {:?}  p99 {:?}  max {:?}",
        latencies.len(),
        pick(0.5),
        pick(0.99),
        latencies[latencies.len() - 1]
    );
}

async fn measure(agent: &OwnSnmpsim, trap_port: Option<u16>) -> Vec<Duration> {
    let daemon = support::start(|config| {
        if let Some(port) = trap_port {
            config.ups_poll_interval = Duration::from_secs(600);
            config.snmp_trap_listen = Some(format!("127.0.0.1:{port}").parse().unwrap());
        }
    })
    .await;
    let (c, t) = (daemon.client.clone(), daemon.token.clone());
    agent.serve("ups1", "ietf-ol");
    c.apply(tarpc::context::current(), t.clone(), lab(agent.port), false)
        .await
        .unwrap()
        .unwrap();
    // The first reading makes no status event (there was no status before): wait for it in
    // the list, then follow the events from there.
    let mut cursor = c
        .events_since(tarpc::context::current(), t.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;
    while c
        .list_ups(tarpc::context::current(), t.clone())
        .await
        .unwrap()
        .unwrap()
        .first()
        .and_then(|u| u.status.clone())
        .as_deref()
        != Some("OL")
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut latencies = Vec::new();
    for i in 0..FLIPS {
        let (recording, status) = if i % 2 == 0 {
            ("ietf-ob", "OB")
        } else {
            ("ietf-ol", "OL")
        };
        if trap_port.is_some() {
            // Paced under the receiver's per-source limit (TRAPS_PER_SOURCE_PER_SECOND): a
            // faster sender is a flood, whose extra traps are dropped by design.
            tokio::time::sleep(TRAP_PACING).await;
        }
        agent.serve("ups1", recording);
        let start = Instant::now();
        if let Some(port) = trap_port {
            let sent = Command::new("snmptrap")
                .args([
                    "-v2c",
                    "-c",
                    "bench",
                    &format!("127.0.0.1:{port}"),
                    "",
                    "1.3.6.1.2.1.33.2.1",
                ])
                .status()
                .unwrap();
            assert!(sent.success());
        }
        let seen = event(&c, &t, &mut cursor, status).await;
        latencies.push(seen.saturating_duration_since(start));
    }
    daemon.stop().await;
    latencies
}

#[tokio::main]
async fn main() {
    let Some(agent) = OwnSnmpsim::start("snmp_detection", &[("ups1", "ietf-ol")]) else {
        return;
    };
    report(
        "poll-to-event (poll every 1 s), recording switch -> daemon event",
        measure(&agent, None).await,
    );
    report(
        "trap-to-event (poll every 10 min), snmptrap sent -> daemon event",
        measure(&agent, Some(free_udp_port())).await,
    );
}
