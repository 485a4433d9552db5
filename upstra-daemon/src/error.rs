//! The daemon's top-level errors and the exit code each one maps to.

use std::path::PathBuf;

use crate::config::ConfigError;
use crate::store::StoreError;

/// Exit codes of `upstrad`, documented in its man page and `--help`.
pub mod exit {
    /// Clean exit, including after SIGTERM/SIGINT.
    pub const OK: i32 = 0;
    /// A runtime failure (socket, I/O, internal).
    pub const FAILURE: i32 = 1;
    /// Bad command line or configuration.
    pub const CONFIG: i32 = 2;
    /// The store cannot be unlocked: its key is missing, unreadable or wrong.
    pub const STORE_LOCKED: i32 = 3;
    /// Another daemon already serves the socket.
    pub const ALREADY_RUNNING: i32 = 4;
}

/// Why the daemon could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("another upstrad is already serving {}; stop it first or choose another --socket", socket.display())]
    AlreadyRunning { socket: PathBuf },
    #[error("{} exists and is not a socket; move it away or choose another --socket", path.display())]
    NotASocket { path: PathBuf },
    #[error("cannot listen on {}: {source}", path.display())]
    Socket {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("socket group `{group}`: {reason}")]
    SocketGroup { group: String, reason: String },
    #[error("socket activation: {reason}")]
    Activation { reason: String },
    #[error("cannot serve metrics on {addr}: {source}; free the port or change [metrics] listen")]
    Metrics {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error(
        "cannot receive SNMP traps on {addr}: {reason}; free the port or change snmp_trap_listen"
    )]
    SnmpTraps {
        addr: std::net::SocketAddr,
        reason: String,
    },
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Config(_) => exit::CONFIG,
            Self::Store(e) if e.is_key_problem() => exit::STORE_LOCKED,
            Self::AlreadyRunning { .. } => exit::ALREADY_RUNNING,
            Self::SocketGroup { .. } | Self::Activation { .. } => exit::CONFIG,
            Self::Store(_)
            | Self::NotASocket { .. }
            | Self::Socket { .. }
            | Self::Metrics { .. }
            | Self::SnmpTraps { .. } => exit::FAILURE,
        }
    }
}
