//! The full reads of the UPS of one peer go to the driver together, so that a NUT upsd answers
//! them in one round trip; UPS of different peers are never asked in one call.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;
use upstra_core::model::Ups;
use upstra_core::state::UpsReading;
use upstra_core::traits::{AdapterError, UpsMonitor};

/// The simulated UPS driver, recording the UPS of each call.
struct Recording {
    inner: Arc<dyn UpsMonitor>,
    alone: Mutex<Vec<String>>,
    together: Mutex<Vec<BTreeSet<String>>>,
}

impl UpsMonitor for Recording {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        super::lock(&self.alone).push(ups.id.to_string());
        self.inner.read(ups)
    }

    fn read_many<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<UpsReading, AdapterError>>> {
        super::lock(&self.together).push(ups.iter().map(|u| u.id.to_string()).collect());
        self.inner.read_many(ups)
    }
}

#[tokio::test]
async fn the_ups_of_one_upsd_are_read_together_and_each_upsd_apart() {
    let lab = "[[room]]\nname = \"lab\"\n\
        [[ups]]\nname = \"ups-a\"\nroom = \"lab\"\nnut = \"ups-a@127.0.0.1:3493\"\n\
        [[ups]]\nname = \"ups-b\"\nroom = \"lab\"\nnut = \"ups-b@127.0.0.1:3493\"\n\
        [[ups]]\nname = \"ups-c\"\nroom = \"lab\"\nnut = \"ups-c@127.0.0.2:3493\"\n";
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut shared, _inbox) = crate::test_lab::simulated(lab, dir.path(), |config| {
        config.ups_poll_interval = Duration::from_millis(10);
        config.ups_status_interval = None;
    });
    let driver = Arc::new(Recording {
        inner: shared.drivers.ups.clone(),
        alone: Mutex::default(),
        together: Mutex::default(),
    });
    shared.drivers.ups = driver.clone();
    let shared = Arc::new(shared);
    let stop = CancellationToken::new();
    let monitor = tokio::spawn(super::run(shared.clone(), stop.clone()));

    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while super::lock(&driver.together).len() < 6 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the monitor asked {:?} in 30 s",
            super::lock(&driver.together)
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.cancel();
    monitor.await.expect("the monitor stops cleanly");

    let first_upsd: BTreeSet<String> = ["ups-a".to_owned(), "ups-b".to_owned()].into();
    let second_upsd: BTreeSet<String> = ["ups-c".to_owned()].into();
    for asked in super::lock(&driver.together).iter() {
        assert!(
            *asked == first_upsd || *asked == second_upsd,
            "one call asked {asked:?}"
        );
    }
    assert!(super::lock(&driver.alone).is_empty());
}
