//! Prometheus metrics (`[metrics] listen`): what the daemon sees and does, for a scraper.
//!
//! Two kinds of series, so that the hot paths stay cheap:
//! - gauges of the lab (UPS, servers, VMs, peers up, plan phases) are read from the live
//!   state at scrape time by a collector (`lab.rs`): nothing is kept twice, and nothing is
//!   paid between scrapes;
//! - counters and histograms of what happened (RPC calls, peer reads, runs, steps, failed
//!   logins) are updated where it happens: one label lookup and an atomic add each.
//!
//! Cardinality is bounded by the declared lab and by fixed label sets: labels are names of
//! declared objects, method names, kinds and outcomes from closed lists; never a user, a
//! session or free text. Notification delivery counters come with the notifications.

mod http;
mod lab;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use upstra_core::api::v1::ApiError;
use upstra_core::ids::UpsId;
use upstra_core::outage::PlanKind;

pub use http::{bind, serve};

/// Buckets of an RPC's duration, in seconds: a list call takes well under a millisecond, an
/// apply or a login (argon2) tens to hundreds, an `events_since` long poll up to its wait.
const RPC_BUCKETS: [f64; 11] = [
    0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 30.0,
];
/// Buckets of one read of a peer, in seconds, up to the monitor's 5 s read deadline.
const PEER_BUCKETS: [f64; 9] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0];
/// Buckets of a plan step, in seconds: a no-op in under a second, a guest shutdown or a
/// migration in minutes, a server's power-off up to its timeout (tens of minutes at most).
const STEP_BUCKETS: [f64; 10] = [0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0];

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RpcLabels {
    method: &'static str,
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabels {
    kind: &'static str,
    peer: String,
}

/// A notification channel's name is from the daemon's config (at most
/// `config::notify::MAX_CHANNELS`), the outcome from a closed list.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ChannelOutcome {
    channel: String,
    outcome: &'static str,
}

/// What the SNMP trap receiver did with a notification: a closed list
/// (`snmp_traps::TrapOutcome`).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindOutcome {
    kind: &'static str,
    outcome: &'static str,
}

/// The kinds of peer the monitor reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PeerKind {
    Ups,
    Bmc,
    Vcenter,
}

impl PeerKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Ups => "ups",
            Self::Bmc => "bmc",
            Self::Vcenter => "vcenter",
        }
    }
}

/// What the outage conductor last published: the phase of each UPS's watch, the battery the
/// shed for it needs, and the kind of the run executing.
#[derive(Debug, Default, Clone)]
pub(crate) struct OutageSnapshot {
    pub phases: BTreeMap<UpsId, &'static str>,
    pub needs_battery_s: BTreeMap<UpsId, u64>,
    pub active: Option<PlanKind>,
}

/// The daemon's instruments. Cheap to update from any task.
#[derive(Debug)]
pub struct Metrics {
    rpc_calls: Family<RpcLabels, Counter>,
    rpc_duration: Family<RpcLabels, Histogram>,
    failed_logins: Counter,
    peer_read: Family<PeerLabels, Histogram>,
    /// Whether each peer's last read succeeded, by kind and name.
    peer_up: Mutex<BTreeMap<(PeerKind, String), bool>>,
    runs: Family<KindOutcome, Counter>,
    steps: Family<KindOutcome, Histogram>,
    notifications: Family<ChannelOutcome, Counter>,
    snmp_traps: Family<Outcome, Counter>,
    outage: Mutex<OutageSnapshot>,
    /// The instruments above, registered once; the lab's gauges are added per scrape.
    registry: Registry,
}

impl Default for Metrics {
    fn default() -> Self {
        let rpc_calls = Family::<RpcLabels, Counter>::default();
        let rpc_duration = Family::<RpcLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(RPC_BUCKETS)) as fn() -> Histogram,
        );
        let failed_logins = Counter::default();
        let peer_read = Family::<PeerLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(PEER_BUCKETS)) as fn() -> Histogram,
        );
        let runs = Family::<KindOutcome, Counter>::default();
        let steps = Family::<KindOutcome, Histogram>::new_with_constructor(
            (|| Histogram::new(STEP_BUCKETS)) as fn() -> Histogram,
        );
        let notifications = Family::<ChannelOutcome, Counter>::default();
        let snmp_traps = Family::<Outcome, Counter>::default();
        let mut registry = Registry::default();
        registry.register(
            "upstra_snmp_traps",
            "SNMP notifications the trap receiver got, by outcome (read, not_power, unknown_source, rate_limited, malformed, unauthenticated)",
            snmp_traps.clone(),
        );
        registry.register(
            "upstra_notifications",
            "Notification attempts by channel and outcome (delivered, retry, rejected, failed)",
            notifications.clone(),
        );
        registry.register(
            "upstra_rpc_calls",
            "API calls answered, by method and outcome (ok, or the error's kind)",
            rpc_calls.clone(),
        );
        registry.register(
            "upstra_rpc_duration_seconds",
            "Time to answer an API call, by method and outcome",
            rpc_duration.clone(),
        );
        registry.register(
            "upstra_failed_logins",
            "Logins refused for a wrong password or second factor",
            failed_logins.clone(),
        );
        registry.register(
            "upstra_peer_read_duration_seconds",
            "Time of one read of a peer by the monitor (UPS and vCenter per peer, BMCs together)",
            peer_read.clone(),
        );
        registry.register(
            "upstra_plan_runs",
            "Plan runs ended, by kind (shed, restore) and how they ended",
            runs.clone(),
        );
        registry.register(
            "upstra_step_duration_seconds",
            "Duration of plan steps that ran, by kind and outcome (done, failed)",
            steps.clone(),
        );
        Self {
            rpc_calls,
            rpc_duration,
            failed_logins,
            peer_read,
            peer_up: Mutex::default(),
            runs,
            steps,
            notifications,
            snmp_traps,
            outage: Mutex::default(),
            registry,
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    /// An API call answered: `error` is the refusal it carried, if any.
    pub fn rpc(&self, method: &'static str, error: Option<&ApiError>, took: Duration) {
        let outcome = error.map_or("ok", error_kind);
        let labels = RpcLabels { method, outcome };
        self.rpc_calls.get_or_create(&labels).inc();
        self.rpc_duration
            .get_or_create(&labels)
            .observe(took.as_secs_f64());
        if matches!(
            error,
            Some(ApiError::BadCredentials | ApiError::SecondFactorRefused { .. })
        ) {
            self.failed_logins.inc();
        }
    }

    /// One read of a peer ended. BMC reads share one histogram: one per server would be most
    /// of the exposition of a large lab; whether each BMC answers is in `upstra_peer_up`.
    pub fn peer_read(&self, kind: PeerKind, peer: &str, ok: bool, took: Duration) {
        let name = if kind == PeerKind::Bmc { "" } else { peer };
        self.peer_read
            .get_or_create(&PeerLabels {
                kind: kind.as_str(),
                peer: name.to_owned(),
            })
            .observe(took.as_secs_f64());
        lock(&self.peer_up).insert((kind, peer.to_owned()), ok);
    }

    /// A peer left unread (it refused our credentials and waits): down, with no read to time.
    pub fn peer_unanswered(&self, kind: PeerKind, peer: &str) {
        lock(&self.peer_up).insert((kind, peer.to_owned()), false);
    }

    /// A run ended: `kind` is shed or restore, `outcome` its final state.
    pub fn run_ended(&self, kind: &'static str, outcome: &'static str) {
        self.runs
            .get_or_create(&KindOutcome { kind, outcome })
            .inc();
    }

    /// A step that ran ended.
    pub fn step_ended(&self, kind: &'static str, outcome: &'static str, took: Duration) {
        self.steps
            .get_or_create(&KindOutcome { kind, outcome })
            .observe(took.as_secs_f64());
    }

    /// A notification attempt ended: `outcome` is delivered, retry (a temporary failure),
    /// rejected (refused for good) or failed (given up at the retry horizon or the cap).
    pub fn notification(&self, channel: &str, outcome: &'static str) {
        self.notifications
            .get_or_create(&ChannelOutcome {
                channel: channel.to_owned(),
                outcome,
            })
            .inc();
    }

    /// `count` SNMP notifications ended with `outcome` (one of `snmp_traps::TrapOutcome`'s
    /// names); the count before them, for logs that speak once in a while. A count of zero
    /// makes the series exist, at zero, from the receiver's start.
    pub fn snmp_traps(&self, outcome: &'static str, count: u64) -> u64 {
        self.snmp_traps
            .get_or_create(&Outcome { outcome })
            .inc_by(count)
    }

    /// The conductor's view, published after each message it handled.
    pub(crate) fn publish_outage(
        &self,
        phases: BTreeMap<UpsId, &'static str>,
        active: Option<PlanKind>,
    ) {
        let mut outage = lock(&self.outage);
        outage.phases = phases;
        outage.active = active;
    }

    /// The battery a shed for `ups` needs, as the runtime trigger last worked it out.
    pub(crate) fn needs_battery(&self, ups: &UpsId, seconds: u64) {
        lock(&self.outage)
            .needs_battery_s
            .insert(ups.clone(), seconds);
    }

    /// The exposition of every series, in the Prometheus text format (0.0.4).
    pub fn render(&self, shared: &std::sync::Arc<crate::Shared>) -> String {
        let mut out = String::with_capacity(64 * 1024);
        let mut lab = Registry::default();
        lab.register_collector(Box::new(lab::Lab(shared.clone())));
        // Writing to a String cannot fail; an encoder's error would be a bug of ours, and
        // the scrape then shows what was written before it.
        if let Err(e) = prometheus_client::encoding::prometheus_text::encode(&mut out, &lab)
            .and_then(|()| {
                prometheus_client::encoding::prometheus_text::encode(&mut out, &self.registry)
            })
        {
            tracing::error!(error = %e, "cannot encode the metrics");
        }
        out
    }
}

/// The kind of a refusal, as the wire's `error` tag writes it: a closed list.
fn error_kind(e: &ApiError) -> &'static str {
    match e {
        ApiError::Unauthenticated => "unauthenticated",
        ApiError::BadCredentials => "bad_credentials",
        ApiError::SecondFactorRefused { .. } => "second_factor_refused",
        ApiError::SessionLimited { .. } => "session_limited",
        ApiError::Forbidden { .. } => "forbidden",
        ApiError::RateLimited { .. } => "rate_limited",
        ApiError::Busy { .. } => "busy",
        ApiError::NotFound { .. } => "not_found",
        ApiError::Invalid { .. } => "invalid",
        ApiError::Conflict { .. } => "conflict",
        ApiError::Unavailable { .. } => "unavailable",
        ApiError::Misconfigured { .. } => "misconfigured",
        ApiError::Internal { .. } => "internal",
        _ => "other",
    }
}

#[cfg(test)]
mod tests;
