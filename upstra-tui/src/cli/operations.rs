//! Operating the lab: `server` and `vm` (list, power, migrate), `sync`, `events` and `trust`.

use clap::{Args, Subcommand, ValueEnum};
use upstra_core::api::v1::{ServerPowerAction, VmPowerRequest};

use super::JsonFlag;

/// `upstra server ...`.
#[derive(Debug, Subcommand)]
pub enum ServerVerb {
    /// List servers with their power state and feeds.
    List(JsonFlag),
    /// Power a server on, off, shut it down or cycle it through its BMC, and wait.
    Power(ServerPowerArgs),
}

/// A server power action as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServerAction {
    /// Power on.
    On,
    /// Hard power off (ForceOff): the OS gets no warning.
    Off,
    /// Graceful shutdown through the OS.
    Shutdown,
    /// Graceful restart.
    Cycle,
}

impl From<ServerAction> for ServerPowerAction {
    fn from(a: ServerAction) -> Self {
        match a {
            ServerAction::On => Self::On,
            ServerAction::Off => Self::Off,
            ServerAction::Shutdown => Self::Shutdown,
            ServerAction::Cycle => Self::Cycle,
        }
    }
}

/// `upstra server power`.
#[derive(Debug, Args)]
pub struct ServerPowerArgs {
    /// The server, as in `upstra server list`.
    pub name: String,
    /// What to do.
    pub action: ServerAction,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the API's `ActionReport` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra vm ...`.
#[derive(Debug, Subcommand)]
pub enum VmVerb {
    /// List VMs as the hypervisor last reported them.
    List(JsonFlag),
    /// Power a VM on, off, or shut its guest down, and wait.
    Power(VmPowerArgs),
    /// Live-migrate a VM to another host, and wait.
    Migrate(VmMigrateArgs),
}

/// A VM power action as typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VmAction {
    /// Power on.
    On,
    /// Hard power off: the guest gets no warning.
    Off,
    /// Clean guest shutdown (needs VMware Tools).
    Shutdown,
}

impl From<VmAction> for VmPowerRequest {
    fn from(a: VmAction) -> Self {
        match a {
            VmAction::On => Self::On,
            VmAction::Off => Self::Off,
            VmAction::Shutdown => Self::Shutdown,
        }
    }
}

/// `upstra vm power`.
#[derive(Debug, Args)]
pub struct VmPowerArgs {
    /// The VM's name or id, as in `upstra vm list`.
    pub name: String,
    /// What to do.
    pub action: VmAction,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the API's `ActionReport` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra vm migrate`.
#[derive(Debug, Args)]
pub struct VmMigrateArgs {
    /// The VM's name or id.
    pub name: String,
    /// The destination: an inventory server name or a vSphere host name.
    #[arg(long, value_name = "HOST")]
    pub to: String,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the API's `ActionReport` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra ssh`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The daemon checks that you may open a shell on the server (the ssh permission), records it,
and gives the address and the host key pinned in the inventory. The server must show exactly
that key: another one is refused before anything is sent. When none is pinned yet, an admin
is shown its fingerprint and asked to confirm it (--yes pins without asking); anyone else is
told that an admin must confirm it.
You log in with your SSH agent (SSH_AUTH_SOCK, forwarded or local), a key file (--identity,
else ~/.ssh/id_ed25519, id_ecdsa, id_rsa), or your password on the server, asked for here.
The daemon never sees any of them.
When the remote shell exits, `upstra ssh` exits with its status, as ssh(1) does.

Examples:
  upstra ssh esx-01
  upstra ssh esx-01 --user root -i ~/.ssh/lab_ed25519")]
pub struct SshArgs {
    /// The server, as in `upstra server list`.
    pub name: String,
    /// Log in as LOGIN (default: the login the lab file declares, else your Upstra name).
    #[arg(long, value_name = "LOGIN")]
    pub user: Option<String>,
    /// A private key file to log in with.
    #[arg(long, short = 'i', value_name = "FILE")]
    pub identity: Option<std::path::PathBuf>,
    /// Pin an unpinned host key without asking (admin; you checked its fingerprint).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `upstra events`.
#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Keep waiting for new events until interrupted (Ctrl-C).
    #[arg(long, short = 'f')]
    pub follow: bool,
    /// One JSON object per line: the API's `EventRecord`.
    #[arg(long)]
    pub json: bool,
    /// Only events of this kind (repeat it, or give a comma list).
    #[arg(
        long,
        value_name = "KIND",
        value_delimiter = ',',
        value_parser = clap::builder::PossibleValuesParser::new(upstra_core::events::KINDS)
    )]
    pub kind: Vec<String>,
    /// Only events since a time (2026-11-25T10:00:00Z) or for an age (10m, 2h, 1d).
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Show battery readings too (charge and runtime changes): left out by default, since
    /// during an outage they would bury the events that matter.
    #[arg(long)]
    pub readings: bool,
}

/// `upstra trust ...`.
#[derive(Debug, Subcommand)]
#[command(after_long_help = "\
The daemon connects to the peer, trusting nothing, and reads its certificate's SHA-256
fingerprint. Compare it with the one the device shows (the BMC's or vCenter's certificate
page, or its console) before you confirm: pinning the wrong one lets whoever sits between
the daemon and the device read its password.")]
pub enum TrustVerb {
    /// Pin the certificate of a server's BMC.
    Bmc(TrustBmcArgs),
    /// Pin the vCenter's certificate.
    Vcenter(TrustArgs),
}

/// `upstra trust bmc`.
#[derive(Debug, Args)]
pub struct TrustBmcArgs {
    /// The server whose BMC it is.
    pub server: String,
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// The confirmation flag of `trust`.
#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Pin without asking (you checked the fingerprint some other way).
    #[arg(long, short = 'y')]
    pub yes: bool,
}
