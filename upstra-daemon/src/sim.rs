//! The simulated lab: UPS, BMC and hypervisor drivers that implement the core traits without
//! any peer. A product feature for `upstra demo` and dry runs; never the proof that an adapter
//! works (the adapters are tested against the real peers).
//!
//! Its UPS are on mains unless an operator fakes a power cut (`demo_power_cut`, demo only):
//! then [`SimLab::set_mains`] makes one report a draining battery, and the daemon's real
//! outage code takes it from there.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Instant;

use upstra_core::ids::{ServerId, UpsId, VmId};
use upstra_core::model::{Inventory, Server, ServerKind, Ups, Vm, VmPower};
use upstra_core::state::{Health, PowerState, UpsFlag, UpsReading};
use upstra_core::traits::{
    AdapterError, Bmc, BmcStatus, BoxFuture, HostCapacity, HostInfo, Hypervisor,
    HypervisorInventory, ResetType, UpsMonitor, VmPowerAction,
};

mod ups_output;
pub use ups_output::{SIM_COMMAND, SIM_ON_DELAY};

/// Names for the demo's VMs, handed out round-robin over the hypervisors.
const VM_NAMES: [&str; 20] = [
    "web-01",
    "db-01",
    "build-01",
    "ci-runner",
    "dns-01",
    "ldap",
    "git",
    "wiki",
    "mail",
    "backup",
    "monitoring",
    "proxy",
    "files",
    "jupyter",
    "slurm-head",
    "license",
    "vpn",
    "logs",
    "cache",
    "cad-01",
];

/// Charge lost per read while a demo cut lasts (reads come every second in the demo): the
/// battery reaches low battery after a little over two and a half minutes.
const DRAIN_PER_READ: f32 = 0.5;
/// Charge regained per read once mains is back.
const CHARGE_PER_READ: f32 = 1.0;
/// Below this charge an unplugged UPS also reports low battery (LB).
const LOW_BATTERY_PCT: f32 = 20.0;

/// Demo only: a UPS whose mains an operator cut with `demo_power_cut`, until it is charged
/// again after the mains came back.
#[derive(Debug, Clone, Copy)]
struct Battery {
    charge_pct: f32,
    mains: bool,
}

#[derive(Debug)]
struct SimState {
    /// Advances on every UPS read, so the demo's gauges move a little.
    tick: u64,
    power: BTreeMap<ServerId, PowerState>,
    vms: Vec<Vm>,
    /// Every hypervisor host, whether VMs run on it or not.
    hosts: Vec<String>,
    maintenance: BTreeMap<String, bool>,
    /// The UPS with a demo cut going on or recharging after one; the others are on mains at
    /// full charge.
    batteries: BTreeMap<UpsId, Battery>,
    /// Each server's feeds and how many of them it needs, to know who loses power when a UPS
    /// cuts its output.
    feeds: BTreeMap<ServerId, (Vec<UpsId>, u8)>,
    /// The UPS asked to cut their output (the UPS-off step), until it is back.
    outputs: BTreeMap<UpsId, ups_output::Output>,
    /// The server the daemon runs on (`this_host`): its firmware powers it on when its
    /// output returns, as the real one must for the daemon to come back.
    this_host: Option<ServerId>,
}

/// A simulated lab built from an inventory.
#[derive(Debug)]
pub struct SimLab {
    state: Mutex<SimState>,
}

impl SimLab {
    /// Every server starts powered on; VMs are spread over the hypervisors that have a vSphere
    /// host name.
    pub fn new(inventory: &Inventory) -> Self {
        let hosts: Vec<&Server> = inventory
            .servers
            .values()
            .filter(|s| s.kind == ServerKind::Hypervisor && s.vsphere_host.is_some())
            .collect();
        let mut vms = Vec::new();
        if !hosts.is_empty() {
            for (i, name) in VM_NAMES.iter().enumerate() {
                let host = hosts[i % hosts.len()];
                let Ok(id) = VmId::new(format!("vm-{}", 100 + i)) else {
                    continue;
                };
                vms.push(Vm {
                    id,
                    name: (*name).to_owned(),
                    host: host.vsphere_host.clone(),
                    power: if i % 7 == 6 {
                        VmPower::PoweredOff
                    } else {
                        VmPower::PoweredOn
                    },
                    cpus: [2, 4, 8][i % 3],
                    memory_mib: [4096, 8192, 16384][i % 3],
                });
            }
        }
        let power = inventory
            .servers
            .keys()
            .map(|id| (id.clone(), PowerState::On))
            .collect();
        let mut host_names: Vec<String> = hosts
            .iter()
            .filter_map(|s| s.vsphere_host.clone())
            .collect();
        host_names.sort();
        Self {
            state: Mutex::new(SimState {
                tick: 0,
                power,
                vms,
                hosts: host_names,
                maintenance: BTreeMap::new(),
                batteries: BTreeMap::new(),
                feeds: inventory
                    .servers
                    .values()
                    .map(|s| (s.id.clone(), (s.feeds.clone(), s.feeds_required)))
                    .collect(),
                outputs: BTreeMap::new(),
                this_host: inventory
                    .servers
                    .values()
                    .find(|s| s.this_host)
                    .map(|s| s.id.clone()),
            }),
        }
    }

    /// Demo only: cuts the mains of `ups` (`present` false) or brings it back. While cut the
    /// UPS reports `OB DISCHRG` (then `LB`) with a draining battery; once back, `OL CHRG`
    /// until full. What the daemon does about it is its real outage code.
    pub fn set_mains(&self, ups: &UpsId, present: bool) {
        self.with(|s| {
            let battery = s.batteries.entry(ups.clone()).or_insert(Battery {
                charge_pct: 100.0,
                mains: true,
            });
            battery.mains = present;
        });
    }

    /// The flags and charge of `ups` for this read, draining or recharging a demo battery.
    fn battery_read(&self, ups: &UpsId) -> (Vec<UpsFlag>, f32) {
        self.with(|s| {
            let Some(b) = s.batteries.get_mut(ups) else {
                return (vec![UpsFlag::Ol], 100.0);
            };
            if b.mains {
                b.charge_pct = (b.charge_pct + CHARGE_PER_READ).min(100.0);
                let charge = b.charge_pct;
                if charge >= 100.0 {
                    s.batteries.remove(ups);
                    return (vec![UpsFlag::Ol], charge);
                }
                return (vec![UpsFlag::Ol, UpsFlag::Chrg], charge);
            }
            b.charge_pct = (b.charge_pct - DRAIN_PER_READ).max(0.0);
            let mut flags = vec![UpsFlag::Ob, UpsFlag::Dischrg];
            if b.charge_pct < LOW_BATTERY_PCT {
                flags.push(UpsFlag::Lb);
            }
            (flags, b.charge_pct)
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut SimState) -> T) -> T {
        self.with_at(Instant::now(), f)
    }

    /// Every access first applies what the UPS outputs did until `now`.
    fn with_at<T>(&self, now: Instant, f: impl FnOnce(&mut SimState) -> T) -> T {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        state.advance_outputs(now);
        f(&mut state)
    }
}

fn ready<'a, T: Send + 'a>(value: T) -> BoxFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl UpsMonitor for SimLab {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        let tick = self.with(|s| {
            s.tick += 1;
            s.tick
        });
        // A gently moving load (25-40 %), with the runtime following it.
        let phase = (tick + ups.id.as_str().len() as u64 * 5) % 30;
        let load = 25.0 + (if phase < 15 { phase } else { 30 - phase }) as f32;
        let (mut flags, charge) = self.battery_read(&ups.id);
        if self.with(|s| s.output_off(&ups.id)) {
            flags.push(UpsFlag::Off);
        }
        let input = if flags.contains(&UpsFlag::Ob) {
            0.0
        } else {
            230.0
        };
        ready(Ok(UpsReading {
            flags,
            charge_pct: Some(charge),
            runtime_s: Some((3600.0 * 30.0 / load * charge / 100.0) as u64),
            load_pct: Some(load),
            input_voltage: Some(input),
        }))
    }
}

impl Bmc for SimLab {
    fn status<'a>(&'a self, server: &'a Server) -> BoxFuture<'a, Result<BmcStatus, AdapterError>> {
        let power = self.with(|s| s.power.get(&server.id).copied().unwrap_or(PowerState::On));
        let watts = (power == PowerState::On).then_some(180.0 + server.tier as f32 * 20.0);
        ready(Ok(BmcStatus {
            power,
            health: Health::Ok,
            watts,
            post_finished: None,
        }))
    }

    fn reset<'a>(
        &'a self,
        server: &'a Server,
        reset: ResetType,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        let target = match reset {
            ResetType::On | ResetType::GracefulRestart | ResetType::ForceRestart => PowerState::On,
            ResetType::GracefulShutdown | ResetType::ForceOff => PowerState::Off,
        };
        let done = self.with(|s| {
            if target == PowerState::On && !s.is_powered(&server.id) {
                return Err(AdapterError::Unreachable {
                    peer: format!("simulated BMC of {}", server.id),
                    reason: "its UPS output is off: it powers on once the output is back".into(),
                });
            }
            s.power.insert(server.id.clone(), target);
            Ok(())
        });
        ready(done)
    }
}

impl Hypervisor for SimLab {
    fn inventory(&self) -> BoxFuture<'_, Result<HypervisorInventory, AdapterError>> {
        let inv = self.with(|s| HypervisorInventory {
            hosts: s
                .hosts
                .iter()
                .cloned()
                .map(|name| HostInfo {
                    in_maintenance: s.maintenance.get(&name).copied().unwrap_or(false),
                    name,
                    cluster: Some("demo-cluster".into()),
                    connected: true,
                    capacity: Some(HostCapacity {
                        cpu_threads: 32,
                        memory_mib: 128 * 1024,
                    }),
                })
                .collect(),
            vms: s.vms.clone(),
        });
        ready(Ok(inv))
    }

    fn vm_power<'a>(
        &'a self,
        vm: &'a Vm,
        action: VmPowerAction,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        let found = self.with(|s| {
            s.vms.iter_mut().find(|v| v.id == vm.id).map(|v| {
                v.power = match action {
                    VmPowerAction::On => VmPower::PoweredOn,
                    VmPowerAction::Off | VmPowerAction::ShutdownGuest => VmPower::PoweredOff,
                };
            })
        });
        ready(found.ok_or_else(|| not_found(vm)))
    }

    fn migrate<'a>(
        &'a self,
        vm: &'a Vm,
        to_host: &'a str,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        let found = self.with(|s| {
            s.vms
                .iter_mut()
                .find(|v| v.id == vm.id)
                .map(|v| v.host = Some(to_host.to_owned()))
        });
        ready(found.ok_or_else(|| not_found(vm)))
    }

    fn set_maintenance<'a>(
        &'a self,
        host: &'a str,
        on: bool,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        self.with(|s| s.maintenance.insert(host.to_owned(), on));
        ready(Ok(()))
    }
}

fn not_found(vm: &Vm) -> AdapterError {
    AdapterError::NotFound {
        peer: "simulated lab".into(),
        what: format!("VM {}", vm.id),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::lab::{KnownNames, parse};

    #[tokio::test]
    async fn the_demo_lab_has_twenty_vms_on_its_hypervisors() {
        let inv = parse(crate::demo::DEMO_LAB, &KnownNames::default())
            .expect("demo lab parses")
            .inventory;
        let sim = SimLab::new(&inv);
        let hv = sim.inventory().await.expect("inventory");
        assert_eq!(hv.vms.len(), 20);
        assert_eq!(hv.hosts.len(), 4);
        let server = inv.servers.values().next().expect("a server");
        sim.reset(server, ResetType::ForceOff).await.expect("reset");
        assert_eq!(
            sim.status(server).await.expect("status").power,
            PowerState::Off
        );
    }

    #[tokio::test]
    async fn a_demo_cut_drains_the_battery_until_mains_returns_and_it_recharges() {
        let inv = parse(crate::demo::DEMO_LAB, &KnownNames::default())
            .expect("demo lab parses")
            .inventory;
        let sim = SimLab::new(&inv);
        let ups = inv.ups.values().next().expect("a UPS");
        let on_mains = sim.read(ups).await.expect("read");
        assert_eq!(on_mains.flags, vec![UpsFlag::Ol]);
        sim.set_mains(&ups.id, false);
        let first = sim.read(ups).await.expect("read");
        assert_eq!(first.flags, vec![UpsFlag::Ob, UpsFlag::Dischrg]);
        assert!(first.charge_pct < Some(100.0));
        let mut last = first;
        while last.charge_pct >= Some(LOW_BATTERY_PCT) {
            last = sim.read(ups).await.expect("read");
        }
        assert!(last.flags.contains(&UpsFlag::Lb), "{:?}", last.flags);
        sim.set_mains(&ups.id, true);
        let back = sim.read(ups).await.expect("read");
        assert_eq!(back.flags, vec![UpsFlag::Ol, UpsFlag::Chrg]);
        while last.flags.contains(&UpsFlag::Chrg) || last.flags.contains(&UpsFlag::Lb) {
            last = sim.read(ups).await.expect("read");
        }
        assert_eq!(last.flags, vec![UpsFlag::Ol]);
        assert_eq!(last.charge_pct, Some(100.0));
    }
}
