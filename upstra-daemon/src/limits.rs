//! Rate limits, kept in the store so that a restart does not reset them. The arithmetic is the
//! pure token bucket in `upstra_core::ratelimit`; this module only loads and saves buckets.
//!
//! Four tiers (see `Config::limits`): every call per user; failed logins per (user, peer uid);
//! sensitive operations per user; expensive reads per session.

use upstra_core::ratelimit::{Bucket, Limit};
use upstra_core::state::Timestamp;

use crate::store::{Db, StoreError};

/// The limits of each tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Every authenticated call, per user.
    pub global: Limit,
    /// Failed logins (password or second factor), per user name and peer uid.
    pub login: Limit,
    /// Password resets, 2FA disable, recovery-code use, role and grant changes, per user.
    pub sensitive: Limit,
    /// Audit queries and other expensive reads, per session.
    pub expensive_read: Limit,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            global: Limit::per_minutes(1000, 15),
            login: Limit::per_minutes(5, 15),
            sensitive: Limit::per_minutes(3, 60),
            expensive_read: Limit::per_minutes(100, 5),
        }
    }
}

fn load(db: &mut Db, key: &str, limit: Limit, now: Timestamp) -> Result<Bucket, StoreError> {
    Ok(db.bucket(key)?.map_or_else(
        || Bucket::full(limit, now),
        |(tokens, updated)| Bucket {
            tokens,
            updated: Timestamp(updated),
        },
    ))
}

/// Takes a token: `Ok(Err(retry_after_s))` when the bucket is empty.
pub fn take(
    db: &mut Db,
    key: &str,
    limit: Limit,
    now: Timestamp,
) -> Result<Result<(), u64>, StoreError> {
    let bucket = load(db, key, limit, now)?;
    match bucket.take(limit, now) {
        Ok(next) => {
            db.put_bucket(key, next.tokens, next.updated.millis())?;
            Ok(Ok(()))
        }
        Err(retry) => Ok(Err(retry)),
    }
}

/// Gives back a token taken by [`take`] for an attempt that turned out not to count (a
/// successful login). Taking first and giving back after is what keeps the limit exact under
/// concurrency: the store is one thread, so each take is atomic, and no attempt is evaluated
/// without holding a token.
pub fn give_back(db: &mut Db, key: &str, limit: Limit, now: Timestamp) -> Result<(), StoreError> {
    let next = load(db, key, limit, now)?.give_back(limit, now);
    db.put_bucket(key, next.tokens, next.updated.millis())
}

/// Whether a refusal by the limit on `key` is to be audited now, and for how many refusals:
/// the first refusal of a window is, standing for itself and for every refusal since the last
/// record; the others of its window are only counted. A flood of refused attempts thus writes
/// one record per window instead of one each, and no refusal goes uncounted.
///
/// The count is kept as a bucket row (a number and a time per key, in the store, so that a
/// restart neither loses it nor opens a new window early).
pub fn refusal_to_record(
    db: &mut Db,
    key: &str,
    window_ms: i64,
    now: Timestamp,
) -> Result<Option<u64>, StoreError> {
    let key = format!("refused:{key}");
    let (unrecorded, window_start) = db.bucket(&key)?.unwrap_or((-1.0, i64::MIN));
    if unrecorded >= 0.0 && now.millis().saturating_sub(window_start) < window_ms {
        db.put_bucket(&key, unrecorded + 1.0, window_start)?;
        return Ok(None);
    }
    db.put_bucket(&key, 0.0, now.millis())?;
    // Whole numbers of refusals, stored as the row's float.
    Ok(Some(unrecorded.max(0.0) as u64 + 1))
}

/// Whether a token is available, without taking one.
pub fn check(
    db: &mut Db,
    key: &str,
    limit: Limit,
    now: Timestamp,
) -> Result<Result<(), u64>, StoreError> {
    Ok(load(db, key, limit, now)?.check(limit, now))
}

/// Parses `"5/15m"`: a count per a duration.
pub fn parse_limit(s: &str) -> Result<Limit, String> {
    let bad = || format!("`{s}` is not a limit: write it as COUNT/DURATION, e.g. \"5/15m\"");
    let (count, window) = s.split_once('/').ok_or_else(bad)?;
    let capacity: u32 = count.trim().parse().map_err(|_| bad())?;
    let window = humantime::parse_duration(window.trim()).map_err(|_| bad())?;
    let window_ms = i64::try_from(window.as_millis()).map_err(|_| bad())?;
    if capacity == 0 || window_ms == 0 {
        return Err(format!(
            "`{s}`: both the count and the duration must be above zero"
        ));
    }
    Ok(Limit {
        capacity,
        window_ms,
    })
}

/// The limit as the config file writes it.
pub fn format_limit(limit: Limit) -> String {
    let window = std::time::Duration::from_millis(u64::try_from(limit.window_ms).unwrap_or(0));
    format!("{}/{}", limit.capacity, humantime::format_duration(window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn refusals_are_recorded_once_per_window_with_the_count_since_the_last_record() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let store = crate::store::Store::open(&data, &crate::store::KeySource::locate(&data, None))
            .expect("store");
        let window = 60_000;
        let at = |ms: i64| Timestamp(1_000_000 + ms);
        let verdicts = store.call(move |db| {
            let mut out = Vec::new();
            for ms in [0, 10, 20, 59_999, 60_000, 60_001, 200_000] {
                out.push(refusal_to_record(db, "login:x:1", window, at(ms))?);
            }
            Ok(out)
        });
        assert_eq!(
            verdicts.await.expect("store"),
            [Some(1), None, None, None, Some(4), None, Some(2)]
        );
    }

    #[test]
    fn limits_parse_and_print() {
        assert_eq!(parse_limit("5/15m"), Ok(Limit::per_minutes(5, 15)));
        assert_eq!(format_limit(Limit::per_minutes(1000, 15)), "1000/15m");
        assert!(parse_limit("5").is_err());
        assert!(parse_limit("0/1m").is_err());
        assert!(parse_limit("x/1m").is_err());
    }
}
