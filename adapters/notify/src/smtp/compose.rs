//! One [`Message`] as an email: plain UTF-8 text, a subject on one line, and a `Message-ID`
//! that is the same on every attempt so a receiver (or a person) can drop a duplicate.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use lettre::message::header::{ContentType, HeaderName, HeaderValue};

use super::settings::Settings;
use crate::text::{body_text, one_line, token};
use crate::{Message, SendError};

/// The largest body sent, in bytes: far above any report the daemon writes, far below the
/// 10 MiB most servers take by default; past it the text is cut with a mark.
pub(super) const BODY_MAX_BYTES: usize = 1024 * 1024;

/// The email for `message`, from and to the channel's addresses.
pub(super) fn email(settings: &Settings, message: &Message) -> Result<lettre::Message, SendError> {
    let mut builder = lettre::Message::builder()
        .from(settings.from.clone())
        .message_id(Some(message_id(&message.id, settings.from.email.domain())))
        .date(sent_at(message.at_unix))
        .subject(one_line(&message.title))
        .header(ContentType::TEXT_PLAIN)
        // For a mail filter: what, how bad, from which site, without parsing the subject.
        .raw_header(x_header("X-Upstra-Kind", &message.kind))
        .raw_header(x_header("X-Upstra-Severity", message.severity.as_str()))
        .raw_header(x_header("X-Upstra-Site", &message.site));
    for to in &settings.to {
        builder = builder.to(to.clone());
    }
    builder
        .body(body_text(&message.body, BODY_MAX_BYTES))
        // Only a missing sender or recipient fails here, and the spec's check rules both out;
        // a retry cannot change the message, so it is refused for good.
        .map_err(|e| SendError::Rejected {
            answer: format!("the email could not be built: {e}"),
        })
}

/// `<{id}@{domain}>`, `id` kept to the characters a message id may hold ([`token`]), so two
/// different ids never give the same header and a retry gives the same one.
pub(super) fn message_id(id: &str, domain: &str) -> String {
    format!("<{}@{domain}>", token(id))
}

/// When the event happened; an instant before 1970 (a broken clock) is sent as the epoch.
fn sent_at(at_unix: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(at_unix).unwrap_or(0))
}

/// A header of ours whose value is one line of shown text.
fn x_header(name: &'static str, value: &str) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), one_line(value))
}
