//! The RPC server: the Unix socket, one tarpc channel per connection, and a drain on shutdown.
//!
//! Each accepted connection's peer credentials (SO_PEERCRED) are read before tarpc sees the
//! stream and become part of that connection's service value, so every handler knows the Unix
//! uid on the other end and every audit record can name it.

#[cfg(fuzzing)]
pub mod fuzzing;
mod guard;
mod handlers;
mod service;
mod wire;

use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use tarpc::server::{BaseChannel, Channel};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::codec::Framed;

use crate::error::Error;
use crate::shared::Shared;

pub use guard::{Guarded, method_of, refusal};
pub use service::Connection;
pub(crate) use service::internal;

/// Largest request or response frame. The biggest legitimate message is a lab declaration or a
/// VM list; 8 MiB leaves room for thousands of VMs and stops a runaway client.
const MAX_FRAME: usize = 8 << 20;
/// How long shutdown waits for in-flight requests.
const DRAIN_DEADLINE: Duration = Duration::from_secs(30);

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
    fs::set_permissions(path, fs::Permissions::from_mode(0o660)).map_err(socket_err)?;
    if let Some(group) = group {
        let gid = nix::unistd::Group::from_name(group)
            .map_err(|e| Error::SocketGroup {
                group: group.to_owned(),
                reason: e.to_string(),
            })?
            .ok_or_else(|| Error::SocketGroup {
                group: group.to_owned(),
                reason: "no such group (create it, or unset socket_group)".into(),
            })?
            .gid;
        nix::unistd::chown(path, None, Some(gid)).map_err(|e| Error::SocketGroup {
            group: group.to_owned(),
            reason: e.to_string(),
        })?;
    }
    Ok(listener)
}

/// Accepts connections until `shared.stopping` fires, then drains in-flight requests.
pub async fn serve(listener: UnixListener, shared: Arc<Shared>) {
    loop {
        tokio::select! {
            () = shared.stopping.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => spawn_connection(stream, &shared),
                Err(e) => {
                    // Usually EMFILE: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
    drop(listener);
    shared.requests.close();
    if tokio::time::timeout(DRAIN_DEADLINE, shared.requests.wait())
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

fn spawn_connection(stream: UnixStream, shared: &Arc<Shared>) {
    let (uid, pid) = match stream.peer_cred() {
        Ok(cred) => (cred.uid(), cred.pid()),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read peer credentials; closing the connection");
            return;
        }
    };
    tracing::debug!(peer_uid = uid, peer_pid = ?pid, "connection accepted");
    let framed = Framed::new(stream, wire::codec());
    let transport = tarpc::serde_transport::new(framed, wire::format());
    let id = shared
        .next_connection
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let connection = Guarded(Connection::new(shared.clone(), uid, id));
    let requests = shared.requests.clone();
    let shared = shared.clone();
    tokio::spawn(async move {
        BaseChannel::with_defaults(transport)
            .execute(connection)
            .for_each(|request| {
                requests.spawn(request);
                std::future::ready(())
            })
            .await;
        shared.presence.closed(id, &shared.events);
        tracing::debug!(peer_uid = uid, "connection closed");
    });
}

#[cfg(test)]
mod tests;
