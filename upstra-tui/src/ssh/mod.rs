//! The SSH client of the console's pane and of `upstra ssh`: one shell on one server, after
//! the daemon authorized it (`ssh_open`).
//!
//! [`session::run`] does the whole of it in one task: connect, check the server's host key
//! against the one pinned in the inventory ([`host_key`]), authenticate with the operator's
//! agent, key files or a password ([`auth`]), open a PTY and a shell, then stream. It talks to
//! whoever shows the shell through two channels: [`Input`] in (keys, resizes, secrets asked
//! for, output credits) and [`Event`] out. It knows nothing of the terminal it is drawn on.
//!
//! Output is delivered against credits: the task sends an [`Event::Output`] only while it
//! holds one, and each [`Input::Ack`] returns one. Between deliveries it gathers what arrives
//! into one chunk, at most [`MAX_PENDING`] bytes and one delivery per [`FRAME`]; when the
//! chunk is full it stops reading, so SSH flow control slows the server down. Memory stays
//! bounded however fast the remote writes and however slow the screen is.
//!
//! Deliberately absent: known_hosts files (the inventory is the only trust), agent
//! forwarding, port forwarding, and keeping any secret beyond the call that uses it.

pub mod auth;
pub mod error;
pub mod host_key;
pub mod session;

use std::path::PathBuf;
use std::time::Duration;

use upstra_core::secret::Secret;

pub use self::error::SshError;

/// The most output gathered before the task stops reading from the server.
pub const MAX_PENDING: usize = 256 * 1024;
/// The shortest time between two output deliveries: about 60 per second at most, however
/// many small writes the remote makes.
pub const FRAME: Duration = Duration::from_millis(16);
/// How long the server may take to answer before connecting gives up.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How many password tries before giving up, as OpenSSH does.
pub const PASSWORD_TRIES: u8 = 3;

/// What to connect to, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The inventory name, for messages.
    pub server: String,
    /// `host:port`.
    pub address: String,
    /// The pinned OpenSSH key line; `None` ends at the host key with
    /// [`SshError::HostKeyUnpinned`] so that an admin can confirm it first.
    pub host_key: Option<String>,
    pub login: String,
    /// `TERM` for the remote side.
    pub term: String,
    pub cols: u16,
    pub rows: u16,
    /// Key files to try, in order, after the agent.
    pub identities: Vec<PathBuf>,
    /// Ask the agent at `SSH_AUTH_SOCK` first.
    pub use_agent: bool,
}

/// What the task needs to be told.
#[derive(Debug)]
pub enum Input {
    /// Bytes typed, to the remote as they are.
    Data(Vec<u8>),
    /// The terminal's new size.
    Resize { cols: u16, rows: u16 },
    /// The answer to [`Event::NeedSecret`]; `None` when the operator gave up.
    Secret(Option<Secret>),
    /// The last [`Event::Output`] was taken in: another may be sent.
    Ack,
    /// Nothing more will be typed (standard input ended).
    Eof,
    /// The operator closes the shell.
    Close,
}

/// A secret the task asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// The login's password on the server; `retry` after a wrong one.
    Password { login: String, retry: bool },
    /// The passphrase of an encrypted key file.
    Passphrase { path: PathBuf },
}

/// What the task reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Asks for a secret; the task waits for [`Input::Secret`].
    NeedSecret(Prompt),
    /// Logged in, the shell is running.
    Opened,
    /// Output of the remote (stdout and stderr, as a terminal shows both).
    Output(Vec<u8>),
    /// The shell is over, after the task ran this long; the task ends after this.
    Ended { end: End, duration_ms: u64 },
}

/// Why a shell ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// The remote shell exited with this status (when the server said).
    Exited(Option<u32>),
    /// The remote shell was killed by this signal.
    Killed(String),
    /// The operator closed it.
    ClosedHere,
    /// The connection dropped after the shell opened.
    Lost(String),
    /// It never opened.
    Failed(SshError),
}

impl End {
    /// The reason recorded in the audit log (English on purpose: the log is read by admins
    /// of any language, and its records must stay comparable).
    pub fn audit_reason(&self) -> String {
        match self {
            Self::Exited(Some(status)) => format!("the remote shell exited (status {status})"),
            Self::Exited(None) => "the remote shell exited".to_owned(),
            Self::Killed(signal) => format!("the remote shell was killed by {signal}"),
            Self::ClosedHere => "closed by the operator".to_owned(),
            Self::Lost(why) => format!("the connection was lost: {why}"),
            Self::Failed(e) => format!("never opened: {e}"),
        }
    }
}
