//! [`NutMonitor`]: reads UPS through upsd, one shared connection per upsd and login.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::{Instant, timeout_at};
use tracing::{debug, warn};
use upstra_core::ids::UpsId;
use upstra_core::model::Ups;
use upstra_core::state::{UpsFlag, UpsReading};
use upstra_core::traits::{AdapterError, BoxFuture, UpsMonitor};

use crate::error::NutError;
use crate::reading::{Seen, reading_from_vars};
use crate::slot::Slot;

/// Settings of a [`NutMonitor`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NutConfig {
    /// Deadline of one read, from the call to the parsed reply: waiting for the shared
    /// connection and (re)connecting count against it. Default 2 s.
    pub timeout: Duration,
    /// Wait before the first reconnection attempt after a failure; it doubles with each
    /// further failure. Default 100 ms.
    pub reconnect_min: Duration,
    /// Longest wait between reconnection attempts. Default 5 s.
    pub reconnect_max: Duration,
}

impl Default for NutConfig {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(2),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
        }
    }
}

/// Which connection a UPS is read through: UPS on the same upsd with the same login share one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct EndpointKey {
    host: String,
    port: u16,
    user: Option<String>,
}

/// Reads UPS over the NUT network protocol; implements [`UpsMonitor`].
///
/// Cheap to share (`Arc<NutMonitor>`); reads of UPS on different upsd run fully in parallel, so
/// a dead upsd never delays a live one. Reads through one upsd take turns on its connection.
#[derive(Debug)]
pub struct NutMonitor {
    config: NutConfig,
    /// A std mutex: held only to look up or insert a slot, never across an await. Each slot has
    /// its own async mutex, held for one command and its reply.
    slots: Mutex<HashMap<EndpointKey, Arc<tokio::sync::Mutex<Slot>>>>,
    /// Oddities already logged, per UPS.
    seen: Mutex<HashMap<UpsId, Seen>>,
}

impl NutMonitor {
    /// A monitor with no connection yet; each upsd is connected on its first read.
    pub fn new(config: NutConfig) -> Self {
        Self {
            config,
            slots: Mutex::default(),
            seen: Mutex::default(),
        }
    }

    /// The settings.
    pub fn config(&self) -> &NutConfig {
        &self.config
    }

    /// Reads `ups` into a [`UpsReading`]. Unknown flags are kept; unusable numbers are left
    /// out; either is logged once per UPS.
    pub async fn reading(&self, ups: &Ups) -> Result<UpsReading, NutError> {
        let vars = self.read_vars(ups).await?;
        let (reading, oddities) = reading_from_vars(&vars);
        if !oddities.is_empty() {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = seen.entry(ups.id.clone()).or_default();
            for odd in oddities.iter().filter(|o| seen.first_time(o)) {
                warn!(ups = %ups.id, nut = %ups.source, "UPS reports something odd: {odd}");
            }
        }
        Ok(reading)
    }

    /// Every variable `ups` reports (`LIST VAR`), by name, within the configured deadline.
    #[tracing::instrument(level = "debug", skip_all, fields(ups = %ups.id, nut = %ups.source))]
    pub async fn read_vars(&self, ups: &Ups) -> Result<BTreeMap<String, String>, NutError> {
        let deadline = Instant::now() + self.config.timeout;
        let timed_out = NutError::TimedOut {
            after: self.config.timeout,
        };
        let slot = self.slot(ups).ok_or(NutError::NotNut)?;
        // Waiting for another read of the same upsd counts against this read's deadline.
        let mut slot = timeout_at(deadline, slot.lock())
            .await
            .map_err(|_| timed_out)?;
        slot.list_var(ups, deadline, &self.config).await
    }

    /// `ups`'s status flags alone (`GET VAR <ups> ups.status`), within the configured
    /// deadline, on the connection its full reads use: one short line each way, so the
    /// daemon can ask it several times a second and read everything only when it changed.
    #[tracing::instrument(level = "trace", skip_all, fields(ups = %ups.id))]
    pub async fn read_status(&self, ups: &Ups) -> Result<Vec<UpsFlag>, NutError> {
        let deadline = Instant::now() + self.config.timeout;
        let timed_out = NutError::TimedOut {
            after: self.config.timeout,
        };
        let slot = self.slot(ups).ok_or(NutError::NotNut)?;
        let mut slot = timeout_at(deadline, slot.lock())
            .await
            .map_err(|_| timed_out)?;
        let status = slot.status(ups, deadline, &self.config).await?;
        Ok(UpsFlag::parse_status(&status))
    }

    /// Logs out of every upsd (best effort, 1 s each) and forgets the connections.
    pub async fn close(&self) {
        let slots: Vec<_> = {
            let mut map = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
            map.drain().map(|(_, slot)| slot).collect()
        };
        for slot in slots {
            let deadline = Instant::now() + Duration::from_secs(1);
            if let Ok(mut slot) = timeout_at(deadline, slot.lock()).await {
                slot.logout(deadline).await;
            }
        }
    }

    fn slot(&self, ups: &Ups) -> Option<Arc<tokio::sync::Mutex<Slot>>> {
        let nut = ups.nut()?;
        let key = EndpointKey {
            host: nut.host.clone(),
            port: nut.port,
            user: ups.login.as_ref().map(|l| l.user.clone()),
        };
        let mut map = self.slots.lock().unwrap_or_else(PoisonError::into_inner);
        let slot = map.entry(key).or_insert_with(|| {
            debug!(host = %nut.host, port = nut.port, "first UPS on this upsd");
            Arc::new(tokio::sync::Mutex::new(Slot::new(&self.config)))
        });
        Some(Arc::clone(slot))
    }
}

impl UpsMonitor for NutMonitor {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        Box::pin(async move {
            self.reading(ups)
                .await
                .map_err(|e| e.to_adapter_error(&ups.source.to_string()))
        })
    }

    fn has_cheap_status(&self, ups: &Ups) -> bool {
        ups.nut().is_some()
    }

    fn read_status<'a>(
        &'a self,
        ups: &'a Ups,
    ) -> BoxFuture<'a, Result<Vec<UpsFlag>, AdapterError>> {
        Box::pin(async move {
            self.read_status(ups)
                .await
                .map_err(|e| e.to_adapter_error(&ups.source.to_string()))
        })
    }
}
