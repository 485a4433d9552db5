//! The Redis outbox: every event of the local log reaches this site's stream at least once,
//! and exactly once by id (the adapter refuses an id already there). Redis being down never
//! blocks the daemon: the publisher waits and catches up from the store, where the events are.
//! Following other sites turns their events into local `Remote` events, never published back.

use std::sync::Arc;
use std::time::Duration;

use upstra_adapter_redis::{BusOptions, RedisBus, stream_key};
use upstra_core::events::{DomainEvent, EventRecord};

use crate::config::redact_url;
use crate::shared::Shared;

/// Events published per round trip.
const BATCH: u32 = 256;
const RETRY_MIN: Duration = Duration::from_millis(500);
const RETRY_MAX: Duration = Duration::from_secs(10);

/// Starts the publisher and the followers, when a bus is configured.
pub fn start(shared: &Arc<Shared>) -> Vec<tokio::task::JoinHandle<()>> {
    let Some(url) = shared.config.bus.redis.clone() else {
        return Vec::new();
    };
    let bus = match RedisBus::new(&url, BusOptions::for_site(&shared.config.bus.site)) {
        Ok(bus) => Arc::new(bus),
        Err(e) => {
            tracing::error!(url = %redact_url(&url), error = %e, "the event bus is not usable; events stay local");
            return Vec::new();
        }
    };
    tracing::info!(url = %bus.url(), stream = %bus.options().stream, "publishing events to Redis");
    let mut tasks = vec![tokio::spawn(publish(shared.clone(), bus.clone()))];
    if !shared.config.bus.follow.is_empty() {
        tasks.push(tokio::spawn(follow(shared.clone(), bus)));
    }
    tasks
}

async fn publish(shared: Arc<Shared>, bus: Arc<RedisBus>) {
    let stop = shared.stopping.clone();
    let mut backoff = RETRY_MIN;
    let mut cursor = match shared.store.call(|db| db.bus_published()).await {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the outbox cursor; events stay local");
            return;
        }
    };
    loop {
        if stop.is_cancelled() {
            return;
        }
        // Before the first publication, start after what the stream already holds.
        let from = match cursor {
            Some(c) => c,
            None => match bus.last_id().await {
                Ok(last) => last.unwrap_or(0),
                Err(e) => {
                    tracing::warn!(error = %e, "event bus unreachable; retrying");
                    pause(&stop, &mut backoff).await;
                    continue;
                }
            },
        };
        let batch = match shared
            .store
            .call(move |db| db.events_after(from, BATCH))
            .await
        {
            Ok(b) => b,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the event log for the bus");
                pause(&stop, &mut backoff).await;
                continue;
            }
        };
        let Some(last) = batch.last().map(|e| e.seq) else {
            cursor = Some(from);
            shared.events.wait_after(from, &stop).await;
            continue;
        };
        let local: Vec<EventRecord> = batch
            .into_iter()
            .filter(|e| !matches!(e.event, DomainEvent::Remote { .. }))
            .collect();
        let reached = match bus.publish_batch(&local).await {
            Ok(_) => Some(last),
            Err(e) => {
                tracing::warn!(error = %e.error, stopped_at = e.stopped_at, "event bus: publishing stopped; retrying");
                // Everything before the event that failed is in the stream.
                let before = e.stopped_at.saturating_sub(1);
                (before > from).then_some(before)
            }
        };
        match reached {
            Some(seq) => {
                backoff = RETRY_MIN;
                if let Err(e) = shared.store.call(move |db| db.set_bus_published(seq)).await {
                    tracing::error!(error = %e, "cannot save the outbox cursor");
                }
                cursor = Some(seq);
            }
            None => pause(&stop, &mut backoff).await,
        }
    }
}

async fn pause(stop: &tokio_util::sync::CancellationToken, backoff: &mut Duration) {
    tokio::select! {
        () = tokio::time::sleep(*backoff) => {}
        () = stop.cancelled() => {}
    }
    *backoff = (*backoff * 2).min(RETRY_MAX);
}

async fn follow(shared: Arc<Shared>, bus: Arc<RedisBus>) {
    let stop = shared.stopping.clone();
    let mut cursors: Vec<(String, String)> = shared
        .config
        .bus
        .follow
        .iter()
        .map(|site| (stream_key(site), "$".to_owned()))
        .collect();
    let mut backoff = RETRY_MIN;
    loop {
        let read = tokio::select! {
            r = bus.follow(&mut cursors, Duration::from_secs(5), 100) => r,
            () = stop.cancelled() => return,
        };
        match read {
            Ok(events) => {
                backoff = RETRY_MIN;
                for e in events {
                    let site = e.stream.rsplit(':').next().unwrap_or(&e.stream).to_owned();
                    shared.events.push(DomainEvent::Remote {
                        site,
                        seq: e.record.seq,
                        at: e.record.at,
                        event: Box::new(e.record.event),
                    });
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot follow the other sites; retrying");
                pause(&stop, &mut backoff).await;
            }
        }
    }
}
