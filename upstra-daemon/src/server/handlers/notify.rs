//! `notify_test` and `notify_list`: an admin tries a channel and sees what was told.

use upstra_core::api::v1::{ApiError, NOTIFY_LIST_MAX, NotifyDelivery, NotifyTestResult};
use upstra_core::state::Timestamp;

use crate::server::service::Connection;
use crate::store::AuditEntry;

/// The audit detail of `notify_test`: the channel and what its receiver answered.
#[derive(serde::Serialize)]
struct TestDetail<'a> {
    channel: &'a str,
    answer: &'a str,
}

pub async fn test(c: &Connection, channel: String) -> Result<NotifyTestResult, ApiError> {
    let who = c.who()?.user.clone();
    let Some(slot) = c.shared.notify.slot(&channel).cloned() else {
        let known: Vec<&str> = c
            .shared
            .notify
            .slots
            .iter()
            .map(|s| s.config.name.as_str())
            .collect();
        return Err(ApiError::NotFound {
            what: if known.is_empty() {
                format!(
                    "notify channel `{}` (none is configured: add a [[notify.channel]] to upstrad.toml)",
                    upstra_core::text::escape(&channel)
                )
            } else {
                format!(
                    "notify channel `{}` (configured: {})",
                    upstra_core::text::escape(&channel),
                    known.join(", ")
                )
            },
        });
    };
    let outcome = crate::notify::send_test(&c.shared, &slot).await;
    let (delivered, answer) = match outcome {
        Ok(a) => (true, a),
        Err(e) => (false, e),
    };
    c.audit(
        AuditEntry::new("notify_test", if delivered { "ok" } else { "failed" })
            .actor(&who)
            .detail(&TestDetail {
                channel: &channel,
                answer: &answer,
            }),
    )
    .await;
    Ok(NotifyTestResult {
        channel,
        delivered,
        answer,
    })
}

pub async fn list(c: &Connection, limit: u32) -> Result<Vec<NotifyDelivery>, ApiError> {
    let limit = limit.clamp(1, NOTIFY_LIST_MAX);
    let rows = c
        .shared
        .store
        .call(move |db| db.notify_recent(limit))
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| NotifyDelivery {
            id: r.id,
            at: Timestamp(r.created_ms),
            channel: r.channel,
            event: r.kind,
            state: r.state.on_the_wire(),
            attempts: r.attempts,
            answer: r.answer,
        })
        .collect())
}
