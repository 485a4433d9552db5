//! The `webhook` channel.

use crate::{ChannelError, Delivered, Message, SendError};

/// What the daemon's configuration says about a `webhook` channel, secrets already read from
/// their files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct WebhookSpec {
    pub url: String,
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
