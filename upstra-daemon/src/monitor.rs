//! The monitor: reads every UPS on its interval, the BMCs and the hypervisor on the sync
//! interval (and on demand, `upstra sync`), keeps [`crate::live::Live`] current and turns
//! changes into events. Between full reads, a NUT UPS is asked for its status alone, and read
//! at once when it changed (`status`).
//!
//! Every read runs under a deadline, beside the others (the UPS reads as futures of the
//! monitor's task, a sync in a task of its own), and a UPS is never read again while its
//! previous read is still running, so one slow or dead peer never delays the others.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::{BoxFuture, join_all};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use tokio_util::sync::CancellationToken;
use upstra_adapter_nut::CommsTracker;
use upstra_core::api::v1::SyncReport;
use upstra_core::events::DomainEvent;
use upstra_core::ids::UpsId;
use upstra_core::model::{Ups, UpsSource};
use upstra_core::state::{UpsLive, UpsReading};
use upstra_core::traits::AdapterError;

use crate::clock;
use crate::metrics::PeerKind;
use crate::refusals::{self, Declared, Refusals};
use crate::shared::Shared;

#[cfg(test)]
mod batch_tests;
#[cfg(test)]
mod panic_tests;
mod status;
#[cfg(test)]
mod sync_tests;

/// Deadline for one read of a peer.
const READ_DEADLINE: Duration = Duration::from_secs(5);
/// BMCs a sync reads at once. All of a large lab at once (a thousand reads at the same
/// instant) floods the management network and the BMCs, whose small web servers then answer
/// none within the deadline, and holds a thousand connections' buffers at the same time; a
/// bounded number keeps a thousand BMCs of a second or so each within a minute's sync.
const SYNC_BMC_READS_AT_ONCE: usize = 32;
/// A change of charge (percentage points) worth an event.
const CHARGE_STEP: f32 = 2.0;
/// A relative change of runtime worth an event.
const RUNTIME_STEP: f64 = 0.10;

/// Charge and runtime as last announced.
type Battery = (Option<f32>, Option<u64>);

/// What the monitor remembers between reads.
#[derive(Default)]
pub struct MonitorState {
    comms: Mutex<HashMap<UpsId, CommsTracker>>,
    /// The battery figures last announced in an event, per UPS.
    announced: Mutex<HashMap<UpsId, Battery>>,
    /// Peers currently failing, with the reason last announced.
    failing: Mutex<HashMap<String, String>>,
    /// Peers that refused our credentials, left alone for a while.
    refusals: Refusals,
    /// The last hour of every UPS, for `ups_history`.
    pub history: crate::ups_history::History,
    /// Asks the monitor to read every UPS, BMC and the vCenter now ([`MonitorState::read_now`]).
    read_now: tokio::sync::Notify,
    /// UPS to read now, out of turn ([`MonitorState::read_ups_now`]), and the nudge for them.
    ups_now: Mutex<HashSet<UpsId>>,
    ups_nudge: tokio::sync::Notify,
}

impl MonitorState {
    /// Reads every peer now rather than at the next tick: after an apply, so that what was
    /// just declared shows its state at once instead of `unknown` until the next sync. A
    /// nudge while the monitor is busy is kept (one at most) and served when it gets to it.
    pub fn read_now(&self) {
        self.read_now.notify_one();
    }
}

impl MonitorState {
    /// Reads these UPS now rather than at the next tick (an SNMP trap said their power
    /// changed). A UPS whose read is in flight is read again when that read ends, so a trap
    /// that lands during a read is never served by a reading taken before it.
    pub fn read_ups_now(&self, ids: impl IntoIterator<Item = UpsId>) {
        lock(&self.ups_now).extend(ids);
        self.ups_nudge.notify_one();
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Runs until `stop` fires.
pub async fn run(shared: Arc<Shared>, stop: CancellationToken) {
    // A reload may change the intervals: the timers follow (`reload::Settings`).
    let mut settings = shared.settings.subscribe();
    let first = settings.borrow_and_update().clone();
    let mut ups_tick = every(first.ups_poll_interval, Duration::ZERO);
    let mut sync_tick = every(first.sync_interval, Duration::ZERO);
    let mut status_tick = status::timer(first.ups_status_interval);
    let mut checks = status::StatusChecks::new(shared.config.ups_dead_time);
    let mut reads = Reads::new();
    // UPS with a full read or a status check in flight: one at a time per UPS.
    let mut in_flight: HashSet<UpsId> = HashSet::new();
    // UPS asked for out of turn while their read or check was in flight: read when it ends.
    let mut owed: HashSet<UpsId> = HashSet::new();
    let mut syncing: Option<tokio::task::JoinHandle<SyncReport>> = None;
    // A sync is due (its tick, or a nudge) and starts as soon as none runs: one sync at a
    // time, so an older read never overwrites a newer one, and a nudge during a sync is not
    // lost but served right after it.
    let mut sync_owed = false;
    // The loop beats for the watchdog each time round; reads never block it (each awaits
    // its peer beside the loop), so a slow peer never stops it.
    let mut beat = tokio::time::interval(shared.heartbeats.period);
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if sync_owed && syncing.as_ref().is_none_or(|t| t.is_finished()) {
            sync_owed = false;
            let shared = shared.clone();
            syncing = Some(tokio::spawn(async move {
                sync_peers(&shared, Retry::Due).await
            }));
        }
        tokio::select! {
            () = stop.cancelled() => break,
            _ = beat.tick() => shared.heartbeats.monitor.beat(),
            _ = ups_tick.tick() => {
                owed.extend(checks.checking().cloned());
                read_every_ups(&shared, &mut reads, &mut in_flight);
            }
            () = status::tick(&mut status_tick) => checks.start(&shared, &mut in_flight),
            done = checks.next() => {
                for one in done {
                    let changed = checks.ended(&one, &mut in_flight);
                    if owed.remove(&one.0) | changed {
                        read_some_ups(&shared, &mut reads, &mut in_flight, &mut owed, [one.0]);
                    }
                }
            }
            Some(done) = reads.next(), if !reads.is_empty() => {
                let mut read_again = Vec::new();
                for (ups, result) in done {
                    in_flight.remove(&ups.id);
                    checks.full_read(&ups.id, &result);
                    record_ups(&shared, &ups, result);
                    if owed.remove(&ups.id) {
                        read_again.push(ups.id);
                    }
                }
                read_some_ups(&shared, &mut reads, &mut in_flight, &mut owed, read_again);
            }
            _ = sync_tick.tick() => sync_owed = true,
            () = shared.monitor.read_now.notified() => {
                owed.extend(checks.checking().cloned());
                read_every_ups(&shared, &mut reads, &mut in_flight);
                sync_owed = true;
            }
            () = shared.monitor.ups_nudge.notified() => {
                let ids: Vec<UpsId> = lock(&shared.monitor.ups_now).drain().collect();
                read_some_ups(&shared, &mut reads, &mut in_flight, &mut owed, ids);
            }
            () = sync_ended(&mut syncing), if sync_owed => {}
            Ok(()) = settings.changed() => {
                let now = settings.borrow_and_update().clone();
                // The new period counts from now: a shorter one is not owed the reads the
                // old one skipped, and a longer one does not read at once.
                if now.ups_poll_interval != ups_tick.period() {
                    ups_tick = every(now.ups_poll_interval, now.ups_poll_interval);
                }
                if now.ups_status_interval != status_tick.as_ref().map(|t| t.period()) {
                    status_tick = status::timer(now.ups_status_interval);
                }
                if now.sync_interval != sync_tick.period() {
                    sync_tick = every(now.sync_interval, now.sync_interval);
                }
            }
        }
    }
    reads.clear();
    checks.abort();
    if let Some(t) = syncing {
        t.abort();
    }
}

/// A timer of `period` whose first tick comes `first` from now; a late tick delays the next
/// ones rather than bunching them.
fn every(period: Duration, first: Duration) -> tokio::time::Interval {
    let mut timer = tokio::time::interval_at(tokio::time::Instant::now() + first, period);
    timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    timer
}

/// The full reads in flight, polled by the monitor's task beside one another: one future per
/// peer asked, answering for each of its UPS.
type Reads = FuturesUnordered<BoxFuture<'static, Vec<(Ups, Result<UpsReading, AdapterError>)>>>;

/// Starts a full read of each of `ups`, those of one peer together (one round trip for all of
/// them on a NUT upsd), different peers side by side.
fn start_reads(shared: &Arc<Shared>, reads: &mut Reads, ups: Vec<Ups>) {
    for ups in by_peer(ups).into_values() {
        let shared = shared.clone();
        reads.push(Box::pin(async move {
            // A read that panicked must still end, as a failed read of each of its UPS: lost
            // silently, they would stay in flight, never read again, their last readings
            // shown as current for ever.
            let results = match AssertUnwindSafe(read_together(&shared, &ups))
                .catch_unwind()
                .await
            {
                Ok(results) => results,
                Err(_) => ups.iter().map(|u| Err(failed_inside(u, "read"))).collect(),
            };
            ups.into_iter().zip(results).collect()
        }));
    }
}

/// `ups` by the peer they are read from.
fn by_peer(ups: impl IntoIterator<Item = Ups>) -> HashMap<String, Vec<Ups>> {
    let mut grouped: HashMap<String, Vec<Ups>> = HashMap::new();
    for u in ups {
        grouped.entry(peer_of(&u)).or_default().push(u);
    }
    grouped
}

/// The peer a UPS is read from: its upsd, or its SNMP agent.
pub(crate) fn peer_of(ups: &Ups) -> String {
    match &ups.source {
        UpsSource::Nut(nut) => format!("{}:{}", nut.host, nut.port),
        UpsSource::Snmp(_) => ups.source.to_string(),
    }
}

/// One read of each of `ups` (of one peer) under the deadline, in order, timed for the
/// metrics.
async fn read_together(shared: &Shared, ups: &[Ups]) -> Vec<Result<UpsReading, AdapterError>> {
    let started = Instant::now();
    let answers = tokio::time::timeout(READ_DEADLINE, shared.drivers.ups.read_many(ups))
        .await
        .unwrap_or_default();
    let took = started.elapsed();
    let mut answers = answers.into_iter();
    ups.iter()
        .map(|u| {
            // Past the deadline, no answer: each UPS gets the timeout.
            let result = answers.next().unwrap_or_else(|| {
                Err(AdapterError::Timeout {
                    peer: u.id.to_string(),
                    secs: READ_DEADLINE.as_secs(),
                })
            });
            shared
                .metrics
                .peer_read(PeerKind::Ups, u.id.as_str(), result.is_ok(), took);
            result
        })
        .collect()
}

/// What a read or a status check of `ups` that panicked answers.
fn failed_inside(ups: &Ups, what: &str) -> AdapterError {
    AdapterError::Protocol {
        peer: ups.source.to_string(),
        detail: format!("the {what} failed inside the daemon (see its log)"),
    }
}

/// Starts a read of every UPS whose previous read is over.
fn read_every_ups(shared: &Arc<Shared>, reads: &mut Reads, in_flight: &mut HashSet<UpsId>) {
    let due = shared
        .inventory()
        .ups
        .values()
        .filter(|ups| in_flight.insert(ups.id.clone()))
        .cloned()
        .collect();
    start_reads(shared, reads, due);
}

/// Starts a read of each of `ids` still declared; one in flight is owed a read when it ends.
fn read_some_ups(
    shared: &Arc<Shared>,
    reads: &mut Reads,
    in_flight: &mut HashSet<UpsId>,
    owed: &mut HashSet<UpsId>,
    ids: impl IntoIterator<Item = UpsId>,
) {
    let inventory = shared.inventory();
    let mut due = Vec::new();
    for id in ids {
        let Some(ups) = inventory.ups.get(&id) else {
            continue;
        };
        if in_flight.insert(id.clone()) {
            due.push(ups.clone());
        } else {
            owed.insert(id);
        }
    }
    if !due.is_empty() {
        start_reads(shared, reads, due);
    }
}

/// Completes when the sync in flight ends (at once when none runs).
async fn sync_ended(syncing: &mut Option<tokio::task::JoinHandle<SyncReport>>) {
    if let Some(task) = syncing.as_mut() {
        let _ = task.await;
    }
    // Never poll a finished task again.
    *syncing = None;
}

async fn within<T>(
    peer: &str,
    f: impl Future<Output = Result<T, AdapterError>>,
) -> Result<T, AdapterError> {
    tokio::time::timeout(READ_DEADLINE, f)
        .await
        .unwrap_or_else(|_| {
            Err(AdapterError::Timeout {
                peer: peer.to_owned(),
                secs: READ_DEADLINE.as_secs(),
            })
        })
}

/// Records one UPS read: the comms tracker decides what to show, changes become events.
fn record_ups(shared: &Shared, ups: &Ups, result: Result<UpsReading, AdapterError>) {
    let now = clock::now();
    let dead_time = shared.config.ups_dead_time;
    match &result {
        Ok(reading) => shared.monitor.history.record(&ups.id, reading, now),
        Err(_) => shared.monitor.history.missed(&ups.id, now),
    }
    let new = lock(&shared.monitor.comms)
        .entry(ups.id.clone())
        .or_insert_with(|| CommsTracker::new(dead_time))
        .observe(result, now);
    let old = shared
        .live
        .ups_mut(|m| m.insert(ups.id.clone(), new.clone()))
        .unwrap_or_default();
    let id = ups.id.clone();
    shared.outage.observed(id.clone(), new.clone());
    match (old, &new) {
        (UpsLive::Reading { reading: a, .. }, UpsLive::Reading { reading: b, .. }) => {
            if a.flags != b.flags {
                shared.events.push(DomainEvent::UpsStatusChanged {
                    ups: id.clone(),
                    from: a.status_line(),
                    to: b.status_line(),
                });
            }
            announce_battery(shared, &id, b);
        }
        (UpsLive::CommsLost { .. }, UpsLive::Reading { reading, .. }) => {
            shared
                .events
                .push(DomainEvent::UpsCommsRestored { ups: id.clone() });
            announce_battery(shared, &id, reading);
        }
        (UpsLive::Unknown, UpsLive::Reading { reading, .. }) => {
            announce_battery(shared, &id, reading)
        }
        (UpsLive::Reading { .. } | UpsLive::Unknown, UpsLive::CommsLost { reason, .. }) => {
            tracing::warn!(ups = %id, %reason, "UPS communication lost");
            shared.events.push(DomainEvent::UpsCommsLost {
                ups: id,
                reason: reason.clone(),
            });
        }
        _ => {}
    }
}

/// An event when charge or runtime moved enough since the last one announced.
fn announce_battery(shared: &Shared, id: &UpsId, r: &UpsReading) {
    let mut announced = lock(&shared.monitor.announced);
    let moved = match announced.get(id) {
        None => true,
        Some((charge, runtime)) => {
            let charge_moved = match (charge, r.charge_pct) {
                (Some(a), Some(b)) => (a - b).abs() >= CHARGE_STEP,
                (a, b) => a.is_some() != b.is_some(),
            };
            let runtime_moved = match (runtime, r.runtime_s) {
                (Some(a), Some(b)) => {
                    (*a as f64 - b as f64).abs() >= RUNTIME_STEP * (*a).max(1) as f64
                }
                (a, b) => a.is_some() != b.is_some(),
            };
            charge_moved || runtime_moved
        }
    };
    if moved {
        announced.insert(id.clone(), (r.charge_pct, r.runtime_s));
        drop(announced);
        shared.events.push(DomainEvent::UpsBatteryChanged {
            ups: id.clone(),
            charge_pct: r.charge_pct,
            runtime_s: r.runtime_s,
        });
    }
}

/// A peer failed (announced once) or recovered. `what` names it in a sentence (`esx-01's BMC`).
fn peer_result(
    shared: &Shared,
    peer: &str,
    what: &str,
    error: Option<&AdapterError>,
    problems: &mut Vec<String>,
) {
    let mut failing = lock(&shared.monitor.failing);
    match error {
        Some(e) => {
            let reason = refusals::describe(what, e);
            problems.push(format!("{peer}: {reason}"));
            if failing.get(peer) != Some(&reason) {
                failing.insert(peer.to_owned(), reason.clone());
                drop(failing);
                tracing::warn!(%peer, %reason, "peer unreachable");
                shared.events.push(DomainEvent::PeerUnreachable {
                    peer: peer.to_owned(),
                    reason,
                });
            }
        }
        None => {
            if failing.remove(peer).is_some() {
                drop(failing);
                tracing::info!(%peer, "peer answers again");
                shared.events.push(DomainEvent::PeerRecovered {
                    peer: peer.to_owned(),
                });
            }
        }
    }
}

/// Reads every UPS once now (for `upstra sync`): those of one peer together, the peers side by
/// side, as the monitor reads them.
pub async fn read_all_ups(shared: &Shared) -> (u32, Vec<String>) {
    let inventory = shared.inventory();
    let reads = by_peer(inventory.ups.values().cloned())
        .into_values()
        .map(|ups| async move {
            let results = read_together(shared, &ups).await;
            ups.into_iter().zip(results)
        });
    let mut problems = Vec::new();
    let mut count = 0;
    for (ups, result) in join_all(reads).await.into_iter().flatten() {
        if let Err(e) = &result {
            problems.push(format!("UPS `{}`: {e}", ups.id));
        } else {
            count += 1;
        }
        record_ups(shared, &ups, result);
    }
    (count, problems)
}

/// Whether a sync respects the waits of peers that refused our credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// The periodic sync: a peer still waiting is reported with its last refusal, untried.
    Due,
    /// `upstra sync`: an operator asks for every peer now, which also ends every wait.
    Everything,
}

/// One read of `peer` (named `name` in a timeout and the metrics), unless it refused our
/// credentials and its wait is not over.
async fn read_peer<T>(
    shared: &Shared,
    peer: &str,
    (kind, name): (PeerKind, &str),
    declared: Declared,
    read: impl Future<Output = Result<T, AdapterError>>,
) -> Result<T, AdapterError> {
    let refusals = &shared.monitor.refusals;
    if let Some(refusal) = refusals.held(peer, &declared, Instant::now()) {
        shared.metrics.peer_unanswered(kind, name);
        return Err(refusal);
    }
    let started = Instant::now();
    let result = within(name, read).await;
    shared
        .metrics
        .peer_read(kind, name, result.is_ok(), started.elapsed());
    refusals.record(
        peer,
        &declared,
        result.as_ref().err(),
        shared.settings.get().sync_interval,
        Instant::now(),
    );
    result
}

/// Reads every BMC and the hypervisor now.
pub async fn sync_peers(shared: &Shared, retry: Retry) -> SyncReport {
    if retry == Retry::Everything {
        shared.monitor.refusals.clear();
    }
    let mut report = SyncReport::default();
    let inventory = shared.inventory();
    let servers: Vec<_> = inventory
        .servers
        .values()
        .filter(|s| shared.simulated || s.bmc.is_some())
        .collect();
    let reads = servers.iter().map(|s| async move {
        let peer = format!("server `{}` BMC", s.id);
        let began = Instant::now();
        let status = read_peer(
            shared,
            &peer,
            (PeerKind::Bmc, s.id.as_str()),
            Declared::Bmc(Box::new((*s).clone())),
            shared.drivers.bmc.status(s),
        )
        .await;
        (*s, peer, began, status)
    });
    // Collected first: a stream over the closure itself is not `Send` (the compiler cannot
    // prove it for every lifetime of the borrow of `shared`).
    let reads: Vec<_> = reads.collect();
    // `buffered`, not `buffer_unordered`: the report lists problems in the lab's order.
    let results: Vec<_> = futures::stream::iter(reads)
        .buffered(SYNC_BMC_READS_AT_ONCE)
        .collect()
        .await;
    for (server, peer, began, result) in results {
        let what = format!("{}'s BMC", server.id);
        peer_result(
            shared,
            &peer,
            &what,
            result.as_ref().err(),
            &mut report.problems,
        );
        let Ok(status) = result else { continue };
        report.servers_read += 1;
        // A step or an operator's action may have read this BMC since: theirs is newer.
        shared
            .live
            .record_bmc_status(&server.id, &status, began, &shared.events);
    }
    match shared.drivers.hypervisor(&inventory) {
        Ok(None) => {}
        Ok(Some(hv)) => {
            let declared = inventory.vcenter.clone().map(Declared::Vcenter);
            let result = match declared {
                Some(declared) => {
                    read_peer(
                        shared,
                        "vcenter",
                        (PeerKind::Vcenter, "vcenter"),
                        declared,
                        hv.inventory(),
                    )
                    .await
                }
                // The simulated lab has no declaration to refuse.
                None => {
                    let started = Instant::now();
                    let result = within("vcenter", hv.inventory()).await;
                    shared.metrics.peer_read(
                        PeerKind::Vcenter,
                        "vcenter",
                        result.is_ok(),
                        started.elapsed(),
                    );
                    result
                }
            };
            peer_result(
                shared,
                "vcenter",
                "the vCenter",
                result.as_ref().err(),
                &mut report.problems,
            );
            if let Ok(inv) = result {
                report.vms = u32::try_from(inv.vms.len()).unwrap_or(u32::MAX);
                shared
                    .live
                    .apply_hypervisor(&inventory, inv, &shared.events);
            }
        }
        Err(e) => report.problems.push(e),
    }
    report
}
