//! One connection to Redis as the bus keeps it: made on first use, dropped when it breaks, and
//! made again no sooner than an exponential backoff allows.
//!
//! Why not the driver's `ConnectionManager`: its reconnect retries every error, a wrong
//! password included, for up to six attempts with backoff, so under a 2 s deadline an auth
//! failure would read as a timeout; and a connect that fails with anything but an I/O error
//! (a wrong password, `LOADING` right after a restart) is never retried again, so the manager
//! stays failed after the cause is fixed. Here every failure is retried after the backoff and
//! reported as what it is.

use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use redis::AsyncConnectionConfig;
use redis::aio::MultiplexedConnection;
use tokio::time::Instant;
use tracing::{debug, info, warn};

use crate::error::BusError;
use crate::target::Target;

/// A connection handed to one operation.
pub(crate) struct Lease {
    /// Which connection this is, so that dropping it never drops a newer one.
    pub(crate) generation: u64,
    pub(crate) conn: MultiplexedConnection,
    /// It served an earlier operation, so it may have died since (Redis restarted).
    pub(crate) reused: bool,
}

#[derive(Default)]
struct State {
    conn: Option<(u64, MultiplexedConnection)>,
    generation: u64,
    /// Connection attempts failed in a row.
    failures: u32,
    /// No attempt before this instant; calls until then get `last_error` at once.
    retry_at: Option<Instant>,
    last_error: Option<BusError>,
}

/// A lazily made, shared connection with its failure history.
pub(crate) struct Link {
    /// Names the link in logs: "publish" or "follow".
    role: &'static str,
    client: redis::Client,
    config: AsyncConnectionConfig,
    target: Target,
    deadline: Duration,
    backoff: (Duration, Duration),
    /// A std mutex: held to look at or change the state, never across an await.
    state: Mutex<State>,
    /// One connection attempt at a time; the others wait for its outcome.
    connecting: tokio::sync::Mutex<()>,
}

impl Link {
    pub(crate) fn new(
        role: &'static str,
        client: redis::Client,
        target: Target,
        deadline: Duration,
        backoff: (Duration, Duration),
    ) -> Self {
        // No response timeout in the driver: each operation has its own deadline (a blocking
        // XREAD legitimately waits longer than a publish), enforced around the whole call.
        let config = AsyncConnectionConfig::new()
            .set_connection_timeout(Some(deadline))
            .set_response_timeout(None);
        Self {
            role,
            client,
            config,
            target,
            deadline,
            backoff,
            state: Mutex::default(),
            connecting: tokio::sync::Mutex::new(()),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // The state stays consistent at every step, so a panic elsewhere does not spoil it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current connection, or a new one; during the backoff the last failure again.
    pub(crate) async fn lease(&self) -> Result<Lease, BusError> {
        if let Some(lease) = self.ready()? {
            return Ok(lease);
        }
        let _turn = self.connecting.lock().await;
        if let Some(lease) = self.ready()? {
            return Ok(lease);
        }
        let result = self
            .client
            .get_multiplexed_async_connection_with_config(&self.config)
            .await;
        match result {
            Ok(conn) => {
                let mut s = self.state();
                s.generation += 1;
                let generation = s.generation;
                s.conn = Some((generation, conn.clone()));
                if s.failures > 0 {
                    info!(role = self.role, url = %self.target, "Redis bus connected again");
                }
                s.failures = 0;
                s.retry_at = None;
                s.last_error = None;
                Ok(Lease {
                    generation,
                    conn,
                    reused: false,
                })
            }
            Err(e) => {
                let err = BusError::from_redis(&self.target, self.deadline, &e);
                self.connect_failed(err.clone());
                Err(err)
            }
        }
    }

    fn ready(&self) -> Result<Option<Lease>, BusError> {
        let s = self.state();
        if let Some((generation, conn)) = &s.conn {
            return Ok(Some(Lease {
                generation: *generation,
                conn: conn.clone(),
                reused: true,
            }));
        }
        match (&s.retry_at, &s.last_error) {
            (Some(at), Some(err)) if Instant::now() < *at => Err(err.clone()),
            _ => Ok(None),
        }
    }

    /// A connection attempt failed (or ran out of time): wait before the next one.
    pub(crate) fn connect_failed(&self, err: BusError) {
        let mut s = self.state();
        s.failures = s.failures.saturating_add(1);
        let wait = backoff_delay(self.backoff.0, self.backoff.1, s.failures);
        s.retry_at = Some(Instant::now() + wait);
        if s.failures == 1 {
            warn!(role = self.role, error = %err, "Redis bus cannot connect; retrying with backoff");
        } else {
            debug!(role = self.role, error = %err, ?wait, "Redis bus still cannot connect");
        }
        s.last_error = Some(err);
    }

    /// Drops connection `generation` (if it is still the current one) because of `why`; the
    /// next operation connects again at once.
    pub(crate) fn discard(&self, generation: u64, why: &dyn std::fmt::Display) {
        let mut s = self.state();
        if s.conn.as_ref().is_some_and(|(g, _)| *g == generation) {
            s.conn = None;
            debug!(role = self.role, reason = %why, "Redis bus dropped its connection");
        }
    }
}

/// `min`, doubled for each failure after the first, at most `max`.
fn backoff_delay(min: Duration, max: Duration, failures: u32) -> Duration {
    let doublings = failures.saturating_sub(1).min(20);
    min.saturating_mul(1 << doublings).min(max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_min_up_to_max() {
        let (min, max) = (Duration::from_millis(100), Duration::from_secs(5));
        let waits: Vec<u128> = (1..=9)
            .map(|n| backoff_delay(min, max, n).as_millis())
            .collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        assert_eq!(backoff_delay(min, max, u32::MAX), max);
    }
}
