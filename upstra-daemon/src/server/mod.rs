//! The RPC server: the Unix socket, one tarpc channel per connection, and a drain on shutdown.
//!
//! Each accepted connection's peer credentials (SO_PEERCRED) are read before tarpc sees the
//! stream and become part of that connection's service value, so every handler knows the Unix
//! uid on the other end and every audit record can name it.
//!
//! Nobody on the socket can exhaust the daemon: the connections are capped and the anonymous
//! ones shed first ([`admission`]), each connection's bytes are checked frame by frame for size
//! and time ([`framing`]), and each connection has a few requests in flight at most, past which
//! the daemon stops reading it ([`backpressure`]).

mod activation;
mod admission;
mod backpressure;
mod framing;
#[cfg(fuzzing)]
pub mod fuzzing;
mod guard;
mod handlers;
pub(crate) mod reply_error;
mod resolve;
mod service;
mod session_check;
mod wire;

use std::fs;
use std::os::unix::fs::FileTypeExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tarpc::server::{BaseChannel, Channel};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::Framed;
use tokio_util::task::TaskTracker;

use self::admission::{Admission, Verdict};
use self::backpressure::{Capped, MAX_IN_FLIGHT};
use self::framing::{MAX_FRAME, Watched};
use crate::error::Error;
use crate::self_wake::RepollOnSelfWake;
use crate::shared::Shared;

pub use activation::{adopt, take_passed};
pub use guard::{Guarded, method_of, refusal};
pub use service::Connection;
pub(crate) use service::Principal;

/// How long shutdown waits for in-flight requests.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);
/// How long `accept` waits for a shed connection to give its descriptor back before trying
/// again: the connection's task closes it within a scheduling round, so this only matters
/// on a machine stalled for other reasons.
const SHED_WAIT: Duration = Duration::from_secs(1);
/// How long `accept` pauses after a failure it cannot remedy (no connection to shed), so that
/// a lasting error is logged and retried ten times a second rather than in a tight loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// A connection's first read buffer (the codec's default is 8 KiB): a login or a list
/// request fits, and a longer frame grows it to what its length prefix says.
const FIRST_READ_BUFFER: usize = 1024;

/// Raises the soft limit on open descriptors to the hard limit. Service managers commonly start
/// daemons with a soft limit of 1024, which a few hundred connections plus the store and the
/// peers' sockets come close to; the hard limit is what the administrator granted.
pub fn raise_descriptor_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => tracing::debug!(from = soft, to = hard, "raised the descriptor limit"),
            Err(e) => tracing::warn!(error = %e, soft, hard, "cannot raise the descriptor limit"),
        },
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "cannot read the descriptor limit"),
    }
}

/// Binds the daemon's socket: replaces a stale socket file, refuses when a live daemon answers
/// on it, and sets mode 0660 and the configured group.
pub fn bind(path: &Path, group: Option<&str>) -> Result<UnixListener, Error> {
    let socket_err = |source| Error::Socket {
        path: path.to_path_buf(),
        source,
    };
    match fs::symlink_metadata(path) {
        Ok(meta) if !meta.file_type().is_socket() => {
            return Err(Error::NotASocket {
                path: path.to_path_buf(),
            });
        }
        Ok(_) => match std::os::unix::net::UnixStream::connect(path) {
            Ok(_) => {
                return Err(Error::AlreadyRunning {
                    socket: path.to_path_buf(),
                });
            }
            Err(_) => {
                tracing::info!(socket = %path.display(), "replacing a stale socket file");
                fs::remove_file(path).map_err(socket_err)?;
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(socket_err(e)),
    }
    if let Some(parent) = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists())
    {
        fs::create_dir_all(parent).map_err(socket_err)?;
    }
    let listener = UnixListener::bind(path).map_err(socket_err)?;
    activation::restrict(path, group)?;
    Ok(listener)
}

/// Accepts connections until `shared.stopping` fires, then drains in-flight requests.
pub async fn serve(listener: UnixListener, shared: Arc<Shared>) {
    let admission = Arc::new(Admission::new(shared.config.max_connections));
    // Every in-flight request, so shutdown can wait for them to finish.
    let requests = TaskTracker::new();
    // Connection ids, for admission and presence; never reused while the daemon runs.
    let mut next_connection = 0u64;
    let mut failures = 0u64;
    loop {
        tokio::select! {
            () = shared.stopping.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    next_connection += 1;
                    let id = next_connection;
                    spawn_connection(stream, id, &shared, &admission, &requests);
                }
                Err(e) => {
                    failures += 1;
                    accept_failed(&e, &admission, failures).await;
                }
            }
        }
    }
    drop(listener);
    requests.close();
    if tokio::time::timeout(DRAIN_DEADLINE, requests.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "in-flight requests did not finish within {DRAIN_DEADLINE:?}; exiting anyway"
        );
    }
    // Give the connection tasks a moment to write the last responses to their sockets.
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// Out of descriptors (EMFILE, ENFILE) or memory for a socket: shed an anonymous connection
/// and wait for its descriptor, so root's next connection finds one. Anything else, or nothing
/// to shed: pause, never spin.
///
/// Under attack this happens thousands of times: only the 1st, 2nd, 4th, 8th... failure is
/// logged, with the count, so the log shows the attack without being flooded by it.
async fn accept_failed(e: &std::io::Error, admission: &Admission, failures: u64) {
    let log = failures.is_power_of_two();
    let out_of_descriptors = matches!(
        e.raw_os_error(),
        Some(code) if code == nix::libc::EMFILE || code == nix::libc::ENFILE || code == nix::libc::ENOBUFS || code == nix::libc::ENOMEM
    );
    if out_of_descriptors && let Some(closed) = admission.shed_one() {
        if log {
            tracing::warn!(error = %e, failures, "out of descriptors: closed a connection without a session");
        }
        let _ = tokio::time::timeout(SHED_WAIT, closed.cancelled()).await;
        return;
    }
    if log {
        tracing::warn!(error = %e, failures, "accept failed");
    }
    tokio::time::sleep(ACCEPT_BACKOFF).await;
}

fn spawn_connection(
    stream: UnixStream,
    id: u64,
    shared: &Arc<Shared>,
    admission: &Arc<Admission>,
    requests: &TaskTracker,
) {
    let (uid, pid) = match stream.peer_cred() {
        Ok(cred) => (cred.uid(), cred.pid()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read peer credentials; closing the connection");
            return;
        }
    };
    let peer = match admission.admit(id, uid) {
        Verdict::Admitted(peer) => peer,
        Verdict::Refused => {
            tracing::warn!(
                peer_uid = uid,
                "connection cap reached and every connection has a session: refusing a new one \
                 (raise [limits] max_connections if this is legitimate load)"
            );
            return;
        }
    };
    tracing::debug!(peer_uid = uid, peer_pid = ?pid, "connection accepted");
    let watched = Watched::new(stream, peer.authenticated.clone());
    // A small first read buffer: most connections send a few short requests or none (an
    // idle attack holds hundreds), and the codec reserves what a longer frame needs.
    let framed = Framed::with_capacity(watched, wire::codec(), FIRST_READ_BUFFER);
    let transport = tarpc::serde_transport::new(framed, wire::format());
    let connection =
        Guarded(Connection::new(shared.clone(), uid, id).watching(peer.authenticated.clone()));
    let config = tarpc::server::Config {
        // Responses wait in the handlers' tasks, not in a queue, once the transport is full.
        pending_response_buffer: MAX_IN_FLIGHT,
    };
    let requests = requests.clone();
    let shared = shared.clone();
    let admission = admission.clone();
    // The connection's task wakes itself on every call (the reply goes through a channel the
    // same task reads); without the wrapper each call would wake the other worker.
    tokio::spawn(RepollOnSelfWake::new(async move {
        let channel = Capped::new(BaseChannel::new(config, transport), MAX_IN_FLIGHT);
        // The requests run inside this task rather than in one task each: a reply is then
        // written by the task that computed it, with no hand-over to another worker thread
        // and back (two wake-ups per call, which were most of a short call's round trip).
        // `Capped` bounds how many run at once; the tracker lets shutdown wait for them.
        let served = channel
            .execute(connection)
            .for_each_concurrent(None, |request| requests.track_future(request));
        tokio::select! {
            () = served => {}
            () = peer.shed.cancelled() => {
                tracing::debug!(peer_uid = uid, "connection shed");
            }
        }
        admission.remove(id);
        peer.closed.cancel();
        shared.presence.closed(id, &shared.events);
        tracing::debug!(peer_uid = uid, "connection closed");
    }));
}

#[cfg(test)]
mod tests;
