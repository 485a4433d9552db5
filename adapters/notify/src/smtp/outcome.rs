//! What an attempt's result means for the daemon: delivered with the server's answer, refused
//! for good (5xx), or worth another try later (everything else).

use std::error::Error as _;

use lettre::transport::smtp::Error as SmtpError;
use lettre::transport::smtp::response::Response;
use upstra_core::text::escape;

use super::settings::Settings;
use crate::text::cut_bytes;
use crate::{Delivered, SendError};

/// The most of a server's answer kept, in bytes: its first lines say what happened; a server
/// could send pages.
const ANSWER_MAX_BYTES: usize = 512;

/// `250 2.0.0 Ok: queued as ...`: the final answer, its lines joined.
pub(super) fn delivered(response: &Response) -> Delivered {
    let lines: Vec<&str> = response.message().collect();
    Delivered {
        answer: answer(&format!("{} {}", response.code(), lines.join(" "))),
    }
}

/// The server's text, shown escaped (it reaches a screen, a log and the outbox's record) and
/// bounded.
fn answer(text: &str) -> String {
    cut_bytes(escape(text.trim()).as_ref(), ANSWER_MAX_BYTES)
}

/// Sorts a failed attempt. Only the server's 5xx answer is final: a refused connection, a
/// timeout, a 4xx, and a TLS or STARTTLS failure all leave the message waiting for a retry,
/// because each can be fixed on the server or in the configuration while the daemon keeps it,
/// and a message dropped at the first failure is a message lost.
pub(super) fn failed(settings: &Settings, error: &SmtpError) -> SendError {
    let server = settings.server();
    let detail = error.source().map(|s| s.to_string()).unwrap_or_default();
    if let Some(code) = error.status() {
        let said = answer(&format!("{code} {detail}"));
        if error.is_permanent() {
            return SendError::Rejected { answer: said };
        }
        return SendError::Temporary {
            reason: format!("{server} answered {said}"),
        };
    }
    let words = answer(&deepest_cause(error));
    let reason = if error.is_timeout() {
        format!("{server}: no answer in time ({words})")
    } else if error.is_tls() || is_rustls(error) {
        format!("{server}: TLS failed: {words}")
    } else if detail.contains("STARTTLS") {
        format!(
            "{server} does not offer STARTTLS and this channel requires it (tls = \"required\", \
             or a password to send): nothing was sent in clear text"
        )
    } else if error.is_client() {
        format!("{server}: {words}")
    } else {
        format!("cannot reach {server}: {words}")
    };
    SendError::Temporary { reason }
}

/// Whether a TLS failure hides inside the error: lettre reports a certificate rustls refused
/// during the handshake as an I/O error, not as its TLS kind.
fn is_rustls(error: &SmtpError) -> bool {
    let mut source = error.source();
    while let Some(cause) = source {
        // `io::Error::source` skips the error it wraps: look inside with `get_ref`.
        let wrapped = cause
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref);
        if cause.downcast_ref::<rustls::Error>().is_some()
            || wrapped.is_some_and(|e| e.downcast_ref::<rustls::Error>().is_some())
        {
            return true;
        }
        source = cause.source();
    }
    false
}

/// The innermost cause's words ("Connection refused", "invalid peer certificate: ..."),
/// without the OS error number.
fn deepest_cause(error: &SmtpError) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = cause.to_string();
        source = cause.source();
    }
    match text.find(" (os error") {
        Some(i) => text[..i].to_owned(),
        None => text,
    }
}
