//! `shed_plan()`: what to do for the servers that are about to lose power.
//!
//! 1. In scope: servers left with fewer powered feeds than they need (`feeds_required`,
//!    default one: a dual-PSU server on one healthy UPS keeps running; one whose PSUs
//!    cannot carry the load alone needs both).
//! 2. Their running VMs, most important first: live-migrated to a host on healthy power that
//!    has the memory and CPU for them (preferring the same cluster, then the emptiest host),
//!    else shut down cleanly. Less important VMs stop first.
//! 3. Each affected hypervisor enters maintenance once its VMs are handled, then every
//!    affected server shuts down: tier by tier (lower tiers first), and a server only after
//!    the servers that depend on it (storage after its consumers).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ids::{ServerId, UpsId};
use crate::model::{Inventory, Server, ServerKind, Vm, VmPower};
use crate::state::{PowerState, ServerLive};
use crate::traits::HostInfo;

use super::plan::{Plan, PlanKind, PlanNote, StepAction, StepId, StepList, after};
use super::policy::{StepEstimates, UpsOffPolicy, VmPolicy};
use super::preferred::{pick_preferred, unfit};
use super::schedule::schedule;

/// How a UPS stands, for planning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeedHealth {
    /// On mains and answering.
    Healthy,
    /// On battery, silent or not read yet, but not acted on: neither in scope nor a safe target.
    Degraded,
    /// An outage is being acted on: its servers lose power.
    AtRisk,
}

/// What the peers report right now, as the planner needs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LabState {
    /// Every declared UPS; one missing counts as degraded.
    pub feeds: BTreeMap<UpsId, FeedHealth>,
    pub servers: BTreeMap<ServerId, ServerLive>,
    pub hosts: Vec<HostInfo>,
    pub vms: Vec<Vm>,
}

impl LabState {
    fn feed(&self, ups: &UpsId) -> FeedHealth {
        self.feeds.get(ups).copied().unwrap_or(FeedHealth::Degraded)
    }

    /// Fewer of its feeds than it needs will carry power: with the default of one, every
    /// feed is at risk. A degraded feed still carries power for now (it is acted on when its
    /// own outage is), so only feeds at risk count against it.
    pub fn in_scope(&self, server: &Server) -> bool {
        let powered = server
            .feeds
            .iter()
            .filter(|u| self.feed(u) != FeedHealth::AtRisk)
            .count();
        !server.feeds.is_empty() && powered < required(server)
    }

    /// As many feeds as it needs are healthy: a safe place to move VMs to.
    pub fn on_healthy_power(&self, server: &Server) -> bool {
        let healthy = server
            .feeds
            .iter()
            .filter(|u| self.feed(u) == FeedHealth::Healthy)
            .count();
        healthy >= required(server)
    }

    fn power(&self, server: &ServerId) -> PowerState {
        self.servers
            .get(server)
            .map_or(PowerState::Unknown, |s| s.power)
    }
}

/// How many feeds a server needs, never less than one (a stored server predating the setting
/// reads as one).
fn required(server: &Server) -> usize {
    usize::from(server.feeds_required.max(1))
}

/// Room left on a target host.
#[derive(Debug, Clone)]
pub(super) struct Room {
    pub(super) host: String,
    cluster: Option<String>,
    memory_mib: i64,
    vcpus: i64,
}

impl Room {
    pub(super) fn fits(&self, vm: &Vm) -> bool {
        self.memory_mib >= to_i64(vm.memory_mib) && self.vcpus >= i64::from(vm.cpus)
    }

    pub(super) fn take(&mut self, vm: &Vm) {
        self.memory_mib -= to_i64(vm.memory_mib);
        self.vcpus -= i64::from(vm.cpus);
    }
}

/// The policy of a VM, by its vCenter name.
pub fn vm_policy(policies: &BTreeMap<String, VmPolicy>, vm: &Vm) -> VmPolicy {
    policies.get(&vm.name).cloned().unwrap_or_default()
}

/// The shed plan for the feeds marked at risk in `state`.
pub fn shed_plan(inventory: &Inventory, state: &LabState, estimates: &StepEstimates) -> Plan {
    let settings = &inventory.plan_settings();
    let mut notes = Vec::new();
    let affected: Vec<&Server> = inventory
        .servers
        .values()
        .filter(|s| state.in_scope(s))
        .collect();
    let affected_hosts: BTreeMap<&str, &Server> = affected
        .iter()
        .filter(|s| s.kind == ServerKind::Hypervisor)
        .filter_map(|s| s.vsphere_host.as_deref().map(|h| (h, *s)))
        .collect();
    let host_info: BTreeMap<&str, &HostInfo> =
        state.hosts.iter().map(|h| (h.name.as_str(), h)).collect();

    let mut rooms = target_rooms(inventory, state, &host_info, settings);
    let mut moving: Vec<(&Vm, VmPolicy)> = state
        .vms
        .iter()
        .filter(|vm| vm.power == VmPower::PoweredOn)
        .filter(|vm| {
            vm.host
                .as_deref()
                .is_some_and(|h| affected_hosts.contains_key(h))
        })
        .map(|vm| (vm, vm_policy(&inventory.vm_policies, vm)))
        .collect();
    // Most important first, then biggest first (first-fit decreasing packs best).
    moving.sort_by(|(a, pa), (b, pb)| {
        pb.priority
            .cmp(&pa.priority)
            .then(b.memory_mib.cmp(&a.memory_mib))
            .then(a.name.cmp(&b.name))
    });

    let mut steps = StepList::default();
    let mut vm_steps: BTreeMap<&str, Vec<StepId>> = BTreeMap::new();
    let mut stops: Vec<(&Vm, VmPolicy)> = Vec::new();
    let mut preferred_choices = Vec::new();
    for (vm, policy) in moving {
        let Some(host) = vm.host.as_deref() else {
            continue;
        };
        let migrates = settings.live_migrate && policy.migrate;
        // The operator's preferred hosts first, then the usual choice.
        let preferred = affected_hosts
            .get(host)
            .filter(|_| migrates)
            .and_then(|source| {
                pick_preferred(
                    &mut rooms, vm, source, inventory, state, &host_info, settings,
                )
            });
        let preferred_host = preferred.as_ref().and_then(|c| {
            let to = inventory.servers.get(c.used.as_ref()?)?;
            to.vsphere_host.clone()
        });
        preferred_choices.extend(preferred);
        let target = preferred_host.or_else(|| {
            migrates
                .then(|| {
                    pick_target(
                        &mut rooms,
                        vm,
                        host_info.get(host).and_then(|h| h.cluster.as_deref()),
                    )
                })
                .flatten()
        });
        match target {
            Some(to) => {
                let id = steps.push(
                    StepAction::MigrateVm {
                        vm: vm.id.clone(),
                        name: vm.name.clone(),
                        from: host.to_owned(),
                        to,
                        priority: policy.priority,
                    },
                    Vec::new(),
                    estimates.migrate_vm_s,
                );
                vm_steps.entry(host).or_default().push(id);
            }
            None => {
                if settings.live_migrate && policy.migrate {
                    notes.push(PlanNote {
                        target: format!("vm:{}", vm.name),
                        message: "no host on healthy power has room for it: it will be shut down"
                            .into(),
                    });
                }
                stops.push((vm, policy));
            }
        }
    }
    // Least important stop first; each priority level waits for the levels below it.
    stops.sort_by(|(a, pa), (b, pb)| pa.priority.cmp(&pb.priority).then(a.name.cmp(&b.name)));
    let mut lower_levels: Vec<StepId> = Vec::new();
    let mut level: Vec<StepId> = Vec::new();
    let mut level_priority = None;
    for (vm, policy) in stops {
        if level_priority != Some(policy.priority) {
            lower_levels.append(&mut level);
            level_priority = Some(policy.priority);
        }
        let host = vm.host.clone().unwrap_or_default();
        let id = steps.push(
            StepAction::StopVm {
                vm: vm.id.clone(),
                name: vm.name.clone(),
                host: host.clone(),
                priority: policy.priority,
                guest_timeout_s: settings.guest_shutdown_timeout_s,
            },
            after(&lower_levels),
            estimates.stop_vm_s,
        );
        level.push(id);
        if let Some((h, _)) = affected_hosts.get_key_value(host.as_str()) {
            vm_steps.entry(h).or_default().push(id);
        }
    }

    let mut ready_to_stop: BTreeMap<&ServerId, Vec<StepId>> = BTreeMap::new();
    for (host, server) in &affected_hosts {
        let in_maintenance = state
            .servers
            .get(&server.id)
            .and_then(|l| l.in_maintenance)
            .unwrap_or(false);
        let deps = vm_steps.get(host).cloned().unwrap_or_default();
        if in_maintenance || state.power(&server.id) == PowerState::Off {
            ready_to_stop.insert(&server.id, deps);
            continue;
        }
        let id = steps.push(
            StepAction::EnterMaintenance {
                server: server.id.clone(),
                host: (*host).to_owned(),
            },
            after(&deps),
            estimates.enter_maintenance_s,
        );
        ready_to_stop.insert(&server.id, vec![id]);
    }
    shutdowns(
        &affected,
        state,
        settings,
        estimates,
        &mut steps,
        &ready_to_stop,
        &mut notes,
    );
    warn_about_consumers(inventory, &affected, &mut notes);
    last_out(inventory, state, estimates, &mut steps, &mut notes);

    estimates.mark(&mut steps.steps);
    let schedule = schedule(&steps.steps, settings.migrations_per_host);
    Plan {
        kind: PlanKind::Shed,
        steps: steps.steps,
        migrations_per_host: settings.migrations_per_host,
        schedule,
        notes,
        preferred: preferred_choices,
    }
}

/// Hosts on healthy power that may take VMs, with the room they have left.
fn target_rooms(
    inventory: &Inventory,
    state: &LabState,
    host_info: &BTreeMap<&str, &HostInfo>,
    settings: &super::policy::PlanSettings,
) -> Vec<Room> {
    // Memory and vCPUs the running VMs already take on each host, in one pass.
    let mut committed: BTreeMap<&str, (i64, i64)> = BTreeMap::new();
    for vm in state.vms.iter().filter(|v| v.power == VmPower::PoweredOn) {
        if let Some(host) = vm.host.as_deref() {
            let c = committed.entry(host).or_default();
            c.0 += to_i64(vm.memory_mib);
            c.1 += i64::from(vm.cpus);
        }
    }
    let mut rooms = Vec::new();
    for server in inventory.servers.values() {
        if unfit(server, state, host_info, settings).is_some() {
            continue;
        }
        let Some(host) = server.vsphere_host.as_deref() else {
            continue;
        };
        let Some((info, capacity)) = host_info
            .get(host)
            .and_then(|info| Some((info, info.capacity?)))
        else {
            continue;
        };
        let (used_mem, used_cpu) = committed.get(host).copied().unwrap_or_default();
        let usable_mem =
            to_i64(capacity.memory_mib) * (100 - i64::from(settings.memory_headroom_pct)) / 100;
        rooms.push(Room {
            host: host.to_owned(),
            cluster: info.cluster.clone(),
            memory_mib: usable_mem - used_mem,
            vcpus: i64::from(capacity.cpu_threads) * i64::from(settings.vcpus_per_thread)
                - used_cpu,
        });
    }
    rooms
}

fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The host with the most free memory that fits `vm`, in its own cluster if any fits there.
fn pick_target(rooms: &mut [Room], vm: &Vm, cluster: Option<&str>) -> Option<String> {
    let fits = |r: &Room| r.fits(vm);
    let best = |same_cluster: bool, rooms: &[Room]| {
        rooms
            .iter()
            .enumerate()
            .filter(|(_, r)| fits(r) && (!same_cluster || r.cluster.as_deref() == cluster))
            .max_by(|(_, a), (_, b)| a.memory_mib.cmp(&b.memory_mib).then(b.host.cmp(&a.host)))
            .map(|(i, _)| i)
    };
    let i = cluster
        .and_then(|_| best(true, rooms))
        .or_else(|| best(false, rooms))?;
    let room = &mut rooms[i];
    room.take(vm);
    Some(room.host.clone())
}

/// One shutdown step per affected server that is not already off: after its own preparation,
/// after the lower tiers, and after the servers that depend on it.
fn shutdowns(
    affected: &[&Server],
    state: &LabState,
    settings: &super::policy::PlanSettings,
    estimates: &StepEstimates,
    steps: &mut StepList,
    ready: &BTreeMap<&ServerId, Vec<StepId>>,
    notes: &mut Vec<PlanNote>,
) {
    let mut order: Vec<&Server> = affected.to_vec();
    // Dependants before what they depend on; a dependency never goes down in an earlier tier
    // than a server that needs it.
    let rank = shutdown_rank(affected);
    let rank_of = |s: &Server| rank.get(&s.id).copied().unwrap_or((s.tier, 0));
    order.sort_by(|a, b| rank_of(a).cmp(&rank_of(b)).then(a.id.cmp(&b.id)));
    let mut done: BTreeMap<&ServerId, StepId> = BTreeMap::new();
    let mut by_tier: BTreeMap<u32, Vec<StepId>> = BTreeMap::new();
    let in_scope: BTreeSet<&ServerId> = affected.iter().map(|s| &s.id).collect();
    for server in order {
        if server.this_host {
            // Shut down last, by `last_out`, after the UPS is told what to do.
            continue;
        }
        if state.power(&server.id) == PowerState::Off {
            notes.push(PlanNote {
                target: format!("server:{}", server.id),
                message: "already off".into(),
            });
            continue;
        }
        let via_vsphere = server.kind == ServerKind::Hypervisor && server.vsphere_host.is_some();
        if server.bmc.is_none() && !via_vsphere {
            notes.push(PlanNote {
                target: format!("server:{}", server.id),
                message: "cannot be shut down: it has neither a BMC nor a vSphere host declared"
                    .into(),
            });
            continue;
        }
        let mut deps = ready.get(&server.id).cloned().unwrap_or_default();
        let tier = rank_of(server).0;
        deps.extend(
            by_tier
                .range(..tier)
                .next_back()
                .map(|(_, ids)| ids.clone())
                .unwrap_or_default(),
        );
        // Servers in scope that depend on this one go down first.
        for other in affected {
            if other.depends_on.contains(&server.id)
                && in_scope.contains(&other.id)
                && let Some(id) = done.get(&other.id)
            {
                deps.push(*id);
            }
        }
        let id = steps.push(
            StepAction::ShutdownServer {
                server: server.id.clone(),
                host: server.vsphere_host.clone().filter(|_| via_vsphere),
                off_timeout_s: settings.server_off_timeout_s,
                force_off: settings.force_off,
            },
            after(&deps),
            estimates.shutdown_server_s,
        );
        done.insert(&server.id, id);
        by_tier.entry(tier).or_default().push(id);
    }
}

/// Each affected server's place in the shutdown order: its tier raised to the tier of any
/// in-scope server that depends on it, then how many levels of dependants it has (0: nobody
/// depends on it), so that sorting puts consumers before their storage.
pub(super) fn shutdown_rank<'a>(affected: &[&'a Server]) -> BTreeMap<&'a ServerId, (u32, usize)> {
    let mut rank: BTreeMap<&ServerId, (u32, usize)> =
        affected.iter().map(|s| (&s.id, (s.tier, 0))).collect();
    // The lab file refuses cycles, so this settles in at most `len` rounds.
    for _ in 0..=affected.len() {
        let mut changed = false;
        for s in affected {
            let (tier, depth) = rank.get(&s.id).copied().unwrap_or((s.tier, 0));
            for dep in &s.depends_on {
                if let Some(r) = rank.get_mut(dep)
                    && (r.0 < tier || r.1 < depth + 1)
                {
                    *r = (r.0.max(tier), r.1.max(depth + 1));
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    rank
}

/// The shed's last steps, once every other step has ended (failed ones too: the battery
/// will not wait): each UPS at risk whose policy says `ups_off = "return"` is asked to cut
/// its output after a delay and to restore it when mains returns, then the daemon's own
/// machine shuts down. The delay covers this host's shutdown when the UPS feeds it, plus the
/// policy's margin.
fn last_out(
    inventory: &Inventory,
    state: &LabState,
    estimates: &StepEstimates,
    steps: &mut StepList,
    notes: &mut Vec<PlanNote>,
) {
    let this_host = inventory
        .servers
        .values()
        .find(|s| s.this_host && state.in_scope(s));
    let host_shutdown_s = this_host.map_or(0, |h| {
        estimates
            .learned_targets
            .get(&("shutdown_this_host".to_owned(), format!("server:{}", h.id)))
            .copied()
            .unwrap_or(estimates.shutdown_this_host_s)
    });
    let everything: Vec<StepId> = steps.steps.iter().map(|s| s.id).collect();
    let mut commands = Vec::new();
    for (id, ups) in &inventory.ups {
        if state.feed(id) != FeedHealth::AtRisk {
            continue;
        }
        let feeds_this_host = this_host.is_some_and(|h| h.feeds.contains(id));
        match ups.policy.ups_off {
            UpsOffPolicy::Return => {
                let delay_s = if feeds_this_host { host_shutdown_s } else { 0 }
                    .saturating_add(ups.policy.ups_off_margin_s);
                commands.push(steps.push(
                    StepAction::UpsOff {
                        ups: id.clone(),
                        delay_s,
                    },
                    after(&everything),
                    estimates.ups_off_s,
                ));
            }
            UpsOffPolicy::Never if feeds_this_host => notes.push(PlanNote {
                target: format!("ups:{id}"),
                message: "keeps its output on after this host shuts down (ups_off = \"never\"): \
                          servers that wait for mains to return stay off until someone powers them on"
                    .into(),
            }),
            UpsOffPolicy::Never => {}
        }
    }
    if let Some(host) = this_host {
        let mut deps = everything;
        deps.extend(commands);
        steps.push(
            StepAction::ShutdownThisHost {
                server: host.id.clone(),
            },
            after(&deps),
            host_shutdown_s,
        );
    }
}

/// A server on healthy power that depends on one going down will lose its storage or network.
fn warn_about_consumers(inventory: &Inventory, affected: &[&Server], notes: &mut Vec<PlanNote>) {
    let going: BTreeSet<&ServerId> = affected.iter().map(|s| &s.id).collect();
    for server in inventory.servers.values() {
        if going.contains(&server.id) {
            continue;
        }
        for dep in server.depends_on.iter().filter(|d| going.contains(d)) {
            notes.push(PlanNote {
                target: format!("server:{}", server.id),
                message: format!(
                    "stays up on healthy power but depends on {dep}, which is shut down"
                ),
            });
        }
    }
}
