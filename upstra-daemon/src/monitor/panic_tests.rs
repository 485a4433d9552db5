//! A UPS read or status check that panics inside the daemon (a bug): the monitor lives on,
//! and the UPS is asked again rather than left in flight, unread, for ever.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use upstra_core::model::Ups;
use upstra_core::state::{UpsFlag, UpsReading};
use upstra_core::traits::{AdapterError, UpsMonitor};

/// The simulated UPS driver, with a status query that panics and counts how often it was
/// asked (`status`), or a full read that does (`read`).
struct Panicking {
    inner: Arc<dyn UpsMonitor>,
    status: bool,
    asked: AtomicUsize,
}

impl UpsMonitor for Panicking {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        if self.status {
            return self.inner.read(ups);
        }
        Box::pin(async move {
            self.asked.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            panic!("a bug in a full read");
        })
    }

    fn has_cheap_status(&self, _ups: &Ups) -> bool {
        self.status
    }

    fn read_statuses<'a>(
        &'a self,
        _ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<Vec<UpsFlag>, AdapterError>>> {
        Box::pin(async move {
            self.asked.fetch_add(1, Ordering::SeqCst);
            tokio::task::yield_now().await;
            panic!("a bug in a status check");
        })
    }
}

/// Runs the monitor on a one-UPS lab until the panicking driver was asked three times.
async fn asked_again_after_a_panic(status: bool) {
    let lab = "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"ups-a\"\nroom = \"lab\"\nnut = \"ups-a@127.0.0.1:1\"\n";
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut shared, _inbox) = crate::test_lab::simulated(lab, dir.path(), |config| {
        config.ups_poll_interval = Duration::from_millis(10);
        config.ups_status_interval = Some(Duration::from_millis(10));
    });
    let driver = Arc::new(Panicking {
        inner: shared.drivers.ups.clone(),
        status,
        asked: AtomicUsize::new(0),
    });
    shared.drivers.ups = driver.clone();
    let shared = Arc::new(shared);
    let stop = CancellationToken::new();
    let monitor = tokio::spawn(super::run(shared.clone(), stop.clone()));

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while driver.asked.load(Ordering::SeqCst) < 3 {
        assert!(!monitor.is_finished(), "the monitor ended with the panic");
        assert!(
            tokio::time::Instant::now() < deadline,
            "after a panic, ups-a was asked {} time(s) in 30 s: it stayed in flight",
            driver.asked.load(Ordering::SeqCst)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    monitor.await.expect("the monitor stops cleanly");
}

#[tokio::test]
async fn a_status_check_that_panics_leaves_the_ups_checked_again() {
    asked_again_after_a_panic(true).await;
}

#[tokio::test]
async fn a_full_read_that_panics_leaves_the_ups_read_again() {
    asked_again_after_a_panic(false).await;
}
