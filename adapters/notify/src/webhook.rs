//! The `webhook` channel.

use std::time::Duration;

use upstra_core::model::TlsTrust;
use zeroize::Zeroizing;

use crate::{ChannelError, Delivered, Message, SendError};

/// What the daemon's configuration says about a `webhook` channel, secrets already read from
/// their files.
#[derive(Debug, Clone)]
pub struct WebhookSpec {
    /// `http://` or `https://`; HTTPS is trusted as BMCs are (`trust`).
    pub url: String,
    /// When set, the body's HMAC-SHA256 with this key, in hex, goes in `X-Upstra-Signature`.
    pub secret: Option<Zeroizing<Vec<u8>>>,
    pub trust: TlsTrust,
    /// The deadline of one attempt.
    pub timeout: Duration,
}

#[derive(Debug)]
pub struct WebhookChannel {
    spec: WebhookSpec,
}

impl WebhookChannel {
    pub fn new(spec: WebhookSpec) -> Result<Self, ChannelError> {
        Ok(Self { spec })
    }

    pub async fn send(&self, _message: &Message) -> Result<Delivered, SendError> {
        Err(SendError::Temporary {
            reason: format!("the webhook channel to {} is not built yet", self.spec.url),
        })
    }
}
