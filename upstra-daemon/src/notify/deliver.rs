//! A channel's worker: sends its rows oldest first, with exponential backoff between attempts
//! on a temporary failure, until delivered, refused, or past the retry horizon. A row waiting
//! for its retry holds the ones after it, so a channel's messages arrive in order.

use std::sync::Arc;
use std::time::Duration;

use upstra_adapter_notify::{Message, SendError};

use super::Slot;
use crate::shared::Shared;
use crate::store::{NewOutboxRow, OutboxRow, OutboxState};

/// Rows read per round trip.
const BATCH: u32 = 16;
/// The longest a worker sleeps without looking at its rows (a missed wake costs this much).
const IDLE: Duration = Duration::from_secs(60);

pub async fn run(shared: Arc<Shared>, slot: Arc<Slot>) {
    let stop = shared.stopping.clone();
    let name = slot.config.name.clone();
    loop {
        if stop.is_cancelled() {
            return;
        }
        let n = name.clone();
        let rows = match shared
            .store
            .call(move |db| db.notify_pending(&n, BATCH))
            .await
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(channel = %name, error = %e, "notify: cannot read the outbox");
                Vec::new()
            }
        };
        let mut wait = IDLE;
        for row in rows {
            let now = crate::clock::now().millis();
            if row.next_at_ms > now {
                wait = Duration::from_millis((row.next_at_ms - now).unsigned_abs());
                break;
            }
            if !attempt(&shared, &slot, row).await {
                // Waiting for its retry: the next round computes how long.
                wait = Duration::ZERO;
                break;
            }
        }
        if wait.is_zero() {
            continue;
        }
        tokio::select! {
            () = slot.wake.notified() => {}
            () = tokio::time::sleep(wait) => {}
            () = stop.cancelled() => return,
        }
    }
}

/// One attempt at `row`; false when it stays pending (a retry is due later).
async fn attempt(shared: &Shared, slot: &Slot, row: OutboxRow) -> bool {
    let cfg = &shared.config.notify;
    let name = &slot.config.name;
    let horizon_ms = i64::try_from(cfg.retry_for.as_millis()).unwrap_or(i64::MAX);
    let now = crate::clock::now().millis();
    let outcome = match (&slot.channel, serde_json::from_str::<Message>(&row.message)) {
        (Err(why), _) => Err(SendError::Rejected {
            answer: format!("the channel cannot be used: {why}"),
        }),
        (_, Err(e)) => Err(SendError::Rejected {
            answer: format!("the stored message cannot be read: {e}"),
        }),
        (Ok(channel), Ok(message)) => send(channel, &message).await,
    };
    let attempts = row.attempts.saturating_add(1);
    let (state, next_at, answer, done) = match outcome {
        Ok(d) => {
            tracing::info!(channel = %name, id = %row.id, kind = %row.kind, answer = %d.answer, "notification delivered");
            shared.metrics.notification(name, "delivered");
            (OutboxState::Delivered, now, d.answer, true)
        }
        Err(SendError::Rejected { answer }) => {
            tracing::error!(channel = %name, id = %row.id, kind = %row.kind, %answer, "notification refused; not retried");
            shared.metrics.notification(name, "rejected");
            (OutboxState::Rejected, now, answer, true)
        }
        Err(SendError::Temporary { reason }) => {
            let shift = attempts.saturating_sub(1).min(20);
            let backoff = cfg
                .backoff_min
                .saturating_mul(1 << shift)
                .min(cfg.backoff_max);
            let next = now.saturating_add(i64::try_from(backoff.as_millis()).unwrap_or(i64::MAX));
            if next > row.created_ms.saturating_add(horizon_ms) {
                tracing::error!(channel = %name, id = %row.id, kind = %row.kind, attempts, %reason, "notification failed: still undelivered at the end of the retry horizon");
                shared.metrics.notification(name, "failed");
                let answer = format!("gave up after {attempts} attempts: {reason}");
                (OutboxState::Failed, now, answer, true)
            } else {
                tracing::warn!(channel = %name, id = %row.id, attempts, retry_in = %humantime::format_duration(backoff), %reason, "notification not delivered; will retry");
                shared.metrics.notification(name, "retry");
                (OutboxState::Pending, next, reason, false)
            }
        }
    };
    let id = row.id.clone();
    if let Err(e) = shared
        .store
        .call(move |db| db.notify_mark(&id, state, attempts, next_at, now, &answer))
        .await
    {
        tracing::error!(channel = %name, error = %e, "notify: cannot record a delivery");
    }
    done
}

/// One send, bounded by the adapter's deadline even if a channel overlooks its own.
async fn send(
    channel: &upstra_adapter_notify::Channel,
    message: &Message,
) -> Result<upstra_adapter_notify::Delivered, SendError> {
    let limit = upstra_adapter_notify::SEND_TIMEOUT + Duration::from_secs(5);
    match tokio::time::timeout(limit, channel.send(message)).await {
        Ok(r) => r,
        Err(_) => Err(SendError::Temporary {
            reason: format!("no answer within {} s", limit.as_secs()),
        }),
    }
}

/// `upstra notify test`: sends a test message to `channel` now and records it in the outbox
/// (as delivered, refused or failed: a test is never retried). The answer, or why it failed.
pub async fn send_test(shared: &Shared, slot: &Slot) -> Result<String, String> {
    let now = crate::clock::now().millis();
    let lang = slot.config.language;
    let name = &slot.config.name;
    let (title, body) = super::text::test_message(lang, name);
    let message = super::message(
        &shared.config.bus.site,
        &format!("test{now}"),
        name,
        "notify_test",
        upstra_adapter_notify::Severity::Info,
        now,
        (title, body, serde_json::json!({ "channel": name })),
    );
    let outcome = match &slot.channel {
        Err(why) => Err(format!("the channel cannot be used: {why}")),
        Ok(channel) => send(channel, &message)
            .await
            .map(|d| d.answer)
            .map_err(|e| e.to_string()),
    };
    let (state, answer) = match &outcome {
        Ok(a) => (OutboxState::Delivered, a.clone()),
        Err(e) => (OutboxState::Failed, e.clone()),
    };
    shared.metrics.notification(
        name,
        if outcome.is_ok() {
            "delivered"
        } else {
            "failed"
        },
    );
    let row = NewOutboxRow {
        id: message.id.clone(),
        channel: name.clone(),
        kind: message.kind.clone(),
        created_ms: now,
        message: serde_json::to_string(&message).unwrap_or_default(),
    };
    let id = message.id;
    if let Err(e) = shared
        .store
        .call(move |db| {
            db.notify_insert(&row)?;
            db.notify_mark(&id, state, 1, now, now, &answer)
        })
        .await
    {
        tracing::error!(channel = %name, error = %e, "notify: cannot record a test message");
    }
    outcome
}
