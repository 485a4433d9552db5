//! The setup wizard's SNMP UPS with its community in a file, against a running daemon through
//! the console's own driver: a file that cannot be read is said and nothing is applied; a
//! readable one is read here and its community travels in the declaration; the daemon then
//! shows the UPS with its SNMP source (never the community) in `ups list --json` and in
//! `upstra export`.
#![cfg(feature = "demo")]

use crate::harness;

use std::os::unix::fs::PermissionsExt;

use harness::driven::Driven;
use harness::{Demo, text};
use upstra_core::api::v1::{ChangeKind, EntityKind, LabSpec, UpsSpec, UpsView};
use upstra_core::snmp::{SnmpEndpoint, SnmpMib, SnmpSecurity};
use upstra_tui::console::call::{Call, Reply};

const COMMUNITY: &str = "wizard-file-community-9";

fn spec() -> Box<LabSpec> {
    Box::new(LabSpec {
        ups: vec![UpsSpec {
            name: "ups-w1".into(),
            room: "lab-a".into(),
            nut: String::new(),
            snmp: Some(SnmpEndpoint {
                host: "192.0.2.10".into(),
                port: 161,
                security: SnmpSecurity::V2c { community: None },
                mib: SnmpMib::Apc,
            }),
            login: None,
            policy: Default::default(),
        }],
        ..LabSpec::default()
    })
}

#[test]
fn a_community_file_is_read_by_the_console_and_the_ups_is_declared_over_snmp() {
    let demo = Demo::start();
    demo.login();
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("ups-w1.community");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut console = Driven::new(&demo, demo.session_file());
        let reply = console
            .call(Call::ApplyReadingCommunity {
                spec: spec(),
                path: file.clone(),
            })
            .await;
        let Reply::CommunityUnread { path, reason } = reply else {
            panic!("a missing file is said: {reply:?}");
        };
        assert_eq!(path, file);
        assert!(!reason.is_empty());

        std::fs::write(&file, format!("{COMMUNITY}\n")).expect("written");
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        let reply = console
            .call(Call::ApplyReadingCommunity {
                spec: spec(),
                path: file.clone(),
            })
            .await;
        let Reply::Applied {
            dry_run: false,
            result: Ok(report),
        } = reply
        else {
            panic!("applied: {reply:?}");
        };
        assert!(
            report.changes.iter().any(|c| c.entity == EntityKind::Ups
                && c.name == "ups-w1"
                && c.kind == ChangeKind::Create),
            "{report:?}"
        );
    });

    let out = demo.upstra(&["ups", "list", "--json"], "");
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains(COMMUNITY), "the community was shown: {all}");
    let ups: Vec<UpsView> = serde_json::from_slice(&out.stdout).expect("UpsView array");
    let w1 = ups.iter().find(|u| u.name == "ups-w1").expect("declared");
    assert_eq!(
        w1.snmp.as_ref().map(ToString::to_string).as_deref(),
        Some("v2c 192.0.2.10:161 mib=apc")
    );

    let out = demo.upstra(&["export"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lab = text(&out.stdout);
    assert!(
        !lab.contains(COMMUNITY),
        "the community was exported: {lab}"
    );
    assert!(lab.contains("name = \"ups-w1\""), "{lab}");
    assert!(lab.contains("192.0.2.10:161"), "{lab}");
    assert!(lab.contains("community_file"), "{lab}");
}
