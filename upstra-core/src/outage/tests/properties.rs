//! Properties of `shed_plan()`, `schedule()` and `restore_plan()` over random labs.

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::fixture::{Lab, moved_in, sid};
use crate::model::{ServerKind, VmPower};
use crate::outage::{
    Before, FeedHealth, JournalEntry, Plan, StepAction, StepEstimates, StepState, restore_plan,
};

const UPS: [&str; 3] = ["ups-a", "ups-b", "ups-c"];

#[derive(Debug, Clone)]
pub(super) struct Spec {
    hosts: Vec<(Vec<usize>, u64)>,
    others: Vec<(usize, u32, Option<usize>)>,
    vms: Vec<(usize, u64, u32, bool, i32, bool)>,
    risk: Vec<u8>,
    /// Per host, the hosts it prefers its VMs to go to (`migrate_to`), by index.
    prefs: Vec<Vec<usize>>,
}

pub(super) fn spec() -> impl Strategy<Value = Spec> {
    (
        prop::collection::vec((prop::collection::vec(0usize..3, 1..3), 16u64..256), 1..10),
        prop::collection::vec((0usize..3, 1u32..4, prop::option::of(0usize..10)), 0..4),
        prop::collection::vec(
            (
                0usize..10,
                1u64..64,
                1u32..8,
                prop::bool::weighted(0.8),
                -2i32..3,
                prop::bool::weighted(0.8),
            ),
            0..40,
        ),
        prop::collection::vec(
            prop_oneof![3 => Just(0u8), 1 => Just(1u8), 2 => Just(2u8)],
            3,
        ),
        prop::collection::vec(prop::collection::vec(0usize..10, 0..3), 10),
    )
        .prop_map(|(hosts, others, vms, risk, prefs)| Spec {
            hosts,
            others,
            vms,
            risk,
            prefs,
        })
}

pub(super) fn build(spec: &Spec) -> Lab {
    let mut lab = Lab::new(&UPS);
    for (i, (feeds, mem)) in spec.hosts.iter().enumerate() {
        let feeds: Vec<&str> = feeds.iter().map(|f| UPS[*f]).collect();
        lab.host(&format!("esx{i}"), &feeds, *mem);
    }
    for (i, wanted) in spec.prefs.iter().enumerate().take(spec.hosts.len()) {
        let mut names: Vec<String> = Vec::new();
        for w in wanted.iter().filter(|w| **w != i && **w < spec.hosts.len()) {
            let name = format!("esx{w}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        lab.prefers(&format!("esx{i}"), &names);
    }
    for (i, (feed, tier, dep)) in spec.others.iter().enumerate() {
        let kind = if i % 2 == 0 {
            ServerKind::Storage
        } else {
            ServerKind::Network
        };
        lab.server(&format!("box{i}"), kind, &[UPS[*feed]], *tier);
        if let Some(h) = dep.filter(|h| *h < spec.hosts.len()) {
            lab.depends(&format!("esx{h}"), &format!("box{i}"));
        }
    }
    for (i, (host, mem, cpus, on, prio, migrate)) in spec.vms.iter().enumerate() {
        let name = format!("vm{i}");
        let host = format!("esx{}", host % spec.hosts.len());
        let power = if *on {
            VmPower::PoweredOn
        } else {
            VmPower::PoweredOff
        };
        lab.vm_with(&name, &host, *mem, power);
        if let Some(v) = lab.state.vms.last_mut() {
            v.cpus = *cpus;
        }
        lab.policy(&name, *prio, *migrate);
    }
    for (u, r) in UPS.iter().zip(&spec.risk) {
        let health = match r {
            0 => FeedHealth::Healthy,
            1 => FeedHealth::Degraded,
            _ => FeedHealth::AtRisk,
        };
        lab.state.feeds.insert(super::fixture::ups(u), health);
    }
    lab
}

fn shut_down(plan: &Plan) -> BTreeSet<String> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            StepAction::ShutdownServer { server, .. } => Some(server.to_string()),
            _ => None,
        })
        .collect()
}

/// Whether `b` runs after `a` through the dependencies (`b` > `a` in index order).
fn reaches(plan: &Plan, from: usize, to: usize) -> bool {
    let mut seen = BTreeSet::from([to]);
    let mut stack = vec![to];
    while let Some(i) = stack.pop() {
        if i == from {
            return true;
        }
        for d in &plan.steps[i].deps {
            if seen.insert(d.step.index()) {
                stack.push(d.step.index());
            }
        }
    }
    false
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn every_vm_on_a_host_losing_power_is_moved_to_safe_power_or_stopped(spec in spec()) {
        let lab = build(&spec);
        let plan = lab.plan();
        let in_scope = |host: &str| lab.inventory.servers.get(&sid(host)).is_some_and(|s| lab.state.in_scope(s));
        let safe = |host: &str| lab.inventory.servers.get(&sid(host))
            .is_some_and(|s| !lab.state.in_scope(s) && lab.state.on_healthy_power(s));
        let mut handled: BTreeMap<String, usize> = BTreeMap::new();
        for step in &plan.steps {
            match &step.action {
                StepAction::MigrateVm { name, from, to, .. } => {
                    prop_assert!(in_scope(from));
                    prop_assert!(safe(to), "{name} moved to {to}, which is not on safe power");
                    *handled.entry(name.clone()).or_default() += 1;
                }
                StepAction::StopVm { name, host, .. } => {
                    prop_assert!(in_scope(host));
                    *handled.entry(name.clone()).or_default() += 1;
                }
                _ => {}
            }
        }
        for vm in &lab.state.vms {
            let expected = usize::from(vm.power == VmPower::PoweredOn && vm.host.as_deref().is_some_and(in_scope));
            prop_assert_eq!(handled.get(&vm.name).copied().unwrap_or(0), expected, "{}", vm.name);
        }
    }

    #[test]
    fn no_target_host_is_over_capacity(spec in spec()) {
        let lab = build(&spec);
        let plan = lab.plan();
        let settings = lab.inventory.plan_settings();
        for (host, mib) in moved_in(&plan, &lab) {
            let info = lab.state.hosts.iter().find(|h| h.name == host).and_then(|h| h.capacity);
            prop_assert!(info.is_some());
            let Some(cap) = info else { continue };
            let running: Vec<_> = lab.state.vms.iter()
                .filter(|v| v.power == VmPower::PoweredOn && v.host.as_deref() == Some(host.as_str()))
                .collect();
            let committed: u64 = running.iter().map(|v| v.memory_mib).sum();
            let usable = cap.memory_mib * u64::from(100 - settings.memory_headroom_pct) / 100;
            prop_assert!(committed + mib <= usable, "{host}: {committed} + {mib} > {usable}");
            let vcpus_in: u32 = plan.steps.iter().filter_map(|s| match &s.action {
                StepAction::MigrateVm { vm, to, .. } if *to == host =>
                    lab.state.vms.iter().find(|v| &v.id == vm).map(|v| v.cpus),
                _ => None,
            }).sum();
            let vcpus_running: u32 = running.iter().map(|v| v.cpus).sum();
            prop_assert!(vcpus_in + vcpus_running <= cap.cpu_threads * settings.vcpus_per_thread);
        }
    }

    #[test]
    fn no_step_starts_before_what_it_depends_on(spec in spec()) {
        let lab = build(&spec);
        let plan = lab.plan();
        prop_assert!(plan.check().is_ok());
        let s = &plan.schedule;
        for step in &plan.steps {
            for d in &step.deps {
                prop_assert!(s.start_s[step.id.index()] >= s.end_s[d.step.index()]);
            }
        }
        // The migration limit holds at every start time.
        for (i, step) in plan.steps.iter().enumerate() {
            let Some(hosts) = step.action.migration_hosts() else { continue };
            let t = s.start_s[i];
            for h in hosts {
                let busy = plan.steps.iter().enumerate().filter(|(j, o)| {
                    o.action.migration_hosts().is_some_and(|hs| hs.contains(&h))
                        && s.start_s[*j] <= t && t < s.end_s[*j]
                }).count();
                prop_assert!(busy <= plan.migrations_per_host as usize);
            }
        }
        prop_assert!(s.makespan_s >= s.critical_path_s);
    }

    #[test]
    fn servers_go_down_after_their_preparation_and_their_consumers(spec in spec()) {
        let lab = build(&spec);
        let plan = lab.plan();
        let index: BTreeMap<String, usize> = plan.steps.iter().enumerate().filter_map(|(i, s)| match &s.action {
            StepAction::ShutdownServer { server, .. } => Some((server.to_string(), i)),
            _ => None,
        }).collect();
        for (i, step) in plan.steps.iter().enumerate() {
            if let StepAction::EnterMaintenance { server, .. } = &step.action {
                let down = index.get(server.as_str()).copied();
                prop_assert!(down.is_some_and(|d| reaches(&plan, i, d)));
            }
        }
        for server in lab.inventory.servers.values() {
            for dep in &server.depends_on {
                if let (Some(&a), Some(&b)) = (index.get(server.id.as_str()), index.get(dep.as_str())) {
                    prop_assert!(reaches(&plan, a, b), "{} must go down before {dep}", server.id);
                }
            }
        }
    }

    #[test]
    fn more_power_at_risk_never_spares_a_server(spec in spec(), extra in 0usize..3) {
        let lab = build(&spec);
        let before = shut_down(&lab.plan());
        let mut worse = build(&spec);
        worse.state.feeds.insert(super::fixture::ups(UPS[extra]), FeedHealth::AtRisk);
        let after = shut_down(&worse.plan());
        prop_assert!(before.is_subset(&after), "{before:?} vs {after:?}");
    }

    #[test]
    fn a_restore_undoes_every_move_and_stop(spec in spec()) {
        let lab = build(&spec);
        let shed = lab.plan();
        let journal: Vec<JournalEntry> = shed.steps.iter().map(|step| JournalEntry {
            step: step.clone(),
            state: StepState::Done,
            before: match &step.action {
                StepAction::MigrateVm { from, .. } | StepAction::StopVm { host: from, .. } => Some(Before::Vm {
                    host: Some(from.clone()),
                    power: VmPower::PoweredOn,
                }),
                _ => Some(Before::Server { power: crate::state::PowerState::On, in_maintenance: Some(false) }),
            },
        }).collect();
        let restore = restore_plan(&journal, &lab.inventory, &StepEstimates::default());
        prop_assert!(restore.check().is_ok());
        for step in &shed.steps {
            let undone = restore.steps.iter().any(|r| match (&step.action, &r.action) {
                (StepAction::MigrateVm { vm, from, to, .. }, StepAction::MigrateVm { vm: v, from: f, to: t, .. }) =>
                    vm == v && from == t && to == f,
                (StepAction::StopVm { vm, host, .. }, StepAction::StartVm { vm: v, host: h, .. }) => vm == v && host == h,
                (StepAction::EnterMaintenance { server, .. }, StepAction::ExitMaintenance { server: s, .. }) => server == s,
                (StepAction::ShutdownServer { server, .. }, StepAction::PowerOnServer { server: s, .. }) => server == s,
                _ => false,
            });
            prop_assert!(undone, "{} is not undone", step.action);
        }
    }
}
