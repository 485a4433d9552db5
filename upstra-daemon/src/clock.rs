//! The one place the daemon reads the wall clock; core takes time as a parameter.

use std::time::{SystemTime, UNIX_EPOCH};

use upstra_core::state::Timestamp;

/// Now, in milliseconds since the Unix epoch.
pub fn now() -> Timestamp {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(i64::try_from(millis).unwrap_or(i64::MAX))
}
