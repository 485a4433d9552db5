//! What can go wrong talking to vCenter, in terms an operator can act on, and how each case
//! maps to the core's [`AdapterError`].

use std::fmt;

use upstra_core::traits::AdapterError;

/// A vim25 fault: its type name (`InvalidLogin`, `InvalidPowerState`, ...), the server's
/// message, and the detail fields that say what it was about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// The fault type, as the vim25 API names it.
    pub name: String,
    /// The server's message (`faultstring`, or a task's `localizedMessage`); may be empty.
    pub message: String,
    /// Leaf fields of the fault, e.g. `existingState=poweredOff`.
    pub details: Vec<(String, String)>,
}

impl Fault {
    pub(crate) fn new(name: String, message: String, details: Vec<(String, String)>) -> Self {
        Self {
            name,
            message,
            details,
        }
    }

    /// A detail field by name.
    pub fn detail(&self, key: &str) -> Option<&str> {
        self.details
            .iter()
            .find_map(|(k, v)| (k == key).then_some(v.as_str()))
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        // vcsim's messages are Go type names ("*types.InvalidPowerState"): say nothing then.
        let message = self.message.trim();
        if !message.is_empty() && !message.starts_with("*types.") {
            write!(f, ": {message}")?;
        }
        if !self.details.is_empty() {
            let pairs: Vec<String> = self
                .details
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            write!(f, " ({})", pairs.join(", "))?;
        }
        Ok(())
    }
}

/// Why a vSphere call failed. `method` fields name the vim25 method that failed
/// (`RelocateVM_Task`), `what` fields the object or operation, `reason` the cause as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VsphereError {
    /// The lab declares no password for the vCenter login.
    #[error("no password is set for vCenter user `{user}`")]
    NoPassword {
        /// The login with no password.
        user: String,
    },
    /// The TLS trust could not be set up (unreadable CA file, ...).
    #[error("TLS setup: {reason}")]
    TlsSetup {
        /// What the TLS crate reported.
        reason: String,
    },
    /// The server could not be reached (refused, no route, DNS).
    #[error("cannot reach vCenter: {reason}")]
    Unreachable {
        /// The connection error.
        reason: String,
    },
    /// The server's certificate did not match the pin or the CA, or nothing is pinned.
    #[error("vCenter's TLS certificate is not trusted: {reason}")]
    Untrusted {
        /// Which check failed; names the presented fingerprint.
        reason: String,
    },
    /// One HTTP exchange took longer than the call timeout.
    #[error("no answer to {method} within {secs} s")]
    Timeout {
        /// The method that got no answer.
        method: &'static str,
        /// The call timeout.
        secs: u64,
    },
    /// `InvalidLogin`: wrong user name or password.
    #[error("vCenter refused the login of user `{user}`")]
    AuthFailed {
        /// The login that was refused.
        user: String,
    },
    /// A VM, host or other object does not exist (any more).
    #[error("{what} not found")]
    NotFound {
        /// The object, e.g. ``host `esx-3` `` or `VirtualMachine:vm-42`.
        what: String,
    },
    /// A name matches several objects.
    #[error("{what} is ambiguous: {count} objects have that name")]
    Ambiguous {
        /// The name looked up.
        what: String,
        /// How many objects have it.
        count: usize,
    },
    /// The server does not implement the method (`MethodNotFound`, `NotSupported`).
    #[error("this vCenter does not support {what}")]
    Unsupported {
        /// The method, e.g. `ShutdownHost_Task`.
        what: String,
    },
    /// The server refused a call with a fault.
    #[error("{method} refused: {fault}")]
    Fault {
        /// The method refused.
        method: &'static str,
        /// The fault, with its details.
        fault: Fault,
    },
    /// A task ended in error.
    #[error("{method} ({task}) failed: {fault}")]
    TaskFailed {
        /// The method that started the task.
        method: &'static str,
        /// The task's moref id.
        task: String,
        /// The task's `info.error`.
        fault: Fault,
    },
    /// A task or a state change did not finish within its deadline.
    #[error("{what} did not finish within {secs} s")]
    Deadline {
        /// The task or state change waited for.
        what: String,
        /// The deadline.
        secs: u64,
    },
    /// An HTTP status that is neither a result (200) nor a SOAP fault (500).
    #[error("HTTP {status} from {method}: {snippet}")]
    Http {
        /// The method sent.
        method: &'static str,
        /// The HTTP status.
        status: u16,
        /// The start of the answer.
        snippet: String,
    },
    /// An answer we could not read.
    #[error("unreadable answer to {method}: {detail}")]
    Malformed {
        /// The method sent.
        method: &'static str,
        /// What was wrong with the answer.
        detail: String,
    },
}

impl VsphereError {
    /// Classifies a SOAP fault raised by `method`.
    pub(crate) fn from_fault(method: &'static str, fault: Fault) -> Self {
        match fault.name.as_str() {
            "InvalidLogin" => Self::AuthFailed {
                user: String::new(),
            },
            "ManagedObjectNotFound" => Self::NotFound {
                what: fault
                    .detail("obj")
                    .map_or_else(|| "managed object".to_owned(), str::to_owned),
            },
            "MethodNotFound" => Self::Unsupported {
                what: fault.detail("method").unwrap_or(method).to_owned(),
            },
            "NotSupported" | "NotImplemented" => Self::Unsupported {
                what: method.to_owned(),
            },
            _ => Self::Fault { method, fault },
        }
    }

    /// The fault behind this error, if the server sent one.
    pub fn fault(&self) -> Option<&Fault> {
        match self {
            Self::Fault { fault, .. } | Self::TaskFailed { fault, .. } => Some(fault),
            _ => None,
        }
    }

    /// True for `NotAuthenticated`: the session expired or was ended; log in again.
    pub(crate) fn is_not_authenticated(&self) -> bool {
        self.fault().is_some_and(|f| f.name == "NotAuthenticated")
    }

    /// True when the server lacks the operation: the caller should use another path (for a
    /// host shutdown, the BMC).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, Self::Unsupported { .. })
    }

    /// The core's error for this failure, naming the vCenter as `peer`.
    pub fn into_adapter(self, peer: &str) -> AdapterError {
        let peer = peer.to_owned();
        match self {
            Self::NoPassword { .. } | Self::AuthFailed { .. } => AdapterError::AuthFailed { peer },
            Self::TlsSetup { reason } | Self::Untrusted { reason } => {
                AdapterError::Untrusted { peer, reason }
            }
            Self::Unreachable { reason } => AdapterError::Unreachable { peer, reason },
            Self::Timeout { secs, .. } | Self::Deadline { secs, .. } => {
                AdapterError::Timeout { peer, secs }
            }
            Self::NotFound { what } => AdapterError::NotFound { peer, what },
            Self::Unsupported { what } => AdapterError::Unsupported { peer, what },
            // The core has no "refused" variant yet (see the crate README): the detail names
            // the fault and the message so an operator still sees why.
            e @ (Self::Ambiguous { .. }
            | Self::Fault { .. }
            | Self::TaskFailed { .. }
            | Self::Http { .. }
            | Self::Malformed { .. }) => AdapterError::Protocol {
                peer,
                detail: e.to_string(),
            },
        }
    }
}
