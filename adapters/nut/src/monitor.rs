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
        Ok(self.to_reading(ups, &vars))
    }

    /// Reads each of `ups` into a [`UpsReading`], in order, within the configured deadline:
    /// the UPS of one upsd in one round trip on its shared connection (their `LIST VAR` leave
    /// in one write), different upsd side by side. What ten reads cost a second in wake-ups
    /// and system calls, one does.
    #[tracing::instrument(level = "debug", skip_all, fields(ups = ups.len()))]
    pub async fn readings(&self, ups: &[Ups]) -> Vec<Result<UpsReading, NutError>> {
        let answers = self.per_upsd(ups, ask_lists).await;
        answers
            .into_iter()
            .zip(ups)
            .map(|(vars, u)| vars.map(|vars| self.to_reading(u, &vars)))
            .collect()
    }

    /// The reading in `vars`, its oddities logged the first time each is seen.
    fn to_reading(&self, ups: &Ups, vars: &BTreeMap<String, String>) -> UpsReading {
        let (reading, oddities) = reading_from_vars(vars);
        if !oddities.is_empty() {
            let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let seen = seen.entry(ups.id.clone()).or_default();
            for odd in oddities.iter().filter(|o| seen.first_time(o)) {
                warn!(ups = %ups.id, nut = %ups.source, "UPS reports something odd: {odd}");
            }
        }
        reading
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
        // The batch path with one UPS: a reply that breaks the conversation is then this
        // UPS's error alone, with its own backoff, as in the monitor's reads.
        let answers = slot.list_vars(&[ups], deadline, &self.config).await?;
        answers
            .into_iter()
            .next()
            .unwrap_or_else(|| Err(crate::slot::unanswered()))
    }

    /// The status flags alone of each of `ups` (`GET VAR <ups> ups.status`), in order, within
    /// the configured deadline, on the connections their full reads use: the UPS of one upsd
    /// in one round trip, different upsd side by side. Cheap enough to ask several times a
    /// second and read everything only when it changed.
    #[tracing::instrument(level = "trace", skip_all, fields(ups = ups.len()))]
    pub async fn read_statuses(&self, ups: &[Ups]) -> Vec<Result<Vec<UpsFlag>, NutError>> {
        self.per_upsd(ups, ask_statuses)
            .await
            .into_iter()
            .map(|status| status.map(|s| UpsFlag::parse_status(&s)))
            .collect()
    }

    /// The answer for each of `ups`, in order, to `command` asked of each upsd for all of its
    /// UPS at once, the upsd side by side, within the configured deadline. A UPS that is not
    /// NUT is answered [`NutError::NotNut`].
    async fn per_upsd<T>(&self, ups: &[Ups], command: Command<T>) -> Vec<Result<T, NutError>> {
        let deadline = Instant::now() + self.config.timeout;
        let mut answers: Vec<Result<T, NutError>> =
            ups.iter().map(|_| Err(NutError::NotNut)).collect();
        // The UPS by connection, as indices into `ups`.
        let mut by_slot: Vec<(Arc<tokio::sync::Mutex<Slot>>, Vec<usize>)> = Vec::new();
        for (i, u) in ups.iter().enumerate() {
            let Some(slot) = self.slot(u) else { continue };
            match by_slot.iter_mut().find(|(s, _)| Arc::ptr_eq(s, &slot)) {
                Some((_, indices)) => indices.push(i),
                None => by_slot.push((slot, vec![i])),
            }
        }
        let asks = by_slot.into_iter().map(|(slot, indices)| async move {
            let timed_out = NutError::TimedOut {
                after: self.config.timeout,
            };
            let answered = match timeout_at(deadline, slot.lock()).await {
                Ok(mut slot) => {
                    let these: Vec<&Ups> = indices.iter().map(|&i| &ups[i]).collect();
                    command(&mut slot, &these, deadline, &self.config).await
                }
                Err(_) => Err(timed_out),
            };
            (indices, answered)
        });
        for (indices, answered) in futures::future::join_all(asks).await {
            match answered {
                Ok(each) => {
                    let mut each = each.into_iter();
                    for i in indices {
                        answers[i] = each.next().unwrap_or(Err(NutError::NotNut));
                    }
                }
                Err(e) => {
                    for i in indices {
                        answers[i] = Err(e.clone());
                    }
                }
            }
        }
        answers
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

/// A command a slot runs for all of its UPS at once, answering for each.
type Command<T> = for<'s> fn(&'s mut Slot, &'s [&'s Ups], Instant, &'s NutConfig) -> Answers<'s, T>;

/// The answer of each UPS, or the failure of the whole conversation.
type Answers<'s, T> = BoxFuture<'s, Result<Vec<Result<T, NutError>>, NutError>>;

fn ask_lists<'s>(
    slot: &'s mut Slot,
    ups: &'s [&'s Ups],
    deadline: Instant,
    config: &'s NutConfig,
) -> Answers<'s, BTreeMap<String, String>> {
    Box::pin(slot.list_vars(ups, deadline, config))
}

fn ask_statuses<'s>(
    slot: &'s mut Slot,
    ups: &'s [&'s Ups],
    deadline: Instant,
    config: &'s NutConfig,
) -> Answers<'s, String> {
    Box::pin(slot.statuses(ups, deadline, config))
}

impl UpsMonitor for NutMonitor {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        Box::pin(async move {
            self.reading(ups)
                .await
                .map_err(|e| e.to_adapter_error(&ups.source.to_string()))
        })
    }

    fn read_many<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<UpsReading, AdapterError>>> {
        Box::pin(async move {
            let answers = self.readings(ups).await;
            answers
                .into_iter()
                .zip(ups)
                .map(|(a, u)| a.map_err(|e| e.to_adapter_error(&u.source.to_string())))
                .collect()
        })
    }

    fn has_cheap_status(&self, ups: &Ups) -> bool {
        ups.nut().is_some()
    }

    fn read_statuses<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<Vec<UpsFlag>, AdapterError>>> {
        Box::pin(async move {
            let answers = self.read_statuses(ups).await;
            answers
                .into_iter()
                .zip(ups)
                .map(|(a, u)| a.map_err(|e| e.to_adapter_error(&u.source.to_string())))
                .collect()
        })
    }
}
