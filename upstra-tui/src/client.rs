//! The connection to `upstrad`: tarpc over its Unix socket with the JSON codec.
//!
//! Every call goes through [`Connector::call`], which sets a deadline suited to the method and
//! turns the three ways a call can fail into [`CallError`]: the socket cannot be opened
//! ([`ConnectError`]), the transport broke or timed out, or the daemon answered with an
//! [`ApiError`]. A broken connection is dropped so the next call reconnects: that is how the
//! console survives a daemon restart.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tarpc::client::RpcError;
use tarpc::context::Context;
use tokio::sync::Mutex;
use upstra_core::api::v1::{ApiError, AuditQuery, AuditView, SessionToken, UpstraClient};

/// Deadlines per kind of call.
pub mod timeouts {
    use std::time::Duration;

    /// Reads and small writes.
    pub const CALL: Duration = Duration::from_secs(10);
    /// Login and setup hash a password with argon2 on the daemon's side.
    pub const LOGIN: Duration = Duration::from_secs(30);
    /// `apply` validates and writes the whole declaration.
    pub const APPLY: Duration = Duration::from_secs(120);
    /// A power action or a migration. The daemon waits for the peer with its own (shorter)
    /// deadline and answers either way; this only guards against a daemon that hangs.
    pub const ACTION: Duration = Duration::from_secs(15 * 60);

    /// An `events_since` long-poll: the daemon may hold it for `max_wait_ms`, so the deadline
    /// must leave room beyond that or every quiet poll would end in a timeout.
    pub fn long_poll(max_wait_ms: u64) -> Duration {
        Duration::from_millis(max_wait_ms) + CALL
    }
}

/// The socket could not be opened.
#[derive(Debug, thiserror::Error)]
#[error("cannot reach the daemon at {}: {}", socket.display(), explain(source))]
pub struct ConnectError {
    socket: PathBuf,
    #[source]
    source: io::Error,
}

impl ConnectError {
    /// Opening `socket` failed with `source`.
    pub fn new(socket: &Path, source: io::Error) -> Self {
        Self {
            socket: socket.to_owned(),
            source,
        }
    }

    /// The underlying I/O error's kind.
    pub fn kind(&self) -> io::ErrorKind {
        self.source.kind()
    }
}

/// The few errors a user meets, said with what to do about them.
fn explain(e: &io::Error) -> String {
    const HINT: &str = "is upstrad running? set --socket or UPSTRA_SOCKET";
    match e.kind() {
        io::ErrorKind::NotFound => format!("no such file ({HINT})"),
        io::ErrorKind::ConnectionRefused => format!("connection refused ({HINT})"),
        io::ErrorKind::PermissionDenied => {
            "permission denied (the socket is for root and the upstra group)".to_owned()
        }
        _ => e.to_string(),
    }
}

/// Why a call failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CallError {
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The connection broke or the daemon did not answer in time.
    #[error("the daemon at {socket} {what}")]
    Transport {
        socket: String,
        what: String,
        kind: TransportFailure,
    },
    /// The daemon's RPC layer refused the request before any handler ran.
    #[error("the daemon at {socket} could not serve the request: {detail}")]
    Server { socket: String, detail: String },
    /// The daemon answered with an error.
    #[error("{}", crate::error::api_message(.0))]
    Api(#[from] ApiError),
}

impl CallError {
    /// True when the daemon says the session is missing or expired.
    pub fn is_unauthenticated(&self) -> bool {
        matches!(self, Self::Api(ApiError::Unauthenticated))
    }
}

/// How a connection failed after it was open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// No answer within the call's deadline, in seconds.
    Timeout(u64),
    /// The daemon closed the connection (stopped, restarted).
    Closed,
}

/// How long a connection may sit unused before the next call opens a fresh one. The daemon
/// closes a connection that has not shown a valid session after 10 s without a request (the
/// console's login screen, a prompt for a second factor); reopening a little before that
/// spares the first call after a pause a "closed the connection" error.
const IDLE_REOPEN: Duration = Duration::from_secs(8);

/// Counts a call under way for as long as it lives, including when its future is dropped.
struct InFlight<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> InFlight<'a> {
    fn start(count: &'a std::sync::atomic::AtomicUsize) -> Self {
        count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
    }
}

/// A lazily opened, shared connection to one daemon socket.
pub struct Connector {
    socket: PathBuf,
    /// A tokio mutex: it is held across the `connect` await so concurrent first calls open a
    /// single connection. The client itself is a cheap clone of a channel handle; the instant
    /// is when a call last started or ended on it.
    client: Mutex<Option<(UpstraClient, Instant)>>,
    /// Calls under way: a connection with one (a long poll) is in use, however long ago the
    /// call started.
    in_flight: std::sync::atomic::AtomicUsize,
}

impl Connector {
    /// A connector for `socket`; nothing is opened until the first call.
    pub fn new(socket: &Path) -> Self {
        Self {
            socket: socket.to_owned(),
            client: Mutex::new(None),
            in_flight: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The socket path, as given.
    pub fn socket(&self) -> &Path {
        &self.socket
    }

    /// The open connection, opening it if needed.
    pub async fn connect(&self) -> Result<UpstraClient, ConnectError> {
        let mut slot = self.client.lock().await;
        let busy = self.in_flight.load(std::sync::atomic::Ordering::Relaxed) > 0;
        if let Some((client, used)) = slot.as_mut()
            && (busy || used.elapsed() < IDLE_REOPEN)
        {
            *used = Instant::now();
            return Ok(client.clone());
        }
        let transport = tarpc::serde_transport::unix::connect(
            &self.socket,
            upstra_core::api::v1::ClientFormat::default,
        )
        .await
        .map_err(|e| ConnectError::new(&self.socket, e))?;
        let client = UpstraClient::new(tarpc::client::Config::default(), transport).spawn();
        *slot = Some((client.clone(), Instant::now()));
        Ok(client)
    }

    /// Makes one call with a deadline of `timeout` from now.
    pub async fn call<T, F, Fut>(&self, timeout: Duration, f: F) -> Result<T, CallError>
    where
        F: FnOnce(UpstraClient, Context) -> Fut,
        Fut: Future<Output = Result<Result<T, ApiError>, RpcError>>,
    {
        let client = self.connect().await?;
        let mut ctx = tarpc::context::current();
        ctx.deadline = Instant::now() + timeout;
        let counted = InFlight::start(&self.in_flight);
        let result = f(client, ctx).await;
        drop(counted);
        if let Some((_, used)) = self.client.lock().await.as_mut() {
            *used = Instant::now();
        }
        match result {
            Ok(reply) => reply.map_err(CallError::Api),
            Err(e) => Err(self.rpc_failure(e, timeout).await),
        }
    }

    /// The audit records `query` matches, following the daemon's pages from the newest back
    /// until `wanted` records (all of them when `None`) are read; oldest first.
    pub async fn audit_records(
        &self,
        token: &SessionToken,
        mut query: AuditQuery,
        wanted: Option<usize>,
    ) -> Result<Vec<AuditView>, CallError> {
        let mut records: Vec<AuditView> = Vec::new();
        loop {
            let left = wanted.map(|w| w.saturating_sub(records.len()));
            query.limit = left.map(|n| u32::try_from(n).unwrap_or(u32::MAX));
            let (t, q) = (token.clone(), query.clone());
            let page = self
                .call(timeouts::CALL, |c, ctx| async move {
                    c.audit_list(ctx, t, q).await
                })
                .await?;
            let mut older = page.records;
            older.append(&mut records);
            records = older;
            match page.next {
                Some(next) if wanted.is_none_or(|w| records.len() < w) => {
                    query.before = Some(next);
                }
                _ => return Ok(records),
            }
        }
    }

    async fn rpc_failure(&self, e: RpcError, timeout: Duration) -> CallError {
        let socket = self.socket.display().to_string();
        let (what, kind) = match e {
            RpcError::Server(e) => {
                return CallError::Server {
                    socket,
                    detail: e.detail,
                };
            }
            RpcError::DeadlineExceeded => (
                format!("did not answer within {} s", timeout.as_secs()),
                TransportFailure::Timeout(timeout.as_secs()),
            ),
            RpcError::Shutdown | RpcError::Send(_) | RpcError::Channel(_) => (
                "closed the connection (did it stop or restart?)".to_owned(),
                TransportFailure::Closed,
            ),
        };
        // The channel is dead (or stuck): forget it so the next call reconnects.
        *self.client.lock().await = None;
        CallError::Transport { socket, what, kind }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_missing_socket_says_what_to_do() {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("nothing.sock");
        let err = Connector::new(&socket)
            .connect()
            .await
            .expect_err("nothing listens");
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(
            err.to_string(),
            format!(
                "cannot reach the daemon at {}: no such file (is upstrad running? \
                 set --socket or UPSTRA_SOCKET)",
                socket.display()
            )
        );
    }

    #[tokio::test]
    async fn a_socket_nobody_listens_on_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let socket = dir.path().join("stale.sock");
        drop(std::os::unix::net::UnixListener::bind(&socket).expect("bind"));
        let err = Connector::new(&socket)
            .connect()
            .await
            .expect_err("listener is gone");
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused);
        assert!(err.to_string().contains("connection refused"));
    }
}
