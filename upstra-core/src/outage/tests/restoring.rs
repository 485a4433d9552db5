//! `restore_plan()`: undoing a shed from its journal.

use super::fixture::{Lab, lines};
use crate::model::{ServerKind, VmPower};
use crate::outage::{Before, Plan, StepEstimates, StepState, restore_plan};
use crate::state::PowerState;

fn restore(shed: &Plan, lab: &Lab, state: impl Fn(usize) -> StepState) -> Plan {
    let plan = restore_plan(
        &lab.journal(shed, state),
        &lab.inventory,
        &StepEstimates::default(),
    );
    plan.check().expect("well-formed restore plan");
    plan
}

#[test]
fn a_finished_shed_is_undone_in_reverse() {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .server("san", ServerKind::Storage, &["ups-a"], 1)
        .depends("esx-a1", "san")
        .vm("web", "esx-a1", 8)
        .vm("db", "esx-a1", 8)
        .policy("db", 5, false)
        .at_risk(&["ups-a"]);
    let shed = lab.plan();
    assert_eq!(
        lines(&shed),
        [
            "#1 migrate web -> esx-b1",
            "#2 shut down VM db on esx-a1",
            "#3 put esx-a1 into maintenance mode after #1,#2",
            "#4 shut down server esx-a1 after #3",
            "#5 shut down server san after #4",
        ]
    );
    assert_eq!(
        lines(&restore(&shed, &lab, |_| StepState::Done)),
        [
            "#1 power on server san",
            "#2 power on server esx-a1 after #1",
            "#3 wait for esx-a1 to reconnect to vCenter after #2",
            "#4 take esx-a1 out of maintenance mode after #3",
            "#5 start VM db on esx-a1 after #4",
            "#6 migrate web -> esx-a1 after #4",
        ]
    );
}

#[test]
fn only_steps_that_may_have_acted_are_undone() {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .vm("web", "esx-a1", 8)
        .vm("db", "esx-a1", 8)
        .at_risk(&["ups-a"]);
    let shed = lab.plan();
    // Cancelled after the first migration was sent: only it needs undoing.
    let plan = restore(&shed, &lab, |i| {
        if i == 0 {
            StepState::Dispatched
        } else {
            StepState::Skipped
        }
    });
    assert_eq!(lines(&plan), ["#1 migrate db -> esx-a1"]);
}

#[test]
fn what_was_off_or_in_maintenance_before_stays_so() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .vm_with("idle", "esx-a1", 8, VmPower::PoweredOn)
        .policy("idle", 0, false)
        .at_risk(&["ups-a"]);
    let shed = lab.plan();
    let mut entries = lab.journal(&shed, |_| StepState::Done);
    for e in &mut entries {
        match &mut e.before {
            Some(Before::Vm { power, .. }) => *power = VmPower::PoweredOff,
            Some(Before::Server { power, .. }) => *power = PowerState::Off,
            None => {}
        }
    }
    let plan = restore_plan(&entries, &lab.inventory, &StepEstimates::default());
    assert_eq!(
        lines(&plan),
        ["#1 take esx-a1 out of maintenance mode"],
        "the host was on before the shed only as far as maintenance goes"
    );
    assert_eq!(plan.notes[0].message, "was off before the outage: left off");
}
