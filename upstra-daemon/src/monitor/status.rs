//! Status checks between full reads: a NUT upsd pushes nothing, so a power cut is seen only
//! when the daemon asks. A full read (`LIST VAR`, about a hundred lines) every second bounds
//! detection by that second; asking for `ups.status` alone (one line each way, on the same
//! connection) every `ups_status_interval` and reading everything at once when it changed
//! bounds it by that interval, for a fraction of the cost.
//!
//! The UPS of one upsd are asked together (one round trip for all of them), each upsd by a
//! future of its own that the monitor's task polls beside the others, so a slow upsd never
//! delays the checks of another.
//!
//! A check shares the monitor's rules for full reads: one operation in flight per UPS (a check
//! counts as one), so a slow upsd is never asked twice at once; a full read that falls due
//! while a check runs is owed and starts when the check ends. A check never touches what the
//! daemon shows: only full reads feed the comms tracker and the events, so the comms-lost
//! policy and the readings stay as before. A failed check brings the full read forward, once
//! when the last read succeeded (that read starts the dead time) and then once per dead time
//! (the read that finds it over declares communication lost), so a long `ups_poll_interval`
//! no longer delays either; a check that succeeds after failed reads brings the read that
//! announces communication restored.

use std::collections::{HashMap, HashSet};
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::FutureExt;
use futures::StreamExt;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use upstra_core::ids::UpsId;
use upstra_core::model::Ups;
use upstra_core::state::{UpsFlag, UpsReading};
use upstra_core::traits::AdapterError;

use crate::shared::Shared;

/// A UPS whose status answers while its full read fails (a reply the adapter refuses) is read
/// again at most this often rather than at every check; communication coming back is still
/// announced within it.
const FAILED_READ_RETRY: Duration = Duration::from_secs(1);

type Checked = (UpsId, Result<Vec<UpsFlag>, AdapterError>);

/// What the last full read of a UPS saw, and when it ended.
struct LastRead {
    /// Its flags; `None` when it failed.
    flags: Option<Vec<UpsFlag>>,
    at: Instant,
}

/// The checks in flight and what the last full read of each UPS saw.
pub(super) struct StatusChecks {
    /// One future per peer asked, answering for each of its UPS, polled by the monitor's own
    /// task beside the others (ten times a second, a task each was a spawn for nothing).
    checks: FuturesUnordered<BoxFuture<'static, Vec<Checked>>>,
    /// UPS whose check is in flight (they are in the monitor's `in_flight` too).
    checking: HashSet<UpsId>,
    read: HashMap<UpsId, LastRead>,
    /// The comms tracker's dead time: while checks fail, a full read every dead time is
    /// enough for the tracker to declare communication lost on time.
    dead_time: Duration,
}

impl StatusChecks {
    pub(super) fn new(dead_time: Duration) -> Self {
        Self {
            checks: FuturesUnordered::new(),
            checking: HashSet::new(),
            read: HashMap::new(),
            dead_time,
        }
    }

    /// Starts a check of every UPS that has a cheap status query and nothing in flight.
    pub(super) fn start(&mut self, shared: &Arc<Shared>, in_flight: &mut HashSet<UpsId>) {
        let inventory = shared.inventory();
        // A UPS no longer declared is forgotten here, so the map stays the size of the lab.
        self.read.retain(|id, _| inventory.ups.contains_key(id));
        let mut by_peer: HashMap<String, Vec<Ups>> = HashMap::new();
        for ups in inventory.ups.values() {
            if !shared.drivers.ups.has_cheap_status(ups) || !in_flight.insert(ups.id.clone()) {
                continue;
            }
            self.checking.insert(ups.id.clone());
            by_peer
                .entry(super::peer_of(ups))
                .or_default()
                .push(ups.clone());
        }
        for ups in by_peer.into_values() {
            let shared = shared.clone();
            self.checks.push(Box::pin(async move {
                // A check that panicked must still end: each of its UPS gets a failed check,
                // which frees it and brings its full read. Lost silently, the UPS would stay
                // in flight, never read again, its last reading shown as current for ever.
                match AssertUnwindSafe(check(&shared, &ups)).catch_unwind().await {
                    Ok(checked) => checked,
                    Err(_) => ups
                        .iter()
                        .map(|u| (u.id.clone(), Err(super::failed_inside(u, "status check"))))
                        .collect(),
                }
            }));
        }
    }

    /// The checks of the next peer to answer; never completes while none is in flight.
    /// Cancel-safe: an answer not taken stays for the next call.
    pub(super) async fn next(&mut self) -> Vec<Checked> {
        match self.checks.next().await {
            Some(done) => done,
            None => std::future::pending().await,
        }
    }

    /// Records the end of `id`'s check (it leaves `in_flight`); true when a full read is due
    /// now: the status differs from the last read's, or communication changed (see the
    /// module's comment).
    pub(super) fn ended(&mut self, (id, result): &Checked, in_flight: &mut HashSet<UpsId>) -> bool {
        self.checking.remove(id);
        in_flight.remove(id);
        let Some(last) = self.read.get(id) else {
            // Never read yet: its first full read is under way or due anyway.
            return false;
        };
        match (result, &last.flags) {
            (Ok(flags), Some(read)) => flags != read,
            (Ok(_), None) => last.at.elapsed() >= FAILED_READ_RETRY,
            (Err(_), Some(_)) => true,
            (Err(_), None) => last.at.elapsed() >= self.dead_time,
        }
    }

    /// Remembers what a full read of `id` saw, the reference for the checks that follow.
    pub(super) fn full_read(&mut self, id: &UpsId, result: &Result<UpsReading, AdapterError>) {
        let flags = result.as_ref().ok().map(|r| r.flags.clone());
        self.read.insert(
            id.clone(),
            LastRead {
                flags,
                at: Instant::now(),
            },
        );
    }

    /// The UPS whose check is in flight: a full read that falls due for them is owed instead.
    pub(super) fn checking(&self) -> impl Iterator<Item = &UpsId> {
        self.checking.iter()
    }

    /// Stops every check (the monitor is stopping).
    pub(super) fn abort(&mut self) {
        self.checks.clear();
    }
}

/// The status checks of the UPS of one peer under the monitor's deadline. Not counted in the
/// peer-read metrics, which keep counting the full reads an operator knows from
/// `ups_poll_interval`.
async fn check(shared: &Shared, ups: &[Ups]) -> Vec<Checked> {
    let asked = shared.drivers.ups.read_statuses(ups);
    // Past the deadline, no answer: each UPS gets the timeout below.
    let answers = tokio::time::timeout(super::READ_DEADLINE, asked)
        .await
        .unwrap_or_default();
    let mut answers = answers.into_iter();
    ups.iter()
        .map(|u| {
            let answer = answers.next().unwrap_or_else(|| {
                Err(AdapterError::Timeout {
                    peer: u.source.to_string(),
                    secs: super::READ_DEADLINE.as_secs(),
                })
            });
            (u.id.clone(), answer)
        })
        .collect()
}

/// A timer for the checks, or none when they are off.
pub(super) fn timer(interval: Option<Duration>) -> Option<tokio::time::Interval> {
    interval.map(|period| super::every(period, period))
}

/// The next tick of `timer`; never completes when there is none.
pub(super) async fn tick(timer: &mut Option<tokio::time::Interval>) {
    match timer {
        Some(t) => {
            t.tick().await;
        }
        None => std::future::pending().await,
    }
}
