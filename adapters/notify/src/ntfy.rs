//! The `ntfy` channel: one HTTP POST to the topic's URL, as ntfy documents publishing: the body
//! is the message's text, and the `Title`, `Priority` and `Tags` headers carry the rest.
//!
//! Hand-written over the HTTP client the BMCs use (`upstra_adapter_tls::http_client`): it is
//! three headers, and that client already brings the TLS pinning and CA-file options a lab's
//! own ntfy server needs.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use upstra_core::model::TlsTrust;
use upstra_core::text::escape;
use zeroize::Zeroizing;

use crate::{ChannelError, Delivered, Message, SEND_TIMEOUT, SendError};

mod publish;
#[cfg(test)]
mod tests;

pub use publish::{BODY_MAX_BYTES, priority};

/// What the daemon's configuration says about a `ntfy` channel, secrets already read from
/// their files.
#[derive(Clone)]
pub struct NtfySpec {
    /// The topic's URL (`https://ntfy.example/upstra-lab`).
    pub url: String,
    /// An access token, when the topic is protected.
    pub token: Option<Zeroizing<String>>,
    pub trust: TlsTrust,
    /// The deadline of one attempt.
    pub timeout: Duration,
}

impl std::fmt::Debug for NtfySpec {
    /// Everything but the token, which is only said to be there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfySpec")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("trust", &self.trust)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// A checked `ntfy` channel with its HTTP client.
pub struct NtfyChannel {
    url: reqwest::Url,
    token: Option<Zeroizing<String>>,
    client: reqwest::Client,
    timeout: Duration,
}

impl std::fmt::Debug for NtfyChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NtfyChannel")
            .field("url", &self.url.as_str())
            .finish_non_exhaustive()
    }
}

fn invalid(field: &'static str, reason: impl Into<String>) -> ChannelError {
    ChannelError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl NtfyChannel {
    /// Checks `spec`: an `http://` or `https://` URL with a host and a topic and no login in
    /// it, an HTTPS server trusted by a pinned fingerprint or a CA file (as BMCs are), a token
    /// that fits in a header, a non-zero timeout; and builds the HTTP client.
    pub fn new(spec: NtfySpec) -> Result<Self, ChannelError> {
        let url = reqwest::Url::parse(&spec.url)
            .map_err(|e| invalid("url", format!("`{}` is not a URL: {e}", escape(&spec.url))))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
            return Err(invalid(
                "url",
                "use the topic's http:// or https:// URL: https://ntfy.example/TOPIC",
            ));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "url",
                "holds a login: give an access token in `token_file` instead",
            ));
        }
        if url.path().trim_matches('/').is_empty() {
            return Err(invalid("url", "no topic: https://ntfy.example/TOPIC"));
        }
        if url.scheme() == "https" && matches!(spec.trust, TlsTrust::Unpinned) {
            return Err(invalid(
                "url",
                "an https:// server must be trusted as BMCs are: tls_fingerprint, or ca_file \
                 (the system's CA bundle for a public server)",
            ));
        }
        if let Some(token) = &spec.token
            && (token.is_empty() || token.contains(|c: char| !c.is_ascii_graphic()))
        {
            return Err(invalid(
                "token_file",
                "the token is empty or holds spaces or control characters",
            ));
        }
        if spec.timeout.is_zero() {
            return Err(invalid("timeout", "zero: give each attempt some seconds"));
        }
        let timeout = spec.timeout.min(SEND_TIMEOUT);
        let client = upstra_adapter_tls::http_client(&spec.trust, timeout)
            .map_err(|e| invalid("ca_file", e.to_string()))?;
        Ok(Self {
            url,
            token: spec.token,
            client,
            timeout,
        })
    }

    /// Publishes `message` once. 2xx is delivered (the answer names ntfy's message id);
    /// 429 and 5xx, a refused connection and a timeout are [`SendError::Temporary`]; any other
    /// 4xx (a wrong token: 401/403, a topic refused) is [`SendError::Rejected`].
    pub async fn send(&self, message: &Message) -> Result<Delivered, SendError> {
        let mut request = self
            .client
            .post(self.url.clone())
            .header(CONTENT_TYPE, "text/plain; charset=utf-8")
            .header("Title", publish::title(&message.title))
            .header("Priority", publish::priority(message.severity))
            .header("Tags", publish::tags(message))
            .body(publish::body(message));
        if let Some(token) = &self.token {
            let mut value =
                HeaderValue::from_str(&format!("Bearer {}", token.as_str())).map_err(|_| {
                    SendError::Rejected {
                        answer: "the access token cannot be sent in a header".into(),
                    }
                })?;
            value.set_sensitive(true);
            request = request.header(AUTHORIZATION, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| publish::unreachable(&self.url, &e, self.timeout))?;
        publish::outcome(response).await
    }
}
