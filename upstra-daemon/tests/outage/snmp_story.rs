//! The outage story with `ups-one` read over SNMP v3 (SHA-256 + AES, authPriv) from net-snmp's
//! snmpd instead of NUT: the same grace period, shed, mains back and restore, on the test's own
//! vcsim and Redfish emulator. The UPS-MIB values switch under the agent as mains fails and
//! returns.

use std::time::Duration;

use upstra_core::events::DomainEvent;
use upstra_core::ids::UpsId;
use upstra_core::lab::SecretSlot;
use upstra_core::state::PowerState;
use upstra_tests::lab::Size;
use upstra_tests::snmp::{OwnSnmpd, V3User};

use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::{PlanType, RunStatus};

const AUTH: &str = "story-auth-256";
const PRIV: &str = "story-priv-aes";

#[tokio::test]
async fn an_on_battery_reading_over_snmp_v3_sheds_and_restores_as_over_nut() {
    let Some(peers) = upstra_tests::peers("outage story over SNMP v3") else {
        return;
    };
    let user = V3User {
        name: "upstra",
        auth: "SHA-256",
        auth_password: AUTH,
        privacy: Some(("AES", PRIV)),
    };
    let Some(agent) = OwnSnmpd::start("outage story over SNMP v3", &[user], "ietf-ol") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 2,
            vms_per_cluster: 3,
        },
    );
    let nut_line = format!(
        "nut = \"ups1@{}:{}\"",
        lab.peers.get("UPSTRA_PEER_NUT_HOST"),
        lab.peers.get("UPSTRA_PEER_NUT_PORT")
    );
    lab.edits.push((
        nut_line,
        format!(
            "snmp = {{ address = \"127.0.0.1:{}\", version = \"v3\", user = \"upstra\", \
             auth_protocol = \"sha256\", auth_password_file = \"auth\", priv_protocol = \"aes128\", \
             priv_password_file = \"priv\", mib = \"auto\" }}",
            agent.port
        ),
    ));
    let ups_one = UpsId::new("ups-one").unwrap();
    lab.secrets = vec![
        (SecretSlot::SnmpAuth(ups_one.clone()), AUTH.into()),
        (SecretSlot::SnmpPriv(ups_one), PRIV.into()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let (daemon, c, t) = daemon(&lab, dir.path()).await;
    let ups = c.list_ups(ctx(), t.clone()).await.unwrap().unwrap();
    let one = ups.iter().find(|u| u.name == "ups-one").unwrap();
    assert_eq!(
        one.snmp.as_ref().map(ToString::to_string),
        Some(format!("v3 127.0.0.1:{} mib=auto user=upstra", agent.port))
    );
    assert_eq!(one.status.as_deref(), Some("OL"), "{one:?}");
    let before = placement(&c, &t).await;
    let hosts1 = lab.own.hosts[1].clone();
    let mut cursor = 0;

    // Mains fails on ups-one: its card says so over SNMP.
    agent.serve("ietf-ob");
    let grace = wait_event(
        &c,
        &t,
        &mut cursor,
        "the grace period",
        Duration::from_secs(20),
        |e| matches!(e, DomainEvent::OutageGraceStarted { ups, .. } if ups.as_str() == "ups-one"),
    )
    .await;
    let started = wait_event(
        &c,
        &t,
        &mut cursor,
        "the shed",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Shed),
    )
    .await;
    assert!(started.at.millis() - grace.at.millis() >= (GRACE_S * 1000) as i64);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    let shed = last_run(&c, &t, "shed").await;
    eprintln!("{}", shed.summary());
    assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");
    assert_eq!(
        (shed.counts.failed, shed.counts.skipped),
        (0, 0),
        "{shed:#?}"
    );
    let during = placement(&c, &t).await;
    for (vm, (host, power)) in &before {
        let was_on_cut = host.as_ref().is_some_and(|h| lab.own.hosts[0].contains(h));
        if was_on_cut && power == "on" && *vm != lab.pinned {
            let (now_host, now_power) = &during[vm];
            assert!(
                now_host.as_ref().is_some_and(|h| hosts1.contains(h)) && now_power == "on",
                "{vm} runs on the other UPS's hosts: {now_host:?} {now_power}"
            );
        }
    }
    let srv = servers(&c, &t).await;
    for name in lab.servers_of(0) {
        assert_eq!(srv[&name].power, PowerState::Off, "{name}");
    }

    // Mains is back: after the stability wait, everything returns.
    agent.serve("ietf-ol");
    wait_event(
        &c,
        &t,
        &mut cursor,
        "mains back",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::OutageMainsReturned { ups } if ups.as_str() == "ups-one"),
    )
    .await;
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    let report = last_run(&c, &t, "restore").await;
    eprintln!("{}", report.summary());
    assert_eq!(report.state, RunStatus::Finished, "{report:#?}");
    assert_eq!(report.undoes, vec![shed.id]);
    assert_as_before(&c, &t, &before, &[]).await;
    drop(daemon);
}
