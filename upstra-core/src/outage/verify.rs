//! What a restore owes, and whether it paid: the objects the sheds changed with the state
//! each was in before, compared with what the peers say after the restore. A shed is undone
//! only when every object it changed is back; step outcomes are not evidence, the peers are.
//!
//! Only steps that recorded the state before count: the executor records it before sending
//! anything, so a step without it never changed its target (a BMC that never answered was
//! never told to power off, and there is nothing to put back).

use std::collections::{BTreeMap, BTreeSet};

use crate::ids::{ServerId, VmId};
use crate::model::VmPower;
use crate::state::PowerState;

use super::journal::{Before, JournalEntry};
use super::plan::StepAction;

/// The state an object must be back in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Want {
    Server {
        server: ServerId,
        /// On or Off; absent when no shed step changed its power.
        power: Option<PowerState>,
        /// The vSphere host and whether it was in maintenance mode; absent when no shed step
        /// changed it.
        maintenance: Option<(String, bool)>,
    },
    Vm {
        vm: VmId,
        host: Option<String>,
        power: VmPower,
    },
}

/// One object a shed changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owed {
    /// The shed that changed it first: its state before that shed is the one to get back.
    pub shed: i64,
    /// `server:NAME` or `vm:NAME`, as steps name their targets.
    pub target: String,
    pub want: Want,
}

/// The entries of a journal that changed something: they may have acted, and recorded the
/// state before.
fn acted(entry: &JournalEntry) -> bool {
    entry.state.may_have_acted() && entry.before.is_some()
}

/// What the sheds (oldest first, each with its journal) changed. An object several sheds
/// touched is owed to the first: a later shed saw it already changed.
pub fn owed(sheds: &[(i64, Vec<JournalEntry>)]) -> Vec<Owed> {
    let mut out: Vec<Owed> = Vec::new();
    let mut first: BTreeMap<String, i64> = BTreeMap::new();
    for (shed, journal) in sheds {
        for entry in journal.iter().filter(|e| acted(e)) {
            let target = entry.step.action.target();
            match first.get(&target) {
                Some(owner) if owner != shed => continue,
                Some(_) => {}
                None => {
                    first.insert(target.clone(), *shed);
                }
            }
            let Some(want) = want_of(entry) else {
                continue;
            };
            match out.iter_mut().find(|o| o.target == target) {
                None => out.push(Owed {
                    shed: *shed,
                    target,
                    want,
                }),
                Some(owed) => merge(&mut owed.want, want),
            }
        }
    }
    out
}

/// Adds what a later step of the same shed recorded: the first record of each aspect is the
/// state before the shed.
fn merge(into: &mut Want, more: Want) {
    if let (
        Want::Server {
            power, maintenance, ..
        },
        Want::Server {
            power: p,
            maintenance: m,
            ..
        },
    ) = (into, more)
    {
        if power.is_none() {
            *power = p;
        }
        if maintenance.is_none() {
            *maintenance = m;
        }
    }
}

/// The state before one step, as restore_plan reads it.
fn want_of(entry: &JournalEntry) -> Option<Want> {
    let before = entry.before.as_ref()?;
    match (&entry.step.action, before) {
        (StepAction::ShutdownServer { server, .. }, Before::Server { power, .. }) => {
            Some(Want::Server {
                server: server.clone(),
                // restore_plan powers on everything that was not off.
                power: Some(if *power == PowerState::Off {
                    PowerState::Off
                } else {
                    PowerState::On
                }),
                maintenance: None,
            })
        }
        (
            StepAction::EnterMaintenance { server, host },
            Before::Server {
                in_maintenance: Some(was_in),
                ..
            },
        ) => Some(Want::Server {
            server: server.clone(),
            power: None,
            maintenance: Some((host.clone(), *was_in)),
        }),
        (StepAction::MigrateVm { vm, from, .. }, Before::Vm { host, power }) => Some(Want::Vm {
            vm: vm.clone(),
            host: host.clone().or_else(|| Some(from.clone())),
            power: *power,
        }),
        (StepAction::StopVm { vm, host: on, .. }, Before::Vm { host, power }) => Some(Want::Vm {
            vm: vm.clone(),
            host: host.clone().or_else(|| Some(on.clone())),
            power: *power,
        }),
        _ => None,
    }
}

/// The part of a shed's journal a restore must undo: the entries that changed something and,
/// when `only` is given (what an earlier restore left), only those of the objects it names.
pub fn to_undo(journal: &[JournalEntry], only: Option<&BTreeSet<String>>) -> Vec<JournalEntry> {
    journal
        .iter()
        .filter(|e| acted(e))
        .filter(|e| only.is_none_or(|set| set.contains(&e.step.action.target())))
        .cloned()
        .collect()
}

/// What the peers said after the restore. A read that failed carries why.
#[derive(Debug, Clone)]
pub struct Seen {
    pub servers: BTreeMap<ServerId, Result<PowerState, String>>,
    /// vSphere hosts: in maintenance mode or not.
    pub hosts: Result<BTreeMap<String, bool>, String>,
    pub vms: Result<BTreeMap<VmId, (Option<String>, VmPower)>, String>,
}

/// Whether an object is back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Back,
    Missing {
        /// What the peers say, in words; absent when they could not be read.
        found: Option<String>,
        /// Why it could not be read.
        unread: Option<String>,
    },
}

fn maintenance_words(in_maintenance: bool) -> &'static str {
    if in_maintenance {
        "in maintenance"
    } else {
        "out of maintenance"
    }
}

fn vm_words(host: Option<&str>, power: VmPower) -> String {
    let state = match power {
        VmPower::PoweredOn => "running",
        VmPower::PoweredOff => "off",
        VmPower::Suspended => "suspended",
    };
    match host {
        Some(h) => format!("{state} on {h}"),
        None => format!("{state} on no host"),
    }
}

impl Want {
    /// The state to get back, in words ("on, out of maintenance", "running on esx-a1").
    pub fn describe(&self) -> String {
        match self {
            Self::Server {
                power, maintenance, ..
            } => {
                let mut parts = Vec::new();
                if let Some(p) = power {
                    parts.push(p.as_str().to_owned());
                }
                if let Some((_, m)) = maintenance
                    && *power != Some(PowerState::Off)
                {
                    parts.push(maintenance_words(*m).to_owned());
                }
                parts.join(", ")
            }
            Self::Vm { host, power, .. } => vm_words(host.as_deref(), *power),
        }
    }
}

/// Compares one object with what the peers said.
pub fn check(want: &Want, seen: &Seen) -> Verdict {
    let missing =
        |found: Option<String>, unread: Option<String>| Verdict::Missing { found, unread };
    match want {
        Want::Server {
            server,
            power,
            maintenance,
        } => {
            let mut found = Vec::new();
            let mut back = true;
            if let Some(want_power) = power {
                match seen.servers.get(server) {
                    Some(Ok(p)) => {
                        back &= p == want_power;
                        found.push(p.as_str().to_owned());
                    }
                    Some(Err(e)) => return missing(None, Some(format!("BMC: {e}"))),
                    None => return missing(None, Some("the BMC was not read".into())),
                }
            }
            // A host meant to stay off cannot report its maintenance mode.
            if let Some((host, was_in)) = maintenance
                && *power != Some(PowerState::Off)
            {
                match &seen.hosts {
                    Ok(hosts) => match hosts.get(host) {
                        Some(now_in) => {
                            back &= now_in == was_in;
                            found.push(maintenance_words(*now_in).to_owned());
                        }
                        None => {
                            return missing(
                                (!found.is_empty()).then(|| found.join(", ")),
                                Some(format!("vCenter has no host {host}")),
                            );
                        }
                    },
                    Err(e) => {
                        return missing(
                            (!found.is_empty()).then(|| found.join(", ")),
                            Some(format!("vCenter: {e}")),
                        );
                    }
                }
            }
            if back {
                Verdict::Back
            } else {
                missing(Some(found.join(", ")), None)
            }
        }
        Want::Vm { vm, host, power } => match &seen.vms {
            Ok(vms) => match vms.get(vm) {
                Some((h, p)) if h == host && p == power => Verdict::Back,
                Some((h, p)) => missing(Some(vm_words(h.as_deref(), *p)), None),
                None => missing(Some("no longer in vCenter".into()), None),
            },
            Err(e) => missing(None, Some(format!("vCenter: {e}"))),
        },
    }
}
