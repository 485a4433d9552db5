//! The inventory built object by object while a read goes on: each property-collector object
//! becomes its typed record at once and its values are dropped, so a read of 10,000 VMs never
//! holds all their property trees together. Names that point at other objects (a host's
//! cluster, a VM's host) are joined at the end, since vCenter sends the objects in no
//! particular order.

use std::collections::HashMap;

use upstra_core::ids::VmId;

use super::fields::{capacity, connection, number, power, text, tools, usage};
use super::{VsphereHost, VsphereInventory, VsphereVm};
use crate::error::VsphereError;
use crate::request::MoRef;
use crate::response::{ObjectContent, Value};

/// What one read has seen so far.
#[derive(Debug, Default)]
pub(crate) struct InventoryBuilder {
    /// Clusters and standalone compute resources: their name and root resource pool.
    computes: HashMap<MoRef, (Option<String>, Option<MoRef>)>,
    /// Hosts, their cluster and pool not yet joined.
    hosts: Vec<VsphereHost>,
    /// VMs, their host's name not yet joined.
    vms: Vec<VsphereVm>,
}

impl InventoryBuilder {
    /// Takes one object of the read; a VM without a usable id or a known power state is
    /// refused by name, as the whole read then is.
    pub fn add(&mut self, o: ObjectContent) -> Result<(), VsphereError> {
        if o.obj.kind.ends_with("ComputeResource") {
            let name = o.prop("name").map(|v| v.text.clone());
            let pool = o.prop("resourcePool").and_then(Value::as_moref);
            self.computes.insert(o.obj, (name, pool));
        } else if o.obj.kind == "HostSystem" {
            self.hosts.push(VsphereHost {
                name: text(&o, "name").unwrap_or(&o.obj.value).to_owned(),
                cluster: None,
                connection: connection(text(&o, "runtime.connectionState")),
                in_maintenance: text(&o, "runtime.inMaintenanceMode") == Some("true"),
                capacity: o.prop("summary.hardware").and_then(capacity),
                usage: o.prop("summary.quickStats").and_then(usage),
                pool: None,
                compute: o.prop("parent").and_then(Value::as_moref),
                id: o.obj.value,
            });
        } else if o.obj.kind == "VirtualMachine" {
            let name = text(&o, "name").unwrap_or(&o.obj.value).to_owned();
            let bad = |detail: String| VsphereError::Malformed {
                method: "RetrievePropertiesEx",
                detail,
            };
            self.vms.push(VsphereVm {
                id: VmId::new(o.obj.value.as_str())
                    .map_err(|e| bad(format!("VM `{name}` has an unusable id: {e}")))?,
                power: power(text(&o, "runtime.powerState"))
                    .ok_or_else(|| bad(format!("VM `{name}` has no known power state")))?,
                host: None,
                cpus: number(&o, "config.hardware.numCPU"),
                memory_mib: number(&o, "config.hardware.memoryMB"),
                tools: text(&o, "guest.toolsRunningStatus").map(tools),
                host_moref: o.prop("runtime.host").and_then(Value::as_moref),
                name,
            });
        }
        Ok(())
    }

    /// Joins host → cluster name and pool, VM → host name; sorts each by name.
    pub fn finish(self) -> VsphereInventory {
        let Self {
            computes,
            mut hosts,
            mut vms,
        } = self;
        for host in &mut hosts {
            let Some(compute) = &host.compute else {
                continue;
            };
            if let Some((name, pool)) = computes.get(compute) {
                if compute.kind == "ClusterComputeResource" {
                    host.cluster.clone_from(name);
                }
                host.pool.clone_from(pool);
            }
        }
        {
            let host_names: HashMap<&str, &str> = hosts
                .iter()
                .map(|h| (h.id.as_str(), h.name.as_str()))
                .collect();
            for vm in &mut vms {
                vm.host = vm
                    .host_moref
                    .as_ref()
                    .and_then(|h| host_names.get(h.value.as_str()))
                    .map(|n| (*n).to_owned());
            }
        }
        hosts.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        vms.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        hosts.shrink_to_fit();
        vms.shrink_to_fit();
        VsphereInventory { hosts, vms }
    }
}
