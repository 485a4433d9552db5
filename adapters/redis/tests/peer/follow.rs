//! Following other daemons' streams.

use std::time::Duration;

use redis::AsyncCommands;
use upstra_adapter_redis::{BusOptions, FollowedEvent, RedisBus};

use crate::harness::{Redis, raw, record, records, unique_key};

fn bus(redis: &Redis, key: &str) -> RedisBus {
    RedisBus::new(&redis.url, BusOptions::new(key)).expect("bus")
}

fn seqs(events: &[FollowedEvent]) -> Vec<(String, u64)> {
    events
        .iter()
        .map(|e| (e.stream.clone(), e.record.seq))
        .collect()
}

#[tokio::test]
async fn follows_two_streams_from_their_start_then_only_what_is_new() {
    let Some(redis) = Redis::get("follows_two_streams_from_their_start_then_only_what_is_new")
    else {
        return;
    };
    let (a, b) = (unique_key("follow-a"), unique_key("follow-b"));
    let (site_a, site_b) = (bus(&redis, &a), bus(&redis, &b));
    site_a.publish_batch(&records(1..=3)).await.expect("a");
    site_b.publish_batch(&records(1..=2)).await.expect("b");

    let follower = bus(&redis, &unique_key("follower"));
    let mut cursors = vec![(a.clone(), "0".to_owned()), (b.clone(), "0".to_owned())];
    let block = Duration::from_millis(200);
    let events = follower
        .follow(&mut cursors, block, 100)
        .await
        .expect("follow");
    assert_eq!(
        seqs(&events),
        [(&a, 1), (&a, 2), (&a, 3), (&b, 1), (&b, 2)].map(|(k, s)| (k.clone(), s))
    );
    assert_eq!(events[0].record, record(1));
    assert_eq!(events[0].id, "0-1");
    assert_eq!(
        cursors,
        [(a.clone(), "0-3".to_owned()), (b.clone(), "0-2".to_owned())]
    );

    // Nothing new: the block passes and nothing comes back; the cursors stay.
    let events = follower
        .follow(&mut cursors, block, 100)
        .await
        .expect("idle");
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(cursors[0].1, "0-3");

    // A blocking read wakes up for a new event (whether it lands before or during the wait).
    let third = record(3);
    let (events, published) = tokio::join!(
        follower.follow(&mut cursors, Duration::from_secs(30), 100),
        site_b.publish(&third),
    );
    published.expect("publish");
    assert_eq!(seqs(&events.expect("follow")), [(b.clone(), 3)]);
    assert_eq!(cursors[1].1, "0-3");

    // `count` caps entries per stream; the cursor moves only as far as was read.
    site_a.publish_batch(&records(4..=9)).await.expect("a more");
    let events = follower
        .follow(&mut cursors, block, 2)
        .await
        .expect("count");
    assert_eq!(seqs(&events), [(a.clone(), 4), (a.clone(), 5)]);
    assert_eq!(cursors[0].1, "0-5");

    // Following does not hold up publishing: with one shared connection the publish would
    // queue behind the blocked read and miss its 2 s deadline.
    let mut idle = vec![(unique_key("silent"), "0".to_owned())];
    let first = record(1);
    tokio::select! {
        biased;
        read = follower.follow(&mut idle, Duration::from_secs(60), 10) => {
            panic!("nothing was published to the idle stream, yet: {read:?}")
        }
        published = follower.publish(&first) => {
            published.expect("publishes while a read blocks");
        }
    }
    // The abandoned read dropped its connection: the next one does not wait behind it.
    let events = follower
        .follow(&mut cursors, block, 100)
        .await
        .expect("after");
    assert_eq!(
        seqs(&events),
        [
            (a.clone(), 6),
            (a.clone(), 7),
            (a.clone(), 8),
            (a.clone(), 9)
        ]
    );
}

#[tokio::test]
async fn a_malformed_entry_is_skipped_and_the_cursor_moves_past_it() {
    let Some(redis) = Redis::get("a_malformed_entry_is_skipped_and_the_cursor_moves_past_it")
    else {
        return;
    };
    let key = unique_key("malformed");
    let mut conn = raw(&redis.url).await;
    let good = |seq| serde_json::to_string(&record(seq)).expect("json");
    let rows: [(&str, Vec<(&str, String)>); 5] = [
        ("0-1", vec![("kind", "x".into()), ("record", good(1))]),
        (
            "0-2",
            vec![("kind", "x".into()), ("record", "not json".into())],
        ),
        ("0-3", vec![("kind", "x".into())]),
        (
            "0-4",
            vec![(
                "record",
                r#"{"seq":4,"at":0,"event":{"kind":"from_a_newer_daemon"}}"#.into(),
            )],
        ),
        ("0-5", vec![("record", good(5))]),
    ];
    for (id, fields) in &rows {
        let _: String = conn.xadd(&key, *id, fields).await.expect("XADD");
    }
    let follower = bus(&redis, &unique_key("follower"));
    let mut cursors = vec![(key.clone(), "0".to_owned())];
    let block = Duration::from_millis(100);
    let events = follower
        .follow(&mut cursors, block, 100)
        .await
        .expect("follow");
    let ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["0-1", "0-5"]);
    assert_eq!(events[1].record, record(5));

    // A malformed entry last in the stream still moves the cursor, so it is not read (and
    // logged) again on the next call.
    let _: String = conn
        .xadd(&key, "0-6", &[("record", "{")])
        .await
        .expect("XADD");
    let events = follower
        .follow(&mut cursors, block, 100)
        .await
        .expect("follow");
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(cursors[0].1, "0-6");
    let events = follower
        .follow(&mut cursors, block, 100)
        .await
        .expect("again");
    assert!(events.is_empty(), "{events:?}");
    assert_eq!(cursors[0].1, "0-6");
}
