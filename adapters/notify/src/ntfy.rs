//! The `ntfy` channel.

use crate::{ChannelError, Delivered, Message, SendError};

/// What the daemon's configuration says about a `ntfy` channel, secrets already read from
/// their files.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NtfySpec {
    pub url: String,
}

#[derive(Debug)]
pub struct NtfyChannel {
    spec: NtfySpec,
}

impl NtfyChannel {
    pub fn new(spec: NtfySpec) -> Result<Self, ChannelError> {
        Ok(Self { spec })
    }

    pub async fn send(&self, _message: &Message) -> Result<Delivered, SendError> {
        Err(SendError::Temporary {
            reason: format!("the ntfy channel to {} is not built yet", self.spec.url),
        })
    }
}
