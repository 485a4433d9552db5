//! A server on no UPS that Upstra manages (a switch on a wall socket, a box on another
//! site's power) is declared without feeds: it is never shed, so never restored, and it
//! takes no migrated VM, since whether its own power holds during the outage is unknown.

use super::fixture::{Lab, lines};
use crate::model::ServerKind;
use crate::outage::StepAction;
use crate::outage::restore::restore_plan;

fn lab_with_an_unmanaged_host() -> Lab {
    let mut lab = Lab::new(&["ups-a"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-wall", &[], 256)
        .server("switch", ServerKind::Network, &[], 1)
        .vm("web", "esx-a1", 8)
        .vm("on-wall", "esx-wall", 8);
    lab
}

fn names(action: &StepAction) -> String {
    format!("{action:?}")
}

#[test]
fn an_outage_of_every_managed_ups_leaves_it_alone() {
    let mut lab = lab_with_an_unmanaged_host();
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    for step in &plan.steps {
        let said = names(&step.action);
        assert!(
            !said.contains("esx-wall") && !said.contains("switch") && !said.contains("on-wall"),
            "{:?}",
            lines(&plan)
        );
    }
    assert!(
        plan.steps.iter().any(|s| matches!(
            &s.action,
            StepAction::ShutdownServer { server, .. } if server.as_str() == "esx-a1"
        )),
        "the managed host is still shed: {:?}",
        lines(&plan)
    );
}

#[test]
fn it_receives_no_migrated_vm_however_much_room_it_has() {
    let mut lab = lab_with_an_unmanaged_host();
    lab.at_risk(&["ups-a"]);
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
fn the_restore_after_the_shed_does_not_touch_it() {
    let mut lab = lab_with_an_unmanaged_host();
    lab.at_risk(&["ups-a"]);
    let shed = lab.plan();
    let journal = lab.journal(&shed, |_| crate::outage::StepState::Done);
    let restore = restore_plan(
        &journal,
        &lab.inventory,
        &lab.inventory.plan_settings().estimates,
    );
    for step in &restore.steps {
        let said = names(&step.action);
        assert!(
            !said.contains("esx-wall") && !said.contains("switch"),
            "{:?}",
            lines(&restore)
        );
    }
}

#[test]
fn a_lab_that_says_their_power_holds_moves_vms_onto_hosts_without_ups() {
    let mut lab = lab_with_an_unmanaged_host();
    lab.inventory.plan = Some(crate::outage::PlanSettings {
        migrate_to_hosts_without_ups: true,
        ..Default::default()
    });
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert!(
        plan.steps.iter().any(|s| matches!(
            &s.action,
            StepAction::MigrateVm { to, .. } if to.as_str() == "esx-wall"
        )),
        "{:?}",
        lines(&plan)
    );
    // Still never shed itself.
    assert!(
        plan.steps.iter().all(|s| !matches!(
            &s.action,
            StepAction::ShutdownServer { server, .. } if server.as_str() == "esx-wall"
        )),
        "{:?}",
        lines(&plan)
    );
}
