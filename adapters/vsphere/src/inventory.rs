//! The inventory as vCenter reports it, richer than the core's [`HypervisorInventory`]
//! (capacity, usage, tools state), and its mapping from property-collector objects.
//!
//! One container view over the root folder yields hosts, VMs and compute resources (clusters
//! and the implicit compute resource of each standalone host); names and clusters are joined
//! here. No I/O here.

use upstra_core::ids::VmId;
use upstra_core::model::{Vm, VmPower};
use upstra_core::traits::{HostInfo, HypervisorInventory};

use crate::error::VsphereError;
use crate::request::{MoRef, PropertySpec};
#[cfg(any(test, fuzzing))]
use crate::response::ObjectContent;

mod builder;
mod fields;

pub(crate) use builder::InventoryBuilder;
pub(crate) use fields::power;

/// The managed object types the inventory view holds.
pub(crate) const VIEW_TYPES: &[&str] = &["HostSystem", "VirtualMachine", "ComputeResource"];

/// The properties read per type, in one `RetrievePropertiesEx`.
pub(crate) const PROPERTIES: &[PropertySpec<'static>] = &[
    PropertySpec {
        kind: "HostSystem",
        paths: &[
            "name",
            "parent",
            "runtime.connectionState",
            "runtime.inMaintenanceMode",
            "summary.hardware",
            "summary.quickStats",
        ],
    },
    PropertySpec {
        kind: "VirtualMachine",
        paths: &[
            "name",
            "runtime.powerState",
            "runtime.host",
            "config.hardware.numCPU",
            "config.hardware.memoryMB",
            "guest.toolsRunningStatus",
            "resourcePool",
        ],
    },
    PropertySpec {
        kind: "ComputeResource",
        paths: &["name", "resourcePool"],
    },
];

/// Hosts and VMs from one read, each sorted by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VsphereInventory {
    /// Every host system, clustered or standalone.
    pub hosts: Vec<VsphereHost>,
    /// Every VM (templates included: vSphere reports them as powered-off VMs).
    pub vms: Vec<VsphereVm>,
}

/// A host's connection to vCenter (`runtime.connectionState`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostConnection {
    /// vCenter manages it.
    Connected,
    /// An operator disconnected it.
    Disconnected,
    /// vCenter lost its heartbeat: it may be down.
    NotResponding,
    /// A value this client does not know, kept as sent.
    Other(String),
}

/// A host's hardware (`summary.hardware`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostCapacity {
    /// Total CPU: cores × MHz per core.
    pub cpu_mhz: u64,
    /// Physical cores.
    pub cpu_cores: u32,
    /// Hardware threads.
    pub cpu_threads: u32,
    /// Physical memory.
    pub memory_bytes: u64,
}

/// A host's current load (`summary.quickStats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HostUsage {
    /// CPU in use, in MHz.
    pub cpu_mhz: u64,
    /// Memory in use, in MiB.
    pub memory_mib: u64,
    /// Seconds since the host booted, when reported.
    pub uptime_secs: Option<u64>,
}

/// A hypervisor host.
#[derive(Debug, Clone, PartialEq)]
pub struct VsphereHost {
    /// Its managed object id (`host-21`).
    pub id: String,
    /// Its name in vCenter (usually its DNS name).
    pub name: String,
    /// The cluster it belongs to; `None` for a standalone host.
    pub cluster: Option<String>,
    /// Its connection to vCenter.
    pub connection: HostConnection,
    /// Whether it is in maintenance mode.
    pub in_maintenance: bool,
    /// Hardware capacity; absent while a host is disconnected.
    pub capacity: Option<HostCapacity>,
    /// Current load; absent while a host is disconnected.
    pub usage: Option<HostUsage>,
    /// The root resource pool of its cluster or standalone compute resource: the `pool` a
    /// relocation onto this host needs when the VM changes compute resource.
    pub(crate) pool: Option<MoRef>,
    pub(crate) compute: Option<MoRef>,
}

/// VMware Tools in a guest (`guest.toolsRunningStatus`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ToolsStatus {
    /// Tools run: a guest shutdown can work.
    Running,
    /// Tools do not run: a guest shutdown will be refused.
    NotRunning,
    /// Tools are running a power-operation script.
    ExecutingScripts,
    /// A value this client does not know, kept as sent.
    Other(String),
}

/// A VM.
#[derive(Debug, Clone, PartialEq)]
pub struct VsphereVm {
    /// Its managed object id (`vm-42`), stable for the VM's life in this vCenter.
    pub id: VmId,
    /// Its display name (free text).
    pub name: String,
    /// The name of the host it is registered on.
    pub host: Option<String>,
    /// Its power state.
    pub power: VmPower,
    /// Virtual CPUs; absent when the VM's configuration is unreadable (orphaned VM).
    pub cpus: Option<u32>,
    /// Configured memory; absent like `cpus`.
    pub memory_mib: Option<u64>,
    /// VMware Tools state, when reported.
    pub tools: Option<ToolsStatus>,
    pub(crate) host_moref: Option<MoRef>,
}

impl VsphereInventory {
    /// Joins one read's objects (the recorded pages of the tests and the fuzz target; a read
    /// builds with [`InventoryBuilder`] as the objects arrive).
    #[cfg(any(test, fuzzing))]
    pub(crate) fn from_objects(objects: &[ObjectContent]) -> Result<Self, VsphereError> {
        let mut builder = InventoryBuilder::default();
        for object in objects {
            builder.add(object.clone())?;
        }
        Ok(builder.finish())
    }

    /// The core's view: what the daemon's monitor and `vm list` show today.
    pub fn to_core(&self) -> HypervisorInventory {
        HypervisorInventory {
            hosts: self.hosts.iter().map(VsphereHost::to_core).collect(),
            vms: self.vms.iter().map(VsphereVm::to_core).collect(),
        }
    }

    /// The core's view, taking this inventory's strings rather than copying them: the
    /// monitor's sync reads 10,000 VMs and needs only this.
    pub fn into_core(self) -> HypervisorInventory {
        HypervisorInventory {
            hosts: self.hosts.iter().map(VsphereHost::to_core).collect(),
            vms: self.vms.into_iter().map(VsphereVm::into_core).collect(),
        }
    }

    /// The one host called `name`.
    pub fn host_named(&self, name: &str) -> Result<&VsphereHost, VsphereError> {
        let mut found = self.hosts.iter().filter(|h| h.name == name);
        match (found.next(), found.count()) {
            (Some(h), 0) => Ok(h),
            (Some(_), more) => Err(VsphereError::Ambiguous {
                what: format!("host `{name}`"),
                count: more + 1,
            }),
            (None, _) => Err(VsphereError::NotFound {
                what: format!("host `{name}`"),
            }),
        }
    }

    /// The VM with this managed object id.
    pub fn vm(&self, id: &VmId) -> Option<&VsphereVm> {
        self.vms.iter().find(|v| &v.id == id)
    }
}

impl VsphereHost {
    /// The core's host record: what the planner needs to know what fits on it.
    pub fn to_core(&self) -> HostInfo {
        HostInfo {
            name: self.name.clone(),
            cluster: self.cluster.clone(),
            connected: self.connection == HostConnection::Connected,
            in_maintenance: self.in_maintenance,
            capacity: self.capacity.map(|c| upstra_core::traits::HostCapacity {
                cpu_threads: c.cpu_threads,
                memory_mib: c.memory_bytes / (1024 * 1024),
            }),
        }
    }
}

impl VsphereVm {
    /// The core's VM record (tools state has no place there yet; unknown sizes become 0).
    pub fn to_core(&self) -> Vm {
        self.clone().into_core()
    }

    /// [`VsphereVm::to_core`], taking this record's strings.
    pub fn into_core(self) -> Vm {
        Vm {
            id: self.id,
            name: self.name,
            host: self.host,
            power: self.power,
            cpus: self.cpus.unwrap_or(0),
            memory_mib: self.memory_mib.unwrap_or(0),
        }
    }
}

#[cfg(test)]
mod tests;
