//! Socket activation: the listening socket systemd passes (`upstrad.socket`), taken the way
//! `sd_listen_fds(3)` describes, and held to the same rules as a socket the daemon binds itself.
//!
//! systemd binds the socket before the daemon starts, so clients that connect while it starts
//! or restarts wait in the backlog instead of failing, and the socket survives a restart. The
//! protocol: `LISTEN_PID` names the process the sockets are for (a child that inherited the
//! variables must not take them), `LISTEN_FDS` counts them, the first is descriptor 3. The
//! variables are unset once read, so nothing the daemon starts inherits them.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixListener as StdUnixListener;
use std::path::{Path, PathBuf};

use tokio::net::UnixListener;

use crate::error::Error;

/// The mode of the socket file: the owner (root) and the socket group may connect, nobody
/// else. Every connection is then checked by its peer credentials and its session.
pub const SOCKET_MODE: u32 = 0o660;

/// The sockets `upstrad.socket` passes: exactly one, the API's.
const EXPECTED_SOCKETS: &str = "1";

/// The listening socket passed by the service manager, if there is one for this process.
///
/// Call it before any other thread starts: it unsets `LISTEN_PID` and `LISTEN_FDS`, and the
/// environment must not change while another thread may read it.
pub fn take_passed() -> Result<Option<StdUnixListener>, Error> {
    let Some(count) = std::env::var_os("LISTEN_FDS") else {
        return Ok(None);
    };
    let for_us = std::env::var("LISTEN_PID")
        .ok()
        .and_then(|pid| pid.trim().parse::<u32>().ok())
        == Some(std::process::id());
    // `LISTEN_FDS_FIRST_FD` is not systemd's: a socket there is not where systemd puts it.
    let moved = std::env::var_os("LISTEN_FDS_FIRST_FD").is_some();
    // Reads the variables again and unsets them, whether or not they are for us.
    let mut passed = listenfd::ListenFd::from_env();
    if !for_us {
        tracing::info!(
            "LISTEN_FDS is set for another process (LISTEN_PID is not ours); binding the socket"
        );
        return Ok(None);
    }
    let refused = |reason: String| Error::Activation { reason };
    if moved {
        return Err(refused(
            "LISTEN_FDS_FIRST_FD is set: pass the socket as descriptor 3, as systemd does".into(),
        ));
    }
    if count != EXPECTED_SOCKETS {
        return Err(refused(format!(
            "{} sockets were passed (LISTEN_FDS={}); upstrad serves exactly one: give \
             upstrad.socket a single ListenStream=",
            count.to_string_lossy(),
            count.to_string_lossy()
        )));
    }
    match passed.take_unix_listener(0) {
        Ok(Some(listener)) => Ok(Some(listener)),
        Ok(None) => Err(refused("descriptor 3 was already taken".into())),
        Err(e) => Err(refused(format!(
            "descriptor 3 is not a listening Unix stream socket ({e}): use ListenStream= with \
             a path in upstrad.socket"
        ))),
    }
}

/// Serves on a socket passed by the service manager: gives its file the mode and group a
/// socket the daemon binds gets. Returns the listener and the socket's path.
pub fn adopt(
    listener: StdUnixListener,
    configured: &Path,
    group: Option<&str>,
) -> Result<(UnixListener, PathBuf), Error> {
    let path = listener
        .local_addr()
        .ok()
        .and_then(|a| a.as_pathname().map(Path::to_path_buf))
        .ok_or_else(|| Error::Activation {
            reason: "the passed socket has no path (an abstract or unnamed socket): use \
                     ListenStream=/run/upstra/upstra.sock"
                .into(),
        })?;
    if path != configured {
        tracing::warn!(
            passed = %path.display(),
            configured = %configured.display(),
            "the passed socket is not at the configured path: clients that use the configured \
             one will not find the daemon; make ListenStream= and `socket` agree"
        );
    }
    let socket_err = |source| Error::Socket {
        path: path.clone(),
        source,
    };
    listener.set_nonblocking(true).map_err(socket_err)?;
    restrict(&path, group)?;
    let listener = UnixListener::from_std(listener).map_err(socket_err)?;
    Ok((listener, path))
}

/// Mode [`SOCKET_MODE`] and, when configured, the socket group on the socket file at `path`.
///
/// The group is changed only when it differs: a socket from `upstrad.socket` already has it
/// (`SocketGroup=`), and the unit gives the daemon neither CAP_CHOWN nor the chown calls, so
/// an unneeded chown would fail there.
pub fn restrict(path: &Path, group: Option<&str>) -> Result<(), Error> {
    use std::os::unix::fs::MetadataExt;
    let socket_err = |source| Error::Socket {
        path: path.to_path_buf(),
        source,
    };
    fs::set_permissions(path, fs::Permissions::from_mode(SOCKET_MODE)).map_err(socket_err)?;
    let Some(group) = group else { return Ok(()) };
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
    if fs::metadata(path).map_err(socket_err)?.gid() == gid.as_raw() {
        return Ok(());
    }
    nix::unistd::chown(path, None, Some(gid)).map_err(|e| Error::SocketGroup {
        group: group.to_owned(),
        reason: format!(
            "cannot give {} this group ({e}); under systemd, set SocketGroup= in upstrad.socket \
             to the same group as socket_group",
            path.display()
        ),
    })
}
