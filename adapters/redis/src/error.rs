//! What can go wrong talking to Redis, in words an operator can act on, and how it maps to the
//! core's `AdapterError`. Every message names the URL with its password masked; text that
//! comes from the driver or the server is scrubbed of the password before it is kept.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use redis::{ErrorKind, RedisError, ServerErrorKind};
use upstra_core::traits::AdapterError;

use crate::target::Target;

/// Why a bus operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BusError {
    /// The URL or the options cannot work; found by [`crate::RedisBus::new`], before any I/O.
    #[error("invalid Redis bus settings for {url}: {reason}")]
    Config { url: String, reason: String },
    /// No connection: refused, reset, closed, no route, name lookup.
    #[error("cannot reach Redis at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// Nothing came back within the deadline. For a publish the outcome is unknown; publishing
    /// the same event again is safe.
    #[error("Redis at {url} did not answer within {}", human(*after))]
    Timeout { url: String, after: Duration },
    /// Wrong user or password, a password missing, or an ACL that forbids the command.
    #[error("Redis at {url} refused the credentials: {detail}")]
    AuthRefused { url: String, detail: String },
    /// Redis answered with an error: out of memory, read-only replica, still loading, the key
    /// holds something other than a stream.
    #[error("Redis at {url} refused the command: {detail}")]
    Rejected { url: String, detail: String },
    /// A reply this crate does not understand, or a stream holding entries it did not write.
    #[error("Redis at {url} answered something unexpected: {detail}")]
    Protocol { url: String, detail: String },
    /// The caller asked for something that cannot be published (nothing was sent).
    #[error("event seq {seq} cannot be published: {reason}")]
    InvalidEvent { seq: u64, reason: String },
}

impl BusError {
    /// The error in the daemon's terms; the peer reads "Redis at <url>".
    pub fn to_adapter_error(&self) -> AdapterError {
        let peer = |url: &str| format!("Redis at {url}");
        match self {
            Self::Config { url, reason } => AdapterError::Unreachable {
                peer: peer(url),
                reason: format!("invalid settings: {reason}"),
            },
            Self::Unreachable { url, reason } => AdapterError::Unreachable {
                peer: peer(url),
                reason: reason.clone(),
            },
            Self::Timeout { url, after } => AdapterError::Timeout {
                peer: peer(url),
                secs: u64::try_from(after.as_millis().div_ceil(1000)).unwrap_or(u64::MAX),
            },
            Self::AuthRefused { url, .. } => AdapterError::AuthFailed { peer: peer(url) },
            Self::Rejected { url, detail } | Self::Protocol { url, detail } => {
                AdapterError::Protocol {
                    peer: peer(url),
                    detail: detail.clone(),
                }
            }
            Self::InvalidEvent { .. } => AdapterError::Protocol {
                peer: "the Redis bus".into(),
                detail: self.to_string(),
            },
        }
    }

    /// True when the connection that produced this error cannot be trusted any more.
    pub(crate) fn breaks_connection(&self) -> bool {
        matches!(self, Self::Unreachable { .. } | Self::Timeout { .. })
    }

    /// Classifies a driver error; `deadline` is what a driver-side timeout is reported as.
    pub(crate) fn from_redis(target: &Target, deadline: Duration, e: &RedisError) -> Self {
        let url = target.shown().to_owned();
        if e.is_timeout() {
            return Self::Timeout {
                url,
                after: deadline,
            };
        }
        let detail = target.scrub(&server_text(e));
        match e.kind() {
            // The driver replaces the server's WRONGPASS with words of its own.
            ErrorKind::AuthenticationFailed => Self::AuthRefused {
                url,
                detail: "wrong user name or password".into(),
            },
            ErrorKind::Server(ServerErrorKind::NoPerm) => Self::AuthRefused { url, detail },
            ErrorKind::Io => Self::Unreachable {
                url,
                reason: target.scrub(&io_reason(e)),
            },
            ErrorKind::InvalidClientConfig => Self::Config {
                url,
                reason: detail,
            },
            ErrorKind::Parse | ErrorKind::UnexpectedReturnType => Self::Protocol { url, detail },
            _ if e.code() == Some("NOAUTH") => Self::AuthRefused {
                url,
                detail: format!("{detail} (the URL has no password)"),
            },
            _ if e.code() == Some("WRONGPASS") => Self::AuthRefused { url, detail },
            _ => Self::Rejected { url, detail },
        }
    }

    /// Classifies an error the publish script returned as text (`"OOM command not allowed…"`).
    pub(crate) fn from_script_text(target: &Target, text: &str) -> Self {
        let url = target.shown().to_owned();
        let detail = target.scrub(text);
        let code = text.split_whitespace().next().unwrap_or_default();
        match code {
            "NOAUTH" | "WRONGPASS" | "NOPERM" => Self::AuthRefused { url, detail },
            _ => Self::Rejected { url, detail },
        }
    }
}

/// `ERR text` as Redis sent it, or the driver's own description.
fn server_text(e: &RedisError) -> String {
    match (e.code(), e.detail()) {
        (Some(code), Some(detail)) => format!("{code} {detail}"),
        (None, Some(detail)) => detail.to_owned(),
        _ => e.to_string(),
    }
}

/// A short reason for a connection failure: "connection refused", "connection reset", or the
/// OS's words for anything rarer.
fn io_reason(e: &RedisError) -> String {
    if e.is_connection_refusal() {
        return "connection refused".into();
    }
    let kind = e
        .source_io_kind()
        .map(|k| match k {
            io::ErrorKind::ConnectionReset => "connection reset",
            io::ErrorKind::ConnectionAborted => "connection aborted",
            io::ErrorKind::BrokenPipe | io::ErrorKind::UnexpectedEof => "the connection was closed",
            io::ErrorKind::NotConnected => "not connected",
            io::ErrorKind::HostUnreachable => "no route to host",
            io::ErrorKind::NetworkUnreachable => "network unreachable",
            io::ErrorKind::AddrNotAvailable => "address not available",
            _ => "",
        })
        .unwrap_or_default();
    if kind.is_empty() {
        e.to_string()
    } else {
        kind.to_owned()
    }
}

/// The `io::ErrorKind` under a driver error, when there is one. The driver keeps it behind
/// an `Arc<dyn Error>`, which is what `source()` hands out.
trait SourceIoKind {
    fn source_io_kind(&self) -> Option<io::ErrorKind>;
}

impl SourceIoKind for RedisError {
    fn source_io_kind(&self) -> Option<io::ErrorKind> {
        let source = std::error::Error::source(self)?;
        if let Some(io) = source.downcast_ref::<io::Error>() {
            return Some(io.kind());
        }
        let shared = source.downcast_ref::<Arc<dyn std::error::Error + Send + Sync>>()?;
        shared.downcast_ref::<io::Error>().map(io::Error::kind)
    }
}

/// `2 s`, `500 ms`, `1.5 s`.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `publish_batch` stopped before the end: what got done, and why it stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("publishing stopped at seq {stopped_at}{}: {error}", progress(done))]
pub struct BatchError {
    /// The first seq whose outcome is not known to be "in the stream". Every event before it
    /// in the batch is in the stream; this one and the rest may or may not be.
    pub stopped_at: u64,
    /// The events before `stopped_at`.
    pub done: crate::BatchOutcome,
    #[source]
    pub error: BusError,
}

/// `" (after 3 new and 1 already present)"`, or nothing when nothing was done.
fn progress(done: &crate::BatchOutcome) -> String {
    if done.new == 0 && done.already_present == 0 {
        String::new()
    } else {
        format!(
            " (after {} new and {} already present)",
            done.new, done.already_present
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target::new("redis://:hunter22@127.0.0.1:6390")
    }

    fn classify(e: RedisError) -> BusError {
        BusError::from_redis(&target(), Duration::from_secs(2), &e)
    }

    #[test]
    fn classifies_driver_errors_for_an_operator() {
        let url = "redis://:***@127.0.0.1:6390";
        let refused = io::Error::from(io::ErrorKind::ConnectionRefused);
        assert_eq!(
            classify(refused.into()).to_string(),
            format!("cannot reach Redis at {url}: connection refused")
        );
        let reset = io::Error::from(io::ErrorKind::ConnectionReset);
        assert_eq!(
            classify(reset.into()).to_string(),
            format!("cannot reach Redis at {url}: connection reset")
        );
        let timed_out = io::Error::from(io::ErrorKind::TimedOut);
        assert_eq!(
            classify(timed_out.into()).to_string(),
            format!("Redis at {url} did not answer within 2 s")
        );
        let auth = RedisError::from((
            ErrorKind::AuthenticationFailed,
            "Password authentication failed",
        ));
        assert!(matches!(classify(auth), BusError::AuthRefused { .. }));
        let bad_url = RedisError::from((ErrorKind::InvalidClientConfig, "Missing hostname"));
        assert!(matches!(classify(bad_url), BusError::Config { .. }));
    }

    #[test]
    fn classifies_script_errors_by_their_code() {
        let t = target();
        assert!(matches!(
            BusError::from_script_text(&t, "NOPERM this user has no permissions"),
            BusError::AuthRefused { .. }
        ));
        let oom = BusError::from_script_text(
            &t,
            "OOM command not allowed when used memory > 'maxmemory'.",
        );
        assert!(matches!(oom, BusError::Rejected { .. }), "{oom:?}");
        // A password echoed by anything is masked.
        assert_eq!(
            BusError::from_script_text(&t, "ERR hunter22").to_string(),
            "Redis at redis://:***@127.0.0.1:6390 refused the command: ERR ***"
        );
    }

    #[test]
    fn a_batch_error_says_where_it_stopped_and_what_got_done() {
        let error = BusError::Timeout {
            url: "redis://h".into(),
            after: Duration::from_secs(2),
        };
        let stopped = |new, already_present| BatchError {
            stopped_at: 7,
            done: crate::BatchOutcome {
                new,
                already_present,
            },
            error: error.clone(),
        };
        assert_eq!(
            stopped(0, 0).to_string(),
            "publishing stopped at seq 7: Redis at redis://h did not answer within 2 s"
        );
        assert_eq!(
            stopped(3, 1).to_string(),
            "publishing stopped at seq 7 (after 3 new and 1 already present): \
             Redis at redis://h did not answer within 2 s"
        );
    }

    #[test]
    fn maps_to_adapter_errors_naming_redis_and_the_url() {
        let url = "redis://127.0.0.1:6390".to_owned();
        let peer = format!("Redis at {url}");
        let table = [
            (
                BusError::Unreachable {
                    url: url.clone(),
                    reason: "connection refused".into(),
                },
                "cannot reach Redis at redis://127.0.0.1:6390: connection refused",
            ),
            (
                BusError::Timeout {
                    url: url.clone(),
                    after: Duration::from_millis(1500),
                },
                "Redis at redis://127.0.0.1:6390 did not answer within 2 s",
            ),
            (
                BusError::AuthRefused {
                    url: url.clone(),
                    detail: "WRONGPASS".into(),
                },
                "Redis at redis://127.0.0.1:6390 refused the credentials",
            ),
        ];
        for (bus, adapter) in table {
            let mapped = bus.to_adapter_error();
            assert_eq!(mapped.to_string(), adapter);
            assert!(mapped.to_string().contains(&peer));
        }
    }
}
