//! The Redis side of the peer tests: the harness's redis-server from `peers.env`, unique stream
//! keys, a raw connection to look at what the bus wrote, and private redis-servers that a test
//! may stop, start again or protect with a password.

use std::collections::HashMap;
use std::time::{SystemTime, UNIX_EPOCH};

use redis::aio::MultiplexedConnection;
use redis::streams::StreamRangeReply;
use redis::{AsyncCommands, Value};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::state::Timestamp;

/// The harness's redis-server.
pub struct Redis {
    pub url: String,
}

impl Redis {
    /// The harness's Redis, or `None` (skip) without a harness run; see `upstra_tests::peers`.
    pub fn get(test: &str) -> Option<Self> {
        let p = upstra_tests::peers(test)?;
        Some(Self {
            url: p.get("UPSTRA_PEER_REDIS_URL").to_owned(),
        })
    }
}

/// A stream key no other test (or run) uses.
pub fn unique_key(test: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    format!("upstra-test:{test}:{}:{nanos}", std::process::id())
}

/// An event with seq `seq`; the kind varies with the seq so records differ in shape.
pub fn record(seq: u64) -> EventRecord {
    let event = match seq % 3 {
        0 => DomainEvent::DaemonStarted {
            version: format!("0.1.{seq}"),
        },
        1 => DomainEvent::PeerUnreachable {
            peer: format!("bmc-{seq}"),
            reason: "connection refused".into(),
        },
        _ => DomainEvent::PeerRecovered {
            peer: format!("bmc-{seq}"),
        },
    };
    EventRecord {
        seq,
        at: Timestamp(1_700_000_000_000 + i64::try_from(seq).expect("small")),
        event,
    }
}

pub fn records(seqs: impl IntoIterator<Item = u64>) -> Vec<EventRecord> {
    seqs.into_iter().map(record).collect()
}

/// A plain connection, not the bus's, to look at and tamper with streams.
pub async fn raw(url: &str) -> MultiplexedConnection {
    redis::Client::open(url)
        .expect("url")
        .get_multiplexed_async_connection()
        .await
        .expect("raw connection")
}

/// Every entry of `key`, oldest first: its ID and its fields as strings.
pub async fn entries(url: &str, key: &str) -> Vec<(String, HashMap<String, String>)> {
    let reply: StreamRangeReply = raw(url).await.xrange_all(key).await.expect("XRANGE");
    reply
        .ids
        .into_iter()
        .map(|e| {
            let fields = e
                .map
                .iter()
                .map(|(k, v)| match v {
                    Value::BulkString(b) => (k.clone(), String::from_utf8_lossy(b).into_owned()),
                    other => (k.clone(), format!("{other:?}")),
                })
                .collect();
            (e.id, fields)
        })
        .collect()
}

/// The IDs of `key`'s entries, oldest first.
pub async fn ids(url: &str, key: &str) -> Vec<String> {
    entries(url, key)
        .await
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

/// `0-<seq>` for each seq.
pub fn ids_of(seqs: impl IntoIterator<Item = u64>) -> Vec<String> {
    seqs.into_iter().map(|s| format!("0-{s}")).collect()
}

pub use upstra_tests::redis::PrivateRedis;
