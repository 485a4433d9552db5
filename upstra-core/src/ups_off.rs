//! The last step of a shed, in domain terms: a UPS asked to cut its output after a delay and to
//! restore it when mains returns. No I/O; [`crate::traits::UpsOutputControl`] is the contract an
//! adapter (NUT instant commands today) implements.

use serde::{Deserialize, Serialize};

/// What a UPS would do, found without acting on it (for `plan show` / `plan simulate`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsOffCheck {
    /// Every command the UPS offers, as its protocol names them (`upscmd -l` for NUT).
    pub offered: Vec<String>,
    /// What would be sent, or why nothing can be.
    pub verdict: Result<UpsOffStep, UpsCommandError>,
    /// What the check could not prove without acting, when something (e.g. NUT's `instcmds`,
    /// which upsd checks only when a command is sent).
    pub unchecked: Option<String>,
}

/// The command a UPS would be sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsOffStep {
    /// The protocol's command, e.g. `shutdown.return`.
    pub command: String,
    /// Seconds from the command to the output cut, when the UPS lets us know or set it.
    pub delay_s: Option<u64>,
    /// False when the output may stay off after mains returns (someone must switch it on).
    pub returns_on_mains: bool,
}

/// What was sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsOffSentStep {
    /// The step carried out.
    pub step: UpsOffStep,
    /// True when the UPS's driver confirmed it; false when only the server accepted it.
    pub confirmed: bool,
}

/// Why a UPS cannot or did not take the command; `message` says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct UpsCommandError {
    /// The kind, for callers that branch on it.
    pub kind: UpsCommandFailure,
    /// The operator's sentence, with the fix.
    pub message: String,
}

/// Kinds of [`UpsCommandError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum UpsCommandFailure {
    /// The credentials may not send the command (or are wrong).
    NotAllowed,
    /// The UPS offers no command that cuts and restores its output.
    NotOffered,
    /// The UPS's delay is fixed and shorter than the shutdown needs.
    DelayTooShort,
    /// No credentials are configured for the UPS.
    NoLogin,
    /// The UPS's server did not answer in time, or could not be reached.
    Unreachable,
    /// Anything else (a protocol error, a driver failure).
    Other,
}
