//! The wire types of notifications: `notify_test` sends a test message now and says what the
//! server answered; `notify_list` shows recent deliveries and failures.

use serde::{Deserialize, Serialize};

use crate::state::Timestamp;

/// The most rows one `notify_list` answers: a screen or a script's page, and a bounded answer.
pub const NOTIFY_LIST_MAX: u32 = 1000;

/// What a test message met.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyTestResult {
    pub channel: String,
    /// True when the server took the message.
    pub delivered: bool,
    /// What the server answered (`HTTP 200 OK`, `250 2.0.0 Ok`), or why it failed.
    pub answer: String,
}

/// One message to one channel, as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyDelivery {
    /// The message's idempotency id.
    pub id: String,
    /// When the event it tells happened (or the test was sent).
    pub at: Timestamp,
    pub channel: String,
    /// The message kind (`ups_on_battery`, `plan_finished`, `notify_test`...).
    pub event: String,
    pub state: super::DeliveryState,
    pub attempts: u32,
    /// What the server answered, or the last error.
    pub answer: Option<String>,
}
