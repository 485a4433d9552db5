//! The SNMP monitor against real agents: snmpsim serving the recorded UPS-MIB, APC and Eaton
//! data over v1/v2c, and net-snmp's snmpd for v3 users (authNoPriv and authPriv, SHA-2, AES).
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Duration;

use upstra_adapter_snmp::{SnmpConfig, SnmpError, SnmpMonitor};
use upstra_core::ids::{RoomId, UpsId};
use upstra_core::model::{Ups, UpsSource};
use upstra_core::secret::Secret;
use upstra_core::snmp::{
    SnmpAuthProtocol, SnmpEndpoint, SnmpMib, SnmpPrivProtocol, SnmpSecurity, SnmpUsm,
};
use upstra_core::state::UpsReading;
use upstra_tests::snmp::{OwnSnmpd, OwnSnmpsim, V3User};

fn ups(port: u16, security: SnmpSecurity, mib: SnmpMib) -> Ups {
    Ups {
        id: UpsId::new(format!("snmp-{port}")).expect("id"),
        room: RoomId::new("lab").expect("id"),
        source: UpsSource::Snmp(SnmpEndpoint {
            host: "127.0.0.1".into(),
            port,
            security,
            mib,
        }),
        login: None,
        policy: Default::default(),
    }
}

fn v2c(community: &str) -> SnmpSecurity {
    SnmpSecurity::V2c {
        community: Some(Secret::new(community)),
    }
}

/// Generous for a loaded machine; a read that answers does so in milliseconds.
fn monitor() -> SnmpMonitor {
    SnmpMonitor::new(SnmpConfig {
        timeout: Duration::from_secs(5),
        request_timeout: Duration::from_secs(2),
    })
}

fn summary(r: &UpsReading) -> (String, Option<f32>, Option<u64>) {
    (r.status_line(), r.charge_pct, r.runtime_s)
}

#[tokio::test]
async fn each_mib_and_state_reads_like_nut_over_v1_and_v2c() {
    let files = [
        ("ietf-ol", "ietf-ol"),
        ("ietf-ob", "ietf-ob"),
        ("ietf-lb", "ietf-lb"),
        ("apc-ol", "apc-ol"),
        ("apc-ob", "apc-ob"),
        ("apc-lb", "apc-lb"),
        ("eaton-ol", "eaton-ol"),
        ("eaton-ob", "eaton-ob"),
        ("eaton-lb", "eaton-lb"),
    ];
    let Some(agent) = OwnSnmpsim::start("each_mib_and_state_reads_like_nut", &files) else {
        return;
    };
    let m = monitor();
    let cases: [(&str, &str, Option<f32>, Option<u64>); 9] = [
        ("ietf-ol", "OL", Some(100.0), Some(3600)),
        ("ietf-ob", "OB DISCHRG", Some(71.0), Some(1500)),
        ("ietf-lb", "OB LB DISCHRG", Some(9.0), Some(120)),
        ("apc-ol", "OL", Some(100.0), Some(3600)),
        ("apc-ob", "OB DISCHRG", Some(71.0), Some(1500)),
        ("apc-lb", "OB LB DISCHRG", Some(9.0), Some(120)),
        ("eaton-ol", "OL", Some(100.0), Some(3600)),
        ("eaton-ob", "OB DISCHRG", Some(71.0), Some(1500)),
        ("eaton-lb", "OB LB DISCHRG", Some(9.0), Some(120)),
    ];
    for (community, status, charge, runtime) in cases {
        // mib = "auto": each agent's sysObjectID picks its MIB.
        let u = ups(agent.port, v2c(community), SnmpMib::Auto);
        let r = m
            .reading(&u)
            .await
            .unwrap_or_else(|e| panic!("{community}: {e}"));
        assert_eq!(summary(&r), (status.into(), charge, runtime), "{community}");
        if status == "OL" {
            assert_eq!(
                (r.load_pct, r.input_voltage),
                (Some(21.0), Some(230.0)),
                "{community}"
            );
        }
    }
    // v1, with the MIB named.
    let u = ups(
        agent.port,
        SnmpSecurity::V1 {
            community: Some(Secret::new("apc-ob")),
        },
        SnmpMib::Apc,
    );
    let r = m.reading(&u).await.expect("v1 reads");
    assert_eq!(r.status_line(), "OB DISCHRG");
}

#[tokio::test]
async fn a_wrong_community_or_a_wrong_mib_says_so_and_a_stopped_agent_is_comms_lost() {
    let Some(mut agent) = OwnSnmpsim::start("wrong_community", &[("ups1", "ietf-ol")]) else {
        return;
    };
    let m = SnmpMonitor::new(SnmpConfig {
        timeout: Duration::from_secs(3),
        request_timeout: Duration::from_millis(1000),
    });
    let e = m
        .reading(&ups(agent.port, v2c("not-this-one"), SnmpMib::Auto))
        .await
        .expect_err("wrong community");
    assert!(matches!(e, SnmpError::TimedOut { .. }), "{e:?}");
    assert!(
        e.to_string().contains("does not accept these credentials"),
        "{e}"
    );

    let e = m
        .reading(&ups(agent.port, v2c("ups1"), SnmpMib::Apc))
        .await
        .expect_err("an IETF agent read as APC");
    assert!(e.to_string().contains("upsBasicOutputStatus"), "{e}");

    let u = ups(agent.port, v2c("ups1"), SnmpMib::Ietf);
    m.reading(&u).await.expect("reads before the stop");
    agent.stop();
    let e = m.reading(&u).await.expect_err("agent stopped");
    assert!(matches!(e, SnmpError::TimedOut { .. }), "{e:?}");
}

#[tokio::test]
async fn a_switched_recording_is_read_at_the_next_poll() {
    let Some(agent) = OwnSnmpsim::start("switched_recording", &[("ups1", "eaton-ol")]) else {
        return;
    };
    let m = monitor();
    let u = ups(agent.port, v2c("ups1"), SnmpMib::Eaton);
    assert_eq!(m.reading(&u).await.expect("reads").status_line(), "OL");
    agent.serve("ups1", "eaton-ob");
    // snmpsim notices the rewritten file on the next request; poll with a deadline.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let r = m.reading(&u).await.expect("reads");
        if r.on_battery() {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "still {}",
            r.status_line()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn v3(
    user: &str,
    auth: SnmpAuthProtocol,
    pw: &str,
    privacy: Option<(SnmpPrivProtocol, &str)>,
) -> SnmpSecurity {
    SnmpSecurity::V3(SnmpUsm {
        user: user.into(),
        auth_protocol: auth,
        auth_password: Some(Secret::new(pw)),
        privacy: privacy.map(|(p, _)| p),
        priv_password: privacy.map(|(_, pw)| Secret::new(pw)),
    })
}

#[tokio::test]
async fn v3_users_read_with_sha2_and_aes_and_a_wrong_password_is_refused() {
    let users = [
        V3User {
            name: "u256",
            auth: "SHA-256",
            auth_password: "authpass256",
            privacy: Some(("AES", "privpass256")),
        },
        V3User {
            name: "u512",
            auth: "SHA-512",
            auth_password: "authpass512",
            privacy: None,
        },
    ];
    let Some(mut agent) = OwnSnmpd::start("v3_users", &users, "apc-ob") else {
        return;
    };
    let m = monitor();
    let auth_priv = ups(
        agent.port,
        v3(
            "u256",
            SnmpAuthProtocol::Sha256,
            "authpass256",
            Some((SnmpPrivProtocol::Aes128, "privpass256")),
        ),
        SnmpMib::Auto,
    );
    let r = m.reading(&auth_priv).await.expect("authPriv reads");
    assert_eq!(summary(&r), ("OB DISCHRG".into(), Some(71.0), Some(1500)));

    let auth_no_priv = ups(
        agent.port,
        v3("u512", SnmpAuthProtocol::Sha512, "authpass512", None),
        SnmpMib::Apc,
    );
    let r = m.reading(&auth_no_priv).await.expect("authNoPriv reads");
    assert!(r.on_battery());

    let wrong = ups(
        agent.port,
        v3("u512", SnmpAuthProtocol::Sha512, "not-the-password", None),
        SnmpMib::Apc,
    );
    let e = m.reading(&wrong).await.expect_err("wrong password");
    // net-snmp answers with an unauthenticated report, which is not believed (anyone could
    // send one): the read fails as unanswered, and says credentials may be why.
    assert!(
        matches!(e, SnmpError::AuthFailed(_))
            || e.to_string().contains("does not accept these credentials"),
        "{e:?}"
    );
    let unknown = ups(
        agent.port,
        v3("nobody", SnmpAuthProtocol::Sha512, "authpass512", None),
        SnmpMib::Apc,
    );
    let e = m.reading(&unknown).await.expect_err("unknown user");
    // net-snmp answers with an unauthenticated report, which is not believed (anyone could
    // send one): the read fails as unanswered, and says credentials may be why.
    assert!(
        matches!(e, SnmpError::AuthFailed(_))
            || e.to_string().contains("does not accept these credentials"),
        "{e:?}"
    );

    agent.stop();
    let e = m.reading(&auth_priv).await.expect_err("agent stopped");
    assert!(
        matches!(e, SnmpError::TimedOut { .. } | SnmpError::Network(_)),
        "{e:?}"
    );
}

/// "Replace battery" from each MIB: APC's scalar, and the battery-bad alarm of RFC 1628's and
/// XUPS-MIB's alarm tables (walked with GETBULK over v2c, GETNEXT over v1), next to another
/// alarm that must not be taken for it.
#[tokio::test]
async fn replace_battery_is_read_from_each_mib_and_other_alarms_are_not_it() {
    let files = [
        ("ietf-ol", "ietf-ol"),
        ("ietf-test", "ietf-test"),
        ("ietf-rb", "ietf-rb"),
        ("apc-ol", "apc-ol"),
        ("apc-rb", "apc-rb"),
        ("eaton-ol", "eaton-ol"),
        ("eaton-test", "eaton-test"),
        ("eaton-rb", "eaton-rb"),
    ];
    let Some(agent) = OwnSnmpsim::start("replace_battery", &files) else {
        return;
    };
    let m = monitor();
    let cases = [
        ("ietf-ol", SnmpMib::Ietf, "OL"),
        ("ietf-test", SnmpMib::Ietf, "OL"),
        ("ietf-rb", SnmpMib::Ietf, "OL RB"),
        ("apc-ol", SnmpMib::Apc, "OL"),
        ("apc-rb", SnmpMib::Apc, "OL RB"),
        ("eaton-ol", SnmpMib::Eaton, "OL"),
        ("eaton-test", SnmpMib::Eaton, "OL"),
        ("eaton-rb", SnmpMib::Eaton, "OL RB"),
    ];
    for (community, mib, status) in cases {
        for security in [
            v2c(community),
            SnmpSecurity::V1 {
                community: Some(Secret::new(community)),
            },
        ] {
            let version = match security {
                SnmpSecurity::V1 { .. } => "v1",
                _ => "v2c",
            };
            let r = m
                .reading(&ups(agent.port, security, mib))
                .await
                .unwrap_or_else(|e| panic!("{community} {version}: {e}"));
            assert_eq!(r.status_line(), status, "{community} over {version}");
        }
    }
}
