//! Units as people read them: percentages, durations, sizes, times. Shared by the CLI tables
//! and the console so both say the same thing the same way. Missing values print as `-`.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use upstra_core::state::{Health, Timestamp};

/// What a missing value prints as.
pub const NONE: &str = "-";

/// `85%`.
pub fn percent(value: Option<f32>) -> String {
    value.map_or_else(|| NONE.to_owned(), |v| format!("{v:.0}%"))
}

/// `230 V`.
pub fn volts(value: Option<f32>) -> String {
    value.map_or_else(|| NONE.to_owned(), |v| format!("{v:.0} V"))
}

/// `350 W`.
pub fn watts(value: Option<f32>) -> String {
    value.map_or_else(|| NONE.to_owned(), |v| format!("{v:.0} W"))
}

/// A battery runtime: `45s`, `12m 05s`, `2h 03m`.
pub fn runtime(seconds: Option<u64>) -> String {
    let Some(s) = seconds else {
        return NONE.to_owned();
    };
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// A wait before retrying, rounded up to what a person plans with: `20 s`, `3 min`,
/// `1 h 05 min`.
pub fn wait(seconds: u64) -> String {
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min", seconds.div_ceil(60)),
        _ => {
            let minutes = seconds.div_ceil(60);
            match minutes % 60 {
                0 => format!("{} h", minutes / 60),
                m => format!("{} h {m:02} min", minutes / 60),
            }
        }
    }
}

/// A duration in milliseconds as it reads best: `850 ms`, `12.3 s`, `2m 05s`.
pub fn millis(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms} ms"),
        1000..60_000 => format!("{}.{} s", ms / 1000, (ms % 1000) / 100),
        _ => runtime(Some(ms / 1000)),
    }
}

/// A memory size given in MiB: `512 MiB`, `4 GiB`, `1.5 GiB`.
pub fn mebibytes(mib: u64) -> String {
    if mib < 1024 {
        return format!("{mib} MiB");
    }
    if mib.is_multiple_of(1024) {
        return format!("{} GiB", mib / 1024);
    }
    // Display only: the precision lost converting to f64 is far below what is shown.
    #[allow(clippy::cast_precision_loss)]
    let gib = mib as f64 / 1024.0;
    format!("{gib:.1} GiB")
}

/// A server's health as one word.
pub fn health(h: Health) -> &'static str {
    match h {
        Health::Ok => "ok",
        Health::Warning => "warning",
        Health::Critical => "critical",
        Health::Unknown => "unknown",
    }
}

/// A time as RFC 3339 in UTC, to the second: `2026-11-25T10:00:00Z`.
pub fn timestamp(at: Timestamp) -> String {
    let millis = u64::try_from(at.millis()).unwrap_or(0);
    let time = UNIX_EPOCH + Duration::from_millis(millis);
    humantime::format_rfc3339_seconds(time).to_string()
}

/// The wall clock, as the daemon stamps things (for the console's tick).
pub fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    Timestamp(millis)
}

/// How long from `now` until `at`, for "expires in ..." lines: `in 3h 12m`, or `expired`.
pub fn until(at: Timestamp, now: SystemTime) -> String {
    let now_ms = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    match u64::try_from(at.millis().saturating_sub(now_ms)) {
        Ok(ms) if ms > 0 => format!("in {}", runtime(Some(ms / 1000))),
        _ => "expired".to_owned(),
    }
}

/// A point in time as typed: an RFC 3339 time (`2026-11-25T10:00:00Z`, `2026-11-25 10:00`),
/// or an age such as `90m`, `2h` or `1d` counted back from `now`.
pub fn since(text: &str, now: SystemTime) -> Option<Timestamp> {
    let text = text.trim();
    let at = humantime::parse_rfc3339_weak(text).ok().or_else(|| {
        humantime::parse_duration(text)
            .ok()
            .and_then(|age| now.checked_sub(age))
    })?;
    let millis = at
        .duration_since(UNIX_EPOCH)
        .unwrap_or(Duration::ZERO)
        .as_millis();
    Some(Timestamp(i64::try_from(millis).unwrap_or(i64::MAX)))
}

/// Whether `text` reads as a point in time for [`since`] (checked without a clock).
pub fn since_is_valid(text: &str) -> bool {
    let text = text.trim();
    humantime::parse_rfc3339_weak(text).is_ok() || humantime::parse_duration(text).is_ok()
}

/// The day of `at` in UTC, `2026-11-25`.
pub fn day(at: Timestamp) -> String {
    let mut text = timestamp(at);
    text.truncate(10);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes_read_naturally() {
        assert_eq!(runtime(Some(45)), "45s");
        assert_eq!(runtime(Some(725)), "12m 05s");
        assert_eq!(runtime(Some(7380)), "2h 03m");
        assert_eq!(runtime(None), "-");
    }

    #[test]
    fn sizes_and_percentages() {
        assert_eq!(mebibytes(512), "512 MiB");
        assert_eq!(mebibytes(4096), "4 GiB");
        assert_eq!(mebibytes(1536), "1.5 GiB");
        assert_eq!(percent(Some(99.6)), "100%");
        assert_eq!(percent(None), "-");
    }

    #[test]
    fn waits_round_up_to_what_people_plan_with() {
        assert_eq!(wait(0), "0 s");
        assert_eq!(wait(59), "59 s");
        assert_eq!(wait(60), "1 min");
        assert_eq!(wait(61), "2 min");
        assert_eq!(wait(3599), "60 min");
        assert_eq!(wait(3600), "1 h");
        assert_eq!(wait(3900), "1 h 05 min");
        assert_eq!(millis(850), "850 ms");
        assert_eq!(millis(12_345), "12.3 s");
        assert_eq!(millis(125_000), "2m 05s");
    }

    #[test]
    fn times_are_utc_rfc3339() {
        assert_eq!(timestamp(Timestamp(0)), "1970-01-01T00:00:00Z");
        let now = UNIX_EPOCH + Duration::from_secs(1000);
        assert_eq!(until(Timestamp(1_000_000 + 3_720_000), now), "in 1h 02m");
        assert_eq!(until(Timestamp(0), now), "expired");
        assert_eq!(day(Timestamp(1_795_600_000_000)), "2026-11-25");
        // Before 1970 reads as 1970: nothing is older.
        assert_eq!(since("1h", now), Some(Timestamp(0)));
        assert_eq!(since("10s", now), Some(Timestamp(990_000)));
        assert_eq!(since("1970-01-01T00:10:00Z", now), Some(Timestamp(600_000)));
        assert_eq!(since("soon", now), None);
    }
}
