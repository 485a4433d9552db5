//! Wire types of API v1. They are separate from the domain types on purpose: a change in
//! `model` must never change what a console or a script receives. `--json` output of the
//! `upstra` command prints these shapes, so they are a documented, stable interface.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop};

pub use crate::diff::{Change, ChangeKind, EntityKind};
use crate::outage::{PlanSettings, UpsPolicy, VmPolicy};
use crate::secret::Secret;
use crate::state::{Health as ServerHealth, PowerState, Timestamp};

/// A session token: 256 random bits, hex-encoded. Never printed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
#[serde(transparent)]
pub struct SessionToken(String);

impl SessionToken {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([redacted])")
    }
}

/// The daemon's answer to `health`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub version: String,
    pub api_version: u32,
    /// False until `setup` created the first admin.
    pub has_users: bool,
    /// True when the daemon drives the built-in simulated lab (`upstra demo`).
    pub simulated: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SetupRequest {
    pub user: String,
    pub password: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginRequest {
    pub user: String,
    pub password: Secret,
}

/// A new session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginReply {
    pub token: SessionToken,
    pub user: String,
    /// The role on everything, or `custom` when the user only has scoped grants.
    pub role: String,
    /// A session limited to enrolling two-factor or changing the password says so here.
    pub scope: super::SessionScope,
    /// When the session ends at the latest (the idle timeout may end it sooner).
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhoAmI {
    pub user: String,
    pub role: String,
    /// Permissions on everything (grants on single resources add to these there).
    pub permissions: String,
    pub scope: super::SessionScope,
    pub two_factor: bool,
    /// The Unix uid of the process on the other end of this connection.
    pub peer_uid: u32,
    pub session_expires_at: Timestamp,
}

/// A login to a peer, as sent by `apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginSpec {
    pub user: String,
    pub password: Option<Secret>,
}

/// How a TLS peer is trusted, as sent by `apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TlsSpec {
    Unpinned,
    Fingerprint(String),
    CaFile(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomSpec {
    pub name: String,
    /// Seconds between two power-on commands in this room during a restore; absent: the
    /// default (`model::DEFAULT_POWER_ON_STAGGER_S`).
    #[serde(default)]
    pub power_on_stagger_s: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsSpec {
    pub name: String,
    pub room: String,
    /// `upsname@host:port`; empty for a UPS read over SNMP.
    #[serde(default)]
    pub nut: String,
    /// Set, instead of `nut`, for a UPS read over SNMP; its secrets travel like `login`'s
    /// password, from the client that read the files to the daemon's encrypted store.
    #[serde(default)]
    pub snmp: Option<SnmpSpec>,
    pub login: Option<LoginSpec>,
    /// When its outage is acted on; plain settings, checked again by the daemon.
    #[serde(default)]
    pub policy: UpsPolicy,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BmcSpec {
    pub url: String,
    pub login: LoginSpec,
    pub tls: TlsSpec,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshSpec {
    pub address: String,
    pub host_key: Option<String>,
    /// The login to offer; absent: the operator's Upstra name.
    #[serde(default)]
    pub user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerSpec {
    pub name: String,
    pub room: String,
    pub kind: String,
    pub feeds: Vec<String>,
    /// How many feeds must carry power for the server to run; absent: one is enough.
    #[serde(default)]
    pub feeds_required: Option<u32>,
    pub tier: u32,
    pub depends_on: Vec<String>,
    /// Hypervisors its VMs go to first when it is shed, most wanted first; absent: none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub migrate_to: Vec<String>,
    pub vsphere_host: Option<String>,
    pub bmc: Option<BmcSpec>,
    pub ssh: Option<SshSpec>,
    /// The machine the daemon runs on (at most one); absent: false.
    #[serde(default)]
    pub this_host: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VCenterSpec {
    pub url: String,
    pub login: LoginSpec,
    pub tls: TlsSpec,
}

/// A declaration to apply: what a lab file says, with password files already read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabSpec {
    pub rooms: Vec<RoomSpec>,
    pub ups: Vec<UpsSpec>,
    pub vcenter: Option<VCenterSpec>,
    pub servers: Vec<ServerSpec>,
    /// The `[plan]` table, when the file has one (absent: the stored settings stay).
    #[serde(default)]
    pub plan: Option<PlanSettings>,
    /// `[[vm]]` entries, by vCenter name.
    #[serde(default)]
    pub vms: BTreeMap<String, VmPolicy>,
}

/// The result of `apply`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyReport {
    pub dry_run: bool,
    /// One entry per declared object, in a stable order.
    pub changes: Vec<Change>,
    /// Things that did not stop the apply but need attention (an unpinned TLS peer, ...).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomView {
    pub name: String,
    pub ups: Vec<String>,
    pub servers: Vec<String>,
}

/// A UPS with its live state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsView {
    pub name: String,
    pub room: String,
    /// `upsname@host:port`; empty for a UPS read over SNMP.
    pub nut: String,
    /// Where and how a UPS read over SNMP is read; never its secrets.
    #[serde(default)]
    pub snmp: Option<SnmpView>,
    pub has_login: bool,
    pub reachability: super::Reachability,
    /// NUT status flags, e.g. `OB DISCHRG`.
    pub status: Option<String>,
    pub charge_pct: Option<f32>,
    pub runtime_s: Option<u64>,
    pub load_pct: Option<f32>,
    pub input_voltage: Option<f32>,
    /// Why it cannot be read, when `reachability` is `comms_lost`.
    pub comms_lost_reason: Option<String>,
    pub updated_at: Option<Timestamp>,
}

fn one_feed() -> u32 {
    u32::from(crate::model::DEFAULT_FEEDS_REQUIRED)
}

/// A server with its live state. Credentials are never included, only whether they are set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ServerView {
    pub name: String,
    pub room: String,
    pub kind: super::ServerCategory,
    pub feeds: Vec<String>,
    /// How many of `feeds` must carry power for it to run (absent from older daemons: 1).
    #[serde(default = "one_feed")]
    pub feeds_required: u32,
    pub tier: u32,
    pub depends_on: Vec<String>,
    /// Its preferred migration targets, in order (absent from older daemons: none).
    #[serde(default)]
    pub migrate_to: Vec<String>,
    pub vsphere_host: Option<String>,
    pub bmc_url: Option<String>,
    pub bmc_has_password: bool,
    /// Absent without a BMC.
    pub bmc_tls: Option<super::BmcTrust>,
    pub ssh_address: Option<String>,
    pub ssh_host_key_pinned: bool,
    /// The daemon runs on this server (absent from older daemons: false).
    #[serde(default)]
    pub this_host: bool,
    pub power: PowerState,
    pub health: ServerHealth,
    pub watts: Option<f32>,
    pub in_maintenance: Option<bool>,
}

/// A VM as last reported by the hypervisor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VmView {
    pub id: String,
    pub name: String,
    /// The vSphere host it runs on.
    pub host: Option<String>,
    /// The inventory server that is that host, when one is declared.
    pub server: Option<String>,
    pub power: super::VmPowerState,
    pub cpus: u32,
    pub memory_mib: u64,
}

/// A UPS's SNMP agent as `apply` sends it. The domain type is plain data already (strings,
/// closed enums, secrets); it is the wire type too, so a change to it is a wire change.
pub type SnmpSpec = crate::snmp::SnmpEndpoint;

/// A UPS's SNMP agent as replies show it: no community, no password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnmpView {
    /// `host:port`.
    pub address: String,
    pub version: super::SnmpVersionName,
    pub mib: super::SnmpMibName,
    /// The v3 user.
    pub user: Option<String>,
}

/// `v3 10.0.0.5:161 mib=auto user=upsmon`: what tables and the console show.
impl std::fmt::Display for SnmpView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} mib={}", self.version, self.address, self.mib)?;
        if let Some(user) = &self.user {
            write!(f, " user={user}")?;
        }
        Ok(())
    }
}
