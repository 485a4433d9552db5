//! Settings of a [`crate::RedisBus`].

use std::time::Duration;

/// The stream key of a site's daemon: `upstra:events:<site>`.
pub fn stream_key(site: &str) -> String {
    format!("upstra:events:{site}")
}

/// Settings of a [`crate::RedisBus`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusOptions {
    /// This daemon's own stream, the one it publishes to (see [`stream_key`]).
    pub stream: String,
    /// Trim the stream to about this many entries (`MAXLEN ~`); `None` keeps everything.
    /// Trimming never makes an event publishable twice: Redis remembers the highest ID a
    /// stream ever had. Default 100,000.
    pub max_len: Option<u64>,
    /// Longest a call may take, from the call to the parsed reply; connecting counts against
    /// it. `follow` gets its `block` time on top. Default 2 s.
    pub deadline: Duration,
    /// Wait before the first reconnection attempt after a failed one; it doubles with each
    /// further failure. Until then calls fail at once with the last reason. Default 100 ms.
    pub reconnect_min: Duration,
    /// Longest wait between reconnection attempts. Default 5 s.
    pub reconnect_max: Duration,
}

impl BusOptions {
    /// The defaults, publishing to `stream`.
    pub fn new(stream: impl Into<String>) -> Self {
        Self {
            stream: stream.into(),
            max_len: Some(100_000),
            deadline: Duration::from_secs(2),
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
        }
    }

    /// The defaults, publishing to the stream of `site` (`upstra:events:<site>`).
    pub fn for_site(site: &str) -> Self {
        Self::new(stream_key(site))
    }

    /// Why these options cannot work, if they cannot.
    pub(crate) fn problem(&self) -> Option<&'static str> {
        if self.stream.is_empty() {
            Some("the stream key is empty")
        } else if self.deadline.is_zero() {
            Some("the deadline is zero")
        } else if self.max_len == Some(0) {
            Some("max_len 0 would trim every event away; use None to keep everything")
        } else {
            None
        }
    }
}
