//! Following other daemons' streams with a blocking `XREAD`.

use std::time::Duration;

use redis::AsyncCommands;
use redis::streams::{StreamReadOptions, StreamReadReply};
use tracing::warn;
use upstra_core::events::EventRecord;

use crate::bus::RedisBus;
use crate::entry::decode_entry;
use crate::error::BusError;

/// An event read from another daemon's stream.
#[derive(Debug, Clone, PartialEq)]
pub struct FollowedEvent {
    /// The stream key it was read from.
    pub stream: String,
    /// Its entry ID (`0-<seq>` when an Upstra daemon wrote it).
    pub id: String,
    pub record: EventRecord,
}

impl RedisBus {
    /// Waits up to `block` for entries after each stream's last seen ID and returns up to
    /// `count` per stream, oldest first. `cursors` holds `(stream key, last ID seen)`: use
    /// `"0"` to read a stream from its start. Each cursor is moved to the newest entry read
    /// from its stream, entries that are skipped included, so pass the same slice again to
    /// go on (and persist it to resume after a restart).
    ///
    /// Entries that do not hold an event (another writer, a newer daemon's event kind) are
    /// skipped with a warning naming their ID; since the cursor moves past them, each is
    /// logged once. Returns an empty list when nothing arrived within `block`; a zero `block`
    /// does not wait at all. The whole call takes at most `block` plus the deadline.
    ///
    /// Blocking reads use a connection of their own, so following never delays publishing.
    /// Calls to `follow` take turns on that connection.
    pub async fn follow(
        &self,
        cursors: &mut [(String, String)],
        block: Duration,
        count: usize,
    ) -> Result<Vec<FollowedEvent>, BusError> {
        if cursors.is_empty() {
            return Ok(Vec::new());
        }
        let mut options = StreamReadOptions::default().count(count.max(1));
        if !block.is_zero() {
            // Rounded up: a block of 0 ms would mean "forever" to Redis.
            let ms = usize::try_from(block.as_millis().max(1)).unwrap_or(usize::MAX);
            options = options.block(ms);
        }
        let keys: Vec<&str> = cursors.iter().map(|(k, _)| k.as_str()).collect();
        let ids: Vec<&str> = cursors.iter().map(|(_, id)| id.as_str()).collect();
        let (keys, ids, options) = (&keys, &ids, &options);
        let budget = block + self.options.deadline;
        let reply: Option<StreamReadReply> = self
            .call(&self.follower, budget, |mut conn| async move {
                conn.xread_options(keys, ids, options)
                    .await
                    .map_err(|e| self.driver_error(&e))
            })
            .await?;
        let mut events = Vec::new();
        for stream in reply.map(|r| r.keys).unwrap_or_default() {
            if let (Some(last), Some(cursor)) = (
                stream.ids.last(),
                cursors.iter_mut().find(|(k, _)| *k == stream.key),
            ) {
                cursor.1.clone_from(&last.id);
            }
            for entry in stream.ids {
                match decode_entry(&entry) {
                    Ok(record) => events.push(FollowedEvent {
                        stream: stream.key.clone(),
                        id: entry.id,
                        record,
                    }),
                    Err(why) => warn!(
                        stream = %stream.key,
                        id = %entry.id,
                        reason = %why,
                        "skipped a stream entry that holds no Upstra event"
                    ),
                }
            }
        }
        Ok(events)
    }
}
