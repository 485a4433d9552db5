//! The `smtp` channel.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::{ChannelError, Delivered, Message, SendError};

/// What the daemon's configuration says about a `smtp` channel, secrets already read from
/// their files.
#[derive(Debug, Clone)]
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

#[derive(Debug)]
pub struct SmtpChannel {
    spec: SmtpSpec,
}

impl SmtpChannel {
    pub fn new(spec: SmtpSpec) -> Result<Self, ChannelError> {
        Ok(Self { spec })
    }

    pub async fn send(&self, _message: &Message) -> Result<Delivered, SendError> {
        Err(SendError::Temporary {
            reason: format!("the smtp channel to {} is not built yet", self.spec.url),
        })
    }
}
