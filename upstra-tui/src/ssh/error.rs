//! Why a shell could not be opened. Every variant carries words only (no I/O error values), so
//! the console can keep one in its state and word it in either language.

/// A failure before the shell opened.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SshError {
    /// The TCP connection or the SSH handshake failed.
    #[error("cannot connect to {server} at {address}: {detail}")]
    Connect {
        server: String,
        address: String,
        detail: String,
    },
    /// Nothing answered in time.
    #[error("{server} at {address} did not answer within {seconds} s")]
    Timeout {
        server: String,
        address: String,
        seconds: u64,
    },
    /// The server showed another key than the pinned one. Nothing was sent: the check happens
    /// during the key exchange, before any credential.
    #[error(
        "the host key of {server} does not match the one pinned in the inventory: this could \
         be a man-in-the-middle attack; nothing was sent"
    )]
    HostKeyMismatch {
        server: String,
        /// SHA-256 fingerprints, `SHA256:...`.
        presented: String,
        pinned: String,
    },
    /// No key is pinned: the one the server showed, for an admin to confirm.
    #[error(
        "the host key of {server} is not pinned in the inventory yet (fingerprint \
         {fingerprint}); an admin must confirm it before anyone logs in"
    )]
    HostKeyUnpinned {
        server: String,
        /// The OpenSSH line to pin (`ssh-ed25519 AAAA...`).
        key: String,
        fingerprint: String,
    },
    /// The inventory's pinned key cannot be read.
    #[error("the host key pinned for {server} is not a valid OpenSSH public key: {detail}")]
    BadPinnedKey { server: String, detail: String },
    /// Every way to log in was refused.
    #[error("{server} refused to log in {login} (tried: {tried})")]
    AuthFailed {
        server: String,
        login: String,
        /// What was tried, e.g. `agent, ~/.ssh/id_ed25519, password`.
        tried: String,
    },
    /// The operator gave up at a prompt.
    #[error("the login to {server} was cancelled")]
    Cancelled { server: String },
    /// Logged in, but the server refused the terminal or the shell, or the protocol failed.
    #[error("the SSH session with {server} failed: {detail}")]
    Session { server: String, detail: String },
}
