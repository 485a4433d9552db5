//! The CLI's error type: every failure is one sentence for stderr plus an exit code.
//! The codes are part of the command-line contract and documented in `upstra --help`.

use upstra_core::api::v1::ApiError;

use crate::client::{CallError, ConnectError};
use crate::console::ConsoleError;
use crate::session::SessionError;

/// The exit codes of `upstra`.
pub mod exit {
    /// The command failed; the message says why.
    pub const FAILED: u8 = 1;
    /// The command line or its input was wrong (clap uses 2 for its own usage errors too).
    pub const USAGE: u8 = 2;
    /// The daemon could not be reached, or the connection to it was lost.
    pub const UNREACHABLE: u8 = 3;
    /// No session, or the daemon no longer accepts it.
    pub const UNAUTHENTICATED: u8 = 4;
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CliError {
    /// Wrong input from the caller (an empty password, ...).
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Connect(#[from] ConnectError),
    /// The call reached the daemon, or tried to, and failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// No session file for this socket.
    #[error(
        "not logged in to the daemon at {socket}: run `upstra login --user NAME --password-stdin`"
    )]
    NotLoggedIn { socket: String },
    #[error(transparent)]
    Session(#[from] SessionError),
    #[error(transparent)]
    Console(#[from] ConsoleError),
    /// Anything else, already phrased for the user.
    #[error("{0}")]
    Failed(String),
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => exit::USAGE,
            Self::Connect(_) => exit::UNREACHABLE,
            Self::Call(CallError::Connect(_) | CallError::Transport { .. }) => exit::UNREACHABLE,
            Self::Call(CallError::Api(ApiError::Unauthenticated)) | Self::NotLoggedIn { .. } => {
                exit::UNAUTHENTICATED
            }
            Self::Call(_) | Self::Session(_) | Self::Console(_) | Self::Failed(_) => exit::FAILED,
        }
    }
}

impl From<ApiError> for CliError {
    fn from(e: ApiError) -> Self {
        Self::Call(CallError::Api(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        assert_eq!(
            [
                exit::FAILED,
                exit::USAGE,
                exit::UNREACHABLE,
                exit::UNAUTHENTICATED
            ],
            [1, 2, 3, 4]
        );
        assert_eq!(CliError::from(ApiError::Unauthenticated).exit_code(), 4);
        assert_eq!(CliError::from(ApiError::BadCredentials).exit_code(), 1);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        let unreachable =
            ConnectError::new("/nowhere".as_ref(), std::io::ErrorKind::NotFound.into());
        assert_eq!(CliError::from(unreachable).exit_code(), 3);
    }
}
