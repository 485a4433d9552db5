//! State shared by every connection and component, behind one `Arc`.
//!
//! Its fields are the crate's own: code outside the daemon (benchmarks) reads the live state
//! and the metrics through methods. State only one component uses stays in that component
//! (the server's in-flight requests and connection ids live in `server::serve`), and a
//! function that needs one piece takes that piece (`&Live`, `&EventLog`), not all of this.

use std::sync::{Arc, RwLock};

use tokio_util::sync::CancellationToken;
use upstra_core::model::Inventory;

use crate::config::Config;
use crate::live::{EventLog, Live};
use crate::store::Store;

/// Everything a request handler or a component may need.
pub struct Shared {
    /// The config as the daemon started with it. The keys a reload changes (intervals,
    /// timeouts, rate limits) are read from [`Shared::settings`] instead.
    pub(crate) config: Config,
    /// The settings a reload changes, in force now (`reload`).
    pub(crate) settings: crate::reload::Settings,
    pub(crate) store: Store,
    /// The declared inventory, loaded at start and swapped whole after each apply. Readers
    /// clone the `Arc`, so a list never holds the lock while it formats.
    inventory: RwLock<Arc<Inventory>>,
    pub(crate) live: Live,
    pub(crate) events: EventLog,
    /// Fires when the daemon starts shutting down: new requests are refused, long polls end.
    pub(crate) stopping: CancellationToken,
    /// True when the simulated lab drives the state.
    pub(crate) simulated: bool,
    /// Who is connected.
    pub(crate) presence: crate::presence::Presence,
    /// The drivers the lab is read and operated through.
    pub(crate) drivers: crate::drivers::Drivers,
    /// What the monitor remembers between reads.
    pub(crate) monitor: crate::monitor::MonitorState,
    /// The outage orchestrator's conductor.
    pub(crate) outage: crate::outage::Orchestrator,
    /// The monitor's and the conductor's heartbeats, which the systemd watchdog vouches for.
    pub(crate) heartbeats: crate::watchdog::Heartbeats,
    /// The online backup copy being read, if any.
    pub(crate) backups: crate::backup::Backups,
    /// The counters and histograms `/metrics` serves beside the live state.
    pub(crate) metrics: crate::metrics::Metrics,
    /// The notification channels (`notify`).
    pub(crate) notify: crate::notify::Notifier,
    /// The sessions callers have shown and their global rate-limit buckets, so an ordinary
    /// call is checked without a trip to the store (`auth/sessions.rs`).
    pub(crate) sessions: crate::auth::sessions::SessionCache<crate::server::Principal>,
}

impl Shared {
    /// The shared state, and the inbox the outage conductor runs on (`outage::start`).
    pub fn new(
        config: Config,
        store: Store,
        inventory: Inventory,
        events: EventLog,
    ) -> (Self, crate::outage::OrchestratorInbox) {
        let (outage, inbox) = crate::outage::Orchestrator::channel();
        let simulated = config.drivers == crate::config::Drivers::Simulated;
        let stopping = CancellationToken::new();
        let drivers = if simulated {
            crate::drivers::Drivers::simulated(&inventory)
        } else {
            crate::drivers::Drivers::peers(&config.nut.users_file, &stopping)
        };
        let notify = crate::notify::Notifier::new(&config.notify);
        let shared = Self {
            sessions: crate::auth::sessions::SessionCache::new(store.clone()),
            settings: crate::reload::Settings::new(&config),
            config,
            store,
            inventory: RwLock::new(Arc::new(inventory)),
            live: Live::default(),
            events,
            stopping,
            simulated,
            presence: crate::presence::Presence::default(),
            drivers,
            monitor: crate::monitor::MonitorState::default(),
            outage,
            heartbeats: crate::watchdog::Heartbeats::new(crate::watchdog::requested()),
            backups: crate::backup::Backups::default(),
            metrics: crate::metrics::Metrics::default(),
            notify,
        };
        (shared, inbox)
    }

    /// What the peers reported last.
    pub fn live(&self) -> &Live {
        &self.live
    }

    /// The counters and histograms `/metrics` serves.
    pub fn metrics(&self) -> &crate::metrics::Metrics {
        &self.metrics
    }

    /// The current inventory.
    pub fn inventory(&self) -> Arc<Inventory> {
        self.inventory
            .read()
            .map_or_else(|p| p.into_inner().clone(), |g| g.clone())
    }

    pub fn set_inventory(&self, inventory: Inventory) {
        let mut guard = self
            .inventory
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *guard = Arc::new(inventory);
    }
}
