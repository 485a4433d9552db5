//! What can go wrong talking to upsd, and how it reads for an operator.

use std::fmt;
use std::io;
use std::time::Duration;

use upstra_core::traits::AdapterError;

/// An `ERR <code>` upsd answered. Codes this crate does not know are kept as written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrCode {
    /// Wrong credentials, or the user may not do this.
    AccessDenied,
    /// upsd serves no UPS of that name.
    UnknownUps,
    /// The UPS has no such variable.
    VarNotSupported,
    /// The UPS has no such instant command.
    CmdNotSupported,
    /// A malformed argument.
    InvalidArgument,
    /// upsd could not pass an instant command to the driver.
    InstcmdFailed,
    /// upsd could not pass a `SET` to the driver.
    SetFailed,
    /// The variable is read-only.
    Readonly,
    /// The value is too long.
    TooLong,
    /// upsd does not support the feature (e.g. STARTTLS built without SSL).
    FeatureNotSupported,
    /// upsd supports the feature but it is not configured.
    FeatureNotConfigured,
    /// TLS is already on.
    AlreadySslMode,
    /// upsd has no connection to the UPS's driver (not running, or crashed).
    DriverNotConnected,
    /// The driver is connected but stopped updating (older than upsd's `MAXAGE`).
    DataStale,
    /// `LOGIN` was already sent on this connection.
    AlreadyLoggedIn,
    /// A malformed password.
    InvalidPassword,
    /// `PASSWORD` was already sent on this connection.
    AlreadySetPassword,
    /// A malformed user name.
    InvalidUsername,
    /// `USERNAME` was already sent on this connection.
    AlreadySetUsername,
    /// The command needs `USERNAME` first.
    UsernameRequired,
    /// The command needs `PASSWORD` first.
    PasswordRequired,
    /// upsd does not know the command.
    UnknownCommand,
    /// A value outside the variable's range or enumeration.
    InvalidValue,
    /// A code this version does not know, as upsd wrote it.
    Other(String),
}

/// Every known code with its wire spelling; `Other` is the fallback.
const CODES: &[(ErrCode, &str)] = &[
    (ErrCode::AccessDenied, "ACCESS-DENIED"),
    (ErrCode::UnknownUps, "UNKNOWN-UPS"),
    (ErrCode::VarNotSupported, "VAR-NOT-SUPPORTED"),
    (ErrCode::CmdNotSupported, "CMD-NOT-SUPPORTED"),
    (ErrCode::InvalidArgument, "INVALID-ARGUMENT"),
    (ErrCode::InstcmdFailed, "INSTCMD-FAILED"),
    (ErrCode::SetFailed, "SET-FAILED"),
    (ErrCode::Readonly, "READONLY"),
    (ErrCode::TooLong, "TOO-LONG"),
    (ErrCode::FeatureNotSupported, "FEATURE-NOT-SUPPORTED"),
    (ErrCode::FeatureNotConfigured, "FEATURE-NOT-CONFIGURED"),
    (ErrCode::AlreadySslMode, "ALREADY-SSL-MODE"),
    (ErrCode::DriverNotConnected, "DRIVER-NOT-CONNECTED"),
    (ErrCode::DataStale, "DATA-STALE"),
    (ErrCode::AlreadyLoggedIn, "ALREADY-LOGGED-IN"),
    (ErrCode::InvalidPassword, "INVALID-PASSWORD"),
    (ErrCode::AlreadySetPassword, "ALREADY-SET-PASSWORD"),
    (ErrCode::InvalidUsername, "INVALID-USERNAME"),
    (ErrCode::AlreadySetUsername, "ALREADY-SET-USERNAME"),
    (ErrCode::UsernameRequired, "USERNAME-REQUIRED"),
    (ErrCode::PasswordRequired, "PASSWORD-REQUIRED"),
    (ErrCode::UnknownCommand, "UNKNOWN-COMMAND"),
    (ErrCode::InvalidValue, "INVALID-VALUE"),
];

impl ErrCode {
    /// Parses the word after `ERR`.
    pub fn parse(word: &str) -> Self {
        CODES
            .iter()
            .find(|(_, s)| *s == word)
            .map_or_else(|| Self::Other(word.to_owned()), |(c, _)| c.clone())
    }

    /// The code as upsd writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Other(s) => s,
            known => CODES
                .iter()
                .find(|(c, _)| c == known)
                .map_or("", |(_, s)| s),
        }
    }

    /// What the code means for someone reading a UPS, when that is worth saying.
    pub fn meaning(&self) -> Option<&'static str> {
        Some(match self {
            Self::DataStale => "the UPS driver stopped updating",
            Self::DriverNotConnected => "upsd has no driver for this UPS",
            Self::UnknownUps => "upsd serves no UPS of this name",
            Self::AccessDenied => "upsd refused the credentials or this client",
            Self::UsernameRequired | Self::PasswordRequired => "upsd wants a login for this",
            Self::VarNotSupported => "the UPS does not report this variable",
            _ => return None,
        })
    }
}

impl fmt::Display for ErrCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a NUT command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NutError {
    /// upsd answered `ERR <code> [<detail>]`: the connection itself is fine.
    #[error("{}", server_reason(code, detail.as_deref()))]
    Server {
        /// The code.
        code: ErrCode,
        /// Words after the code, if any.
        detail: Option<String>,
    },
    /// Nothing listens on the port.
    #[error("connection refused")]
    Refused,
    /// The deadline passed (connecting, waiting for the connection, or waiting for a reply).
    #[error("timed out after {}", human(*after))]
    TimedOut {
        /// The deadline that was set.
        after: Duration,
    },
    /// upsd closed the connection.
    #[error("upsd closed the connection")]
    Closed,
    /// Another network failure: name lookup, reset, unreachable host.
    #[error("{doing}: {detail}")]
    Io {
        /// What we were doing, e.g. "connecting".
        doing: &'static str,
        /// The OS error's kind, for callers that branch on it.
        kind: io::ErrorKind,
        /// The OS error's text.
        detail: String,
    },
    /// A reply that does not fit the protocol; the connection is dropped.
    #[error("unexpected reply from upsd: {0}")]
    Protocol(String),
    /// The UPS is read over SNMP: the daemon sent it to the wrong adapter.
    #[error("this UPS is read over SNMP, not NUT")]
    NotNut,
    /// An argument that cannot be sent on one line (a line break in a name or password).
    #[error("cannot send the {0}: it contains a line break or NUL")]
    Unsendable(&'static str),
}

fn server_reason(code: &ErrCode, detail: Option<&str>) -> String {
    let mut s = code.to_string();
    if let Some(m) = code.meaning() {
        s = format!("{s}: {m}");
    }
    if let Some(d) = detail {
        s = format!("{s} ({d})");
    }
    s
}

/// `2 s`, `500 ms`, `1.5 s`.
pub(crate) fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

impl NutError {
    /// Maps an I/O error met while `doing` something, keeping "connection refused" and
    /// "closed" distinct.
    pub fn io(doing: &'static str, e: &io::Error) -> Self {
        match e.kind() {
            io::ErrorKind::ConnectionRefused => Self::Refused,
            io::ErrorKind::UnexpectedEof => Self::Closed,
            kind => Self::Io {
                doing,
                kind,
                detail: e.to_string(),
            },
        }
    }

    /// True when the connection is still usable after this error (upsd answered `ERR`).
    pub fn keeps_connection(&self) -> bool {
        matches!(self, Self::Server { .. })
    }

    /// The `ERR` code, when upsd answered one.
    pub fn code(&self) -> Option<&ErrCode> {
        match self {
            Self::Server { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The error in the daemon's terms; `peer` names the UPS, e.g. `ups1@nut.lab:3493`.
    pub fn to_adapter_error(&self, peer: &str) -> AdapterError {
        let peer = peer.to_owned();
        let reason = self.to_string();
        match self.code() {
            Some(
                ErrCode::AccessDenied
                | ErrCode::UsernameRequired
                | ErrCode::PasswordRequired
                | ErrCode::InvalidUsername
                | ErrCode::InvalidPassword,
            ) => AdapterError::AuthFailed { peer },
            Some(ErrCode::UnknownUps) => AdapterError::NotFound { peer, what: reason },
            Some(
                ErrCode::VarNotSupported
                | ErrCode::CmdNotSupported
                | ErrCode::FeatureNotSupported
                | ErrCode::FeatureNotConfigured,
            ) => AdapterError::Unsupported { peer, what: reason },
            Some(ErrCode::DataStale | ErrCode::DriverNotConnected) => {
                AdapterError::Unreachable { peer, reason }
            }
            Some(_) => AdapterError::Protocol {
                peer,
                detail: reason,
            },
            None => match self {
                Self::Protocol(_) | Self::Unsendable(_) | Self::NotNut => AdapterError::Protocol {
                    peer,
                    detail: reason,
                },
                _ => AdapterError::Unreachable { peer, reason },
            },
        }
    }
}
