//! What can sit over the lab view: the command palette, a confirm dialog, the host picker of
//! a migration, and the help.

use crate::console::call::Request;
use crate::console::command_table::Command;
use crate::console::operation::Operation;
use crate::console::tree::NodeId;

/// The layer over the screen, if any. One at a time: each leads to the next (palette →
/// confirm, host picker → confirm) or back to the view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Palette(Palette),
    Confirm(Confirm),
    Hosts(HostPicker),
    Help,
    /// The question before a plan or account change.
    Ask(Ask),
    /// A form: the history's filter, a new user or grant.
    Form(super::Form),
    /// A password reset's secret, shown this once.
    Secret(super::Revealed),
    /// A new role: its name and permissions.
    Role(super::RoleDraft),
    /// The role to give a user.
    Roles(super::RolePicker),
}

/// One line of the palette.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaletteItem {
    Command(Command),
    Object(NodeId),
}

/// The command palette: what is typed and what matches it, best first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Palette {
    pub query: String,
    pub matches: Vec<PaletteItem>,
    pub selected: usize,
}

/// The question before an operation. It starts on No.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirm {
    pub op: Operation,
    pub yes: bool,
    /// For a server: how many of its VMs are running, which the question mentions.
    pub running_vms: usize,
}

/// Where to migrate a VM: the other hypervisors, by inventory name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPicker {
    pub vm: String,
    pub name: String,
    pub from: Option<String>,
    pub hosts: Vec<String>,
    pub selected: usize,
}

/// The question before a plan or account change (see `call::Request`). It starts on No.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask {
    pub request: Request,
    pub yes: bool,
}
