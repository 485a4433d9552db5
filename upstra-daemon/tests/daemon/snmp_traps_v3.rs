//! SNMPv3 traps: the real `upstrad`, a UPS read over v3 (SHA-256 + AES authPriv) from an
//! snmpd agent of the test's own, and traps sent with `snmptrap -v 3`. A trap authenticated
//! as the UPS's declared user, from its address, reads it at once; a wrong key, an unknown
//! user, a lower security level or another address is dropped and counted in `/metrics`;
//! an authenticated v3 inform is acknowledged and reads it too.
//! The UPS poll interval is ten minutes, so a reading that changes within the test was read
//! because of a trap.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::snmp_traps_counted::{TrapListener, trap_counts};
use crate::support;

use std::process::Command;
use std::time::Duration;

use support::*;
use upstra_core::api::v1::{LabSpec, SessionToken, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UpsId;
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::snmp::{OwnSnmpd, V3User};

/// Generous for a loaded 2-core machine.
const WITHIN: Duration = Duration::from_secs(30);
/// RFC 1628 upsTrapOnBattery.
const UPS_TRAP_ON_BATTERY: &str = "1.3.6.1.2.1.33.2.1";
const USER: &str = "upsmon";
const AUTH: &str = "auth-pass-256";
const PRIV: &str = "priv-pass-aes";
/// The card's own engine ID: the sender of a v3 trap is authoritative.
const CARD_ENGINE: &str = "0x80001f8880c0ffee0001";

fn lab(agent_port: u16) -> LabSpec {
    let text = format!(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u1\"\nroom = \"r\"\n\
         snmp = {{ address = \"127.0.0.1:{agent_port}\", version = \"v3\", user = \"{USER}\", \
         auth_protocol = \"sha256\", auth_password_file = \"auth\", priv_protocol = \"aes128\", \
         priv_password_file = \"priv\", mib = \"ietf\" }}\n"
    );
    let mut doc = parse(&text, &KnownNames::default()).unwrap();
    let u1 = UpsId::new("u1").unwrap();
    doc.fill_secret(&SecretSlot::SnmpAuth(u1.clone()), Secret::new(AUTH));
    doc.fill_secret(&SecretSlot::SnmpPriv(u1), Secret::new(PRIV));
    LabSpec::from(&doc.inventory)
}

/// One `snmptrap -v 3` of upsTrapOnBattery to `to`, from `from`.
fn snmptrap_v3(from: &str, to: &str, user: &str, level: &str, auth: &str, privacy: &str) {
    let out = Command::new("snmptrap")
        .args(["-v3", "-u", user, "-l", level, "-a", "SHA-256", "-A", auth])
        .args(["-x", "AES", "-X", privacy, "-e", CARD_ENGINE])
        .arg(format!("--clientaddr={from}"))
        .args([to, "", UPS_TRAP_ON_BATTERY])
        .output()
        .expect("snmptrap (net-snmp's snmp package)");
    assert!(
        out.status.success(),
        "snmptrap: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn count(metrics_port: u16, outcome: &str) -> u64 {
    trap_counts(metrics_port)
        .0
        .get(outcome)
        .copied()
        .unwrap_or(0)
}

async fn status(c: &UpstraClient, t: &SessionToken) -> Option<String> {
    c.list_ups(ctx(), t.clone()).await.unwrap().unwrap()[0]
        .status
        .clone()
}

#[tokio::test]
async fn an_authenticated_v3_trap_reads_the_ups_and_any_other_is_dropped_and_counted() {
    let user = V3User {
        name: USER,
        auth: "SHA-256",
        auth_password: AUTH,
        privacy: Some(("AES", PRIV)),
    };
    let Some(agent) = OwnSnmpd::start("snmp_traps_v3", &[user], "ietf-ol") else {
        return;
    };
    let listener = TrapListener::start(lab(agent.port)).await;
    let (to, metrics_port) = (listener.to.as_str(), listener.metrics_port);
    let (c, t) = (&listener.c, &listener.t);
    until("the apply's read", WITHIN, || async {
        (status(c, t).await.as_deref() == Some("OL")).then_some(())
    })
    .await;

    // The receiver takes the applied user within a second or so: until then a trap is
    // dropped, so the right trap is sent again until one is read.
    until("a first authenticated trap read", WITHIN, || async {
        snmptrap_v3("127.0.0.1", to, USER, "authPriv", AUTH, PRIV);
        tokio::time::sleep(Duration::from_millis(300)).await;
        (count(metrics_port, "read") >= 1).then_some(())
    })
    .await;
    let reads = count(metrics_port, "read");
    let refused_before = count(metrics_port, "unauthenticated");
    let unknown_before = count(metrics_port, "unknown_source");

    // Mains fails: the card says so, and its authenticated trap gets it read at once.
    agent.serve("ietf-ob");
    let mut cursor = c
        .events_since(ctx(), t.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;
    snmptrap_v3("127.0.0.1", to, USER, "authPriv", AUTH, PRIV);
    wait_event(
        c,
        t,
        &mut cursor,
        "the on-battery status",
        WITHIN,
        |e| matches!(e, DomainEvent::UpsStatusChanged { to, .. } if to.starts_with("OB")),
    )
    .await;
    assert_eq!(count(metrics_port, "read"), reads + 1);

    // Mains returns, and none of these may bring the reading forward.
    agent.serve("ietf-ol");
    snmptrap_v3("127.0.0.1", to, USER, "authPriv", "not-the-auth-key", PRIV);
    snmptrap_v3("127.0.0.1", to, "nobody", "authPriv", AUTH, PRIV);
    snmptrap_v3("127.0.0.1", to, USER, "authNoPriv", AUTH, PRIV);
    snmptrap_v3("127.0.0.2", to, USER, "authPriv", AUTH, PRIV);
    until("four dropped v3 traps counted", WITHIN, || async {
        let refused = count(metrics_port, "unauthenticated") - refused_before;
        let unknown = count(metrics_port, "unknown_source") - unknown_before;
        (refused >= 3 && unknown >= 1).then_some((refused, unknown))
    })
    .await;
    assert_eq!(
        count(metrics_port, "unauthenticated") - refused_before,
        3,
        "wrong key, unknown user, authNoPriv for an authPriv user"
    );
    assert_eq!(
        count(metrics_port, "unknown_source") - unknown_before,
        1,
        "the right user from another address"
    );
    assert_eq!(count(metrics_port, "read"), reads + 1, "none was read");
    assert_eq!(
        status(c, t).await.as_deref(),
        Some("OB DISCHRG"),
        "no trap read the UPS again"
    );

    // An authenticated v3 inform: the receiver is the authoritative engine here (the
    // sender discovers it first); it is acknowledged (snmpinform exits 0 only then) and
    // reads the UPS back on line.
    let out = Command::new("snmpinform")
        .args([
            "-v3", "-u", USER, "-l", "authPriv", "-a", "SHA-256", "-A", AUTH,
        ])
        .args(["-x", "AES", "-X", PRIV, "-t", "5", "-r", "1"])
        .args([to, "", UPS_TRAP_ON_BATTERY])
        .output()
        .expect("snmpinform (net-snmp's snmp package)");
    assert!(
        out.status.success(),
        "the v3 inform was not acknowledged: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_event(
        c,
        t,
        &mut cursor,
        "back on line",
        WITHIN,
        |e| matches!(e, DomainEvent::UpsStatusChanged { to, .. } if to == "OL"),
    )
    .await;
}
