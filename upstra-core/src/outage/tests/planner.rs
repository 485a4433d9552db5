//! `shed_plan()` on hand-made labs: what moves, what stops, in which order.

use super::fixture::{Lab, lines};
use crate::model::{ServerKind, VmPower};
use crate::outage::{FeedHealth, StepAction};
use crate::state::PowerState;

fn two_ups_lab() -> Lab {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .vm("web", "esx-a1", 8)
        .vm("db", "esx-a1", 16)
        .vm("ci", "esx-b1", 8);
    lab
}

#[test]
fn vms_on_hosts_losing_power_move_to_hosts_on_the_other_ups() {
    let mut lab = two_ups_lab();
    lab.at_risk(&["ups-a"]);
    assert_eq!(
        lines(&lab.plan()),
        [
            "#1 migrate db -> esx-b1",
            "#2 migrate web -> esx-b1",
            "#3 put esx-a1 into maintenance mode after #1,#2",
            "#4 shut down server esx-a1 after #3",
        ]
    );
}

#[test]
fn nothing_is_planned_while_every_feed_is_healthy() {
    let lab = two_ups_lab();
    assert!(lab.plan().steps.is_empty());
}

#[test]
fn a_server_with_one_healthy_feed_keeps_running() {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-ab", &["ups-a", "ups-b"], 64)
        .vm("web", "esx-ab", 8)
        .at_risk(&["ups-a"]);
    assert!(lab.plan().steps.is_empty());
    lab.at_risk(&["ups-b"]);
    assert_eq!(lab.plan().steps.len(), 3, "{:?}", lines(&lab.plan()));
}

#[test]
fn vms_without_room_are_shut_down_with_a_note() {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    // 64 GiB with 10 % headroom leaves 57.6 GiB: the 40 GiB VM fits, the 30 GiB one not.
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .vm("big", "esx-a1", 40)
        .vm("bigger", "esx-a1", 30)
        .at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert_eq!(
        lines(&plan),
        [
            "#1 migrate big -> esx-b1",
            "#2 shut down VM bigger on esx-a1",
            "#3 put esx-a1 into maintenance mode after #1,#2",
            "#4 shut down server esx-a1 after #3",
        ]
    );
    assert_eq!(plan.notes.len(), 1);
    assert!(
        plan.notes[0]
            .message
            .contains("no host on healthy power has room")
    );
}

#[test]
fn pinned_and_powered_off_vms_are_not_moved() {
    let mut lab = two_ups_lab();
    lab.policy("db", 0, false)
        .vm_with("old", "esx-a1", 4, VmPower::PoweredOff)
        .at_risk(&["ups-a"]);
    assert_eq!(
        lines(&lab.plan()),
        [
            "#1 migrate web -> esx-b1",
            "#2 shut down VM db on esx-a1",
            "#3 put esx-a1 into maintenance mode after #1,#2",
            "#4 shut down server esx-a1 after #3",
        ]
    );
}

#[test]
fn important_vms_move_first_and_stop_last() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .vm("low", "esx-a1", 4)
        .vm("high", "esx-a1", 4)
        .vm("mid", "esx-a1", 4)
        .policy("high", 10, true)
        .policy("mid", 5, true)
        .at_risk(&["ups-a"]);
    assert_eq!(
        lines(&lab.plan()),
        [
            "#1 shut down VM low on esx-a1",
            "#2 shut down VM mid on esx-a1 after #1",
            "#3 shut down VM high on esx-a1 after #1,#2",
            "#4 put esx-a1 into maintenance mode after #1,#2,#3",
            "#5 shut down server esx-a1 after #4",
        ]
    );
}

#[test]
fn tiers_go_down_in_order_and_storage_after_its_consumers() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .server("san", ServerKind::Storage, &["ups-a"], 1)
        .server("switch", ServerKind::Network, &["ups-a"], 3)
        .depends("esx-a1", "san")
        .at_risk(&["ups-a"]);
    // The hypervisor is tier 1 like the SAN, but it depends on the SAN, so it goes first.
    assert_eq!(
        lines(&lab.plan()),
        [
            "#1 put esx-a1 into maintenance mode",
            "#2 shut down server esx-a1 after #1",
            "#3 shut down server san after #2",
            "#4 shut down server switch after #2,#3",
        ]
    );
}

#[test]
fn a_dependency_never_goes_down_in_an_earlier_tier_than_its_consumer() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.server("app", ServerKind::Other, &["ups-a"], 2)
        .server("san", ServerKind::Storage, &["ups-a"], 1)
        .depends("app", "san")
        .at_risk(&["ups-a"]);
    assert_eq!(
        lines(&lab.plan()),
        [
            "#1 shut down server app",
            "#2 shut down server san after #1"
        ]
    );
}

#[test]
fn servers_already_off_or_without_a_way_to_stop_them_are_noted() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.server("old", ServerKind::Other, &["ups-a"], 1)
        .server("dumb", ServerKind::Other, &["ups-a"], 1)
        .at_risk(&["ups-a"]);
    if let Some(s) = lab.inventory.servers.get_mut(&super::fixture::sid("dumb")) {
        s.bmc = None;
    }
    if let Some(s) = lab.state.servers.get_mut(&super::fixture::sid("old")) {
        s.power = PowerState::Off;
    }
    let plan = lab.plan();
    assert!(plan.steps.is_empty());
    let notes: Vec<_> = plan
        .notes
        .iter()
        .map(|n| (n.target.as_str(), n.message.as_str()))
        .collect();
    assert_eq!(
        notes,
        [
            (
                "server:dumb",
                "cannot be shut down: it has neither a BMC nor a vSphere host declared"
            ),
            ("server:old", "already off"),
        ]
    );
}

#[test]
fn hosts_on_a_degraded_ups_are_not_targets() {
    let mut lab = two_ups_lab();
    lab.at_risk(&["ups-a"]);
    lab.state
        .feeds
        .insert(super::fixture::ups("ups-b"), FeedHealth::Degraded);
    let plan = lab.plan();
    assert!(
        plan.steps
            .iter()
            .all(|s| !matches!(s.action, StepAction::MigrateVm { .. })),
        "{:?}",
        lines(&plan)
    );
}

#[test]
fn the_schedule_respects_the_migration_limit() {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 512)
        .host("esx-b1", &["ups-b"], 512);
    for i in 0..10 {
        lab.vm(&format!("vm{i:02}"), "esx-a1", 4);
    }
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    let s = &plan.schedule;
    // 10 migrations of 30 s, 4 at a time: 3 waves; then maintenance (10 s) and shutdown (120 s).
    assert_eq!(s.makespan_s, 90 + 10 + 120);
    assert_eq!(s.critical_path_s, 30 + 10 + 120);
    assert_eq!(s.critical_path.len(), 3);
}
