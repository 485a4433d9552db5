//! Operator actions from the command line (issue 4), end to end against the demo daemon.
//!
//! The demo daemon drives the simulated lab through the same driver traits as the real
//! adapters, so power, migration and sync really happen here; the adapters themselves are
//! proven against their real peers in their own crates. Confirmation is checked before
//! anything reaches the daemon, and permissions before any handler runs.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::{Demo, fails, ok, text};
use upstra_core::api::v1::{ActionReport, ServerView, SyncReport, VmView};
use upstra_core::api::v1::{ServerCategory, VmPowerState};
use upstra_core::events::EventRecord;

fn first_server(demo: &Demo) -> String {
    let servers: Vec<ServerView> =
        serde_json::from_str(&demo.ok(&["server", "list", "--json"], "")).expect("servers");
    servers
        .into_iter()
        .find(|s| s.kind == ServerCategory::Hypervisor)
        .expect("a hypervisor")
        .name
}

#[test]
fn destructive_actions_without_a_terminal_need_yes() {
    let demo = Demo::start();
    demo.login();
    let server = first_server(&demo);
    for (action, words) in [
        ("off", "hard power off"),
        ("shutdown", "shut down"),
        ("cycle", "restart"),
    ] {
        fails(
            &demo.upstra(&["server", "power", &server, action], ""),
            2,
            &format!(
                "not confirmed: to {words} server {server} without a terminal to ask on, add --yes"
            ),
        );
    }
    fails(
        &demo.upstra(&["vm", "power", "web-01", "off"], ""),
        2,
        "to hard power off VM web-01 without a terminal",
    );
    fails(
        &demo.upstra(&["vm", "power", "web-01", "shutdown"], ""),
        2,
        "to shut down the guest of VM web-01",
    );
    fails(
        &demo.upstra(&["vm", "migrate", "web-01", "--to", &server], ""),
        2,
        &format!("to live-migrate VM web-01 to {server} without a terminal"),
    );
    // `trust` reads the fingerprint before it asks; when the daemon cannot (not wired yet, or
    // a plain-http BMC in the simulated lab) it stops there. Either way it never pins without
    // --yes.
    let out = demo.upstra(&["trust", "bmc", &server], "");
    if out.status.code() == Some(2) {
        fails(&out, 2, "to pin this certificate for the BMC of");
    } else {
        fails(&out, 1, "");
    }
}

#[test]
fn power_and_migration_print_the_state_reached() {
    let demo = Demo::start();
    demo.login();
    let server = first_server(&demo);
    let vms: Vec<VmView> =
        serde_json::from_str(&demo.ok(&["vm", "list", "--json"], "")).expect("vms");
    let vm = vms
        .iter()
        .find(|v| v.power == VmPowerState::On && v.server.as_deref() == Some(server.as_str()))
        .expect("a running VM on the first hypervisor")
        .name
        .clone();
    let elsewhere = vms
        .iter()
        .filter_map(|v| v.server.clone())
        .find(|s| *s != server)
        .expect("another hypervisor");

    let said = demo.ok(&["vm", "migrate", &vm, "--to", &elsewhere, "--yes"], "");
    assert!(
        said.starts_with(&format!("vm:{vm} migrate: reached ")),
        "{said}"
    );
    let report: ActionReport =
        serde_json::from_str(&demo.ok(&["vm", "power", &vm, "off", "--yes", "--json"], ""))
            .expect("ActionReport");
    assert_eq!(report.target, format!("vm:{vm}"));
    assert_eq!(report.state, "off");
    // `on` is not destructive: no confirmation, even without a terminal.
    let said = demo.ok(&["vm", "power", &vm, "on"], "");
    assert!(said.contains(": reached on"), "{said}");

    let said = demo.ok(&["server", "power", &server, "shutdown", "--yes"], "");
    assert!(
        said.starts_with(&format!("server:{server} shutdown: reached off")),
        "{said}"
    );
    let said = demo.ok(&["server", "power", &server, "on"], "");
    assert!(
        said.starts_with(&format!("server:{server} on: reached on")),
        "{said}"
    );

    let report: SyncReport =
        serde_json::from_str(&demo.ok(&["sync", "--json"], "")).expect("SyncReport");
    assert!(report.ups_read > 0 && report.servers_read > 0, "{report:?}");
    assert!(report.problems.is_empty(), "{report:?}");
    let said = demo.ok(&["sync"], "");
    assert!(said.starts_with("read "), "{said}");
}

#[test]
fn a_viewer_may_not_power_or_migrate() {
    let demo = Demo::start();
    demo.login();
    demo.add_and_login("vic", "viewer");
    let server = first_server(&demo);
    fails(
        &demo.as_user("vic", &["server", "power", &server, "on"], ""),
        5,
        &format!("permission denied: this needs the power (on server:{server})"),
    );
    fails(
        &demo.as_user(
            "vic",
            &["vm", "migrate", "web-01", "--to", &server, "--yes"],
            "",
        ),
        5,
        "permission denied: this needs the migrate (on vm:",
    );
}

#[test]
fn events_print_what_is_buffered_then_follow_new_ones() {
    let demo = Demo::start();
    demo.login();
    let buffered = demo.ok(&["events"], "");
    assert!(buffered.contains("demo logged in"), "{buffered}");
    let json = demo.ok(&["events", "--json"], "");
    for line in json.lines() {
        let _: EventRecord = serde_json::from_str(line).expect("one EventRecord per line");
    }
    assert!(json.contains("\"kind\":\"user_logged_in\""), "{json}");

    let follow = demo.spawn(&["events", "--follow", "--json"]);
    // The buffered events come first, then the new login arrives through the long-poll.
    follow.wait_for(Duration::from_secs(20), |l| l.contains("user_logged_in"));
    demo.add_and_login("newcomer", "viewer");
    let line = follow.wait_for(Duration::from_secs(20), |l| l.contains("newcomer"));
    let record: EventRecord = serde_json::from_str(&line).expect("an EventRecord");
    assert_eq!(record.event.kind(), "user_logged_in");
}

#[test]
fn a_wrong_target_name_is_refused_by_the_daemon() {
    let demo = Demo::start();
    demo.login();
    let out = demo.upstra(&["server", "power", "no-such-server", "on"], "");
    assert_ne!(out.status.code(), Some(0));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    ok(demo.upstra(&["server", "list"], ""));
}
