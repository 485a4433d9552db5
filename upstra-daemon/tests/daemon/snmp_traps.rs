//! SNMP traps bring a poll forward and decide nothing: the real `upstrad` with its trap
//! receiver, a UPS read over SNMP from an snmpd agent of the test's own (its values switched
//! between reads), traps sent with
//! net-snmp's `snmptrap` and `snmpinform`. The UPS poll interval is ten minutes, so a reading that changes
//! within the test was read because of a trap.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::process::Command;
use std::time::{Duration, Instant};

use support::*;
use upstra_core::api::v1::{LabSpec, SessionToken, UpsView, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, parse};
use upstra_tests::snmp::OwnSnmpd;

/// Generous for a loaded 2-core machine; the trap-to-event figure is printed, not asserted.
const WITHIN: Duration = Duration::from_secs(30);
/// Long enough that no periodic poll happens during the test.
const POLL_INTERVAL: &str = "10m";
/// RFC 1628 upsTrapOnBattery.
const UPS_TRAP_ON_BATTERY: &str = "1.3.6.1.2.1.33.2.1";

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

/// Sends an SNMPv2c trap to the daemon from this host (the agent's address too).
fn snmptrap(trap_port: u16, oid: &str) {
    let out = Command::new("snmptrap")
        .args([
            "-v2c",
            "-c",
            "anything",
            &format!("127.0.0.1:{trap_port}"),
            "",
            oid,
        ])
        .output()
        .expect("snmptrap (net-snmp's snmp package)");
    assert!(
        out.status.success(),
        "snmptrap: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

async fn ups(c: &UpstraClient, t: &SessionToken) -> UpsView {
    c.list_ups(ctx(), t.clone())
        .await
        .unwrap()
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn traps_and_informs_read_the_ups_at_once_and_a_forged_trap_changes_nothing() {
    let Some(agent) = OwnSnmpd::start_with("snmp_traps", &[], &["ups1"], "ietf-ol") else {
        return;
    };
    let trap_port = free_udp_port();
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_UPS_POLL_INTERVAL", POLL_INTERVAL),
            ("UPSTRA_SNMP_TRAP_LISTEN", &format!("127.0.0.1:{trap_port}")),
        ],
    )
    .await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = setup_and_login(&c).await;
    c.apply(ctx(), t.clone(), lab(agent.port), false)
        .await
        .unwrap()
        .unwrap();
    // The apply's read shows it on line.
    let first = until("the apply's read", WITHIN, || async {
        let u = ups(&c, &t).await;
        (u.status.as_deref() == Some("OL")).then_some(u)
    })
    .await;
    assert_eq!(
        first.snmp.as_ref().map(ToString::to_string).as_deref(),
        Some(format!("v2c 127.0.0.1:{} mib=ietf", agent.port).as_str())
    );
    let cursor = c
        .events_since(ctx(), t.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;

    // A forged trap: the agent still says on line. The UPS is read (its reading is newer)
    // and nothing else happens.
    snmptrap(trap_port, UPS_TRAP_ON_BATTERY);
    let reread = until("the forged trap's read", WITHIN, || async {
        let u = ups(&c, &t).await;
        (u.updated_at > first.updated_at).then_some(u)
    })
    .await;
    assert_eq!(
        reread.status.as_deref(),
        Some("OL"),
        "a trap alone decides nothing"
    );

    // Mains fails: the agent says so, and the trap gets it read at once.
    agent.serve("ietf-ob");
    let sent = Instant::now();
    snmptrap(trap_port, UPS_TRAP_ON_BATTERY);
    let mut cursor = cursor;
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the on-battery status",
        WITHIN,
        |e| matches!(e, DomainEvent::UpsStatusChanged { to, .. } if to.starts_with("OB")),
    )
    .await;
    let seen = sent.elapsed();
    println!("trap to on-battery event: {} ms", seen.as_millis());
    assert_eq!(ups(&c, &t).await.status.as_deref(), Some("OB DISCHRG"));

    // Mains returns and the card sends an inform: it is acknowledged (snmpinform exits 0
    // only then) and the UPS is read at once.
    agent.serve("ietf-ol");
    let out = Command::new("snmpinform")
        .args(["-v2c", "-c", "anything", "-t", "5", "-r", "1"])
        .arg(format!("127.0.0.1:{trap_port}"))
        .args(["", UPS_TRAP_ON_BATTERY])
        .output()
        .expect("snmpinform (net-snmp's snmp package)");
    assert!(
        out.status.success(),
        "the inform was not acknowledged: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_event(
        &c,
        &t,
        &mut cursor,
        "back on line",
        WITHIN,
        |e| matches!(e, DomainEvent::UpsStatusChanged { to, .. } if to == "OL"),
    )
    .await;
}
