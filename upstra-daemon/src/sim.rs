//! The simulated lab: UPS, BMC and hypervisor drivers that implement the core traits without
//! any peer. A product feature for `upstra demo` and dry runs; never the proof that an adapter
//! works (the adapters are tested against the real peers).

use std::collections::BTreeMap;
use std::sync::Mutex;

use upstra_core::ids::{ServerId, VmId};
use upstra_core::model::{Inventory, Server, ServerKind, Ups, Vm, VmPower};
use upstra_core::state::{Health, PowerState, UpsFlag, UpsReading};
use upstra_core::traits::{
    AdapterError, Bmc, BmcStatus, BoxFuture, HostCapacity, HostInfo, Hypervisor,
    HypervisorInventory, ResetType, UpsMonitor, VmPowerAction,
};

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

#[derive(Debug)]
struct SimState {
    /// Advances on every UPS read, so the demo's gauges move a little.
    tick: u64,
    power: BTreeMap<ServerId, PowerState>,
    vms: Vec<Vm>,
    /// Every hypervisor host, whether VMs run on it or not.
    hosts: Vec<String>,
    maintenance: BTreeMap<String, bool>,
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
            }),
        }
    }

    fn with<T>(&self, f: impl FnOnce(&mut SimState) -> T) -> T {
        f(&mut self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
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
        ready(Ok(UpsReading {
            flags: vec![UpsFlag::Ol],
            charge_pct: Some(100.0),
            runtime_s: Some((3600.0 * 30.0 / load) as u64),
            load_pct: Some(load),
            input_voltage: Some(230.0),
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
        self.with(|s| s.power.insert(server.id.clone(), target));
        ready(Ok(()))
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
}
