//! Why a read failed, in words an operator can act on.

use std::time::Duration;

use upstra_core::traits::AdapterError;

/// A failed SNMP read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SnmpError {
    /// No answer in time. This is also what wrong credentials look like: agents drop a
    /// request with a wrong community without a word, and the reports a v3 agent sends back
    /// for a wrong user or password are unauthenticated, so they are not believed.
    #[error(
        "no answer within {} ms: the agent is down or unreachable, or it does not accept these credentials (the community, or the v3 user and passwords)",
        .after.as_millis()
    )]
    TimedOut { after: Duration },
    /// The v3 agent refused the user, its password, or the security level.
    #[error("the agent refused the v3 credentials: {0}")]
    AuthFailed(String),
    /// The secrets are not there yet (password file not read) or cannot be used.
    #[error("cannot use the configured credentials: {0}")]
    BadCredentials(String),
    /// Network trouble other than silence.
    #[error("network: {0}")]
    Network(String),
    /// The agent answered with an error or something we cannot read.
    #[error("{0}")]
    Protocol(String),
    /// The agent does not have a value the reading needs.
    #[error("the agent has no {what} ({oid}): check the UPS's MIB (mib = \"...\") in the lab file")]
    Missing { what: &'static str, oid: String },
    /// A value outside what the MIB allows.
    #[error("{what} ({oid}) = {value} is not a valid value")]
    Garbage {
        what: &'static str,
        oid: String,
        value: String,
    },
    /// The UPS is read through NUT: the daemon sent it to the wrong adapter.
    #[error("this UPS is read through NUT, not SNMP")]
    NotSnmp,
}

impl SnmpError {
    /// The adapter-neutral form the daemon's comms-lost policy works on.
    pub fn to_adapter_error(&self, peer: &str) -> AdapterError {
        let peer = peer.to_owned();
        match self {
            Self::TimedOut { after } => AdapterError::Unreachable {
                peer,
                reason: format!(
                    "no answer within {} ms (agent down, or credentials it does not accept)",
                    after.as_millis()
                ),
            },
            Self::AuthFailed(_) | Self::BadCredentials(_) => AdapterError::AuthFailed { peer },
            Self::Network(reason) => AdapterError::Unreachable {
                peer,
                reason: reason.clone(),
            },
            Self::Missing { .. } => AdapterError::NotFound {
                peer,
                what: self.to_string(),
            },
            Self::Protocol(_) | Self::Garbage { .. } | Self::NotSnmp => AdapterError::Protocol {
                peer,
                detail: self.to_string(),
            },
        }
    }
}

impl From<Box<async_snmp::Error>> for SnmpError {
    fn from(e: Box<async_snmp::Error>) -> Self {
        use async_snmp::Error as E;
        match *e {
            E::Timeout { elapsed, .. } => Self::TimedOut { after: elapsed },
            E::Auth { .. } | E::Report { .. } => Self::AuthFailed(e.to_string()),
            E::Network { .. } | E::Closed { .. } => Self::Network(e.to_string()),
            E::Config(_) | E::Privacy(_) => Self::BadCredentials(e.to_string()),
            _ => Self::Protocol(e.to_string()),
        }
    }
}
