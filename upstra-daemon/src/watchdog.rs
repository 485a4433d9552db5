//! The systemd watchdog: `WATCHDOG=1` only while the daemon does its job.
//!
//! A process that answers its socket but whose UPS monitor or outage conductor is stuck would
//! let the batteries run down unwatched. So the ping is not a sign of life of the process but
//! of those two loops: each marks a heartbeat as it goes round, and the ping goes out only
//! when both beat recently. When one stops, systemd kills and restarts the daemon
//! (`WatchdogSec=` in `upstrad.service`), and the journal resumes the run it was conducting.
//!
//! The conductor is idle most of its life, waiting on its inbox: a tick sent through that
//! inbox makes it beat, so a conductor stuck in a command stops beating even when nothing else
//! would have reached it.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::shared::Shared;

/// How often the loops beat when no watchdog is asked for: nothing reads the beats then, so
/// rarely is enough.
const IDLE_HEARTBEAT: Duration = Duration::from_secs(10);
/// The shortest heartbeat period, whatever `WATCHDOG_USEC` says: a watchdog of a few
/// milliseconds would otherwise make the loops spin.
const MIN_HEARTBEAT: Duration = Duration::from_millis(50);

/// When a loop last went round.
#[derive(Debug)]
pub struct Heartbeat(Mutex<Instant>);

impl Heartbeat {
    fn new() -> Self {
        Self(Mutex::new(Instant::now()))
    }

    /// The loop went round.
    pub fn beat(&self) {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
    }

    fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(
            *self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        )
    }
}

/// The heartbeats of the loops the watchdog vouches for, and the period they beat at.
#[derive(Debug)]
pub struct Heartbeats {
    /// The UPS monitor's loop ([`crate::monitor::run`]).
    pub monitor: Heartbeat,
    /// The outage conductor, on each tick it handles.
    pub conductor: Heartbeat,
    /// How often each loop beats: a quarter of the watchdog interval, so that a beat is
    /// stale only after two missed ones (half the interval) and the ping sent at half the
    /// interval still finds it fresh.
    pub period: Duration,
    /// The watchdog interval systemd asked for, if it did.
    pub watchdog: Option<Duration>,
    /// A tick waits in the conductor's inbox: at most one does, so a stuck conductor's inbox
    /// does not grow by one tick per period.
    tick_pending: AtomicBool,
}

impl Heartbeats {
    /// Beats for a watchdog of `interval`, or rare ones without a watchdog.
    pub fn new(interval: Option<Duration>) -> Self {
        Self {
            monitor: Heartbeat::new(),
            conductor: Heartbeat::new(),
            period: interval.map_or(IDLE_HEARTBEAT, |w| (w / 4).max(MIN_HEARTBEAT)),
            watchdog: interval,
            tick_pending: AtomicBool::new(false),
        }
    }

    /// How old a beat may be and still vouch for its loop: two periods.
    fn fresh_within(&self) -> Duration {
        self.period * 2
    }

    /// The loops whose last beat is too old to vouch for them.
    fn stalled(&self, now: Instant) -> Vec<&'static str> {
        let limit = self.fresh_within();
        [("monitor", &self.monitor), ("conductor", &self.conductor)]
            .into_iter()
            .filter(|(_, beat)| beat.age(now) > limit)
            .map(|(name, _)| name)
            .collect()
    }
}

/// The watchdog interval systemd asks for (`WATCHDOG_USEC`, for this process), if any.
pub fn requested() -> Option<Duration> {
    std::env::var_os("NOTIFY_SOCKET")?;
    sd_notify::watchdog_enabled().filter(|w| !w.is_zero())
}

/// Sends the conductor a tick every heartbeat period, unless one still waits in its inbox.
pub async fn tick_conductor(shared: Arc<Shared>, stop: CancellationToken) {
    let mut every = tokio::time::interval(shared.heartbeats.period);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = every.tick() => {
                if !shared.heartbeats.tick_pending.swap(true, Ordering::AcqRel) {
                    shared.outage.tick();
                }
            }
        }
    }
}

/// The conductor handles a tick: it beats. In test builds, it may be told to get stuck here
/// (see [`wedge`]).
pub async fn conductor_ticked(shared: &Shared) {
    shared
        .heartbeats
        .tick_pending
        .store(false, Ordering::Release);
    #[cfg(feature = "test-doubles")]
    wedge::maybe().await;
    shared.heartbeats.conductor.beat();
}

/// Pings the watchdog every half `interval` while both loops beat; says in the log when it
/// stops pinging and which loop stalled, and when it pings again.
pub async fn run(shared: Arc<Shared>, interval: Duration, stop: CancellationToken) {
    let mut every = tokio::time::interval(interval / 2);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut withheld = false;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            _ = every.tick() => {}
        }
        let stalled = shared.heartbeats.stalled(Instant::now());
        if stalled.is_empty() {
            if withheld {
                tracing::info!("the monitor and the conductor beat again: pinging the watchdog");
                withheld = false;
            }
            if let Err(e) = sd_notify::notify(&[sd_notify::NotifyState::Watchdog]) {
                tracing::warn!(error = %e, "cannot ping the systemd watchdog");
            }
        } else if !withheld {
            withheld = true;
            tracing::error!(
                stalled = %stalled.join(", "),
                "not pinging the watchdog: {} made no progress for {:?}; systemd will restart \
                 the daemon, and the journal resumes any run",
                stalled.join(" and "),
                shared.heartbeats.fresh_within(),
            );
        }
    }
}

/// A way to wedge the conductor, in test builds only (feature `test-doubles`, which release
/// builds never enable): when the file named by `UPSTRA_TEST_WEDGE_CONDUCTOR` exists, the
/// conductor's next tick never returns, as if a command had hung.
#[cfg(feature = "test-doubles")]
mod wedge {
    /// The variable naming the file whose existence wedges the conductor.
    const VAR: &str = "UPSTRA_TEST_WEDGE_CONDUCTOR";

    pub async fn maybe() {
        let Some(path) = std::env::var_os(VAR) else {
            return;
        };
        if std::path::Path::new(&path).exists() {
            tracing::warn!("{VAR}: the conductor wedges now (a test double)");
            std::future::pending::<()>().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_loop_that_stops_beating_is_named_after_two_periods() {
        let beats = Heartbeats::new(Some(Duration::from_secs(4)));
        assert_eq!(beats.period, Duration::from_secs(1));
        let now = Instant::now();
        assert!(beats.stalled(now).is_empty());
        beats.monitor.beat();
        let later = Instant::now() + Duration::from_millis(2100);
        assert_eq!(beats.stalled(later), vec!["monitor", "conductor"]);
    }

    #[test]
    fn a_tiny_watchdog_does_not_make_the_loops_spin() {
        let beats = Heartbeats::new(Some(Duration::from_millis(8)));
        assert_eq!(beats.period, MIN_HEARTBEAT);
        assert_eq!(Heartbeats::new(None).period, IDLE_HEARTBEAT);
    }
}
