//! What the trap receiver does with each notification is counted in `/metrics`
//! (`upstra_snmp_traps_total{outcome}`): the real `upstrad`, a UPS read over SNMP v2c from an
//! snmpd agent of the test's own, and traps sent with net-snmp's `snmptrap` from the UPS's
//! address, from another loopback address, and as a flood (one `snmptrap` datagram sent
//! again and again, faster than any card sends).
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::metrics::prom;
use crate::support;

use std::net::UdpSocket;
use std::process::Command;
use std::time::Duration;

use support::*;
use upstra_core::api::v1::{LabSpec, SessionToken, UpstraClient};
use upstra_core::lab::{KnownNames, parse};
use upstra_tests::snmp::OwnSnmpd;

/// Generous for a loaded 2-core machine.
const WITHIN: Duration = Duration::from_secs(30);
/// RFC 1628 upsTrapOnBattery, and SNMPv2-MIB coldStart (no power trap).
const UPS_TRAP_ON_BATTERY: &str = "1.3.6.1.2.1.33.2.1";
const COLD_START: &str = "1.3.6.1.6.3.1.1.5.1";
/// Datagrams of the flood: ten times what the receiver lets through in a second.
const FLOOD: u64 = 50;

fn lab(agent_port: u16) -> LabSpec {
    let text = format!(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u1\"\nroom = \"r\"\n\
         snmp = {{ address = \"127.0.0.1:{agent_port}\", version = \"v2c\", community = \"ups1\", mib = \"ietf\" }}\n"
    );
    LabSpec::from(&parse(&text, &KnownNames::default()).unwrap().inventory)
}

/// `snmptrap -v2c` of `oid` to `to`, sent from `from` (a loopback address).
fn snmptrap(from: &str, to: &str, oid: &str) {
    let out = Command::new("snmptrap")
        .args(["-v2c", "-c", "anything"])
        .arg(format!("--clientaddr={from}"))
        .args([to, "", oid])
        .output()
        .expect("snmptrap (net-snmp's snmp package)");
    assert!(
        out.status.success(),
        "snmptrap: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A daemon listening for traps on a port of its own, its metrics endpoint on, and no periodic
/// poll (a read is then a trap's), set up, logged in and given `lab`. The v3 traps' tests
/// start theirs the same way.
pub(crate) struct TrapListener {
    /// Where traps go: `127.0.0.1:PORT`.
    pub to: String,
    pub metrics_port: u16,
    pub c: UpstraClient,
    pub t: SessionToken,
    // Dropped in this order: the daemon stops before its directory goes.
    _daemon: Daemon,
    _dir: tempfile::TempDir,
}

impl TrapListener {
    pub async fn start(lab: LabSpec) -> Self {
        let trap_port = UdpSocket::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let metrics_port = prom::free_port();
        let to = format!("127.0.0.1:{trap_port}");
        let dir = tempfile::tempdir().unwrap();
        let daemon = Daemon::start_with_env(
            dir.path(),
            &[
                ("UPSTRA_UPS_POLL_INTERVAL", "10m"),
                ("UPSTRA_SNMP_TRAP_LISTEN", &to),
                (
                    "UPSTRA_METRICS__LISTEN",
                    &format!("127.0.0.1:{metrics_port}"),
                ),
            ],
        )
        .await;
        let c = connect(&daemon.socket).await.unwrap();
        let t = setup_and_login(&c).await;
        c.apply(ctx(), t.clone(), lab, false)
            .await
            .unwrap()
            .unwrap();
        Self {
            to,
            metrics_port,
            c,
            t,
            _daemon: daemon,
            _dir: dir,
        }
    }
}

/// The counters of `upstra_snmp_traps_total`, by outcome, and the whole exposition.
pub(crate) fn trap_counts(metrics_port: u16) -> (std::collections::BTreeMap<String, u64>, String) {
    let body = prom::get(metrics_port, "/metrics").unwrap().body;
    let counts = body
        .lines()
        .filter_map(|l| l.strip_prefix("upstra_snmp_traps_total{outcome=\""))
        .filter_map(|l| {
            let (outcome, rest) = l.split_once("\"} ")?;
            Some((outcome.to_owned(), rest.trim().parse().ok()?))
        })
        .collect();
    (counts, body)
}

async fn counted(metrics_port: u16, what: &str, ok: impl Fn(&dyn Fn(&str) -> u64) -> bool) {
    until(what, WITHIN, || async {
        let (counts, _) = trap_counts(metrics_port);
        let of = |o: &str| counts.get(o).copied().unwrap_or(0);
        ok(&of).then_some(())
    })
    .await;
}

#[tokio::test]
async fn each_trap_is_counted_by_what_became_of_it() {
    let Some(agent) = OwnSnmpd::start_with("snmp_traps_counted", &[], &["ups1"], "ietf-ol") else {
        return;
    };
    let listener = TrapListener::start(lab(agent.port)).await;
    let (to, metrics_port) = (listener.to.as_str(), listener.metrics_port);

    // Every outcome is there from the start, at zero.
    let (counts, body) = trap_counts(metrics_port);
    for outcome in [
        "read",
        "not_power",
        "unknown_source",
        "rate_limited",
        "malformed",
    ] {
        assert_eq!(counts.get(outcome), Some(&0), "{outcome} in:\n{body}");
    }

    snmptrap("127.0.0.1", to, UPS_TRAP_ON_BATTERY);
    counted(metrics_port, "a read", |of| of("read") == 1).await;
    snmptrap("127.0.0.2", to, UPS_TRAP_ON_BATTERY);
    counted(metrics_port, "an unknown source", |of| {
        of("unknown_source") == 1
    })
    .await;
    snmptrap("127.0.0.1", to, COLD_START);
    counted(metrics_port, "a trap that is no power trap", |of| {
        of("not_power") == 1
    })
    .await;

    // The flood: snmptrap's datagram caught on a socket of ours, then sent from the UPS's
    // address as fast as the loop goes.
    let catcher = UdpSocket::bind("127.0.0.1:0").unwrap();
    catcher
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    snmptrap(
        "127.0.0.1",
        &catcher.local_addr().unwrap().to_string(),
        UPS_TRAP_ON_BATTERY,
    );
    let mut datagram = [0u8; 4096];
    let (len, _) = catcher.recv_from(&mut datagram).unwrap();
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    for _ in 0..FLOOD {
        sender.send_to(&datagram[..len], to).unwrap();
    }
    counted(metrics_port, "the whole flood", |of| {
        of("read") + of("rate_limited") == 1 + FLOOD
    })
    .await;
    let (counts, body) = trap_counts(metrics_port);
    // Five a second get through; even a slow receiver spreading the flood over a few
    // seconds lets most of it be dropped.
    assert!(counts["rate_limited"] >= FLOOD / 2, "{body}");
    assert_eq!(
        (
            counts["unknown_source"],
            counts["not_power"],
            counts["malformed"]
        ),
        (1, 1, 0),
        "{body}"
    );
    if let Some(promtool) = prom::tool("promtool", "promtool check metrics") {
        assert_eq!(prom::check_metrics(&promtool, &body), "", "{body}");
    }
}
