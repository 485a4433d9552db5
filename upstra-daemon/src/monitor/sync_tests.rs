//! A sync's bound on BMC reads at once, on the simulated drivers wrapped by a BMC that counts
//! the reads in flight.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use futures::future::BoxFuture;
use upstra_core::ids::ServerId;
use upstra_core::model::Server;
use upstra_core::state::PowerState;
use upstra_core::traits::{AdapterError, Bmc, BmcStatus, ResetType};

use super::{Retry, SYNC_BMC_READS_AT_ONCE, sync_peers};
use crate::shared::Shared;

/// The simulated BMC, counting how many reads are in flight at once.
struct Counting {
    inner: Arc<dyn Bmc>,
    now: AtomicUsize,
    peak: AtomicUsize,
}

impl Bmc for Counting {
    fn status<'a>(&'a self, server: &'a Server) -> BoxFuture<'a, Result<BmcStatus, AdapterError>> {
        Box::pin(async move {
            let now = self.now.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(now, Ordering::SeqCst);
            // A BMC takes a while to answer: every read started meanwhile is in flight too.
            for _ in 0..4 {
                tokio::task::yield_now().await;
            }
            let status = self.inner.status(server).await;
            self.now.fetch_sub(1, Ordering::SeqCst);
            status
        })
    }

    fn reset<'a>(
        &'a self,
        server: &'a Server,
        reset: ResetType,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        self.inner.reset(server, reset)
    }
}

#[tokio::test]
async fn a_sync_of_a_hundred_bmcs_reads_at_most_the_bound_at_once_and_all_of_them() {
    const SERVERS: usize = 100;
    let mut lab = String::from(
        "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"ups-a\"\nroom = \"lab\"\nnut = \"ups-a@127.0.0.1:1\"\n",
    );
    for n in 0..SERVERS {
        lab.push_str(&format!(
            "[[server]]\nname = \"srv-{n:03}\"\nroom = \"lab\"\nkind = \"storage\"\nfeeds = [\"ups-a\"]\n"
        ));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let (mut shared, _inbox) = crate::test_lab::simulated(&lab, dir.path(), |_| {});
    let counting = Arc::new(Counting {
        inner: shared.drivers.bmc.clone(),
        now: AtomicUsize::new(0),
        peak: AtomicUsize::new(0),
    });
    shared.drivers.bmc = counting.clone();

    let report = sync_peers(&shared, Retry::Everything).await;

    assert_eq!(
        report.servers_read as usize, SERVERS,
        "{:?}",
        report.problems
    );
    let peak = counting.peak.load(Ordering::SeqCst);
    assert_eq!(
        peak, SYNC_BMC_READS_AT_ONCE,
        "reads run side by side, never more than the bound"
    );
}

/// The simulated BMC, holding one server's read until the test lets it answer `On`: a BMC
/// slow to answer, or a sync still waiting on others before it records what it read.
struct Held {
    inner: Arc<dyn Bmc>,
    server: &'static str,
    reading: tokio::sync::Notify,
    answer: tokio::sync::Notify,
}

impl Bmc for Held {
    fn status<'a>(&'a self, server: &'a Server) -> BoxFuture<'a, Result<BmcStatus, AdapterError>> {
        Box::pin(async move {
            let mut status = self.inner.status(server).await?;
            if server.id.as_str() == self.server {
                self.reading.notify_one();
                self.answer.notified().await;
                status.power = PowerState::On;
            }
            Ok(status)
        })
    }

    fn reset<'a>(
        &'a self,
        server: &'a Server,
        reset: ResetType,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        self.inner.reset(server, reset)
    }
}

fn small_lab_with_held_bmc(dir: &std::path::Path) -> (Shared, Arc<Held>) {
    let lab = "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"ups-a\"\nroom = \"lab\"\nnut = \"ups-a@127.0.0.1:1\"\n\
               [[server]]\nname = \"esx-01\"\nroom = \"lab\"\nkind = \"storage\"\nfeeds = [\"ups-a\"]\n";
    let (mut shared, _inbox) = crate::test_lab::simulated(lab, dir, |_| {});
    let held = Arc::new(Held {
        inner: shared.drivers.bmc.clone(),
        server: "esx-01",
        reading: tokio::sync::Notify::new(),
        answer: tokio::sync::Notify::new(),
    });
    shared.drivers.bmc = held.clone();
    (shared, held)
}

fn power_of(shared: &Shared, server: &str) -> Option<PowerState> {
    shared
        .live
        .servers(|m| m.get(&ServerId::new(server).expect("id")).map(|s| s.power))
}

#[tokio::test]
async fn a_sync_that_read_on_before_a_step_powered_off_does_not_bring_the_server_back_on() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (shared, held) = small_lab_with_held_bmc(dir.path());
    let id = ServerId::new("esx-01").expect("id");

    let step = async {
        // The sync's read of esx-01 is under way; the shutdown step reads the server Off.
        held.reading.notified().await;
        shared.live.record_power(
            &id,
            PowerState::Off,
            std::time::Instant::now(),
            &shared.events,
        );
        held.answer.notify_one();
    };
    let (report, ()) = tokio::join!(sync_peers(&shared, Retry::Everything), step);

    assert_eq!(report.servers_read, 1, "{:?}", report.problems);
    assert_eq!(
        power_of(&shared, "esx-01"),
        Some(PowerState::Off),
        "the step's reading began after the sync's: it stands"
    );
}

#[tokio::test]
async fn a_sync_that_began_after_a_step_records_what_it_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (shared, held) = small_lab_with_held_bmc(dir.path());
    let id = ServerId::new("esx-01").expect("id");
    shared.live.record_power(
        &id,
        PowerState::Off,
        std::time::Instant::now(),
        &shared.events,
    );

    // Someone powered it on by hand since: the next sync's `On` is the news.
    held.answer.notify_one();
    let report = sync_peers(&shared, Retry::Everything).await;

    assert_eq!(report.servers_read, 1, "{:?}", report.problems);
    assert_eq!(power_of(&shared, "esx-01"), Some(PowerState::On));
}
