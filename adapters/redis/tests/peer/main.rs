//! Against the real redis-server of the project's harness (`tests/peers/start.sh`, then
//! `UPSTRA_PEERS_ENV=<dir>/peers.env`). Without it each test is skipped with a note, and fails
//! under `CI=true`.
//!
//! Every test writes to stream keys of its own (`harness::unique_key`). Tests that stop Redis
//! or need a password run a private redis-server (`private.rs`), never the shared one.

mod follow;
mod harness;
mod private;

use harness::{Redis, entries, ids, ids_of, raw, record, records, unique_key};
use redis::AsyncCommands;
use upstra_adapter_redis::{BatchOutcome, BusError, BusOptions, Published, RedisBus};
use upstra_core::events::EventRecord;

fn bus(redis: &Redis, key: &str) -> RedisBus {
    RedisBus::new(&redis.url, BusOptions::new(key)).expect("bus")
}

#[tokio::test]
async fn publishes_an_event_and_reads_back_the_exact_record() {
    let Some(redis) = Redis::get("publishes_an_event_and_reads_back_the_exact_record") else {
        return;
    };
    let key = unique_key("readback");
    let bus = bus(&redis, &key);
    assert_eq!(bus.last_id().await.expect("last_id"), None);

    let sent = record(1);
    assert_eq!(bus.publish(&sent).await.expect("publish"), Published::New);

    let stored = entries(&redis.url, &key).await;
    assert_eq!(stored.len(), 1);
    let (id, fields) = &stored[0];
    assert_eq!(id, "0-1");
    assert_eq!(fields["kind"], sent.event.kind());
    let back: EventRecord = serde_json::from_str(&fields["record"]).expect("record is JSON");
    assert_eq!(back, sent);
    assert_eq!(bus.last_id().await.expect("last_id"), Some(1));
}

#[tokio::test]
async fn republishing_a_seq_is_already_present_and_stored_once() {
    let Some(redis) = Redis::get("republishing_a_seq_is_already_present_and_stored_once") else {
        return;
    };
    let key = unique_key("republish");
    let bus = bus(&redis, &key);
    for seq in [1, 2] {
        assert_eq!(
            bus.publish(&record(seq)).await.expect("first"),
            Published::New
        );
    }
    for seq in [2, 1, 2] {
        assert_eq!(
            bus.publish(&record(seq)).await.expect("again"),
            Published::AlreadyPresent,
            "seq {seq}"
        );
    }
    assert_eq!(ids(&redis.url, &key).await, ids_of([1, 2]));
    assert_eq!(bus.last_id().await.expect("last_id"), Some(2));
}

#[tokio::test]
async fn a_batch_with_overlaps_counts_new_and_present_and_stores_each_once() {
    let Some(redis) =
        Redis::get("a_batch_with_overlaps_counts_new_and_present_and_stores_each_once")
    else {
        return;
    };
    let key = unique_key("batch");
    let bus = bus(&redis, &key);
    let outcome = |new, already_present| BatchOutcome {
        new,
        already_present,
    };
    assert_eq!(bus.publish_batch(&[]).await.expect("empty"), outcome(0, 0));
    assert_eq!(
        bus.publish_batch(&records(1..=3)).await.expect("first"),
        outcome(3, 0)
    );
    assert_eq!(
        bus.publish_batch(&records(2..=6)).await.expect("overlap"),
        outcome(3, 2)
    );
    // Larger than one script run (256 events): the counts add up across runs.
    assert_eq!(
        bus.publish_batch(&records(1..=600)).await.expect("large"),
        outcome(594, 6)
    );
    assert_eq!(ids(&redis.url, &key).await, ids_of(1..=600));

    // A batch out of order is refused before anything is sent.
    let err = bus
        .publish_batch(&records([601, 603, 602]))
        .await
        .expect_err("out of order");
    assert_eq!(err.stopped_at, 601);
    assert_eq!(err.done, outcome(0, 0));
    assert!(
        matches!(err.error, BusError::InvalidEvent { seq: 602, .. }),
        "{err}"
    );
    assert_eq!(bus.last_id().await.expect("last_id"), Some(600));
}

#[tokio::test]
async fn trimming_keeps_about_max_len_entries_and_never_readmits_a_trimmed_seq() {
    let Some(redis) =
        Redis::get("trimming_keeps_about_max_len_entries_and_never_readmits_a_trimmed_seq")
    else {
        return;
    };
    let key = unique_key("trim");
    let mut options = BusOptions::new(&key);
    options.max_len = Some(10);
    let bus = RedisBus::new(&redis.url, options).expect("bus");
    bus.publish_batch(&records(1..=1000))
        .await
        .expect("publish");
    let kept = ids(&redis.url, &key).await;
    // `MAXLEN ~` trims whole nodes of the stream, so "about": far fewer than 1000, newest kept.
    assert!(kept.len() < 1000, "{} entries kept", kept.len());
    assert_eq!(kept.last().map(String::as_str), Some("0-1000"));
    assert_eq!(
        bus.publish(&record(1)).await.expect("trimmed seq"),
        Published::AlreadyPresent
    );
    assert_eq!(ids(&redis.url, &key).await, kept);
}

#[tokio::test]
async fn a_stream_with_entries_upstra_did_not_write_is_refused_not_swallowed() {
    let Some(redis) =
        Redis::get("a_stream_with_entries_upstra_did_not_write_is_refused_not_swallowed")
    else {
        return;
    };
    let key = unique_key("foreign");
    let mut conn = raw(&redis.url).await;
    let foreign: String = conn
        .xadd(&key, "*", &[("note", "added by hand")])
        .await
        .expect("XADD *");
    let bus = bus(&redis, &key);
    // Every seq is below a millisecond ID: without the check each would count as present.
    let err = bus.publish(&record(1)).await.expect_err("foreign top");
    assert!(
        matches!(&err, BusError::Protocol { detail, .. } if detail.contains(&foreign)),
        "{err}"
    );
    let err = bus.last_id().await.expect_err("foreign newest");
    assert!(err.to_string().contains("did not write"), "{err}");
    assert_eq!(ids(&redis.url, &key).await, [foreign]);
}

#[tokio::test]
async fn a_key_holding_something_else_is_rejected_with_redis_words() {
    let Some(redis) = Redis::get("a_key_holding_something_else_is_rejected_with_redis_words")
    else {
        return;
    };
    let key = unique_key("wrongtype");
    let () = raw(&redis.url)
        .await
        .set(&key, "a string")
        .await
        .expect("SET");
    let err = bus(&redis, &key)
        .publish_batch(&records(1..=2))
        .await
        .expect_err("wrong type");
    assert_eq!(err.stopped_at, 1);
    assert!(
        matches!(&err.error, BusError::Rejected { detail, .. } if detail.starts_with("WRONGTYPE")),
        "{err}"
    );
}
