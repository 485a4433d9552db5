//! Domain events: the facts the daemon records, in the past tense.
//!
//! Events are deliberately both a domain type and part of the wire (`events_since`): they are
//! already shaped for readers (names, not internal handles), they carry no secret, and the
//! enum is `#[non_exhaustive]` so adding a kind never breaks an older console, and a kind
//! this build does not know reads as [`DomainEvent::Unknown`] instead of failing the page it
//! came in. That one keeps the kind's name and fields as they came, so what an older console
//! prints with `--json` is what the newer daemon sent.

use serde::de::Error as _;
use serde::ser::SerializeMap as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::api::v1::{PlanType, RunStatus, StepStatus, VmPowerName};
use crate::ids::{ServerId, UpsId, UserName, VmId};
use crate::state::{PowerState, Timestamp};

/// Something that happened.
///
/// The derive writes the known kinds (`remote = "Self"` makes it inherent functions); the
/// `Serialize` and `Deserialize` below add [`DomainEvent::Unknown`], which serde's own
/// `#[serde(other)]` could only read as a bare name, its fields lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", remote = "Self")]
#[non_exhaustive]
pub enum DomainEvent {
    /// The daemon started serving.
    DaemonStarted { version: String },
    /// A UPS's status flags changed (for example `OL` to `OB DISCHRG`).
    UpsStatusChanged {
        ups: UpsId,
        from: String,
        to: String,
    },
    /// A UPS could not be read.
    UpsCommsLost { ups: UpsId, reason: String },
    /// A UPS answers again.
    UpsCommsRestored { ups: UpsId },
    /// A UPS's charge or runtime moved noticeably since the last such event.
    UpsBatteryChanged {
        ups: UpsId,
        charge_pct: Option<f32>,
        runtime_s: Option<u64>,
    },
    /// A BMC or the vCenter stopped answering (announced once per reason).
    PeerUnreachable { peer: String, reason: String },
    /// A peer that was failing answers again.
    PeerRecovered { peer: String },
    /// A server's power state changed.
    ServerPowerChanged {
        server: ServerId,
        from: PowerState,
        to: PowerState,
    },
    /// A VM's power state changed. A wire enum rather than the domain's `VmPower`, so that a
    /// power a newer daemon reports reads as `Unknown` instead of failing the page.
    VmPowerChanged {
        vm: VmId,
        name: String,
        from: VmPowerName,
        to: VmPowerName,
    },
    /// A VM now runs on another host.
    VmMoved {
        vm: VmId,
        name: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// A VM is no longer reported by the hypervisor.
    VmGone { vm: VmId, name: String },
    /// An operator applied a lab file.
    InventoryApplied {
        by: UserName,
        created: u32,
        updated: u32,
    },
    /// A user logged in.
    UserLoggedIn { user: UserName },
    /// A user logged out.
    UserLoggedOut { user: UserName },
    /// A user opened their first connection (presence).
    UserConnected { user: UserName },
    /// A user's last connection closed (presence).
    UserDisconnected { user: UserName },

    /// A UPS went on battery: the grace period runs.
    OutageGraceStarted { ups: UpsId, grace_s: u64 },
    /// Mains came back within the grace period: nothing was done.
    OutagePowerReturned { ups: UpsId, after_s: u64 },
    /// A UPS runs a self-test on battery: not an outage.
    OutageSelfTestIgnored { ups: UpsId },
    /// A UPS stopped answering. Raised once per silence, with when the daemon acts on it.
    OutageCommsAlarm {
        ups: UpsId,
        reason: String,
        /// Silent this long when raised (absent from daemons before it was added).
        #[serde(default)]
        silent_s: Option<u64>,
        /// The daemon acts in this many seconds unless the UPS answers; absent when its policy
        /// only warns (or from a daemon before it was added: read `silent_s`).
        #[serde(default)]
        acts_in_s: Option<u64>,
    },
    /// The outage of a UPS is acted on.
    OutageTriggered { ups: UpsId, reason: String },
    /// Mains is back after a shed started. A shed still running halts (`RunStopping` says so)
    /// unless its UPS was already told to cut its output; either way the restore follows.
    OutageMainsReturned { ups: UpsId },
    /// Mains failed again while waiting for it to stay.
    OutagePowerLostAgain { ups: UpsId },
    /// Mains has been stable long enough, with enough charge, to restore.
    OutageRestoreReady { ups: UpsId },
    /// A shed or restore started.
    RunStarted {
        run: i64,
        plan: PlanType,
        ups: Vec<UpsId>,
        reason: String,
        steps: u32,
        estimate_s: u64,
    },
    /// A run was told to start no new step (cancelled, or mains returned).
    RunStopping { run: i64, reason: String },
    /// A run ended.
    RunEnded {
        run: i64,
        plan: PlanType,
        state: RunStatus,
        done: u32,
        failed: u32,
        skipped: u32,
    },
    /// A step of a run started. `action` is the step in words (`shut down server esx-a1`),
    /// not a closed set: it names its target.
    StepStarted { run: i64, step: u32, action: String },
    /// A step of a run ended: `state` is done, failed or skipped.
    StepEnded {
        run: i64,
        step: u32,
        state: StepStatus,
        detail: String,
    },
    /// The daemon started after a stop it did not finish (killed, crashed, power lost):
    /// what it was doing then may be half done.
    DaemonUncleanStart {
        /// When the previous run started, if known.
        previous_start: Option<Timestamp>,
    },
    /// Many logins failed in a short time: someone may be guessing passwords. Raised once per
    /// burst, not per failure.
    LoginFailuresBurst {
        failures: u32,
        within_s: u64,
        /// The user names tried most, at most a few (they are what the caller typed).
        users: Vec<String>,
    },
    /// `audit verify` found the audit hash chain broken: records were edited, inserted or
    /// deleted.
    AuditChainBroken {
        /// Records verified before the break.
        verified: u64,
        problem: String,
    },
    /// An event of another daemon, followed through the bus (never published again).
    Remote {
        site: String,
        seq: u64,
        at: Timestamp,
        event: Box<DomainEvent>,
    },
    /// An event of a kind this build does not know: a newer daemon's, kept as it came so it
    /// can be shown and printed, never acted on. The daemon never produces nor stores one,
    /// and its own readers (the store, the bus) leave such an event out as they always did.
    #[serde(skip)]
    Unknown {
        /// The kind's name, as the newer daemon wrote it.
        kind: String,
        /// Its other fields, as they came.
        fields: serde_json::Map<String, serde_json::Value>,
    },
}

impl Serialize for DomainEvent {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Unknown { kind, fields } => {
                let mut map = serializer.serialize_map(Some(fields.len() + 1))?;
                map.serialize_entry("kind", kind)?;
                for (name, value) in fields.iter().filter(|(name, _)| *name != "kind") {
                    map.serialize_entry(name, value)?;
                }
                map.end()
            }
            known => DomainEvent::serialize(known, serializer),
        }
    }
}

impl<'de> Deserialize<'de> for DomainEvent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut fields = serde_json::Map::deserialize(deserializer)?;
        let kind = match fields.get("kind") {
            Some(serde_json::Value::String(kind)) => kind.clone(),
            Some(_) => return Err(D::Error::custom("an event's `kind` is not a string")),
            None => return Err(D::Error::missing_field("kind")),
        };
        if KINDS.contains(&kind.as_str()) {
            return DomainEvent::deserialize(serde_json::Value::Object(fields))
                .map_err(D::Error::custom);
        }
        fields.remove("kind");
        Ok(Self::Unknown { kind, fields })
    }
}

impl DomainEvent {
    /// A short, stable name for filters and logs.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::DaemonStarted { .. } => "daemon_started",
            Self::UpsStatusChanged { .. } => "ups_status_changed",
            Self::UpsCommsLost { .. } => "ups_comms_lost",
            Self::UpsCommsRestored { .. } => "ups_comms_restored",
            Self::UpsBatteryChanged { .. } => "ups_battery_changed",
            Self::PeerUnreachable { .. } => "peer_unreachable",
            Self::PeerRecovered { .. } => "peer_recovered",
            Self::ServerPowerChanged { .. } => "server_power_changed",
            Self::VmPowerChanged { .. } => "vm_power_changed",
            Self::VmMoved { .. } => "vm_moved",
            Self::VmGone { .. } => "vm_gone",
            Self::InventoryApplied { .. } => "inventory_applied",
            Self::UserLoggedIn { .. } => "user_logged_in",
            Self::UserLoggedOut { .. } => "user_logged_out",
            Self::UserConnected { .. } => "user_connected",
            Self::UserDisconnected { .. } => "user_disconnected",
            Self::OutageGraceStarted { .. } => "outage_grace_started",
            Self::OutagePowerReturned { .. } => "outage_power_returned",
            Self::OutageSelfTestIgnored { .. } => "outage_self_test_ignored",
            Self::OutageCommsAlarm { .. } => "outage_comms_alarm",
            Self::OutageTriggered { .. } => "outage_triggered",
            Self::OutageMainsReturned { .. } => "outage_mains_returned",
            Self::OutagePowerLostAgain { .. } => "outage_power_lost_again",
            Self::OutageRestoreReady { .. } => "outage_restore_ready",
            Self::RunStarted { .. } => "run_started",
            Self::RunStopping { .. } => "run_stopping",
            Self::RunEnded { .. } => "run_ended",
            Self::StepStarted { .. } => "step_started",
            Self::StepEnded { .. } => "step_ended",
            Self::DaemonUncleanStart { .. } => "daemon_unclean_start",
            Self::LoginFailuresBurst { .. } => "login_failures_burst",
            Self::AuditChainBroken { .. } => "audit_chain_broken",
            Self::Remote { .. } => "remote",
            // Not in `KINDS`: no daemon sends it, so `--kind` cannot ask for it.
            Self::Unknown { .. } => "unknown",
        }
    }

    /// Of a kind this build does not know, itself or the event it carries from another site:
    /// what the daemon's readers leave out rather than keep without its content.
    pub fn is_unknown(&self) -> bool {
        match self {
            Self::Unknown { .. } => true,
            Self::Remote { event, .. } => event.is_unknown(),
            _ => false,
        }
    }
}

/// Every [`DomainEvent::kind`], in the order of the enum: what `upstra events --kind` accepts.
pub const KINDS: &[&str] = &[
    "daemon_started",
    "ups_status_changed",
    "ups_comms_lost",
    "ups_comms_restored",
    "ups_battery_changed",
    "peer_unreachable",
    "peer_recovered",
    "server_power_changed",
    "vm_power_changed",
    "vm_moved",
    "vm_gone",
    "inventory_applied",
    "user_logged_in",
    "user_logged_out",
    "user_connected",
    "user_disconnected",
    "outage_grace_started",
    "outage_power_returned",
    "outage_self_test_ignored",
    "outage_comms_alarm",
    "outage_triggered",
    "outage_mains_returned",
    "outage_power_lost_again",
    "outage_restore_ready",
    "run_started",
    "run_stopping",
    "run_ended",
    "step_started",
    "step_ended",
    "daemon_unclean_start",
    "login_failures_burst",
    "audit_chain_broken",
    "remote",
];

/// An event with its place in the daemon's log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventRecord {
    /// Strictly increasing; a reader resumes after the last one it saw.
    pub seq: u64,
    pub at: Timestamp,
    pub event: DomainEvent,
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
