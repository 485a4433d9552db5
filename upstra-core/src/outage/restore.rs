//! `restore_plan()`: undo a shed from its journal, so the lab ends as it was before the cut.
//!
//! Every step that may have acted is undone; steps that never started need nothing. Servers
//! come back in the reverse of the shed order (higher tiers and storage first), each waits
//! until vCenter sees it connected and leaves maintenance; then every moved VM goes back to
//! the host it ran on and every VM that was running starts again, the most important first.

use std::collections::BTreeMap;

use crate::ids::ServerId;
use crate::model::{DEFAULT_POWER_ON_STAGGER_S, Inventory, ServerKind, VmPower};
use crate::state::PowerState;

use super::journal::{Before, JournalEntry};
use super::plan::{Dep, Plan, PlanKind, PlanNote, StepAction, StepId, StepList, after, needs};
use super::policy::StepEstimates;
use super::schedule::schedule;
use super::shed::shutdown_rank;

/// The restore plan for a shed whose steps ended as `journal` says.
pub fn restore_plan(
    journal: &[JournalEntry],
    inventory: &Inventory,
    estimates: &StepEstimates,
) -> Plan {
    let settings = &inventory.plan_settings();
    let mut notes = Vec::new();
    let mut steps = StepList::default();
    let acted = || journal.iter().filter(|e| e.state.may_have_acted());

    // Servers that were shut down, and hosts that entered maintenance.
    let mut power_on: Vec<&ServerId> = Vec::new();
    let mut leave_maintenance: BTreeMap<&ServerId, &str> = BTreeMap::new();
    for entry in acted() {
        match &entry.step.action {
            StepAction::ShutdownServer { server, .. } => {
                let was_off = matches!(
                    entry.before,
                    Some(Before::Server {
                        power: PowerState::Off,
                        ..
                    })
                );
                if was_off {
                    notes.push(PlanNote {
                        target: format!("server:{server}"),
                        message: "was off before the outage: left off".into(),
                    });
                } else {
                    power_on.push(server);
                }
            }
            StepAction::EnterMaintenance { server, host } => {
                let was_in = matches!(
                    entry.before,
                    Some(Before::Server {
                        in_maintenance: Some(true),
                        ..
                    })
                );
                if !was_in {
                    leave_maintenance.insert(server, host);
                }
            }
            _ => {}
        }
    }

    // What came down last comes up first: the reverse of the shed order.
    let servers: Vec<&crate::model::Server> = power_on
        .iter()
        .filter_map(|id| inventory.servers.get(*id))
        .collect();
    let ranks = shutdown_rank(&servers);
    let rank_of = |id: &ServerId| ranks.get(id).copied().unwrap_or_default();
    power_on.sort_by(|a, b| rank_of(b).cmp(&rank_of(a)).then(a.cmp(b)));
    let mut ready: BTreeMap<&ServerId, StepId> = BTreeMap::new();
    let mut booted: BTreeMap<&ServerId, StepId> = BTreeMap::new();
    let mut by_rank: BTreeMap<u32, Vec<StepId>> = BTreeMap::new();
    for server in power_on {
        let r = rank_of(server).0;
        let mut deps = after(
            &by_rank
                .range(r + 1..)
                .next()
                .map(|(_, ids)| ids.clone())
                .unwrap_or_default(),
        );
        // A server it depends on is up once booted: its power-on ended (which waits for POST
        // where the BMC reports it) and, for a hypervisor, vCenter sees it connected.
        if let Some(s) = inventory.servers.get(server) {
            deps.extend(after(
                &s.depends_on
                    .iter()
                    .filter_map(|d| booted.get(d).copied())
                    .collect::<Vec<_>>(),
            ));
        }
        let room = inventory.servers.get(server).map(|s| &s.room);
        let stagger_s = room
            .and_then(|r| inventory.rooms.get(r))
            .map_or(DEFAULT_POWER_ON_STAGGER_S, |r| r.power_on_stagger_s);
        let id = steps.push(
            StepAction::PowerOnServer {
                server: server.clone(),
                on_timeout_s: settings.server_on_timeout_s,
                room: room.cloned(),
                stagger_s,
            },
            deps,
            estimates.power_on_server_s,
        );
        booted.insert(server, id);
        by_rank.entry(r).or_default().push(id);
        ready.insert(server, id);
        let host = inventory
            .servers
            .get(server)
            .filter(|s| s.kind == ServerKind::Hypervisor)
            .and_then(|s| s.vsphere_host.clone());
        if let Some(host) = host {
            let wait = steps.push(
                StepAction::WaitConnected {
                    server: server.clone(),
                    host,
                    timeout_s: settings.server_on_timeout_s,
                },
                needs(&[id]),
                estimates.wait_connected_s,
            );
            ready.insert(server, wait);
            booted.insert(server, wait);
        }
    }
    for (server, host) in leave_maintenance {
        let deps = ready
            .get(server)
            .map(|&id| needs(&[id]))
            .unwrap_or_default();
        let id = steps.push(
            StepAction::ExitMaintenance {
                server: server.clone(),
                host: host.to_owned(),
            },
            deps,
            estimates.exit_maintenance_s,
        );
        ready.insert(server, id);
    }
    let host_ready = |host: &str| -> Vec<Dep> {
        inventory
            .servers
            .values()
            .find(|s| s.vsphere_host.as_deref() == Some(host))
            .and_then(|s| ready.get(&s.id))
            .map(|&id| needs(&[id]))
            .unwrap_or_default()
    };

    // VMs: moved ones go back, stopped ones start, the most important first.
    let mut vms: Vec<(&JournalEntry, i32)> = acted()
        .filter_map(|e| match &e.step.action {
            StepAction::MigrateVm { priority, .. } | StepAction::StopVm { priority, .. } => {
                Some((e, *priority))
            }
            _ => None,
        })
        .collect();
    vms.sort_by_key(|(e, p)| (-i64::from(*p), e.step.id));
    let mut higher_levels: Vec<StepId> = Vec::new();
    let mut level: Vec<StepId> = Vec::new();
    let mut level_priority = None;
    for (entry, priority) in vms {
        match &entry.step.action {
            StepAction::MigrateVm {
                vm, name, from, to, ..
            } => {
                let home = match &entry.before {
                    Some(Before::Vm { host: Some(h), .. }) => h.clone(),
                    _ => from.clone(),
                };
                steps.push(
                    StepAction::MigrateVm {
                        vm: vm.clone(),
                        name: name.clone(),
                        from: to.clone(),
                        to: home.clone(),
                        priority,
                    },
                    host_ready(&home),
                    estimates.migrate_vm_s,
                );
            }
            StepAction::StopVm { vm, name, host, .. } => {
                let (home, was_on) = match &entry.before {
                    Some(Before::Vm { host: h, power }) => (
                        h.clone().unwrap_or_else(|| host.clone()),
                        *power == VmPower::PoweredOn,
                    ),
                    _ => (host.clone(), true),
                };
                if !was_on {
                    continue;
                }
                if level_priority != Some(priority) {
                    higher_levels.append(&mut level);
                    level_priority = Some(priority);
                }
                let mut deps = host_ready(&home);
                deps.extend(after(&higher_levels));
                let id = steps.push(
                    StepAction::StartVm {
                        vm: vm.clone(),
                        name: name.clone(),
                        host: home,
                        priority,
                    },
                    deps,
                    estimates.start_vm_s,
                );
                level.push(id);
            }
            _ => {}
        }
    }

    estimates.mark(&mut steps.steps);
    let schedule = schedule(&steps.steps, settings.migrations_per_host);
    Plan {
        kind: PlanKind::Restore,
        steps: steps.steps,
        migrations_per_host: settings.migrations_per_host,
        schedule,
        notes,
        preferred: Vec::new(),
    }
}
