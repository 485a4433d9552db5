//! Rate-limit arithmetic: a token bucket that takes `now` as a parameter, so the daemon can keep
//! buckets in its store (a restart does not reset them) and tests need no clock.
//!
//! A bucket holds up to `capacity` tokens and refills continuously at `capacity` per `window`.
//! "5 failed logins per 15 minutes" is a bucket of 5 refilled over 15 minutes that each failure
//! takes a token from.

use serde::{Deserialize, Serialize};

use crate::state::Timestamp;

/// A limit: `capacity` events per `window_ms`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub capacity: u32,
    pub window_ms: i64,
}

impl Limit {
    pub const fn per_minutes(capacity: u32, minutes: i64) -> Self {
        Self {
            capacity,
            window_ms: minutes * 60_000,
        }
    }

    /// Milliseconds to earn one token back.
    fn ms_per_token(self) -> f64 {
        self.window_ms as f64 / f64::from(self.capacity.max(1))
    }
}

/// The stored state of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub tokens: f64,
    pub updated: Timestamp,
}

impl Bucket {
    /// A full bucket.
    pub fn full(limit: Limit, now: Timestamp) -> Self {
        Self {
            tokens: f64::from(limit.capacity),
            updated: now,
        }
    }

    /// The bucket refilled up to `now`. A clock that went backwards refills nothing.
    pub fn refilled(self, limit: Limit, now: Timestamp) -> Self {
        let elapsed = (now.millis() - self.updated.millis()).max(0) as f64;
        let tokens = (self.tokens + elapsed / limit.ms_per_token()).min(f64::from(limit.capacity));
        Self {
            tokens,
            updated: now.max(self.updated),
        }
    }

    /// Takes one token: the new bucket, or the whole seconds to wait before one is available.
    pub fn take(self, limit: Limit, now: Timestamp) -> Result<Self, u64> {
        let b = self.refilled(limit, now);
        if b.tokens >= 1.0 {
            Ok(Self {
                tokens: b.tokens - 1.0,
                ..b
            })
        } else {
            Err(retry_after_secs(b, limit))
        }
    }

    /// Gives one token back (never above capacity): an attempt took its token before it was
    /// checked, so that concurrent attempts cannot all pass a check made before any of them
    /// was counted, and an attempt that turned out not to count (a successful login) returns
    /// it.
    pub fn give_back(self, limit: Limit, now: Timestamp) -> Self {
        let b = self.refilled(limit, now);
        Self {
            tokens: (b.tokens + 1.0).min(f64::from(limit.capacity)),
            ..b
        }
    }

    /// Whether a token is available now, without taking it (for "is this caller locked out?").
    pub fn check(self, limit: Limit, now: Timestamp) -> Result<(), u64> {
        let b = self.refilled(limit, now);
        if b.tokens >= 1.0 {
            Ok(())
        } else {
            Err(retry_after_secs(b, limit))
        }
    }
}

fn retry_after_secs(b: Bucket, limit: Limit) -> u64 {
    let ms = ((1.0 - b.tokens) * limit.ms_per_token()).ceil().max(0.0);
    ((ms / 1000.0).ceil() as u64).max(1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const LOGIN: Limit = Limit::per_minutes(5, 15);

    #[test]
    fn five_failures_then_refused_with_retry_time() {
        let t0 = Timestamp(1_000_000);
        let mut b = Bucket::full(LOGIN, t0);
        for _ in 0..5 {
            b = b.take(LOGIN, t0).expect("within the limit");
        }
        let retry = b.take(LOGIN, t0).expect_err("sixth is refused");
        assert_eq!(retry, 180, "one token comes back every 3 minutes");
        assert!(b.check(LOGIN, Timestamp(t0.0 + 179_000)).is_err());
        assert!(b.check(LOGIN, Timestamp(t0.0 + 180_000)).is_ok());
    }

    #[test]
    fn a_token_given_back_is_taken_again_but_never_past_capacity() {
        let t0 = Timestamp(1_000_000);
        let full = Bucket::full(LOGIN, t0);
        assert_eq!(full.give_back(LOGIN, t0), full, "a full bucket stays full");
        let mut b = full;
        for _ in 0..5 {
            b = b.take(LOGIN, t0).expect("within the limit");
        }
        let b = b.give_back(LOGIN, t0);
        let b = b.take(LOGIN, t0).expect("the token given back");
        assert!(b.take(LOGIN, t0).is_err());
    }

    #[test]
    fn a_clock_going_backwards_refills_nothing() {
        let b = Bucket {
            tokens: 0.0,
            updated: Timestamp(10_000),
        };
        assert!(b.take(LOGIN, Timestamp(0)).is_err());
    }

    proptest! {
        #[test]
        fn never_more_than_capacity_in_one_window(times in prop::collection::vec(0i64..900_000, 1..40)) {
            let mut times = times;
            times.sort_unstable();
            let t0 = Timestamp(0);
            let mut b = Bucket::full(LOGIN, t0);
            let mut taken = 0;
            for t in &times {
                if let Ok(nb) = b.take(LOGIN, Timestamp(*t)) { b = nb; taken += 1; }
            }
            // Over 15 minutes: the 5 of the full bucket plus what refilled (at most 5 more).
            prop_assert!(taken <= 10);
        }
    }
}
