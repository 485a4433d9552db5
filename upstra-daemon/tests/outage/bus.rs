//! The Redis outbox: every event reaches the site's stream, none twice by id, even when Redis
//! stops in the middle of a shed and comes back; the local run does not notice. Another site's
//! stream is followed into the local log.

use std::collections::BTreeSet;
use std::time::Duration;

use upstra_adapter_redis::{BusOptions, RedisBus, stream_key};
use upstra_core::api::v1::PlanType;
use upstra_core::events::DomainEvent;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;
use upstra_tests::redis::PrivateRedis;

use crate::lab::*;
use crate::support::*;

/// Every entry of the site's stream: (entry id, event seq).
async fn stream(url: &str) -> Vec<(String, u64)> {
    let reader = RedisBus::new(url, BusOptions::for_site("reader")).unwrap();
    let mut cursors = vec![(stream_key("lab-a"), "0".to_owned())];
    let mut out = Vec::new();
    loop {
        let page = reader
            .follow(&mut cursors, Duration::from_millis(10), 1000)
            .await
            .unwrap();
        if page.is_empty() {
            return out;
        }
        out.extend(page.into_iter().map(|e| (e.id, e.record.seq)));
    }
}

#[tokio::test]
async fn events_reach_the_stream_once_each_even_when_redis_stops_during_a_shed() {
    let Some(peers) = upstra_tests::peers("outage bus") else {
        return;
    };
    let lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    let mut redis = PrivateRedis::new(None);
    redis.start();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("upstrad.toml"),
        format!(
            "[bus]\nredis = \"{}\"\nsite = \"lab-a\"\nfollow = [\"lab-b\"]\n",
            redis.url(None)
        ),
    )
    .unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    until(
        "the first events in the stream",
        Duration::from_secs(20),
        || async { (!stream(&redis.url(None)).await.is_empty()).then_some(()) },
    )
    .await;

    // Another site's events show up here, marked as theirs (and are never published back).
    let other = RedisBus::new(&redis.url(None), BusOptions::for_site("lab-b")).unwrap();
    let mut seq = 0;
    let mut cursor = 0;
    until(
        "lab-b's event in this daemon's log",
        Duration::from_secs(30),
        || {
            seq += 1;
            let record = upstra_core::events::EventRecord {
                seq,
                at: upstra_core::state::Timestamp(0),
                event: DomainEvent::DaemonStarted {
                    version: "b".into(),
                },
            };
            let (other, c, t) = (&other, &c, &t);
            async move {
                other.publish(&record).await.unwrap();
                let page = c
                    .events_since(ctx(), t.clone(), 0, 500)
                    .await
                    .unwrap()
                    .unwrap();
                page.events
                    .iter()
                    .any(
                        |e| matches!(&e.event, DomainEvent::Remote { site, .. } if site == "lab-b"),
                    )
                    .then_some(())
            }
        },
    )
    .await;
    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the shed",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Shed),
    )
    .await;
    redis.stop();
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(
        (shed.state.as_str(), shed.counts.failed),
        ("finished", 0),
        "{shed:#?}"
    );
    redis.start();

    // Everything the daemon logged is in the stream, once, in order.
    let local: Vec<u64> = c
        .events_since(ctx(), t.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .events
        .iter()
        .filter(|e| !matches!(e.event, DomainEvent::Remote { .. }))
        .map(|e| e.seq)
        .collect();
    let last = *local.last().unwrap();
    let entries = until(
        "the stream to catch up",
        Duration::from_secs(60),
        || async {
            let entries = stream(&redis.url(None)).await;
            entries
                .last()
                .is_some_and(|(_, seq)| *seq >= last)
                .then_some(entries)
        },
    )
    .await;
    let seqs: Vec<u64> = entries.iter().map(|(_, s)| *s).collect();
    let unique: BTreeSet<u64> = seqs.iter().copied().collect();
    assert_eq!(
        unique.len(),
        seqs.len(),
        "an event is in the stream twice: {seqs:?}"
    );
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "in order: {seqs:?}");
    for seq in &local {
        assert!(unique.contains(seq), "event {seq} never reached the stream");
    }
    assert_eq!(
        unique.range(..=last).count(),
        local.len(),
        "only local events are published: {seqs:?}"
    );
    drop(dev);
}
