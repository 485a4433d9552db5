//! The parts of one publish request, and what its answer means.

use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use upstra_adapter_tls::TlsError;
use upstra_core::text::escape;

use crate::text::{body_text, cut_bytes, one_line, token};
use crate::{Delivered, Message, SendError, Severity};

/// The largest body published, in bytes: ntfy's default message limit. A server turns a
/// longer one into an attachment, or refuses it when attachments are off; a phone shows only
/// the start anyway. Past it the text is cut with a mark.
pub const BODY_MAX_BYTES: usize = 4096;

/// The most of the server's answer read, in bytes: ntfy answers a few hundred bytes of JSON;
/// anything past this is not read.
const ANSWER_READ_MAX_BYTES: usize = 4096;

/// The most of the server's answer kept in a delivery's record, in bytes.
const ANSWER_KEPT_MAX_BYTES: usize = 512;

/// ntfy's priority (1 min to 5 max, 3 the default) for a severity.
pub fn priority(severity: Severity) -> &'static str {
    match severity {
        Severity::Info => "3",
        Severity::Warning => "4",
        Severity::Critical => "5",
    }
}

/// The title on one line; UTF-8 (French accents) as an RFC 2047 encoded word, which ntfy
/// decodes: a raw non-ASCII header value is not portable HTTP.
pub(super) fn title(text: &str) -> HeaderValue {
    let line = one_line(text);
    let value = if line.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        line
    } else {
        let encoded = base64::engine::general_purpose::STANDARD.encode(line.as_bytes());
        format!("=?UTF-8?B?{encoded}?=")
    };
    // Printable ASCII only by now; the fallback is never used.
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("Upstra"))
}

/// The event kind, and `id-<message id>` so duplicates can be spotted, comma-separated as
/// ntfy reads them; each kept to letters, digits, `-`, `_` and `=XX` ([`token`]).
pub(super) fn tags(message: &Message) -> HeaderValue {
    let value = format!("{},id-{}", token(&message.kind), token(&message.id));
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static("upstra"))
}

pub(super) fn body(message: &Message) -> String {
    body_text(&message.body, BODY_MAX_BYTES)
}

/// A request that got no answer: always worth a retry.
pub(super) fn unreachable(
    url: &reqwest::Url,
    error: &reqwest::Error,
    timeout: Duration,
) -> SendError {
    let origin = url.origin().ascii_serialization();
    let why = match TlsError::from_request(error, timeout) {
        Some(e) => e.to_string(),
        None => error.to_string(),
    };
    SendError::Temporary {
        reason: format!("{origin}: {}", escape(&why)),
    }
}

/// Sorts the server's answer: 2xx delivered, 429 and 5xx temporary, other 4xx refused, and
/// anything else (a redirect not followed, 1xx) temporary, since it is not a refusal.
pub(super) async fn outcome(mut response: reqwest::Response) -> Result<Delivered, SendError> {
    let status = response.status();
    let mut text = Vec::new();
    while text.len() < ANSWER_READ_MAX_BYTES {
        match response.chunk().await {
            Ok(Some(chunk)) => text.extend_from_slice(&chunk),
            // The status already says what happened; a body cut short changes nothing.
            Ok(None) | Err(_) => break,
        }
    }
    text.truncate(ANSWER_READ_MAX_BYTES);
    let said = answer(status, &String::from_utf8_lossy(&text));
    if status.is_success() {
        return Ok(Delivered { answer: said });
    }
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        return Err(SendError::Rejected { answer: said });
    }
    Err(SendError::Temporary {
        reason: format!("the ntfy server answered {said}"),
    })
}

/// `HTTP 200 (ntfy id Xy12)`, or `HTTP 403: {"error":...}`, escaped and bounded.
fn answer(status: StatusCode, body: &str) -> String {
    let head = format!("HTTP {}", status.as_u16());
    let id = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id")?.as_str().map(str::to_owned));
    let text = match (status.is_success(), id) {
        (true, Some(id)) => format!("{head} (ntfy id {id})"),
        (true, None) => head,
        (false, _) if body.trim().is_empty() => head,
        (false, _) => format!("{head}: {}", body.trim()),
    };
    cut_bytes(&escape(&text), ANSWER_KEPT_MAX_BYTES)
}
