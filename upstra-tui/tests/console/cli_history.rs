//! `upstra events` and `upstra audit` read as a history, against a real daemon (the demo's, on
//! its simulated lab): readings kept out of the event log unless asked for, kinds and times
//! filtered, the audit trail in names and words, its filters matching prefixes.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::{Duration, Instant};

use harness::{Demo, text};
use upstra_core::api::v1::VmPowerState;
use upstra_core::events::EventRecord;

/// Generous for a loaded machine: the demo polls its UPS every second.
const WITHIN: Duration = Duration::from_secs(60);

fn records(json_lines: &str) -> Vec<EventRecord> {
    json_lines
        .lines()
        .map(|l| serde_json::from_str(l).expect("an EventRecord per line"))
        .collect()
}

/// `events ARGS --json` once it holds a record `want` accepts.
fn events_until(demo: &Demo, args: &[&str], want: impl Fn(&EventRecord) -> bool) -> String {
    let deadline = Instant::now() + WITHIN;
    loop {
        let out = demo.ok(args, "");
        if records(&out).iter().any(&want) {
            return out;
        }
        assert!(Instant::now() < deadline, "never came: {out}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn events_keep_battery_readings_out_unless_asked_for() {
    let demo = Demo::start();
    demo.login();
    // The monitor announces each UPS's first battery reading.
    events_until(&demo, &["events", "--readings", "--json"], |r| {
        r.event.kind() == "ups_battery_changed"
    });

    let default = records(&demo.ok(&["events", "--json"], ""));
    assert!(
        default
            .iter()
            .all(|r| r.event.kind() != "ups_battery_changed"),
        "{default:?}"
    );
    assert!(default.iter().any(|r| r.event.kind() == "user_logged_in"));

    let text_lines = demo.ok(&["events"], "");
    assert!(!text_lines.contains("charge "), "{text_lines}");
    let asked = demo.ok(&["events", "--kind", "ups_battery_changed"], "");
    assert!(asked.contains("charge "), "{asked}");
}

#[test]
fn events_filter_by_kind_and_since() {
    let demo = Demo::start();
    demo.login();
    events_until(&demo, &["events", "--json"], |r| {
        r.event.kind() == "user_logged_in"
    });

    let kinds = |args: &[&str]| -> Vec<String> {
        records(&demo.ok(args, ""))
            .iter()
            .map(|r| r.event.kind().to_owned())
            .collect()
    };
    let logins = kinds(&["events", "--json", "--kind", "user_logged_in"]);
    assert!(!logins.is_empty());
    assert!(logins.iter().all(|k| k == "user_logged_in"), "{logins:?}");

    let both = kinds(&[
        "events",
        "--json",
        "--kind",
        "user_logged_in,daemon_started",
        "--kind",
        "run_ended",
    ]);
    assert!(both.contains(&"daemon_started".to_owned()), "{both:?}");
    assert!(both.contains(&"user_logged_in".to_owned()), "{both:?}");

    assert!(!kinds(&["events", "--json", "--since", "1h"]).is_empty());
    assert!(!kinds(&["events", "--json", "--since", "2000-01-01T00:00:00Z"]).is_empty());
    assert!(kinds(&["events", "--json", "--since", "2999-01-01T00:00:00Z"]).is_empty());
}

#[test]
fn events_refuse_an_unknown_kind_or_time_and_list_the_kinds() {
    let demo = Demo::start();
    demo.login();
    let out = demo.upstra(&["events", "--kind", "trigger"], "");
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("trigger"), "{stderr}");
    assert!(stderr.contains("outage_triggered"), "{stderr}");

    harness::fails(
        &demo.upstra(&["events", "--since", "yesterday"], ""),
        2,
        "--since yesterday: give a time",
    );

    let help = demo.ok(&["events", "--help"], "");
    for kind in ["outage_triggered", "step_ended", "ups_battery_changed"] {
        assert!(help.contains(kind), "{kind} missing from: {help}");
    }
    assert!(help.contains("--readings"), "{help}");
}

#[test]
fn the_audit_trail_reads_in_names_and_words_and_filters_by_prefix() {
    use upstra_core::api::v1::{AuditView, VmView};

    let demo = Demo::start();
    demo.login();
    let vms: Vec<VmView> =
        serde_json::from_str(&demo.ok(&["vm", "list", "--json"], "")).expect("vms");
    let vm = vms
        .iter()
        .find(|v| v.power == VmPowerState::On && v.server.is_some() && v.id != v.name)
        .expect("a running VM on a declared hypervisor, its id not its name");
    let from = vm.server.clone().expect("on a server");
    let to = vms
        .iter()
        .filter_map(|v| v.server.clone())
        .find(|s| *s != from)
        .expect("another hypervisor");
    demo.ok(&["vm", "migrate", &vm.name, "--to", &to, "--yes"], "");
    demo.ok(&["vm", "power", &vm.name, "off", "--yes"], "");
    demo.ok(&["plan", "simulate", "ups-a1"], "");

    let table = demo.ok(&["audit"], "");
    let migrated = table
        .lines()
        .find(|l| l.contains("vm_migrate"))
        .expect("the migration is audited");
    assert!(migrated.contains(&format!("vm:{}", vm.name)), "{migrated}");
    assert!(
        migrated.contains(&format!("moved from {from} to {to}")),
        "{migrated}"
    );
    let powered = table
        .lines()
        .find(|l| l.contains("vm_power"))
        .expect("the power action is audited");
    assert!(
        powered.contains(&format!("vm:{}", vm.name)) && powered.contains("powered off: was on"),
        "{powered}"
    );
    assert!(!table.contains(&format!("vm:{}", vm.id)), "{table}");
    assert!(!table.contains('{'), "JSON only with --json: {table}");

    let json: Vec<AuditView> =
        serde_json::from_str(&demo.ok(&["audit", "--json"], "")).expect("AuditView array");
    let record = json
        .iter()
        .find(|r| r.action == "vm_migrate")
        .expect("in JSON too");
    assert!(
        record.detail.as_deref().is_some_and(|d| d.contains(&to)),
        "{record:?}"
    );

    let actions = |args: &[&str]| -> Vec<String> {
        let records: Vec<AuditView> =
            serde_json::from_str(&demo.ok(args, "")).expect("AuditView array");
        records.into_iter().map(|r| r.action).collect()
    };
    let plan = actions(&["audit", "--json", "--action", "plan"]);
    assert!(plan.contains(&"plan_simulate".to_owned()), "{plan:?}");
    assert!(plan.iter().all(|a| a.starts_with("plan_")), "{plan:?}");
    let vm_moves = actions(&["audit", "--json", "--action", "vm mig"]);
    assert_eq!(vm_moves, ["vm_migrate"]);
    let by_demo = actions(&["audit", "--json", "--user", "de"]);
    assert!(by_demo.contains(&"vm_power".to_owned()), "{by_demo:?}");
    assert!(actions(&["audit", "--json", "--user", "nobody"]).is_empty());
    let on_the_vm = actions(&["audit", "--json", "--target", &vm.name]);
    assert_eq!(on_the_vm, ["vm_migrate", "vm_power"]);
}
