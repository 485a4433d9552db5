//! What the lab view knows: the inventory, the tree built from it, the selection, the folding
//! and the `/` filter. Kept together because they change together: a new inventory rebuilds
//! the tree and refilters, and a new user's session clears all of them at once.

use std::collections::BTreeSet;

use super::{Inventory, TreeFilter};
use crate::console::tree::{Node, NodeId};

/// The lab view's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabView {
    pub inventory: Inventory,
    /// False until the first lists arrive.
    pub loaded: bool,
    /// Derived from `inventory` by [`crate::console::tree::build`].
    pub tree: Vec<Node>,
    pub selected: Option<NodeId>,
    /// Nodes whose folding differs from [`NodeId::expanded_by_default`].
    pub toggled: BTreeSet<NodeId>,
    /// The tree's `/` filter.
    pub filter: TreeFilter,
    /// Whose view the inventory, selection and folding are: kept when a session expires, so
    /// the same user logging in again finds it as it was; anyone else starts afresh.
    pub view_of: Option<String>,
}
