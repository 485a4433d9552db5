//! Wire types of the SSH pane: what the daemon answers when it authorizes a shell on a
//! server. The shell itself runs between the operator's console and the server; the daemon
//! decides who may open one, says where and with which host key, and records it.

use serde::{Deserialize, Serialize};

/// Where to open a shell, as the daemon authorized it. It holds no credential: the operator's
/// agent, key file or password authenticates to the server, and the daemon never sees them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SshTarget {
    /// Names this shell in the audit log: the open and close records carry it as their
    /// correlation id, and `ssh_closed` refers to it.
    pub session_id: String,
    /// `host:port`.
    pub address: String,
    /// The pinned host key (`ssh-ed25519 AAAA...`); `None` until an admin confirms one. The
    /// client refuses to authenticate to a server whose key differs.
    pub host_key: Option<String>,
    /// The login to use unless the operator names another: the one declared in the lab file,
    /// else the operator's own Upstra name.
    pub login_hint: String,
}

/// Longest close reason the daemon keeps; longer ones are cut.
pub const MAX_CLOSE_REASON: usize = 200;
