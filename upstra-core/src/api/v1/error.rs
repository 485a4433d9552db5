//! The errors a client can see. Messages are safe to show: no internal paths, no secrets.

use serde::{Deserialize, Serialize};

use super::refusal::{ConflictReason, SecondFactorCode};

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "error")]
#[non_exhaustive]
pub enum ApiError {
    #[error("not logged in, or the session has expired: run `upstra login`")]
    Unauthenticated,
    #[error("wrong user name or password")]
    BadCredentials,
    #[error("{reason}")]
    SecondFactorRefused {
        reason: String,
        /// Why, for a console to word in its own language (absent from older daemons).
        #[serde(default)]
        code: SecondFactorCode,
    },
    #[error("this session can only be used to {can}: {hint}")]
    SessionLimited { can: String, hint: String },
    #[error("permission denied: this needs the {needed} permission")]
    Forbidden { needed: String },
    #[error("too many attempts: try again in {retry_after_s} s")]
    RateLimited { retry_after_s: u64 },
    /// Too many password or code checks are already running or queued daemon-wide: a load
    /// refusal, not a verdict on the credentials. Retrying after `retry_after_s` may succeed.
    #[error("the daemon is busy checking other logins: try again in a few seconds")]
    Busy { retry_after_s: u64 },
    #[error("{what} not found")]
    NotFound { what: String },
    #[error("{}", problems.join("; "))]
    Invalid { problems: Vec<String> },
    #[error("{message}")]
    Conflict {
        message: String,
        /// Why, for a console to word in its own language (absent from older daemons).
        #[serde(default)]
        reason: ConflictReason,
    },
    #[error("the daemon cannot do this right now: {message}")]
    Unavailable { message: String },
    /// A peer refuses what was declared for it (its credentials): retrying will not help, the
    /// message names what to fix.
    #[error("{message}")]
    Misconfigured { message: String },
    #[error("internal error (reference {reference}); the daemon's log has the details")]
    Internal { reference: String },
}

impl ApiError {
    /// A refused one-time code with its reason code and the sentence.
    pub fn code_refused(code: SecondFactorCode, reason: impl Into<String>) -> Self {
        Self::SecondFactorRefused {
            reason: reason.into(),
            code,
        }
    }

    pub fn invalid(problem: impl Into<String>) -> Self {
        Self::Invalid {
            problems: vec![problem.into()],
        }
    }
}
