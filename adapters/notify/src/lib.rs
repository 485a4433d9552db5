//! Delivers one notification to one channel and says what the server answered.
//!
//! The daemon decides what is sent, to whom and when (routes, coalescing, its outbox in the
//! store, retries with backoff): this crate only carries one [`Message`] to one [`Channel`]
//! and classifies the outcome, so that the daemon knows whether a retry can help.

#![forbid(unsafe_code)]

use std::time::Duration;

use serde::{Deserialize, Serialize};

mod error;
pub mod ntfy;
pub mod smtp;
mod text;
pub mod webhook;

pub use error::{ChannelError, SendError};

/// How much a message matters; routes choose channels by it and ntfy maps it to a priority.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

/// One message, already written in the channel's language.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Unique per message and channel and the same on every retry: the webhook body's `id`,
    /// the email's `Message-ID` and ntfy's message tag, so a receiver can drop a duplicate.
    pub id: String,
    /// What happened, as a stable name (`ups_on_battery`, `plan_finished`, `notify_test`...).
    pub kind: String,
    pub severity: Severity,
    /// The daemon's site name, so one inbox can serve several sites.
    pub site: String,
    /// When it happened, seconds since the Unix epoch.
    pub at_unix: i64,
    /// One line: the email's subject, the ntfy title.
    pub title: String,
    /// Plain text, several lines allowed.
    pub body: String,
    /// The same facts for machines (the webhook body's `details`).
    pub details: serde_json::Value,
}

/// What the server answered to a delivered message (`250 2.0.0 Ok: queued as ...`, `HTTP 200`),
/// shown by `upstra notify test` and `upstra notify list`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivered {
    pub answer: String,
}

/// The longest a single delivery attempt may take (connect, TLS, send, answer) unless a
/// channel's spec says less: past it the attempt is a temporary failure and the daemon retries.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(30);

/// A configured channel, ready to send.
#[derive(Debug)]
pub enum Channel {
    Smtp(smtp::SmtpChannel),
    Webhook(webhook::WebhookChannel),
    Ntfy(ntfy::NtfyChannel),
}

impl Channel {
    /// Delivers `message` once. A [`SendError::Temporary`] may succeed later; a
    /// [`SendError::Rejected`] will not (the daemon gives up on it at once).
    pub async fn send(&self, message: &Message) -> Result<Delivered, SendError> {
        match self {
            Self::Smtp(c) => c.send(message).await,
            Self::Webhook(c) => c.send(message).await,
            Self::Ntfy(c) => c.send(message).await,
        }
    }
}
