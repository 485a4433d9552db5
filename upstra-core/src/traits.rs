//! The adapter contracts: one trait per kind of outside system, in domain terms.
//!
//! Each real protocol (NUT, Redfish, vSphere, Redis) implements one of these in its own crate
//! under `adapters/`; the daemon's simulated lab implements all of them for `upstra demo`.
//! The futures are boxed so the daemon can hold `Arc<dyn Bmc>` and pick a driver at run time.

use std::future::Future;
use std::pin::Pin;

use serde::{Deserialize, Serialize};

use crate::events::EventRecord;
use crate::model::{Server, Ups, Vm};
use crate::state::{Health, PowerState, UpsFlag, UpsReading};
use crate::ups_off::{UpsCommandError, UpsOffCheck, UpsOffSentStep};

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why an adapter call failed, in terms an operator can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AdapterError {
    #[error("cannot reach {peer}: {reason}")]
    Unreachable { peer: String, reason: String },
    #[error("{peer} refused the credentials")]
    AuthFailed { peer: String },
    #[error("{peer}'s TLS certificate is not trusted: {reason}")]
    Untrusted { peer: String, reason: String },
    #[error("{peer} did not answer within {secs} s")]
    Timeout { peer: String, secs: u64 },
    #[error("{what} not found on {peer}")]
    NotFound { peer: String, what: String },
    #[error("{peer} does not support {what}")]
    Unsupported { peer: String, what: String },
    #[error("{peer} answered something unexpected: {detail}")]
    Protocol { peer: String, detail: String },
}

/// Reads UPS units.
pub trait UpsMonitor: Send + Sync {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>>;

    /// A [`Self::read`] of each of `ups`, in order; asked together so that the UPS of one
    /// peer can share a round trip. By default, one read after the other.
    fn read_many<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<UpsReading, AdapterError>>> {
        Box::pin(read_in_turn(self, ups))
    }

    /// Whether [`Self::read_statuses`] is a query much cheaper than [`Self::read`], worth asking
    /// often so a change of status is seen between full reads. NUT has one (a single
    /// variable); a protocol that pushes its changes (SNMP traps) or reads everything as
    /// cheaply does not need it.
    fn has_cheap_status(&self, _ups: &Ups) -> bool {
        false
    }

    /// The status flags alone (`OL`, `OB`, `LB`...) of each of `ups` (those with
    /// [`Self::has_cheap_status`]), in order; asked together so that the UPS of one peer can
    /// share a round trip.
    fn read_statuses<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<Vec<UpsFlag>, AdapterError>>> {
        let unsupported = |u: &Ups| {
            Err(AdapterError::Unsupported {
                peer: u.source.to_string(),
                what: "a status-only query".into(),
            })
        };
        Box::pin(std::future::ready(ups.iter().map(unsupported).collect()))
    }
}

/// A [`UpsMonitor::read`] of each of `ups`, one after the other, in order.
pub async fn read_in_turn<M: UpsMonitor + ?Sized>(
    monitor: &M,
    ups: &[Ups],
) -> Vec<Result<UpsReading, AdapterError>> {
    let mut readings = Vec::with_capacity(ups.len());
    for u in ups {
        readings.push(monitor.read(u).await);
    }
    readings
}

/// Asks a UPS to cut its output after a delay and to restore it when mains returns (the last
/// step of a shed, after the daemon's own host is told to shut down).
pub trait UpsOutputControl: Send + Sync {
    /// What [`Self::ups_off_then_return`] would send for a `delay_s` shutdown, with no side
    /// effect; `Err` only when the UPS could not be asked at all.
    fn ups_off_capability<'a>(
        &'a self,
        ups: &'a Ups,
        delay_s: u64,
    ) -> BoxFuture<'a, Result<UpsOffCheck, UpsCommandError>>;
    /// Sends the command, once (never retried: a second one may restart the UPS's timer).
    fn ups_off_then_return<'a>(
        &'a self,
        ups: &'a Ups,
        delay_s: u64,
    ) -> BoxFuture<'a, Result<UpsOffSentStep, UpsCommandError>>;
}

/// A power action on a server, as Redfish names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResetType {
    On,
    GracefulShutdown,
    ForceOff,
    GracefulRestart,
    ForceRestart,
}

/// What a BMC reports about its server.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct BmcStatus {
    pub power: PowerState,
    pub health: Health,
    pub watts: Option<f32>,
    /// The firmware finished its power-on self-test, where the BMC says (HPE iLO's
    /// `PostState`); `None` where it does not, and power On is all there is to go by.
    #[serde(default)]
    pub post_finished: Option<bool>,
}

/// Controls server power through a baseboard management controller.
pub trait Bmc: Send + Sync {
    fn status<'a>(&'a self, server: &'a Server) -> BoxFuture<'a, Result<BmcStatus, AdapterError>>;
    fn reset<'a>(
        &'a self,
        server: &'a Server,
        reset: ResetType,
    ) -> BoxFuture<'a, Result<(), AdapterError>>;
}

/// A host's size, for deciding what fits on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostCapacity {
    /// Hardware threads.
    pub cpu_threads: u32,
    /// Physical memory.
    pub memory_mib: u64,
}

/// A hypervisor host as vCenter reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostInfo {
    pub name: String,
    pub cluster: Option<String>,
    pub connected: bool,
    pub in_maintenance: bool,
    /// Absent while vCenter cannot read the host.
    #[serde(default)]
    pub capacity: Option<HostCapacity>,
}

/// Everything one hypervisor read returns.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HypervisorInventory {
    pub hosts: Vec<HostInfo>,
    pub vms: Vec<Vm>,
}

/// A power action on a VM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum VmPowerAction {
    On,
    Off,
    ShutdownGuest,
}

/// Controls VMs and hosts (vSphere).
pub trait Hypervisor: Send + Sync {
    fn inventory(&self) -> BoxFuture<'_, Result<HypervisorInventory, AdapterError>>;
    fn vm_power<'a>(
        &'a self,
        vm: &'a Vm,
        action: VmPowerAction,
    ) -> BoxFuture<'a, Result<(), AdapterError>>;
    fn migrate<'a>(
        &'a self,
        vm: &'a Vm,
        to_host: &'a str,
    ) -> BoxFuture<'a, Result<(), AdapterError>>;
    fn set_maintenance<'a>(
        &'a self,
        host: &'a str,
        on: bool,
    ) -> BoxFuture<'a, Result<(), AdapterError>>;
    /// Shuts a host down through the hypervisor. `Unsupported` (the default) means: use the
    /// server's BMC instead.
    fn shutdown_host<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(std::future::ready(Err(AdapterError::Unsupported {
            peer: "hypervisor".into(),
            what: format!("shutting down host {host}"),
        })))
    }
}

/// Publishes the daemon's events to other daemons (Redis Streams). Optional: the local event
/// log stays the source of truth.
pub trait EventBus: Send + Sync {
    fn publish<'a>(&'a self, event: &'a EventRecord) -> BoxFuture<'a, Result<(), AdapterError>>;
}
