//! The `smtp` channel.

use std::path::PathBuf;
use std::time::Duration;

use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{ChannelError, Delivered, Message, SendError};

mod compose;
mod outcome;
mod settings;
#[cfg(test)]
mod tests;

pub use settings::{MAX_RECIPIENTS, SMTP_PORT, SMTPS_PORT};

/// What the daemon's configuration says about a `smtp` channel, secrets already read from
/// their files.
#[derive(Clone)]
pub struct SmtpSpec {
    /// `smtp://host[:port]` (STARTTLS when the server offers it, or always with
    /// [`SmtpTls::Required`]) or `smtps://host[:port]` (TLS from the first byte).
    pub url: String,
    pub tls: SmtpTls,
    pub from: String,
    /// At least one recipient.
    pub to: Vec<String>,
    /// A login, when the server asks for one.
    pub user: Option<String>,
    pub password: Option<Zeroizing<String>>,
    /// Trust only the CA in this PEM file; the system roots otherwise.
    pub ca_file: Option<PathBuf>,
    /// The deadline of one attempt.
    pub timeout: Duration,
}

/// Whether a `smtp://` channel may send in clear text when the server offers no STARTTLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmtpTls {
    /// STARTTLS when offered, clear text otherwise (a local relay on 127.0.0.1).
    #[default]
    Opportunistic,
    /// STARTTLS or nothing: a server that does not offer it is a failed delivery.
    Required,
}

impl std::fmt::Debug for SmtpSpec {
    /// Everything but the password, which is only said to be there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpSpec")
            .field("url", &self.url)
            .field("tls", &self.tls)
            .field("from", &self.from)
            .field("to", &self.to)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "(set)"))
            .field("ca_file", &self.ca_file)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A checked `smtp` channel. A delivery attempt opens one connection, says EHLO, upgrades to
/// TLS as the spec says, authenticates when a user is given, sends one message to every
/// recipient and quits: no connection is kept between attempts (the daemon sends a few
/// messages an hour, and a pooled connection would only go stale during an outage).
pub struct SmtpChannel {
    settings: settings::Settings,
}

impl std::fmt::Debug for SmtpChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpChannel")
            .field("server", &self.settings.server())
            .finish_non_exhaustive()
    }
}

impl SmtpChannel {
    /// Checks `spec`: the URL (`smtp://` or `smtps://`, a host, port 25 or 465 by default),
    /// the sender and at least one and at most [`MAX_RECIPIENTS`] recipients as email
    /// addresses, a user and a password together or neither, a readable CA file holding PEM
    /// certificates, a non-zero timeout. Each refusal names its field.
    pub fn new(spec: SmtpSpec) -> Result<Self, ChannelError> {
        Ok(Self {
            settings: settings::Settings::check(spec)?,
        })
    }

    /// Delivers `message` once to every recipient. The server's final answer (`250 ...`) is
    /// the [`Delivered::answer`]; a 5xx answer is [`SendError::Rejected`] with that answer;
    /// anything else that stops the delivery (refused connection, timeout, 4xx, a TLS or
    /// STARTTLS failure) is [`SendError::Temporary`]. The password never appears in either.
    pub async fn send(&self, message: &Message) -> Result<Delivered, SendError> {
        let email = compose::email(&self.settings, message)?;
        let transport: AsyncSmtpTransport<Tokio1Executor> = self.settings.transport();
        let deadline = self.settings.deadline();
        let attempt = tokio::time::timeout(deadline, transport.send(email)).await;
        match attempt {
            Ok(Ok(response)) => Ok(outcome::delivered(&response)),
            Ok(Err(error)) => Err(outcome::failed(&self.settings, &error)),
            Err(_) => Err(SendError::Temporary {
                reason: format!(
                    "{}: no complete exchange within {} s",
                    self.settings.server(),
                    deadline.as_secs()
                ),
            }),
        }
    }
}
