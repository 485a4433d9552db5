//! The lab as a tree: rooms → UPS → servers fed by that UPS → VMs on that server.
//!
//! Placement rules, so that every object appears exactly once:
//! - a server sits under its *first* feed when that UPS is in the server's room; the other
//!   feeds are shown on its line and in its details;
//! - a server whose first feed is unknown or in another room sits directly under its room;
//! - a VM sits under the server `VmView::server` names; VMs on no known server are gathered
//!   under one extra top-level node, so nothing the hypervisor reports is hidden.
//!
//! The tree is derived data: rebuilt from the [`Inventory`] on each refresh, and addressed by
//! [`NodeId`] so selection and folding survive a rebuild.

use std::collections::{BTreeMap, BTreeSet};

use upstra_core::api::v1::{ServerView, VmView};

use super::state::Inventory;

/// A node's stable identity: the kind and the name (the id for VMs).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeId {
    Room(String),
    Ups(String),
    Server(String),
    Vm(String),
    /// The group of VMs on no known server.
    Unplaced,
}

impl NodeId {
    /// Rooms, UPS and the unplaced group start open; servers start closed, since their VMs
    /// are the bulk of a big lab.
    pub fn expanded_by_default(&self) -> bool {
        matches!(self, Self::Room(_) | Self::Ups(_) | Self::Unplaced)
    }
}

/// One node and its children.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub id: NodeId,
    pub children: Vec<Node>,
}

impl Node {
    fn leaf(id: NodeId) -> Self {
        Self {
            id,
            children: Vec::new(),
        }
    }
}

/// A visible line of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    pub id: NodeId,
    pub depth: usize,
    pub has_children: bool,
    pub expanded: bool,
}

/// Builds the tree from the inventory (see the module docs for the placement rules).
pub fn build(inv: &Inventory) -> Vec<Node> {
    let mut vms_by_server: BTreeMap<&str, Vec<&VmView>> = BTreeMap::new();
    let mut unplaced: Vec<&VmView> = Vec::new();
    for vm in inv.vms.values() {
        match vm
            .server
            .as_deref()
            .filter(|s| inv.servers.contains_key(*s))
        {
            Some(server) => vms_by_server.entry(server).or_default().push(vm),
            None => unplaced.push(vm),
        }
    }
    let vm_nodes = |mut vms: Vec<&VmView>| -> Vec<Node> {
        vms.sort_by(|a, b| (&a.name, &a.id).cmp(&(&b.name, &b.id)));
        vms.iter()
            .map(|vm| Node::leaf(NodeId::Vm(vm.id.clone())))
            .collect()
    };
    let server_node = |s: &ServerView| Node {
        id: NodeId::Server(s.name.clone()),
        children: vm_nodes(
            vms_by_server
                .get(s.name.as_str())
                .cloned()
                .unwrap_or_default(),
        ),
    };
    // The UPS a server hangs under, if any.
    let parent_ups = |s: &ServerView| -> Option<String> {
        let first = s.feeds.first()?;
        let ups = inv.ups.get(first)?;
        (ups.room == s.room).then(|| first.clone())
    };

    let rooms: BTreeSet<&str> = inv
        .rooms
        .keys()
        .map(String::as_str)
        .chain(inv.ups.values().map(|u| u.room.as_str()))
        .chain(inv.servers.values().map(|s| s.room.as_str()))
        .collect();
    let mut nodes: Vec<Node> = rooms
        .into_iter()
        .map(|room| {
            let mut children: Vec<Node> = inv
                .ups
                .values()
                .filter(|u| u.room == room)
                .map(|u| Node {
                    id: NodeId::Ups(u.name.clone()),
                    children: inv
                        .servers
                        .values()
                        .filter(|s| parent_ups(s).as_deref() == Some(u.name.as_str()))
                        .map(server_node)
                        .collect(),
                })
                .collect();
            children.extend(
                inv.servers
                    .values()
                    .filter(|s| s.room == room && parent_ups(s).is_none())
                    .map(server_node),
            );
            Node {
                id: NodeId::Room(room.to_owned()),
                children,
            }
        })
        .collect();
    if !unplaced.is_empty() {
        nodes.push(Node {
            id: NodeId::Unplaced,
            children: vm_nodes(unplaced),
        });
    }
    nodes
}

/// The lines shown, depth first, skipping the children of folded nodes.
pub fn rows(nodes: &[Node], expanded: &impl Fn(&NodeId) -> bool) -> Vec<Row> {
    fn walk(nodes: &[Node], depth: usize, expanded: &impl Fn(&NodeId) -> bool, out: &mut Vec<Row>) {
        for node in nodes {
            let open = !node.children.is_empty() && expanded(&node.id);
            out.push(Row {
                id: node.id.clone(),
                depth,
                has_children: !node.children.is_empty(),
                expanded: open,
            });
            if open {
                walk(&node.children, depth + 1, expanded, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, expanded, &mut out);
    out
}

/// The ids from the root down to `id`'s parent, or `None` when `id` is not in the tree.
pub fn ancestors(nodes: &[Node], id: &NodeId) -> Option<Vec<NodeId>> {
    for node in nodes {
        if &node.id == id {
            return Some(Vec::new());
        }
        if let Some(mut path) = ancestors(&node.children, id) {
            path.insert(0, node.id.clone());
            return Some(path);
        }
    }
    None
}

/// Every node, depth first, whether its parents are folded or not.
pub fn all(nodes: &[Node]) -> Vec<&NodeId> {
    fn walk<'a>(nodes: &'a [Node], out: &mut Vec<&'a NodeId>) {
        for node in nodes {
            out.push(&node.id);
            walk(&node.children, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, &mut out);
    out
}

/// The node `id`, wherever it is.
pub fn find<'a>(nodes: &'a [Node], id: &NodeId) -> Option<&'a Node> {
    nodes.iter().find_map(|n| {
        if &n.id == id {
            Some(n)
        } else {
            find(&n.children, id)
        }
    })
}

/// What a filter keeps: the nodes `matches` accepts and their ancestors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Kept {
    pub nodes: BTreeSet<NodeId>,
    /// How many nodes matched (their ancestors not counted).
    pub matches: usize,
    /// The first match, depth first: the line the selection moves to.
    pub first: Option<NodeId>,
}

/// Filters the tree: every node `matches` accepts, with the path down to it.
pub fn filter(nodes: &[Node], matches: &impl Fn(&NodeId) -> bool) -> Kept {
    fn walk(nodes: &[Node], matches: &impl Fn(&NodeId) -> bool, out: &mut Kept) -> bool {
        let mut any = false;
        for node in nodes {
            let hit = matches(&node.id);
            if hit {
                out.matches += 1;
                out.first.get_or_insert_with(|| node.id.clone());
            }
            let below = walk(&node.children, matches, out);
            if hit || below {
                out.nodes.insert(node.id.clone());
                any = true;
            }
        }
        any
    }
    let mut out = Kept::default();
    walk(nodes, matches, &mut out);
    out
}

/// The lines a filter shows: the kept nodes, every one unfolded, so that a match deep under
/// a folded server shows with its path.
pub fn filtered_rows(nodes: &[Node], kept: &BTreeSet<NodeId>) -> Vec<Row> {
    fn walk(nodes: &[Node], depth: usize, kept: &BTreeSet<NodeId>, out: &mut Vec<Row>) {
        for node in nodes.iter().filter(|n| kept.contains(&n.id)) {
            let open = node.children.iter().any(|c| kept.contains(&c.id));
            out.push(Row {
                id: node.id.clone(),
                depth,
                has_children: open,
                expanded: open,
            });
            walk(&node.children, depth + 1, kept, out);
        }
    }
    let mut out = Vec::new();
    walk(nodes, 0, kept, &mut out);
    out
}
