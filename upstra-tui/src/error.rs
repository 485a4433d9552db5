//! The CLI's error type: every failure is one sentence for stderr plus an exit code.
//! The codes are part of the command-line contract and documented in `upstra --help`.

use upstra_core::api::v1::ApiError;

use crate::client::{CallError, ConnectError};
use crate::console::ConsoleError;
use crate::format;
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
    /// Refused by policy: a missing permission, a rate limit, or a session limited to
    /// enrolling two-factor or changing the password. Retrying the same call as the same user
    /// will not help (or not before the time the message gives).
    pub const REFUSED: u8 = 5;
}

/// The daemon's refusal as one sentence for a person. Most `ApiError` messages are already
/// phrased that way; a rate limit says when to retry in minutes rather than seconds.
pub fn api_message(e: &ApiError) -> String {
    match e {
        ApiError::RateLimited { retry_after_s } => format!(
            "too many attempts: try again in {}",
            format::wait(*retry_after_s)
        ),
        e => e.to_string(),
    }
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
    /// `upstra ssh`: the remote shell exited with this non-zero status, which becomes ours
    /// (as with ssh(1)); nothing more to say, the shell said it.
    #[error("the remote shell exited with status {0}")]
    RemoteStatus(u8),
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
            Self::Call(CallError::Api(
                ApiError::Forbidden { .. }
                | ApiError::RateLimited { .. }
                | ApiError::Busy { .. }
                | ApiError::SessionLimited { .. },
            )) => exit::REFUSED,
            Self::Call(_) | Self::Session(_) | Self::Console(_) | Self::Failed(_) => exit::FAILED,
            Self::RemoteStatus(status) => *status,
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
    use upstra_core::api::v1::SecondFactorCode;

    #[test]
    fn exit_codes_are_the_documented_ones() {
        assert_eq!(
            [
                exit::FAILED,
                exit::USAGE,
                exit::UNREACHABLE,
                exit::UNAUTHENTICATED,
                exit::REFUSED
            ],
            [1, 2, 3, 4, 5]
        );
        for refused in [
            ApiError::Forbidden {
                needed: "admin".into(),
            },
            ApiError::RateLimited { retry_after_s: 9 },
            ApiError::Busy { retry_after_s: 2 },
            ApiError::SessionLimited {
                can: "x".into(),
                hint: "y".into(),
            },
        ] {
            assert_eq!(CliError::from(refused).exit_code(), 5);
        }
        let refused = ApiError::SecondFactorRefused {
            reason: "wrong code".into(),
            code: SecondFactorCode::Wrong,
        };
        assert_eq!(CliError::from(refused).exit_code(), 1);
        assert_eq!(CliError::from(ApiError::Unauthenticated).exit_code(), 4);
        assert_eq!(CliError::from(ApiError::BadCredentials).exit_code(), 1);
        assert_eq!(CliError::Usage("x".into()).exit_code(), 2);
        let unreachable =
            ConnectError::new("/nowhere".as_ref(), std::io::ErrorKind::NotFound.into());
        assert_eq!(CliError::from(unreachable).exit_code(), 3);
    }

    #[test]
    fn refusals_say_what_to_do() {
        let cases = [
            (
                ApiError::RateLimited { retry_after_s: 180 },
                "too many attempts: try again in 3 min",
            ),
            (
                ApiError::RateLimited { retry_after_s: 20 },
                "too many attempts: try again in 20 s",
            ),
            (
                ApiError::SessionLimited {
                    can: "change the password".into(),
                    hint: "your password was reset; run `upstra passwd`".into(),
                },
                "this session can only be used to change the password: your password was \
                 reset; run `upstra passwd`",
            ),
            (
                ApiError::SecondFactorRefused {
                    reason: "this code was already used".into(),
                    code: SecondFactorCode::Replayed,
                },
                "this code was already used",
            ),
        ];
        for (e, sentence) in cases {
            assert_eq!(CliError::from(e).to_string(), sentence);
        }
    }
}
