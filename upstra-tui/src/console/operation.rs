//! The lab actions the console can take on a server or a VM, as data: what the confirm
//! dialog names, what the driver sends, what the status line reports.

use upstra_core::api::v1::{ServerPowerAction, VmPowerRequest};

/// One action on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Operation {
    /// `server_power`.
    Server {
        server: String,
        action: ServerPowerAction,
    },
    /// `vm_power`; the VM is sent by id, named by its name.
    Vm {
        id: String,
        name: String,
        action: VmPowerRequest,
    },
    /// `vm_migrate` to an inventory server.
    Migrate {
        id: String,
        name: String,
        from: Option<String>,
        to: String,
    },
}

impl Operation {
    /// Whether it stops something: the confirm dialog then warns, and its Yes is drawn as
    /// dangerous. Every operation is confirmed; only the wording differs.
    pub fn is_destructive(&self) -> bool {
        match self {
            Self::Server { action, .. } => action.is_destructive(),
            Self::Vm { action, .. } => action.is_destructive(),
            // A live migration keeps the VM running.
            Self::Migrate { .. } => false,
        }
    }

    /// The target's name, as the operator knows it.
    pub fn target(&self) -> &str {
        match self {
            Self::Server { server, .. } => server,
            Self::Vm { name, .. } | Self::Migrate { name, .. } => name,
        }
    }
}
