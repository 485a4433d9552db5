//! What needs no Redis: settings refused before any I/O, a refused port, and a server that
//! accepts connections but never answers (the deadline holds).

use std::time::Duration;

use tokio::net::TcpListener;
use tokio::time::Instant;
use upstra_adapter_redis::{BusError, BusOptions, RedisBus};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::state::Timestamp;
use upstra_core::traits::{AdapterError, EventBus};

fn record(seq: u64) -> EventRecord {
    EventRecord {
        seq,
        at: Timestamp(0),
        event: DomainEvent::PeerRecovered { peer: "bmc".into() },
    }
}

/// A port nothing listens on (bound, then released).
async fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    port
}

#[test]
fn new_does_no_io_and_refuses_settings_that_cannot_work() {
    // No runtime, nothing listening: building a bus still works.
    let bus = RedisBus::new("redis://:s3cret@127.0.0.1:1", BusOptions::for_site("paris"))
        .expect("no I/O in new");
    assert_eq!(bus.options().stream, "upstra:events:paris");
    assert_eq!(bus.url(), "redis://:***@127.0.0.1:1");

    let bad = [
        (
            "redis://127.0.0.1",
            BusOptions::new(""),
            "the stream key is empty",
        ),
        ("http://:s3cret@127.0.0.1", BusOptions::new("k"), ""),
        ("redis://:s3/cret@127.0.0.1", BusOptions::new("k"), ""),
        ("rediss://:s3cret@127.0.0.1", BusOptions::new("k"), "TLS"),
    ];
    for (url, options, says) in bad {
        let err = RedisBus::new(url, options).expect_err(url);
        let shown = format!("{err} {err:?}");
        assert!(matches!(err, BusError::Config { .. }), "{url}: {shown}");
        assert!(shown.contains(says), "{url}: {shown}");
        assert!(
            !shown.contains("s3cret") && !shown.contains("cret"),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn a_refused_port_is_unreachable_with_connection_refused() {
    let port = closed_port().await;
    let url = format!("redis://127.0.0.1:{port}");
    let bus = RedisBus::new(&url, BusOptions::new("k")).expect("bus");
    let err = bus.publish(&record(1)).await.expect_err("refused");
    assert_eq!(
        err.to_string(),
        format!("cannot reach Redis at {url}: connection refused")
    );
    assert_eq!(
        EventBus::publish(&bus, &record(1)).await,
        Err(AdapterError::Unreachable {
            peer: format!("Redis at {url}"),
            reason: "connection refused".into()
        })
    );
    let err = bus.last_id().await.expect_err("refused");
    assert!(matches!(err, BusError::Unreachable { .. }), "{err}");
}

#[tokio::test]
async fn a_silent_server_times_out_within_the_deadline() {
    // Accepts TCP connections (the kernel does, from the backlog) and never answers.
    let silent = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!(
        "redis://127.0.0.1:{}",
        silent.local_addr().expect("addr").port()
    );
    let mut options = BusOptions::new("k");
    options.deadline = Duration::from_millis(300);
    let bus = RedisBus::new(&url, options).expect("bus");

    let started = Instant::now();
    let err = bus.publish(&record(1)).await.expect_err("silent");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(
        err.to_string(),
        format!("Redis at {url} did not answer within 300 ms")
    );

    let mut cursors = vec![("other".to_owned(), "0".to_owned())];
    let started = Instant::now();
    let err = bus
        .follow(&mut cursors, Duration::from_millis(200), 10)
        .await
        .expect_err("silent");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(matches!(err, BusError::Timeout { .. }), "{err}");
    assert_eq!(cursors[0].1, "0", "a failed read moves no cursor");
    drop(silent);
}
