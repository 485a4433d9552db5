//! The `webhook` channel: one HTTP(S) POST of a JSON body per message (see `WEBHOOK.md`),
//! signed with HMAC-SHA256 when a secret is configured, trusted over TLS as BMCs are.

use std::time::Duration;

use hmac::{Hmac, KeyInit, Mac};
use serde::Serialize;
use sha2::Sha256;
use upstra_core::model::TlsTrust;
use upstra_core::text::escape;
use zeroize::Zeroizing;

use crate::{ChannelError, Delivered, Message, SendError};

/// The header that carries the body's signature.
pub const SIGNATURE_HEADER: &str = "X-Upstra-Signature";

/// The most of a receiver's answer body kept in the `answer` shown by `notify test` and
/// `notify list`: enough for "ok" or a short JSON error, and a receiver answering megabytes
/// cannot fill the store or a terminal.
pub const ANSWER_KEPT: usize = 200;

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
    client: reqwest::Client,
}

/// The JSON body, as documented in `WEBHOOK.md`: a receiver relies on these names.
#[derive(Debug, Serialize)]
pub struct WebhookBody<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub severity: &'a str,
    pub site: &'a str,
    /// RFC 3339, UTC, to the second.
    pub at: String,
    pub title: &'a str,
    pub body: &'a str,
    pub details: &'a serde_json::Value,
}

impl WebhookChannel {
    pub fn new(spec: WebhookSpec) -> Result<Self, ChannelError> {
        let url = reqwest::Url::parse(&spec.url).map_err(|e| ChannelError::Invalid {
            field: "url",
            reason: format!("`{}` is not a URL ({e})", escape(&spec.url)),
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(ChannelError::Invalid {
                field: "url",
                reason: format!(
                    "`{}` must start with http:// or https://",
                    escape(&spec.url)
                ),
            });
        }
        if url.scheme() == "https" && matches!(spec.trust, TlsTrust::Unpinned) {
            return Err(ChannelError::Invalid {
                field: "url",
                reason: "an https:// webhook needs `tls_fingerprint` or `ca_file`, as a BMC does"
                    .into(),
            });
        }
        let client = upstra_adapter_tls::http_client(&spec.trust, spec.timeout).map_err(|e| {
            ChannelError::Invalid {
                field: "ca_file",
                reason: e.to_string(),
            }
        })?;
        Ok(Self { spec, client })
    }

    pub async fn send(&self, message: &Message) -> Result<Delivered, SendError> {
        let body = body_bytes(message).map_err(|e| SendError::Rejected {
            answer: format!("the message cannot be written as JSON: {e}"),
        })?;
        let mut request = self
            .client
            .post(&self.spec.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(secret) = &self.spec.secret {
            request = request.header(SIGNATURE_HEADER, sign(secret, &body));
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| self.temporary(e))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let answer = answer(status, &text);
        if status.is_success() {
            Ok(Delivered { answer })
        } else if status.is_server_error()
            || status == reqwest::StatusCode::TOO_MANY_REQUESTS
            || status == reqwest::StatusCode::REQUEST_TIMEOUT
        {
            Err(SendError::Temporary { reason: answer })
        } else {
            Err(SendError::Rejected { answer })
        }
    }

    fn temporary(&self, e: reqwest::Error) -> SendError {
        // A hook's URL often holds its own secret (a token in the path): never in a reason,
        // which is logged and kept in the outbox.
        let e = e.without_url();
        let reason = match upstra_adapter_tls::TlsError::from_request(&e, self.spec.timeout) {
            Some(tls) => tls.to_string(),
            None => e.to_string(),
        };
        SendError::Temporary {
            reason: escape(&reason).into_owned(),
        }
    }
}

/// The exact bytes sent, which the signature covers.
pub fn body_bytes(message: &Message) -> Result<Vec<u8>, serde_json::Error> {
    serde_json::to_vec(&WebhookBody {
        id: &message.id,
        kind: &message.kind,
        severity: message.severity.as_str(),
        site: &message.site,
        at: rfc3339(message.at_unix),
        title: &message.title,
        body: &message.body,
        details: &message.details,
    })
}

/// HMAC-SHA256 of `body` with `secret`, lowercase hex: what `X-Upstra-Signature` holds.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    // HMAC takes a key of any length: this cannot fail.
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn rfc3339(at_unix: i64) -> String {
    let at = std::time::UNIX_EPOCH + Duration::from_secs(at_unix.max(0).unsigned_abs());
    humantime::format_rfc3339_seconds(at).to_string()
}

/// `HTTP 200 OK` and the start of what the receiver said, on one line, hostile characters
/// escaped: it is shown in a terminal and kept in the store.
fn answer(status: reqwest::StatusCode, text: &str) -> String {
    let mut head: String = text.trim().chars().take(ANSWER_KEPT).collect();
    if text.trim().chars().count() > ANSWER_KEPT {
        head.push('…');
    }
    let reason = status.canonical_reason().unwrap_or("");
    let line = if head.is_empty() {
        format!("HTTP {} {reason}", status.as_u16())
    } else {
        format!("HTTP {} {reason}: {head}", status.as_u16())
    };
    escape(line.trim_end()).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_rfc_4231_hmac_sha256_in_lowercase_hex() {
        // RFC 4231, test case 2.
        assert_eq!(
            sign(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn an_answer_is_bounded_and_on_one_line() {
        let long = format!("line\x1b[2J{}", "x".repeat(10_000));
        let a = answer(reqwest::StatusCode::OK, &long);
        assert!(a.starts_with("HTTP 200 OK: line\\e[2J"), "{a}");
        assert!(a.chars().count() < ANSWER_KEPT + 40, "{a}");
        assert_eq!(
            answer(reqwest::StatusCode::NO_CONTENT, ""),
            "HTTP 204 No Content"
        );
    }

    #[test]
    fn at_is_rfc_3339_utc() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
    }
}
