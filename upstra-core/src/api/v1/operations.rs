//! Wire types for operating the lab: power, migration, sync and TLS pinning.

use serde::{Deserialize, Serialize};

/// A power action on a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerPowerAction {
    On,
    /// Hard power off (ForceOff).
    Off,
    /// Graceful shutdown through the OS (GracefulShutdown).
    Shutdown,
    /// Graceful restart.
    Cycle,
}

impl ServerPowerAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Off => "off",
            Self::Shutdown => "shutdown",
            Self::Cycle => "cycle",
        }
    }

    /// True for the actions that stop a running machine (the console and CLI confirm them).
    pub fn is_destructive(self) -> bool {
        !matches!(self, Self::On)
    }
}

/// A power action on a VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VmPowerRequest {
    On,
    /// Hard power off.
    Off,
    /// Clean guest shutdown (needs VMware Tools).
    Shutdown,
}

impl VmPowerRequest {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Off => "off",
            Self::Shutdown => "shutdown",
        }
    }

    pub fn is_destructive(self) -> bool {
        !matches!(self, Self::On)
    }
}

/// What an operator action did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionReport {
    /// `server:NAME` or `vm:NAME`.
    pub target: String,
    pub action: String,
    /// The state reached, e.g. `off`, `on`, `on esx-02`.
    pub state: String,
    pub took_ms: u64,
}

/// The result of `sync`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SyncReport {
    pub ups_read: u32,
    pub servers_read: u32,
    pub vms: u32,
    /// Peers that could not be read, with why.
    pub problems: Vec<String>,
}

/// A TLS peer whose certificate can be pinned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsPeer {
    /// The BMC of this server.
    Bmc(String),
    Vcenter,
}
