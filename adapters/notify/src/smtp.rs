//! The `smtp` channel.

use crate::{ChannelError, Delivered, Message, SendError};

/// What the daemon's configuration says about a `smtp` channel, secrets already read from
/// their files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SmtpSpec {
    pub url: String,
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
