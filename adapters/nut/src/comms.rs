//! From read results to what the daemon shows, with no I/O and no clock: the caller passes the
//! time of each read.
//!
//! One failed poll is not an outage of communications: a read that times out once, or a upsd
//! restarting, should not flash "comms lost" on every console. [`CommsTracker`] keeps showing
//! the last good reading for a dead time after the first failure, and only then reports
//! `CommsLost` with the latest reason and the time the failures began.

use std::fmt;
use std::time::Duration;

use upstra_core::state::{Timestamp, UpsLive, UpsReading};

/// The communication state of one UPS, fed with every read result.
#[derive(Debug, Clone, PartialEq)]
pub struct CommsTracker {
    dead_time: Duration,
    /// The last good reading and when it was taken.
    last: Option<(UpsReading, Timestamp)>,
    /// When the current run of failures began; `None` while reads succeed.
    failing_since: Option<Timestamp>,
}

impl CommsTracker {
    /// A tracker that reports `CommsLost` once reads have failed for `dead_time` (zero: at the
    /// first failure).
    pub fn new(dead_time: Duration) -> Self {
        Self {
            dead_time,
            last: None,
            failing_since: None,
        }
    }

    /// Records the result of a read made at `now` and returns what to show:
    /// - a success: that reading;
    /// - a failure within the dead time: the last good reading, with its own time (or
    ///   `Unknown` when there never was one);
    /// - a failure past the dead time: `CommsLost` with this failure's reason and the time of
    ///   the first failure.
    pub fn observe<E: fmt::Display>(
        &mut self,
        result: Result<UpsReading, E>,
        now: Timestamp,
    ) -> UpsLive {
        match result {
            Ok(reading) => {
                self.failing_since = None;
                self.last = Some((reading.clone(), now));
                UpsLive::Reading { reading, at: now }
            }
            Err(e) => {
                let since = *self.failing_since.get_or_insert(now);
                // A clock stepping back counts as no time passed, never as a negative one.
                let failing_ms =
                    u128::try_from(now.millis().saturating_sub(since.millis())).unwrap_or(0);
                if failing_ms >= self.dead_time.as_millis() {
                    UpsLive::CommsLost {
                        reason: e.to_string(),
                        since,
                    }
                } else {
                    match &self.last {
                        Some((reading, at)) => UpsLive::Reading {
                            reading: reading.clone(),
                            at: *at,
                        },
                        None => UpsLive::Unknown,
                    }
                }
            }
        }
    }

    /// When the current run of failures began, if reads are failing.
    pub fn failing_since(&self) -> Option<Timestamp> {
        self.failing_since
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::state::UpsFlag;

    /// What one step should show, in short.
    #[derive(Debug, PartialEq)]
    enum Shown {
        Unknown,
        /// A reading with this status taken at this time.
        Reading(&'static str, i64),
        /// Comms lost with this reason since this time.
        Lost(&'static str, i64),
    }

    fn reading(status: &str) -> UpsReading {
        UpsReading {
            flags: UpsFlag::parse_status(status),
            ..UpsReading::default()
        }
    }

    fn shown(live: &UpsLive) -> (String, Option<i64>) {
        match live {
            UpsLive::Unknown => ("unknown".into(), None),
            UpsLive::Reading { reading, at } => (reading.status_line(), Some(at.0)),
            UpsLive::CommsLost { reason, since } => (format!("lost: {reason}"), Some(since.0)),
        }
    }

    /// Runs steps of (time in ms, Ok(status) or Err(reason)) through a tracker with a dead
    /// time of 3 s and checks each output.
    fn run(steps: &[(i64, Result<&str, &str>, Shown)]) {
        let mut t = CommsTracker::new(Duration::from_secs(3));
        for (i, (now, result, want)) in steps.iter().enumerate() {
            let result = result.map(reading);
            let got = shown(&t.observe(result, Timestamp(*now)));
            let want = match want {
                Shown::Unknown => ("unknown".into(), None),
                Shown::Reading(s, at) => ((*s).into(), Some(*at)),
                Shown::Lost(r, since) => (format!("lost: {r}"), Some(*since)),
            };
            assert_eq!(got, want, "step {i} at {now} ms");
        }
    }

    #[test]
    fn keeps_the_last_reading_during_the_dead_time_then_reports_comms_lost() {
        use Shown::*;
        run(&[
            (0, Ok("OL"), Reading("OL", 0)),
            (1000, Err("timed out"), Reading("OL", 0)),
            (3999, Err("timed out"), Reading("OL", 0)),
            (4000, Err("DATA-STALE"), Lost("DATA-STALE", 1000)),
            (9000, Err("refused"), Lost("refused", 1000)),
            (10_000, Ok("OB"), Reading("OB", 10_000)),
            (11_000, Err("refused"), Reading("OB", 10_000)),
            (12_000, Ok("OB LB"), Reading("OB LB", 12_000)),
            (13_000, Err("refused"), Reading("OB LB", 12_000)),
            (16_000, Err("refused"), Lost("refused", 13_000)),
        ]);
    }

    #[test]
    fn is_unknown_until_a_first_reading_or_the_dead_time() {
        use Shown::*;
        run(&[
            (0, Err("refused"), Unknown),
            (2999, Err("refused"), Unknown),
            (3000, Err("refused"), Lost("refused", 0)),
            (3500, Ok("OL"), Reading("OL", 3500)),
        ]);
    }

    #[test]
    fn survives_a_clock_stepping_back() {
        use Shown::*;
        run(&[
            (10_000, Ok("OL"), Reading("OL", 10_000)),
            (11_000, Err("refused"), Reading("OL", 10_000)),
            (5_000, Err("refused"), Reading("OL", 10_000)),
            (14_000, Err("refused"), Lost("refused", 11_000)),
        ]);
    }

    #[test]
    fn zero_dead_time_reports_at_the_first_failure() {
        let mut t = CommsTracker::new(Duration::ZERO);
        t.observe(Ok::<_, String>(reading("OL")), Timestamp(0));
        let live = t.observe(Err("refused"), Timestamp(5));
        assert_eq!(
            live,
            UpsLive::CommsLost {
                reason: "refused".into(),
                since: Timestamp(5)
            }
        );
        assert_eq!(t.failing_since(), Some(Timestamp(5)));
        t.observe(Ok::<_, String>(reading("OL")), Timestamp(6));
        assert_eq!(t.failing_since(), None);
    }
}
