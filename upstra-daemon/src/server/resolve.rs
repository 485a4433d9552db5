//! Resolve, then authorize: every argument of a request that names a declared object
//! (`UpstraRequest::target_names`) is resolved here, once, before the guard checks any
//! permission. The guard authorizes on what the names resolved to, and the handlers take those
//! same objects from the connection (`Connection::resolved_*`) instead of looking the names up
//! again, so what was checked and what is acted on cannot differ. A name that designates
//! nothing declared is refused.

use std::collections::HashMap;

use upstra_core::access::{Resource, Topology};
use upstra_core::api::v1::{ApiError, TargetKind, TargetName};
use upstra_core::ids::{ServerId, UpsId};
use upstra_core::model::{Inventory, Server, Ups, Vm};

use super::service::Connection;

/// The declared object a name designates, as it was when the request was admitted.
#[derive(Debug, Clone)]
pub enum Declared {
    Server(Server),
    /// A VM and the declared server it runs on, if its host is one.
    Vm {
        vm: Vm,
        host: Option<ServerId>,
    },
    Ups(Ups),
}

impl Declared {
    /// What permissions are checked on.
    pub fn resource(&self) -> Resource {
        match self {
            Self::Server(s) => Resource::Server(s.id.clone()),
            Self::Vm { vm, .. } => Resource::Vm(vm.id.clone()),
            Self::Ups(u) => Resource::Ups(u.id.clone()),
        }
    }
}

/// One name of a request and what it resolved to.
#[derive(Debug, Clone)]
pub struct Resolution {
    pub kind: TargetKind,
    /// The name as the request wrote it.
    pub name: String,
    pub declared: Declared,
}

/// Every named object of one request.
#[derive(Debug, Clone, Default)]
pub struct Resolved(pub Vec<Resolution>);

impl Resolved {
    /// What `name` (an argument of kind `kind`) resolved to.
    pub fn get(&self, kind: TargetKind, name: &str) -> Option<&Declared> {
        self.0
            .iter()
            .find(|r| r.kind == kind && r.name == name)
            .map(|r| &r.declared)
    }

    /// The tree above these objects: the inventory, and for each VM the server it was found
    /// on when resolved (not wherever the live map says it is a moment later).
    pub fn topology(&self, inventory: &Inventory) -> Topology {
        let vms = self.0.iter().filter_map(|r| match &r.declared {
            Declared::Vm {
                vm,
                host: Some(host),
            } => Some((vm.id.clone(), host.clone())),
            _ => None,
        });
        Topology::new(inventory, vms)
    }
}

/// Resolves every name against one snapshot of the inventory and of the live VMs.
pub fn resolve(
    names: &[TargetName<'_>],
    inventory: &Inventory,
    vms: &[Vm],
) -> Result<Resolved, ApiError> {
    names
        .iter()
        .map(|n| {
            // One resolver per kind: the match is exhaustive, so a new kind needs one.
            let declared = match n.kind {
                TargetKind::Server => Declared::Server(server(inventory, n.name)?.clone()),
                TargetKind::Vm => {
                    let vm = vm(vms, n.name)?.clone();
                    let host = host_of(inventory, &vm).map(|s| s.id.clone());
                    Declared::Vm { vm, host }
                }
                TargetKind::Ups => Declared::Ups(ups(inventory, n.name)?.clone()),
            };
            Ok(Resolution {
                kind: n.kind,
                name: n.name.to_owned(),
                declared,
            })
        })
        .collect::<Result<_, _>>()
        .map(Resolved)
}

/// A declared server by its name, or else by its vSphere host name.
pub fn server<'a>(inventory: &'a Inventory, name: &str) -> Result<&'a Server, ApiError> {
    if let Ok(id) = ServerId::new(name)
        && let Some(server) = inventory.servers.get(&id)
    {
        return Ok(server);
    }
    let by_host: Vec<&Server> = inventory
        .servers
        .values()
        .filter(|s| s.vsphere_host.as_deref() == Some(name))
        .collect();
    match by_host.as_slice() {
        [one] => Ok(one),
        [] => Err(ApiError::NotFound {
            what: format!(
                "server or vSphere host `{name}` (no server of the lab is declared by that name: \
                 see `upstra server list`)"
            ),
        }),
        many => Err(ApiError::invalid(format!(
            "{} servers declare the vSphere host `{name}` ({}): name the server instead",
            many.len(),
            many.iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// A live VM by its id, or else by its name when only one VM has it.
pub fn vm<'a>(vms: &'a [Vm], name_or_id: &str) -> Result<&'a Vm, ApiError> {
    if let Some(vm) = vms.iter().find(|v| v.id.as_str() == name_or_id) {
        return Ok(vm);
    }
    let named: Vec<&Vm> = vms.iter().filter(|v| v.name == name_or_id).collect();
    match named.as_slice() {
        [one] => Ok(one),
        [] => Err(ApiError::NotFound {
            what: format!("VM `{name_or_id}` (see `upstra vm list`)"),
        }),
        many => Err(ApiError::invalid(format!(
            "{} VMs are named `{name_or_id}`; use the id instead ({})",
            many.len(),
            many.iter()
                .map(|v| v.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The declared server a VM runs on, when its vSphere host is declared.
pub fn host_of<'a>(inventory: &'a Inventory, vm: &Vm) -> Option<&'a Server> {
    let host = vm.host.as_deref()?;
    inventory
        .servers
        .values()
        .find(|s| s.vsphere_host.as_deref() == Some(host))
}

/// The declared servers by vSphere host name, for placing many VMs in one pass: [`host_of`]
/// for each VM compares it with every server, ten million comparisons for 10,000 VMs on
/// 1,000 servers, which every VM list and every page of events paid.
pub struct ServersByHost<'a>(HashMap<&'a str, &'a Server>);

impl<'a> ServersByHost<'a> {
    pub fn new(inventory: &'a Inventory) -> Self {
        let mut by_host = HashMap::with_capacity(inventory.servers.len());
        for server in inventory.servers.values() {
            if let Some(host) = server.vsphere_host.as_deref() {
                // The first in the inventory's order, as `host_of` finds it.
                by_host.entry(host).or_insert(server);
            }
        }
        Self(by_host)
    }

    /// What [`host_of`] answers, found in the index.
    pub fn host_of(&self, vm: &Vm) -> Option<&'a Server> {
        self.0.get(vm.host.as_deref()?).copied()
    }
}

fn ups<'a>(inventory: &'a Inventory, name: &str) -> Result<&'a Ups, ApiError> {
    UpsId::new(name)
        .ok()
        .and_then(|id| inventory.ups.get(&id))
        .ok_or_else(|| ApiError::NotFound {
            what: format!("UPS `{name}` (see `upstra ups list`)"),
        })
}

/// The handlers' side: the objects the guard resolved for this request.
impl Connection {
    /// The server the argument `name` resolved to.
    pub(super) fn resolved_server(&self, name: &str) -> Result<Server, ApiError> {
        match self.resolved.get(TargetKind::Server, name) {
            Some(Declared::Server(s)) => Ok(s.clone()),
            _ => Err(unresolved(TargetKind::Server, name)),
        }
    }

    /// The VM the argument `name` resolved to.
    pub(super) fn resolved_vm(&self, name: &str) -> Result<Vm, ApiError> {
        match self.resolved.get(TargetKind::Vm, name) {
            Some(Declared::Vm { vm, .. }) => Ok(vm.clone()),
            _ => Err(unresolved(TargetKind::Vm, name)),
        }
    }

    /// The UPS the argument `name` resolved to.
    pub(super) fn resolved_ups(&self, name: &str) -> Result<UpsId, ApiError> {
        match self.resolved.get(TargetKind::Ups, name) {
            Some(Declared::Ups(u)) => Ok(u.id.clone()),
            _ => Err(unresolved(TargetKind::Ups, name)),
        }
    }
}

/// A handler asked for a name the guard did not resolve: a bug, refused rather than looked up
/// on the side (which is the hole this module closes).
fn unresolved(kind: TargetKind, name: &str) -> ApiError {
    tracing::error!(
        ?kind,
        name,
        "a handler used a target the guard did not resolve"
    );
    ApiError::Internal {
        reference: "unresolved-target".into(),
    }
}

#[cfg(test)]
mod tests;
