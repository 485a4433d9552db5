//! `verify`: what counts as back after a restore, and what a retry undoes.

use std::collections::{BTreeMap, BTreeSet};

use super::fixture::{Lab, sid};
use crate::ids::VmId;
use crate::model::VmPower;
use crate::outage::verify::{Seen, Verdict, Want, check, owed, to_undo};
use crate::outage::{Before, JournalEntry, StepAction, StepState};
use crate::state::PowerState;

/// web moves to esx-b1, db (pinned) stops, esx-a1 enters maintenance and shuts down.
fn shed_lab() -> (Lab, Vec<JournalEntry>) {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .vm("web", "esx-a1", 8)
        .vm("db", "esx-a1", 8)
        .policy("db", 5, false)
        .at_risk(&["ups-a"]);
    for s in lab.state.servers.values_mut() {
        s.power = PowerState::On;
        s.in_maintenance = Some(false);
    }
    let j = lab.journal(&lab.plan(), |_| StepState::Done);
    (lab, j)
}

fn vm(n: u32) -> VmId {
    VmId::new(format!("vm-{n}")).unwrap()
}

/// The peers as they were before the shed: everything back.
fn as_before() -> Seen {
    Seen {
        servers: [(sid("esx-a1"), Ok(PowerState::On))].into(),
        hosts: Ok([("esx-a1".to_owned(), false)].into()),
        vms: Ok([
            (vm(0), (Some("esx-a1".to_owned()), VmPower::PoweredOn)),
            (vm(1), (Some("esx-a1".to_owned()), VmPower::PoweredOn)),
        ]
        .into()),
    }
}

fn missing(owed: &[crate::outage::verify::Owed], seen: &Seen) -> BTreeMap<String, Verdict> {
    owed.iter()
        .map(|o| (o.target.clone(), check(&o.want, seen)))
        .filter(|(_, v)| *v != Verdict::Back)
        .collect()
}

#[test]
fn a_shed_owes_each_object_it_changed_once_with_its_state_before() {
    let (_, j) = shed_lab();
    let owed = owed(&[(7, j)]);
    let mut described: Vec<(String, String)> = owed
        .iter()
        .map(|o| (o.target.clone(), o.want.describe()))
        .collect();
    described.sort();
    assert_eq!(
        described,
        [
            ("server:esx-a1".into(), "on, out of maintenance".into()),
            ("vm:db".into(), "running on esx-a1".into()),
            ("vm:web".into(), "running on esx-a1".into()),
        ]
    );
    assert!(owed.iter().all(|o| o.shed == 7));
}

#[test]
fn everything_as_before_is_back() {
    let (_, j) = shed_lab();
    assert_eq!(missing(&owed(&[(1, j)]), &as_before()), BTreeMap::new());
}

#[test]
fn a_server_still_off_or_still_in_maintenance_is_not_back() {
    let (_, j) = shed_lab();
    let owed = owed(&[(1, j)]);
    let mut seen = as_before();
    seen.servers
        .insert(sid("esx-a1"), Err("cannot reach the BMC".into()));
    let m = missing(&owed, &seen);
    assert_eq!(
        m["server:esx-a1"],
        Verdict::Missing {
            found: None,
            unread: Some("BMC: cannot reach the BMC".into())
        }
    );
    let mut seen = as_before();
    seen.hosts = Ok([("esx-a1".to_owned(), true)].into());
    assert_eq!(
        missing(&owed, &seen)["server:esx-a1"],
        Verdict::Missing {
            found: Some("on, in maintenance".into()),
            unread: None
        }
    );
}

#[test]
fn a_vm_must_be_on_its_own_host_in_its_power_state() {
    let (_, j) = shed_lab();
    let owed = owed(&[(1, j)]);
    let mut seen = as_before();
    seen.vms = Ok([
        (vm(0), (Some("esx-b1".to_owned()), VmPower::PoweredOn)),
        (vm(1), (Some("esx-a1".to_owned()), VmPower::PoweredOff)),
    ]
    .into());
    let m = missing(&owed, &seen);
    assert_eq!(
        m.iter()
            .map(|(t, v)| (t.as_str(), v.clone()))
            .collect::<Vec<_>>(),
        [
            (
                "vm:db",
                Verdict::Missing {
                    found: Some("off on esx-a1".into()),
                    unread: None
                }
            ),
            (
                "vm:web",
                Verdict::Missing {
                    found: Some("running on esx-b1".into()),
                    unread: None
                }
            ),
        ]
    );
}

#[test]
fn what_was_off_before_must_stay_off() {
    let want = Want::Vm {
        vm: vm(3),
        host: Some("esx-a1".into()),
        power: VmPower::PoweredOff,
    };
    let mut seen = as_before();
    seen.vms = Ok([(vm(3), (Some("esx-a1".to_owned()), VmPower::PoweredOff))].into());
    assert_eq!(check(&want, &seen), Verdict::Back);
    let server = Want::Server {
        server: sid("esx-a1"),
        power: Some(PowerState::Off),
        maintenance: Some(("esx-a1".into(), false)),
    };
    // Off, its maintenance mode cannot be read and is not asked for.
    let mut seen = as_before();
    seen.servers.insert(sid("esx-a1"), Ok(PowerState::Off));
    seen.hosts = Err("timeout".into());
    assert_eq!(check(&server, &seen), Verdict::Back);
    assert_eq!(server.describe(), "off");
}

#[test]
fn a_step_that_never_recorded_the_state_before_changed_nothing() {
    let (_, mut j) = shed_lab();
    for e in &mut j {
        if matches!(e.step.action, StepAction::ShutdownServer { .. }) {
            e.before = None;
            e.state = StepState::Failed;
        }
    }
    let owed = owed(&[(1, j.clone())]);
    let server = owed.iter().find(|o| o.target == "server:esx-a1").unwrap();
    // Still owed for its maintenance mode, not for a power-off that never happened.
    assert!(matches!(server.want, Want::Server { power: None, .. }));
    assert!(
        to_undo(&j, None)
            .iter()
            .all(|e| !matches!(e.step.action, StepAction::ShutdownServer { .. }))
    );
}

#[test]
fn an_object_two_sheds_changed_is_owed_to_the_first() {
    let (_, j) = shed_lab();
    let mut later = j.clone();
    for e in &mut later {
        if let Some(Before::Server { power, .. }) = &mut e.before {
            *power = PowerState::Off;
        }
    }
    let owed = owed(&[(1, j), (2, later)]);
    let server = owed.iter().find(|o| o.target == "server:esx-a1").unwrap();
    assert_eq!(
        (server.shed, server.want.describe()),
        (1, "on, out of maintenance".into())
    );
    assert_eq!(
        owed.iter().filter(|o| o.target == "server:esx-a1").count(),
        1
    );
}

#[test]
fn a_retry_undoes_only_what_is_missing() {
    let (lab, j) = shed_lab();
    let only: BTreeSet<String> = ["vm:web".to_owned()].into();
    let retry = to_undo(&j, Some(&only));
    assert_eq!(retry.len(), 1);
    assert!(matches!(&retry[0].step.action, StepAction::MigrateVm { name, .. } if name == "web"));
    let plan = crate::outage::restore_plan(
        &retry,
        &lab.inventory,
        &crate::outage::StepEstimates::default(),
    );
    assert_eq!(plan.steps.len(), 1, "{plan:#?}");
}
