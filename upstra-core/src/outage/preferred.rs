//! Preferred migration targets (`migrate_to` on a `[[server]]`): the hypervisors an operator
//! wants a shed server's VMs to go to first (the predecessor's `destination`).
//!
//! The preference only reorders the planner's choice, it never widens it: a preferred host
//! must be one the planner would accept anyway (on healthy power, not shed, connected, out of
//! maintenance, with the memory and vCPUs for the VM). The first preferred host that can take
//! the VM gets it; when none can, the usual choice applies, and the plan says why each was
//! passed over ([`PreferredChoice`]).
//!
//! [`never_target`] is the same rule read from the declaration alone: a preference that no
//! outage of its server could ever honour is refused at `apply`, while the operator is at the
//! keyboard, instead of being passed over silently in the middle of an outage.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::ServerId;
use crate::model::{Inventory, Server, ServerKind, Vm};
use crate::state::PowerState;
use crate::traits::HostInfo;

use super::policy::PlanSettings;
use super::shed::{LabState, Room};

/// How many preferred targets a server may list. An ordered fallback longer than a handful is
/// what the planner's own choice already does; the bound keeps each VM's search short.
pub const MAX_MIGRATE_TO: usize = 8;

/// Why a preferred target cannot take a VM in this outage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unfit {
    /// No longer declared (removed since the preference was written).
    NotDeclared,
    /// Not a hypervisor with a vSphere host.
    NotAHypervisor,
    /// It loses power in this same outage.
    Shed,
    /// One of its UPS is on battery or silent.
    PowerNotHealthy,
    /// It is on no managed UPS and `migrate_to_hosts_without_ups` is off.
    NoManagedUps,
    /// vCenter does not report it, or not its capacity.
    NotInVcenter,
    Disconnected,
    InMaintenance,
    PoweredOff,
    /// Not enough memory or vCPUs left for this VM.
    NoRoom,
    /// Sent by a newer daemon.
    #[serde(other)]
    Unknown,
}

impl fmt::Display for Unfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotDeclared => "no longer declared",
            Self::NotAHypervisor => "not a hypervisor with a vsphere_host",
            Self::Shed => "shed in this outage",
            Self::PowerNotHealthy => "its UPS is not on mains",
            Self::NoManagedUps => "on no managed UPS (migrate_to_hosts_without_ups is off)",
            Self::NotInVcenter => "vCenter does not report its capacity",
            Self::Disconnected => "disconnected from vCenter",
            Self::InMaintenance => "in maintenance mode",
            Self::PoweredOff => "powered off",
            Self::NoRoom => "not enough memory or vCPUs left",
            Self::Unknown => "not usable",
        })
    }
}

/// A preferred target passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub server: ServerId,
    pub why: Unfit,
}

/// How a VM's preferred targets were used: which one took it, or why none could.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferredChoice {
    /// The VM's vCenter name.
    pub vm: String,
    /// The shed server it leaves.
    pub from: ServerId,
    /// The preferred server it goes to; absent: none could take it and the usual choice
    /// applies (another host, or a shutdown).
    pub used: Option<ServerId>,
    /// The preferred servers listed before `used` (all of them without it), in order.
    pub skipped: Vec<Skipped>,
}

impl fmt::Display for PreferredChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let skipped: Vec<String> = self
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.server, s.why))
            .collect();
        match &self.used {
            Some(to) if skipped.is_empty() => {
                write!(f, "vm:{}: goes to {to}, its preferred host", self.vm)
            }
            Some(to) => write!(
                f,
                "vm:{}: goes to {to}, its next preferred host; passed over: {}",
                self.vm,
                skipped.join(", ")
            ),
            None => write!(
                f,
                "vm:{}: no preferred host of {} can take it, the usual choice applies; passed over: {}",
                self.vm,
                self.from,
                skipped.join(", ")
            ),
        }
    }
}

/// Why `server` cannot take VMs in the outage `state` describes, before any room is counted;
/// `None`: it can. The one rule for the planner's usual targets and the preferred ones.
pub(super) fn unfit(
    server: &Server,
    state: &LabState,
    host_info: &BTreeMap<&str, &HostInfo>,
    settings: &PlanSettings,
) -> Option<Unfit> {
    let Some(host) = server
        .vsphere_host
        .as_deref()
        .filter(|_| server.kind == ServerKind::Hypervisor)
    else {
        return Some(Unfit::NotAHypervisor);
    };
    if state.in_scope(server) {
        return Some(Unfit::Shed);
    }
    // A host on no managed UPS: its power is unknown, so only when the lab says it holds.
    if server.feeds.is_empty() {
        if !settings.migrate_to_hosts_without_ups {
            return Some(Unfit::NoManagedUps);
        }
    } else if !state.on_healthy_power(server) {
        return Some(Unfit::PowerNotHealthy);
    }
    let Some(info) = host_info.get(host).filter(|i| i.capacity.is_some()) else {
        return Some(Unfit::NotInVcenter);
    };
    if !info.connected {
        return Some(Unfit::Disconnected);
    }
    if info.in_maintenance {
        return Some(Unfit::InMaintenance);
    }
    if state
        .servers
        .get(&server.id)
        .is_some_and(|s| s.power == PowerState::Off)
    {
        return Some(Unfit::PoweredOff);
    }
    None
}

/// Why `target` could never take VMs from `source` in any outage that sheds `source`, read
/// from the declaration alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NeverTarget {
    /// `source` has no VMs to move: it is not a hypervisor with a vSphere host.
    SourceNotAHypervisor,
    /// `source` is on no managed UPS: it is never shed.
    SourceNeverShed,
    Itself,
    NotAHypervisor,
    /// `target` is on no managed UPS and the lab does not allow moving VMs onto such hosts.
    NoManagedUps,
    /// Every outage that sheds `source` leaves `target` short of healthy feeds too.
    SharesItsPower,
}

impl fmt::Display for NeverTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::SourceNotAHypervisor => {
                "migrate_to needs a hypervisor with a vsphere_host: this server has no VMs to move"
            }
            Self::SourceNeverShed => {
                "migrate_to needs feeds: a server on no managed UPS is never shed, so its VMs never move"
            }
            Self::Itself => "a server cannot migrate its VMs to itself",
            Self::NotAHypervisor => {
                "is not a hypervisor with a vsphere_host, so it cannot take VMs"
            }
            Self::NoManagedUps => {
                "is on no managed UPS: set migrate_to_hosts_without_ups = true in [plan] if its power holds during an outage, or name another host"
            }
            Self::SharesItsPower => {
                "loses its power in every outage that sheds this server (it has no UPS of its own): name a host fed by another UPS"
            }
        })
    }
}

/// Whether `source`'s VMs never move in an outage, so that a preference on it means nothing.
pub fn never_moves_vms(source: &Server) -> Option<NeverTarget> {
    if source.kind != ServerKind::Hypervisor || source.vsphere_host.is_none() {
        return Some(NeverTarget::SourceNotAHypervisor);
    }
    source
        .feeds
        .is_empty()
        .then_some(NeverTarget::SourceNeverShed)
}

/// Whether `target` can never take `source`'s VMs. With `feeds_required`, `source` is shed
/// once more than `n_s - r_s` of its `n_s` feeds are at risk; the outage kindest to `target`
/// puts at risk first the feeds of `source` it does not share. `target` can be on healthy
/// power then only if it keeps `r_t` feeds out of those forced at risk.
pub fn never_target(
    source: &Server,
    target: &Server,
    settings: &PlanSettings,
) -> Option<NeverTarget> {
    if let Some(why) = never_moves_vms(source) {
        return Some(why);
    }
    if source.id == target.id {
        return Some(NeverTarget::Itself);
    }
    if target.kind != ServerKind::Hypervisor || target.vsphere_host.is_none() {
        return Some(NeverTarget::NotAHypervisor);
    }
    if target.feeds.is_empty() {
        return (!settings.migrate_to_hosts_without_ups).then_some(NeverTarget::NoManagedUps);
    }
    let source_feeds: BTreeSet<_> = source.feeds.iter().collect();
    let target_feeds: BTreeSet<_> = target.feeds.iter().collect();
    let n_s = source_feeds.len();
    let r_s = usize::from(source.feeds_required.max(1)).min(n_s);
    let shared = source_feeds.intersection(&target_feeds).count();
    let at_risk_to_shed = n_s - r_s + 1;
    let forced_on_target = at_risk_to_shed.saturating_sub(n_s - shared);
    let r_t = usize::from(target.feeds_required.max(1));
    (target_feeds.len().saturating_sub(forced_on_target) < r_t)
        .then_some(NeverTarget::SharesItsPower)
}

/// The first of `source`'s preferred targets that can take `vm` now, taking its room, and
/// what became of each one tried. `None` when `source` states no preference.
pub(super) fn pick_preferred(
    rooms: &mut [Room],
    vm: &Vm,
    source: &Server,
    inventory: &Inventory,
    state: &LabState,
    host_info: &BTreeMap<&str, &HostInfo>,
    settings: &PlanSettings,
) -> Option<PreferredChoice> {
    if source.migrate_to.is_empty() {
        return None;
    }
    let mut choice = PreferredChoice {
        vm: vm.name.clone(),
        from: source.id.clone(),
        used: None,
        skipped: Vec::new(),
    };
    for wanted in source.migrate_to.iter().take(MAX_MIGRATE_TO) {
        let why = match inventory.servers.get(wanted) {
            None => Unfit::NotDeclared,
            Some(target) => match unfit(target, state, host_info, settings) {
                Some(why) => why,
                None => {
                    let host = target.vsphere_host.as_deref().unwrap_or_default();
                    match rooms.iter_mut().find(|r| r.host == host) {
                        Some(room) if room.fits(vm) => {
                            room.take(vm);
                            choice.used = Some(wanted.clone());
                            return Some(choice);
                        }
                        Some(_) => Unfit::NoRoom,
                        // Fit by every rule yet no room was counted: treat as full, never guess.
                        None => Unfit::NoRoom,
                    }
                }
            },
        };
        choice.skipped.push(Skipped {
            server: wanted.clone(),
            why,
        });
    }
    Some(choice)
}
