//! Notifications: the outbox that tells people and machines what happened.
//!
//! A follower reads the event log from its own cursor, as the Redis publisher does
//! (`outage::bus`), decides what is worth telling (`compose`), writes one outbox row per
//! (message, channel) in the channel's language (`text`), in the same transaction as the
//! cursor's advance, and wakes the channels' workers (`deliver`), which send each row until it
//! is delivered, refused, or past the retry horizon. A row's id is the message's idempotency
//! id, derived from the event that caused it and the channel: after a restart the follower
//! writes the same rows again, which the store ignores, and a delivered row is never sent
//! again.

pub mod compose;
#[cfg(test)]
mod compose_tests;
mod deliver;
mod follow;
pub mod logins;
pub mod text;

use std::sync::Arc;

use upstra_adapter_notify::{Channel, Message, SEND_TIMEOUT, Severity};
use upstra_core::model::TlsTrust;

use crate::config::notify::{ChannelConfig, ChannelKind, NotifyConfig};
use crate::shared::Shared;

/// The most rows waiting for delivery, all channels together: at the cap a new message is
/// written as failed at once (logged and counted), so a receiver down for days cannot grow
/// the store without bound. 10,000 is weeks of an ordinary lab's alerts.
pub const MAX_PENDING: u64 = 10_000;
/// Finished rows (delivered, refused, failed) kept for `upstra notify list`: the older go at
/// start.
pub const KEEP_FINISHED: u32 = 10_000;
/// The longest body a message may have, in characters: a report naming thousands of objects
/// is cut there (with a note), so one message stays readable and fits any receiver.
pub const MAX_BODY_CHARS: usize = 16 * 1024;

/// One configured channel: its settings and, when they could be used, its sender.
#[derive(Debug)]
pub struct Slot {
    pub config: ChannelConfig,
    /// `Err`: why this channel cannot send (its rows fail with this reason).
    pub channel: Result<Channel, String>,
    /// Rung when a row for this channel is written.
    pub wake: tokio::sync::Notify,
}

/// The configured channels.
#[derive(Debug, Default)]
pub struct Notifier {
    pub slots: Vec<Arc<Slot>>,
    /// Failed logins, to tell a burst of them (raised with channels or without).
    pub logins: logins::LoginBursts,
}

impl Notifier {
    pub fn new(config: &NotifyConfig) -> Self {
        let slots = config
            .channels
            .iter()
            .map(|c| {
                let channel = build(c);
                if let Err(e) = &channel {
                    tracing::error!(channel = %c.name, error = %e, "notify channel cannot be used");
                }
                Arc::new(Slot {
                    config: c.clone(),
                    channel,
                    wake: tokio::sync::Notify::new(),
                })
            })
            .collect();
        Self {
            slots,
            logins: logins::LoginBursts::default(),
        }
    }

    pub fn slot(&self, name: &str) -> Option<&Arc<Slot>> {
        self.slots.iter().find(|s| s.config.name == name)
    }
}

fn trust(c: &ChannelConfig) -> TlsTrust {
    match (&c.tls_fingerprint, &c.ca_file) {
        (Some(f), _) => TlsTrust::Fingerprint(f.clone()),
        (None, Some(ca)) => TlsTrust::CaFile(ca.to_string_lossy().into_owned()),
        (None, None) => TlsTrust::Unpinned,
    }
}

fn build(c: &ChannelConfig) -> Result<Channel, String> {
    use upstra_adapter_notify::{ntfy, smtp, webhook};
    let built = match c.kind {
        ChannelKind::Smtp => smtp::SmtpChannel::new(smtp::SmtpSpec {
            url: c.url.clone(),
            tls: if c.tls_required {
                smtp::SmtpTls::Required
            } else {
                smtp::SmtpTls::Opportunistic
            },
            from: c.from.clone().unwrap_or_default(),
            to: c.to.clone(),
            user: c.user.clone(),
            password: c.password.as_ref().map(|p| p.text()),
            ca_file: c.ca_file.clone(),
            timeout: SEND_TIMEOUT,
        })
        .map(Channel::Smtp),
        ChannelKind::Webhook => webhook::WebhookChannel::new(webhook::WebhookSpec {
            url: c.url.clone(),
            // The key is the file's text without its final newline, as `cat` shows it.
            secret: c
                .secret
                .as_ref()
                .map(|s| zeroize::Zeroizing::new(s.text().as_bytes().to_vec())),
            trust: trust(c),
            timeout: SEND_TIMEOUT,
        })
        .map(Channel::Webhook),
        ChannelKind::Ntfy => ntfy::NtfyChannel::new(ntfy::NtfySpec {
            url: c.url.clone(),
            token: c.token.as_ref().map(|t| t.text()),
            trust: trust(c),
            timeout: SEND_TIMEOUT,
        })
        .map(Channel::Ntfy),
    };
    built.map_err(|e| e.to_string())
}

/// A message for `channel`, with its idempotency id.
pub(crate) fn message(
    site: &str,
    key: &str,
    channel: &str,
    kind: &str,
    severity: Severity,
    at_ms: i64,
    (title, body, details): (String, String, serde_json::Value),
) -> Message {
    let mut body = body;
    if body.chars().count() > MAX_BODY_CHARS {
        body = body.chars().take(MAX_BODY_CHARS).collect();
        body.push_str("\n[…]");
    }
    Message {
        id: format!("{site}-{key}-{channel}"),
        kind: kind.to_owned(),
        severity,
        site: site.to_owned(),
        at_unix: at_ms.div_euclid(1000),
        title,
        body,
        details,
    }
}

/// Starts the follower and one worker per channel, when channels are configured.
pub fn start(shared: &Arc<Shared>) -> Vec<tokio::task::JoinHandle<()>> {
    if shared.notify.slots.is_empty() {
        return Vec::new();
    }
    let mut tasks = vec![tokio::spawn(follow::run(shared.clone()))];
    for slot in &shared.notify.slots {
        tasks.push(tokio::spawn(deliver::run(shared.clone(), slot.clone())));
    }
    tasks
}

pub use deliver::send_test;
