//! The `ntfy` channel.

use std::time::Duration;

use upstra_core::model::TlsTrust;
use zeroize::Zeroizing;

use crate::{ChannelError, Delivered, Message, SendError};

/// What the daemon's configuration says about a `ntfy` channel, secrets already read from
/// their files.
#[derive(Debug, Clone)]
pub struct NtfySpec {
    /// The topic's URL (`https://ntfy.example/upstra-lab`).
    pub url: String,
    /// An access token, when the topic is protected.
    pub token: Option<Zeroizing<String>>,
    pub trust: TlsTrust,
    /// The deadline of one attempt.
    pub timeout: Duration,
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
