//! The lab tree's `/` filter: the text typed, and what it keeps of the tree, worked out when
//! the text or the inventory changes so that drawing only reads it.

use super::Inventory;
use crate::console::tree::{self, Kept, Node, NodeId};

/// The filter over the lab tree. An empty text filters nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeFilter {
    pub text: String,
    /// The operator is typing it: the keys go to the text.
    pub typing: bool,
    /// What the text keeps (empty while the text is).
    pub kept: Kept,
    /// The selection when the filter opened, given back when Esc finds none.
    pub origin: Option<NodeId>,
}

impl TreeFilter {
    /// Whether the tree shows only what the text matches.
    pub fn is_active(&self) -> bool {
        !self.text.is_empty()
    }

    /// Matches the text again over `nodes` (built from `inventory`).
    pub fn apply(&mut self, nodes: &[Node], inventory: &Inventory) {
        self.kept = if self.is_active() {
            let needle = self.text.to_lowercase();
            tree::filter(nodes, &|id| matches(inventory, id, &needle))
        } else {
            Kept::default()
        };
    }

    /// Back to the whole tree.
    pub fn clear(&mut self) {
        self.text.clear();
        self.typing = false;
        self.kept = Kept::default();
    }
}

/// Whether `id`'s name contains `needle` (lower case); a VM's id and host count too. The
/// group of unplaced VMs has no name of its own: it shows when one of its VMs matches.
pub fn matches(inventory: &Inventory, id: &NodeId, needle: &str) -> bool {
    let has = |text: &str| text.to_lowercase().contains(needle);
    match id {
        NodeId::Room(name) | NodeId::Ups(name) | NodeId::Server(name) => has(name),
        NodeId::Vm(vm) => {
            has(vm)
                || inventory
                    .vms
                    .get(vm)
                    .is_some_and(|v| has(&v.name) || v.host.as_deref().is_some_and(has))
        }
        NodeId::Unplaced => false,
    }
}
