//! Exponential backoff between reconnection attempts, with no clock: the caller says when an
//! attempt failed and asks when the next one may start.

use std::time::Duration;

/// The longest wait ever returned.
const LONGEST: Duration = Duration::from_secs(3600);

/// The wait after each failed attempt: `min`, doubling, never above `max`; back to `min` after
/// a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff from `min` to `max`, kept within 1 ms ..= 1 h: zero would never grow (a dead
    /// upsd would be hammered), and a wait of hours would look like a hang. `max` is raised to
    /// `min` if lower.
    pub fn new(min: Duration, max: Duration) -> Self {
        let min = min.clamp(Duration::from_millis(1), LONGEST);
        Self {
            min,
            max: max.clamp(min, LONGEST),
            next: min,
        }
    }

    /// Records a failed attempt; returns how long to wait before the next one.
    pub fn failed(&mut self) -> Duration {
        let wait = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        wait
    }

    /// Records a success: the next failure waits `min` again.
    pub fn succeeded(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(MS(100), MS(5000));
        let waits: Vec<u64> = (0..9).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        b.succeeded();
        assert_eq!(b.failed(), MS(100));
    }

    #[test]
    fn tolerates_odd_settings() {
        let mut b = Backoff::new(MS(300), MS(100));
        assert_eq!((b.failed(), b.failed()), (MS(300), MS(300)));
        let mut b = Backoff::new(Duration::ZERO, MS(10));
        let waits: Vec<Duration> = (0..6).map(|_| b.failed()).collect();
        assert_eq!(waits, [MS(1), MS(2), MS(4), MS(8), MS(10), MS(10)]);
        let mut b = Backoff::new(Duration::MAX, Duration::MAX);
        assert_eq!((b.failed(), b.failed()), (LONGEST, LONGEST));
    }
}
