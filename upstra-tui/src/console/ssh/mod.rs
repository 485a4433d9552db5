//! The SSH pane: a shell on the selected server, in a tab over the lab view.
//!
//! - [`state`]: the panes, their phases and emulated screens (plain data);
//! - [`update`]: what the pane's actions do (pure, like the rest of `update`);
//! - [`keys`]: the pane's keys, and keys turned into the bytes a terminal sends;
//! - `ui::ssh_pane`: the tab line, the emulated screen (tui-term), the prompts and the host
//!   key question;
//! - [`driver`]: the daemon calls and the SSH tasks of [`crate::ssh`];
//! - [`strings`]: the pane's words, English and French.
//!
//! The flow: `e` (or "shell" in the palette) on a server asks the daemon (`ssh_open`, which
//! checks the SSH permission and records the opening), then a task connects with the host key
//! the daemon gave, logs in with the operator's agent, key file or password, and streams. When
//! no key is pinned, the pane shows the server's fingerprint and only an admin may pin it
//! (`ssh_pin_host_key`), after which it connects again. When the shell ends, the pane closes,
//! the status line says why, and the daemon records the close with its duration.
//!
//! Inside a pane every key goes to the remote except [`keys::LEAVE`] (Ctrl-]), which shows
//! the lab again, and Shift-PageUp/PageDown, which scroll back as terminals do.

pub mod driver;
pub mod keys;
pub mod state;
pub mod strings;
pub mod update;

use upstra_core::api::v1::SshTarget;
use upstra_core::secret::Secret;

use super::action::Failure;
use super::message::Message;
use crate::ssh::{End, Event};

/// What happens to the panes.
#[derive(Debug, Clone)]
pub enum SshAction {
    /// The daemon's answer to `ssh_open`.
    Authorized {
        pane: u64,
        result: Result<SshTarget, Failure>,
    },
    /// What a pane's SSH task reports.
    Task {
        pane: u64,
        event: Event,
    },
    /// The daemon's answer to `ssh_pin_host_key`.
    Pinned {
        pane: u64,
        result: Result<(), Failure>,
    },
    /// The daemon's answer to `ssh_closed` (nothing to show: a failure is only logged).
    Recorded,
    /// Bytes for the remote, from a key.
    Send(Vec<u8>),
    /// Shows the lab again; the shell goes on in its tab.
    Leave,
    /// Scrolls back (positive) or forward by this many lines.
    Scroll(isize),
    PromptChar(char),
    PromptBackspace,
    PromptSubmit,
    /// Esc before the shell runs: gives up and closes the pane.
    Cancel,
    /// Between No and Yes in the host key question.
    HostKeySwitch,
    HostKeyAnswer,
    /// The terminal was resized.
    Resized {
        width: u16,
        height: u16,
    },
}

/// What the driver does for the panes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshEffect {
    /// `ssh_open`.
    Authorize {
        epoch: u64,
        token: upstra_core::api::v1::SessionToken,
        pane: u64,
        server: String,
    },
    /// Start the SSH task of `pane`.
    Connect {
        pane: u64,
        server: String,
        target: SshTarget,
        cols: u16,
        rows: u16,
    },
    /// Something for a pane's task.
    Send { pane: u64, input: PaneInput },
    /// `ssh_pin_host_key`.
    Pin {
        epoch: u64,
        token: upstra_core::api::v1::SessionToken,
        pane: u64,
        server: String,
        key: String,
    },
    /// `ssh_closed`.
    Record {
        token: upstra_core::api::v1::SessionToken,
        session_id: String,
        duration_ms: u64,
        reason: String,
    },
}

/// [`crate::ssh::Input`] as data the state machine can compare.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PaneInput {
    Data(Vec<u8>),
    Resize { cols: u16, rows: u16 },
    Secret(Option<Secret>),
    Ack,
    Close,
}

/// What the status line says about shells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SshMessage {
    /// Tab with no shell open.
    NoShell,
    /// The daemon refused a shell on `server`.
    Refused { server: String, why: Box<Message> },
    /// A shell ended, and why.
    Ended { server: String, end: End },
    /// Pinning the host key failed.
    PinFailed { server: String, why: Box<Message> },
}
