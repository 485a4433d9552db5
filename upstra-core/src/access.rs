//! Who may do what, where: grants bind a set of permissions to a resource, and flow down the
//! tree. A grant on a room covers its UPS and its servers; a grant on a server covers the VMs
//! running on it; a grant on `All` covers everything. A grant on a UPS covers that UPS only:
//! being allowed to look after a UPS is not being allowed to power the servers it feeds.
//!
//! Deny by default: with no grant that reaches a resource, nothing is allowed on it.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{RoomId, ServerId, UpsId, VmId};
use crate::model::Inventory;
use crate::rbac::{Decision, Permissions};

/// Something a grant can be given on, or a request can act on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "name")]
pub enum Resource {
    /// The whole installation (users, settings, and every object).
    All,
    Room(RoomId),
    Ups(UpsId),
    Server(ServerId),
    Vm(VmId),
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::All => f.write_str("all"),
            Self::Room(id) => write!(f, "room:{id}"),
            Self::Ups(id) => write!(f, "ups:{id}"),
            Self::Server(id) => write!(f, "server:{id}"),
            Self::Vm(id) => write!(f, "vm:{id}"),
        }
    }
}

impl Resource {
    /// Parses `all`, `room:NAME`, `ups:NAME`, `server:NAME` or `vm:ID`.
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "all" {
            return Ok(Self::All);
        }
        let (kind, name) = s
            .split_once(':')
            .ok_or_else(|| format!("`{s}` is not `all` or `KIND:NAME` (room, ups, server, vm)"))?;
        let bad = |e: crate::ids::NameError| format!("`{s}`: {e}");
        match kind {
            "room" => RoomId::new(name).map(Self::Room).map_err(bad),
            "ups" => UpsId::new(name).map(Self::Ups).map_err(bad),
            "server" => ServerId::new(name).map(Self::Server).map_err(bad),
            "vm" => VmId::new(name).map(Self::Vm).map_err(bad),
            other => Err(format!(
                "`{other}` is not a resource kind: use room, ups, server or vm"
            )),
        }
    }
}

/// Permissions held on a resource (a role's bits, resolved by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub permissions: Permissions,
    pub resource: Resource,
}

/// Where each object sits in the tree, so grants can flow down it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Topology {
    ups_room: BTreeMap<UpsId, RoomId>,
    server_room: BTreeMap<ServerId, RoomId>,
    vm_server: BTreeMap<VmId, ServerId>,
}

impl Topology {
    /// Builds the tree from the declared inventory and where each VM runs (the inventory server
    /// that is its host, when known).
    pub fn new(
        inventory: &Inventory,
        vm_servers: impl IntoIterator<Item = (VmId, ServerId)>,
    ) -> Self {
        Self {
            ups_room: inventory
                .ups
                .values()
                .map(|u| (u.id.clone(), u.room.clone()))
                .collect(),
            server_room: inventory
                .servers
                .values()
                .map(|s| (s.id.clone(), s.room.clone()))
                .collect(),
            vm_server: vm_servers.into_iter().collect(),
        }
    }

    /// The resource and everything above it, nearest first, ending with [`Resource::All`].
    pub fn ancestors(&self, target: &Resource) -> Vec<Resource> {
        let mut out = vec![target.clone()];
        let mut current = target.clone();
        loop {
            let parent = match &current {
                Resource::All => break,
                Resource::Room(_) => None,
                Resource::Ups(id) => self.ups_room.get(id).cloned().map(Resource::Room),
                Resource::Server(id) => self.server_room.get(id).cloned().map(Resource::Room),
                Resource::Vm(id) => self.vm_server.get(id).cloned().map(Resource::Server),
            };
            match parent {
                Some(p) => {
                    out.push(p.clone());
                    current = p;
                }
                None => break,
            }
        }
        out.push(Resource::All);
        out
    }
}

/// Every permission the grants give on `target`.
pub fn permissions_on(grants: &[Grant], target: &Resource, topology: &Topology) -> Permissions {
    // Everything has no parents: the common check (a method on everything) walks no tree and
    // allocates nothing.
    if *target == Resource::All {
        return grants
            .iter()
            .filter(|g| g.resource == Resource::All)
            .fold(Permissions::NONE, |acc, g| acc | g.permissions);
    }
    let reach = topology.ancestors(target);
    grants
        .iter()
        .filter(|g| reach.contains(&g.resource))
        .fold(Permissions::NONE, |acc, g| acc | g.permissions)
}

/// Allowed only when the grants reaching `target` hold every bit of `needed`.
pub fn authorize(
    grants: &[Grant],
    needed: Permissions,
    target: &Resource,
    topology: &Topology,
) -> Decision {
    crate::rbac::authorize(permissions_on(grants, target, topology), needed)
}

#[cfg(test)]
mod tests;
