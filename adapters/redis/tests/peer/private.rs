//! Private redis-servers: a password the bus gets wrong, and a Redis that stops and comes back
//! on the same port while one `RedisBus` keeps publishing.

use std::time::Duration;

use tokio::time::Instant;
use upstra_adapter_redis::{BusError, BusOptions, Published, RedisBus};
use upstra_core::events::EventRecord;
use upstra_core::traits::{AdapterError, EventBus};

use crate::harness::{PrivateRedis, Redis, entries, ids_of, record, records, unique_key};

const PASSWORD: &str = "correct-horse-battery";
const WRONG: &str = "wrong-staple-9f3k";

#[tokio::test]
async fn a_wrong_password_is_refused_without_showing_it() {
    if Redis::get("a_wrong_password_is_refused_without_showing_it").is_none() {
        return;
    }
    let mut redis = PrivateRedis::new(Some(PASSWORD));
    redis.start();
    let key = unique_key("auth");
    let urls = [
        redis.url(Some(WRONG)),
        format!("redis://default:{WRONG}@127.0.0.1:{}", redis.port),
    ];
    for url in &urls {
        let bus = RedisBus::new(url, BusOptions::new(&key)).expect("bus");
        let err = bus.publish(&record(1)).await.expect_err("wrong password");
        assert!(matches!(err, BusError::AuthRefused { .. }), "{err:?}");
        let adapter = EventBus::publish(&bus, &record(1))
            .await
            .expect_err("trait");
        assert!(
            matches!(adapter, AdapterError::AuthFailed { .. }),
            "{adapter:?}"
        );
        let shown = format!(
            "{err} | {err:?} | {adapter} | {adapter:?} | {bus:?} | {}",
            bus.url()
        );
        assert!(!shown.contains(WRONG), "password leaked: {shown}");
        assert!(shown.contains("refused the credentials"), "{shown}");
        assert!(
            shown.contains(&format!("127.0.0.1:{}", redis.port)),
            "{shown}"
        );
    }

    // No password at all: Redis says authentication is required.
    let bus = RedisBus::new(&redis.url(None), BusOptions::new(&key)).expect("bus");
    let err = bus.publish(&record(1)).await.expect_err("no password");
    assert!(matches!(err, BusError::AuthRefused { .. }), "{err:?}");

    // The right one works, and nothing was written before.
    let bus = RedisBus::new(&redis.url(Some(PASSWORD)), BusOptions::new(&key)).expect("bus");
    assert_eq!(
        bus.publish(&record(1)).await.expect("publish"),
        Published::New
    );
    let shown = format!("{bus:?} {}", bus.url());
    assert!(!shown.contains(PASSWORD), "password leaked: {shown}");
    assert_eq!(
        entries(&redis.url(Some(PASSWORD)), &key).await.len(),
        1,
        "{}",
        redis.log()
    );
}

#[tokio::test]
async fn a_stopped_redis_fails_within_the_deadline_and_the_same_bus_catches_up() {
    if Redis::get("a_stopped_redis_fails_within_the_deadline_and_the_same_bus_catches_up").is_none()
    {
        return;
    }
    let mut redis = PrivateRedis::new(None);
    redis.start();
    let url = redis.url(None);
    let key = unique_key("restart");
    let bus = RedisBus::new(&url, BusOptions::new(&key)).expect("bus");
    bus.publish_batch(&records(1..=3)).await.expect("before");

    redis.stop();
    for attempt in [records([4]), records(4..=6)] {
        let started = Instant::now();
        let err = bus
            .publish_batch(&attempt)
            .await
            .expect_err("Redis is down");
        let took = started.elapsed();
        assert!(took < Duration::from_secs(10), "took {took:?}: {err}");
        assert_eq!(err.stopped_at, 4);
        assert!(
            matches!(
                err.error,
                BusError::Unreachable { .. } | BusError::Timeout { .. }
            ),
            "{err}"
        );
        assert!(err.to_string().contains(&url), "{err}");
    }

    redis.start();
    // Calls fail at once during the reconnection backoff; retry as the daemon's outbox would.
    let batch: Vec<EventRecord> = records(1..=6);
    let deadline = Instant::now() + Duration::from_secs(30);
    let outcome = loop {
        match bus.publish_batch(&batch).await {
            Ok(outcome) => break outcome,
            Err(e) => assert!(Instant::now() < deadline, "not back within 30 s: {e}"),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!((outcome.new, outcome.already_present), (3, 3));
    assert_eq!(bus.last_id().await.expect("last_id"), Some(6));
    let stored = entries(&url, &key).await;
    let stored_ids: Vec<String> = stored.iter().map(|(id, _)| id.clone()).collect();
    assert_eq!(stored_ids, ids_of(1..=6), "every event exactly once by id");
    for ((_, fields), sent) in stored.iter().zip(&batch) {
        let back: EventRecord = serde_json::from_str(&fields["record"]).expect("json");
        assert_eq!(&back, sent);
    }
}
