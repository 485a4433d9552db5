//! Preferred migration targets (`migrate_to`): used when they can take the VM, passed over
//! with the reason when they cannot, and never a host that loses power.

use proptest::prelude::*;

use super::fixture::{Lab, lines, sid};
use super::properties::{build, spec};
use crate::outage::{Plan, PreferredChoice, Skipped, StepAction, Unfit};

/// `esx-01` on `ups-a` runs `web` (8 GiB); `esx-02` (64 GiB) and `esx-03` (96 GiB) on
/// `ups-b`, `esx-big` (512 GiB) on `ups-c`: left alone, the planner picks the emptiest,
/// `esx-big`.
fn lab() -> Lab {
    let mut lab = Lab::new(&["ups-a", "ups-b", "ups-c"]);
    lab.host("esx-01", &["ups-a"], 64)
        .host("esx-02", &["ups-b"], 64)
        .host("esx-03", &["ups-b"], 96)
        .host("esx-big", &["ups-c"], 512)
        .vm("web", "esx-01", 8);
    lab
}

fn target_of(plan: &Plan, vm: &str) -> Option<String> {
    plan.steps.iter().find_map(|s| match &s.action {
        StepAction::MigrateVm { name, to, .. } if name == vm => Some(to.clone()),
        _ => None,
    })
}

fn choice(plan: &Plan, vm: &str) -> PreferredChoice {
    plan.preferred
        .iter()
        .find(|c| c.vm == vm)
        .cloned()
        .unwrap_or_else(|| panic!("no preferred choice for {vm}: {:?}", plan.preferred))
}

fn skipped(server: &str, why: Unfit) -> Skipped {
    Skipped {
        server: sid(server),
        why,
    }
}

#[test]
fn without_a_preference_the_emptiest_host_takes_the_vm() {
    let mut lab = lab();
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert_eq!(
        target_of(&plan, "web").as_deref(),
        Some("esx-big"),
        "{:?}",
        lines(&plan)
    );
    assert!(plan.preferred.is_empty());
}

#[test]
fn the_preferred_host_takes_the_vm_when_it_can() {
    let mut lab = lab();
    lab.prefers("esx-01", &["esx-02"]).at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert_eq!(
        target_of(&plan, "web").as_deref(),
        Some("esx-02"),
        "{:?}",
        lines(&plan)
    );
    let c = choice(&plan, "web");
    assert_eq!(c.used, Some(sid("esx-02")));
    assert!(c.skipped.is_empty());
    assert_eq!(c.to_string(), "vm:web: goes to esx-02, its preferred host");
}

#[test]
fn a_preferred_host_shed_in_the_same_outage_is_passed_over_with_the_reason() {
    let mut lab = lab();
    lab.prefers("esx-01", &["esx-02", "esx-03"])
        .at_risk(&["ups-a", "ups-b"]);
    let plan = lab.plan();
    assert_eq!(
        target_of(&plan, "web").as_deref(),
        Some("esx-big"),
        "{:?}",
        lines(&plan)
    );
    let c = choice(&plan, "web");
    assert_eq!(c.used, None);
    assert_eq!(
        c.skipped,
        vec![
            skipped("esx-02", Unfit::Shed),
            skipped("esx-03", Unfit::Shed)
        ]
    );
    assert!(
        c.to_string().contains("esx-02 (shed in this outage)"),
        "{c}"
    );
}

#[test]
fn the_next_preferred_host_is_tried_when_the_first_is_full() {
    let mut lab = lab();
    // 60 GiB already on esx-02: no room for 8 more with the 10 % headroom.
    lab.vm("busy", "esx-02", 52)
        .prefers("esx-01", &["esx-02", "esx-03"])
        .at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert_eq!(
        target_of(&plan, "web").as_deref(),
        Some("esx-03"),
        "{:?}",
        lines(&plan)
    );
    let c = choice(&plan, "web");
    assert_eq!(c.used, Some(sid("esx-03")));
    assert_eq!(c.skipped, vec![skipped("esx-02", Unfit::NoRoom)]);
}

#[test]
fn a_preferred_host_in_maintenance_or_disconnected_is_passed_over() {
    let mut lab = lab();
    lab.prefers("esx-01", &["esx-02", "esx-03"])
        .at_risk(&["ups-a"]);
    for h in &mut lab.state.hosts {
        match h.name.as_str() {
            "esx-02" => h.in_maintenance = true,
            "esx-03" => h.connected = false,
            _ => {}
        }
    }
    let plan = lab.plan();
    assert_eq!(
        target_of(&plan, "web").as_deref(),
        Some("esx-big"),
        "{:?}",
        lines(&plan)
    );
    assert_eq!(
        choice(&plan, "web").skipped,
        vec![
            skipped("esx-02", Unfit::InMaintenance),
            skipped("esx-03", Unfit::Disconnected)
        ]
    );
}

#[test]
fn a_preferred_host_on_a_ups_on_battery_is_passed_over() {
    let mut lab = lab();
    lab.prefers("esx-01", &["esx-02"]).at_risk(&["ups-a"]);
    lab.state.feeds.insert(
        super::fixture::ups("ups-b"),
        crate::outage::FeedHealth::Degraded,
    );
    let plan = lab.plan();
    assert_eq!(
        target_of(&plan, "web").as_deref(),
        Some("esx-big"),
        "{:?}",
        lines(&plan)
    );
    assert_eq!(
        choice(&plan, "web").skipped,
        vec![skipped("esx-02", Unfit::PowerNotHealthy)]
    );
}

#[test]
fn a_vm_that_may_not_migrate_ignores_the_preference() {
    let mut lab = lab();
    lab.policy("web", 0, false)
        .prefers("esx-01", &["esx-02"])
        .at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert_eq!(target_of(&plan, "web"), None, "{:?}", lines(&plan));
    assert!(plan.preferred.is_empty());
}

#[test]
fn plans_journaled_before_the_preference_existed_still_read() {
    let mut lab = lab();
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    let json = serde_json::to_value(&plan).expect("json");
    assert!(
        json.get("preferred").is_none(),
        "nothing said when no preference"
    );
    let back: Plan = serde_json::from_value(json).expect("reads back");
    assert_eq!(back, plan);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// A VM goes to its first preferred host that can take it; every one before was passed
    /// over with a reason; a preferred host that takes a VM never loses power in the outage.
    #[test]
    fn the_preferred_host_is_the_first_usable_one_and_never_a_shed_host(spec in spec()) {
        let lab = build(&spec);
        let plan = lab.plan();
        for c in &plan.preferred {
            let source = lab.inventory.servers.get(&c.from).expect("source declared");
            prop_assert!(lab.state.in_scope(source));
            let tried: Vec<_> = c.skipped.iter().map(|s| s.server.clone()).chain(c.used.clone()).collect();
            prop_assert_eq!(&tried[..], &source.migrate_to[..tried.len()]);
            if c.used.is_none() {
                prop_assert_eq!(tried.len(), source.migrate_to.len());
            }
            if let Some(used) = &c.used {
                let to = lab.inventory.servers.get(used).expect("target declared");
                prop_assert!(!lab.state.in_scope(to), "{} shed yet took {}", used, c.vm);
                prop_assert!(lab.state.on_healthy_power(to));
                prop_assert_eq!(target_of(&plan, &c.vm), to.vsphere_host.clone());
            }
            for s in &c.skipped {
                let target = lab.inventory.servers.get(&s.server).expect("declared");
                if lab.state.in_scope(target) {
                    prop_assert_eq!(s.why, Unfit::Shed);
                }
            }
        }
    }
}
