//! [`RedfishError`]: what went wrong talking to one BMC, and its core [`AdapterError`].

use upstra_adapter_tls::TlsError;
use upstra_core::state::PowerState;
use upstra_core::traits::AdapterError;

/// Why a Redfish call failed. Each variant names what an operator can check or change.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RedfishError {
    /// Connection, TLS trust, redirect or deadline trouble (see [`TlsError`]).
    #[error(transparent)]
    Transport(#[from] TlsError),
    /// The BMC answered 401: wrong user name or password.
    #[error("the BMC refused the login of user `{user}` (wrong user name or password?)")]
    AuthFailed {
        /// The user name that was refused.
        user: String,
    },
    /// The BMC answered 403: the account lacks the privilege (iLO: "Virtual Power and Reset").
    #[error("user `{user}` may not {action} on this BMC (missing privilege)")]
    Forbidden {
        /// The user name whose privilege is missing.
        user: String,
        /// The request refused, e.g. `POST /redfish/v1/Systems/1/Actions/...`.
        action: String,
    },
    /// The BMC answered 404.
    #[error("{path} does not exist on this BMC")]
    NotFound {
        /// The path that answered 404.
        path: String,
    },
    /// The BMC refused to open a session (iLO: too many open sessions).
    #[error(
        "the BMC refused a new session (HTTP {status}): {message}; an iLO allows only a few \
         sessions at once, and idle ones close after its idle timeout"
    )]
    SessionRefused {
        /// The HTTP status of the login.
        status: u16,
        /// The BMC's own words.
        message: String,
    },
    /// The reset type is not in the system's `ResetType@Redfish.AllowableValues`. Nothing was
    /// sent.
    #[error("reset type {requested} is not offered by this system (it allows: {})", allowed.join(", "))]
    ResetNotAllowed {
        /// The Redfish name of the reset type asked for.
        requested: String,
        /// The values the system lists.
        allowed: Vec<String>,
    },
    /// The BMC refused a reset it was sent.
    #[error("the BMC refused reset type {requested} (HTTP {status}): {message}")]
    ResetRefused {
        /// The Redfish name of the reset type sent.
        requested: String,
        /// The HTTP status of the refusal.
        status: u16,
        /// The BMC's own words.
        message: String,
    },
    /// The system has no `#ComputerSystem.Reset` action.
    #[error("the system offers no ComputerSystem.Reset action")]
    NoResetAction,
    /// The power state did not reach the target before the deadline.
    #[error("the power state did not become {target} within {secs} s (last seen: {last})")]
    PowerWaitTimedOut {
        /// The state waited for.
        target: PowerState,
        /// The last state read (`Unknown` if no read succeeded).
        last: PowerState,
        /// How long the wait lasted, in whole seconds.
        secs: u64,
    },
    /// The operation as a whole ran past its deadline.
    #[error("no result within {secs} s")]
    DeadlineExceeded {
        /// The operation's deadline, in whole seconds (rounded up).
        secs: u64,
    },
    /// The BMC URL cannot be used.
    #[error("the BMC URL {url} cannot be used: {reason}")]
    BadUrl {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL does not name a single ComputerSystem.
    #[error("{url} names {count} systems; point the BMC URL at one of: {}", members.join(", "))]
    AmbiguousSystem {
        /// The URL as given.
        url: String,
        /// How many systems the BMC lists.
        count: usize,
        /// Their paths, to pick one from.
        members: Vec<String>,
    },
    /// Any other HTTP status.
    #[error("{method} {path} answered HTTP {status}: {message}")]
    Status {
        /// The HTTP method of the request.
        method: &'static str,
        /// The path requested.
        path: String,
        /// The HTTP status answered.
        status: u16,
        /// The BMC's own words, or the status's reason phrase.
        message: String,
    },
    /// A document that does not parse as the Redfish resource we asked for.
    #[error("{path} is not the Redfish document expected: {reason}")]
    Decode {
        /// The path of the document.
        path: String,
        /// What did not parse.
        reason: String,
    },
}

impl RedfishError {
    /// The daemon-facing error for the server named `peer`.
    ///
    /// Wrong password → `AuthFailed`; refused, timed-out connections → `Unreachable`; TLS
    /// trust → `Untrusted` (with both fingerprints on a mismatch); 404 → `NotFound`; a reset
    /// the system does not offer → `Unsupported`; deadlines → `Timeout`.
    pub fn into_adapter_error(self, peer: &str) -> AdapterError {
        let p = peer.to_owned();
        match self {
            Self::Transport(e) => e.into_adapter_error(peer),
            Self::AuthFailed { .. } | Self::Forbidden { .. } => {
                AdapterError::AuthFailed { peer: p }
            }
            Self::NotFound { path } => AdapterError::NotFound {
                peer: p,
                what: path,
            },
            Self::ResetNotAllowed { requested, allowed } => AdapterError::Unsupported {
                peer: p,
                what: format!("reset type {requested} (it allows: {})", allowed.join(", ")),
            },
            Self::ResetRefused {
                requested,
                status,
                message,
            } => AdapterError::Unsupported {
                peer: p,
                what: format!("reset type {requested} (HTTP {status}: {message})"),
            },
            Self::NoResetAction => AdapterError::Unsupported {
                peer: p,
                what: "the ComputerSystem.Reset action".into(),
            },
            Self::PowerWaitTimedOut { secs, .. } | Self::DeadlineExceeded { secs } => {
                AdapterError::Timeout { peer: p, secs }
            }
            Self::SessionRefused { .. }
            | Self::BadUrl { .. }
            | Self::AmbiguousSystem { .. }
            | Self::Status { .. }
            | Self::Decode { .. } => AdapterError::Protocol {
                peer: p,
                detail: self.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reset_not_offered_names_the_allowed_ones() {
        let e = RedfishError::ResetNotAllowed {
            requested: "GracefulShutdown".into(),
            allowed: vec!["On".into(), "ForceOff".into()],
        };
        let a = e.into_adapter_error("srv1");
        assert_eq!(
            a.to_string(),
            "srv1 does not support reset type GracefulShutdown (it allows: On, ForceOff)"
        );
    }

    #[test]
    fn wrong_password_and_missing_resource_keep_their_kind() {
        let a = RedfishError::AuthFailed {
            user: "admin".into(),
        }
        .into_adapter_error("srv1");
        assert_eq!(
            a,
            AdapterError::AuthFailed {
                peer: "srv1".into()
            }
        );
        let a = RedfishError::NotFound {
            path: "/redfish/v1/Systems/9".into(),
        }
        .into_adapter_error("srv1");
        assert!(matches!(a, AdapterError::NotFound { ref what, .. } if what.ends_with("/9")));
    }
}
