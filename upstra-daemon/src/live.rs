//! Live state and the event log, in memory.
//!
//! The event log is a bounded ring of [`EventRecord`]s with strictly increasing sequence
//! numbers. Readers long-poll with `events_since(cursor)`: a `watch` channel carries the last
//! sequence number, so a reader that subscribes before checking the ring cannot miss a wake-up.
//! Std locks, not tokio's: they are held for a few map operations and never across an await.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tokio::sync::watch;
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::{ServerId, UpsId, VmId};
use upstra_core::model::Vm;
use upstra_core::state::{PowerState, ServerLive, UpsLive};
use upstra_core::traits::BmcStatus;

use crate::clock;

/// How many events are kept in memory for readers.
pub const EVENT_RING: usize = 10_000;

/// What the peers reported last.
///
/// The maps are reached only through the methods below, which take a closure: the lock is
/// held for the closure and released when it returns, so no guard can be kept across an
/// await or leak out to a caller. A closure never calls back into `Live` (a read inside a
/// write of the same map would wait for itself); where two maps are held together the VMs
/// come before the gone VMs.
///
/// **Poisoning:** a lock poisoned by a panicking writer is recovered, never refused. Every
/// writer replaces whole entries (a reading, a power state, a VM), so what a panic can leave
/// is at worst one map updated and its neighbour not yet: a cache of the peers that the next
/// read or sync overwrites. Refusing instead would blind the monitor, the outage conductor
/// and every list for the rest of the daemon's life, during a power outage, for the sake of
/// one stale entry. The panic itself is in the log.
#[derive(Debug, Default)]
pub struct Live {
    ups: RwLock<HashMap<UpsId, UpsLive>>,
    servers: RwLock<HashMap<ServerId, ServerLive>>,
    /// When the read behind each server's recorded power began. Taken under the servers' lock,
    /// after it.
    power_read_began: Mutex<HashMap<ServerId, Instant>>,
    vms: RwLock<BTreeMap<VmId, Vm>>,
    /// VMs the hypervisor stopped reporting, and when: shown as gone, not dropped silently.
    gone_vms: RwLock<BTreeMap<VmId, (Vm, upstra_core::state::Timestamp)>>,
    /// The hypervisor hosts as last read, with their capacity (for the outage planner).
    hosts: RwLock<Vec<upstra_core::traits::HostInfo>>,
    /// Counts the changes of what a plan is made from (servers, VMs, hosts), bumped after
    /// each change is written: a plan made from the maps read after the count saw at least
    /// that count's changes (see [`Live::lab_changes`]).
    lab_changes: AtomicU64,
}

/// How long a VM the hypervisor stopped reporting stays listed as gone: long enough for the
/// next shift to see what disappeared overnight, bounded so that a lab whose VMs come and go
/// (test machines, clones) does not grow the daemon's memory for ever.
const GONE_VMS_KEPT_FOR: Duration = Duration::from_secs(7 * 24 * 3600);
/// Most VMs listed as gone at once, the latest kept: a bulk deletion never holds more.
const MAX_GONE_VMS: usize = 10_000;

/// Forgets gone VMs older than [`GONE_VMS_KEPT_FOR`], then the oldest past [`MAX_GONE_VMS`].
fn prune_gone(
    gone: &mut BTreeMap<VmId, (Vm, upstra_core::state::Timestamp)>,
    now: upstra_core::state::Timestamp,
) {
    let kept_ms = i64::try_from(GONE_VMS_KEPT_FOR.as_millis()).unwrap_or(i64::MAX);
    gone.retain(|_, (_, at)| now.0.saturating_sub(at.0) <= kept_ms);
    if gone.len() > MAX_GONE_VMS {
        let mut by_age: Vec<(i64, VmId)> = gone
            .iter()
            .map(|(id, (_, at))| (at.0, id.clone()))
            .collect();
        by_age.sort();
        for (_, id) in by_age.into_iter().take(gone.len() - MAX_GONE_VMS) {
            gone.remove(&id);
        }
    }
}

/// Reads under the lock, recovering a poisoned one (see [`Live`]).
fn read<T, R>(lock: &RwLock<T>, f: impl FnOnce(&T) -> R) -> R {
    f(&lock.read().unwrap_or_else(PoisonError::into_inner))
}

/// Writes under the lock, recovering a poisoned one (see [`Live`]).
fn write<T, R>(lock: &RwLock<T>, f: impl FnOnce(&mut T) -> R) -> R {
    f(&mut lock.write().unwrap_or_else(PoisonError::into_inner))
}

impl Live {
    /// Reads the UPS readings.
    pub fn ups<R>(&self, f: impl FnOnce(&HashMap<UpsId, UpsLive>) -> R) -> R {
        read(&self.ups, f)
    }

    /// Changes the UPS readings.
    pub fn ups_mut<R>(&self, f: impl FnOnce(&mut HashMap<UpsId, UpsLive>) -> R) -> R {
        write(&self.ups, f)
    }

    /// One UPS's last reading.
    pub fn ups_of(&self, id: &UpsId) -> Option<UpsLive> {
        self.ups(|ups| ups.get(id).cloned())
    }

    /// Reads the servers' power and health.
    pub fn servers<R>(&self, f: impl FnOnce(&HashMap<ServerId, ServerLive>) -> R) -> R {
        read(&self.servers, f)
    }

    /// Records a server's power as a read that began at `read_began` found it, and announces a
    /// change on `log`, unless a read that began later is recorded already: that reading came
    /// too late to count and is dropped.
    ///
    /// Reads of one BMC overlap: a sync reads every BMC while an outage step or an operator's
    /// action reads the one it acts on, and a sync's read can finish long after it began (a
    /// slow BMC, or others it waits on). Last-written-wins would let the sync's `On`, read
    /// before a shutdown, overwrite the `Off` the step verified after it, and every list and
    /// the next plan would see a server up that is down.
    pub fn record_power(
        &self,
        id: &ServerId,
        power: PowerState,
        read_began: Instant,
        log: &EventLog,
    ) {
        self.record_reading(id, read_began, log, |live| {
            std::mem::replace(&mut live.power, power)
        });
    }

    /// Records a BMC's whole answer (power, health, watts), under the same rule as
    /// [`Live::record_power`].
    pub fn record_bmc_status(
        &self,
        id: &ServerId,
        status: &BmcStatus,
        read_began: Instant,
        log: &EventLog,
    ) {
        self.record_reading(id, read_began, log, |live| {
            live.health = status.health;
            live.watts = status.watts;
            std::mem::replace(&mut live.power, status.power)
        });
    }

    /// `apply` writes the reading and returns the power it replaced.
    fn record_reading(
        &self,
        id: &ServerId,
        read_began: Instant,
        log: &EventLog,
        apply: impl FnOnce(&mut ServerLive) -> PowerState,
    ) {
        let changed = self.servers_mut(|servers| {
            let mut began = self
                .power_read_began
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            match began.get_mut(id) {
                Some(latest) if *latest > read_began => return None,
                Some(latest) => *latest = read_began,
                None => {
                    began.insert(id.clone(), read_began);
                }
            }
            let live = servers.entry(id.clone()).or_default();
            let before = apply(live);
            (before != live.power).then_some((before, live.power))
        });
        // Announced once the lock is released, as the hypervisor's changes are.
        if let Some((from, to)) = changed {
            log.push(DomainEvent::ServerPowerChanged {
                server: id.clone(),
                from,
                to,
            });
        }
    }

    /// Changes the servers' live state. Power goes through [`Live::record_power`] instead, which
    /// keeps a late reading from overwriting a newer one.
    pub fn servers_mut<R>(&self, f: impl FnOnce(&mut HashMap<ServerId, ServerLive>) -> R) -> R {
        let out = write(&self.servers, f);
        self.lab_changed();
        out
    }

    /// Reads the VMs the hypervisor reports.
    pub fn vms<R>(&self, f: impl FnOnce(&BTreeMap<VmId, Vm>) -> R) -> R {
        read(&self.vms, f)
    }

    /// Changes the VMs (tests and benchmarks fill them; the daemon through
    /// [`Live::apply_hypervisor`]).
    pub fn vms_mut<R>(&self, f: impl FnOnce(&mut BTreeMap<VmId, Vm>) -> R) -> R {
        let out = write(&self.vms, f);
        self.lab_changed();
        out
    }

    /// How many times the servers, VMs or hosts have changed. Read it before reading them:
    /// equal counts then mean that nothing a plan is made from changed in between, and a
    /// change that lands during the read makes the next count differ, so a plan kept by
    /// count is at worst made again, never kept past a change.
    pub fn lab_changes(&self) -> u64 {
        self.lab_changes.load(Ordering::Acquire)
    }

    /// Counted after the change is written, never before: a reader that saw the new count
    /// then reads the new maps.
    fn lab_changed(&self) {
        self.lab_changes.fetch_add(1, Ordering::Release);
    }

    /// Reads the VMs the hypervisor reports and those it stopped reporting, under one look.
    pub fn vms_and_gone<R>(
        &self,
        f: impl FnOnce(&BTreeMap<VmId, Vm>, &BTreeMap<VmId, (Vm, upstra_core::state::Timestamp)>) -> R,
    ) -> R {
        read(&self.vms, |vms| read(&self.gone_vms, |gone| f(vms, gone)))
    }

    /// The hypervisor hosts as last read.
    pub fn hosts(&self) -> Vec<upstra_core::traits::HostInfo> {
        read(&self.hosts, Clone::clone)
    }

    /// Records a hypervisor read: host state onto the servers, VM changes as events.
    pub fn apply_hypervisor(
        &self,
        inventory: &upstra_core::model::Inventory,
        inv: upstra_core::traits::HypervisorInventory,
        log: &EventLog,
    ) {
        write(&self.hosts, |hosts| hosts.clone_from(&inv.hosts));
        self.servers_mut(|servers| {
            for host in &inv.hosts {
                if let Some(server) = inventory
                    .servers
                    .values()
                    .find(|s| s.vsphere_host.as_deref() == Some(&host.name))
                {
                    let live = servers.entry(server.id.clone()).or_default();
                    live.in_maintenance = Some(host.in_maintenance);
                    live.connected = Some(host.connected);
                }
            }
        });
        let mut events = Vec::new();
        write(&self.vms, |vms| {
            write(&self.gone_vms, |gone| {
                let seen: std::collections::BTreeSet<_> =
                    inv.vms.iter().map(|v| v.id.clone()).collect();
                for vm in &inv.vms {
                    match vms.get(&vm.id) {
                        Some(old) if old.power != vm.power => {
                            events.push(DomainEvent::VmPowerChanged {
                                vm: vm.id.clone(),
                                name: vm.name.clone(),
                                from: old.power.into(),
                                to: vm.power.into(),
                            })
                        }
                        Some(old) if old.host != vm.host => events.push(DomainEvent::VmMoved {
                            vm: vm.id.clone(),
                            name: vm.name.clone(),
                            from: old.host.clone(),
                            to: vm.host.clone(),
                        }),
                        _ => {}
                    }
                    gone.remove(&vm.id);
                    vms.insert(vm.id.clone(), vm.clone());
                }
                let now = clock::now();
                vms.retain(|id, vm| {
                    let keep = seen.contains(id);
                    if !keep {
                        events.push(DomainEvent::VmGone {
                            vm: id.clone(),
                            name: vm.name.clone(),
                        });
                        gone.insert(id.clone(), (vm.clone(), now));
                    }
                    keep
                });
                prune_gone(gone, now);
            })
        });
        self.lab_changed();
        for e in events {
            log.push(e);
        }
    }
}

/// A page read from the log.
#[derive(Debug)]
pub struct Page {
    pub events: Vec<EventRecord>,
    pub next_cursor: u64,
    pub gap: bool,
}

/// The event log: the newest events in memory for readers, every event also written to the
/// store (in order, without blocking the caller), where the Redis outbox reads it.
#[derive(Debug)]
pub struct EventLog {
    ring: Mutex<VecDeque<EventRecord>>,
    last_seq: watch::Sender<u64>,
    store: Option<crate::store::Store>,
}

impl Default for EventLog {
    fn default() -> Self {
        Self {
            ring: Mutex::new(VecDeque::new()),
            last_seq: watch::Sender::new(0),
            store: None,
        }
    }
}

impl EventLog {
    /// A log that continues the store's: `recent` are its newest events, `last_seq` the
    /// newest sequence number it holds.
    pub fn persistent(store: crate::store::Store, recent: Vec<EventRecord>, last_seq: u64) -> Self {
        let last_seq = recent.last().map_or(last_seq, |e| e.seq.max(last_seq));
        Self {
            ring: Mutex::new(recent.into()),
            last_seq: watch::Sender::new(last_seq),
            store: Some(store),
        }
    }

    /// The newest sequence number handed out.
    pub fn last_seq(&self) -> u64 {
        *self.last_seq.borrow()
    }

    /// Waits until an event after `seq` exists (or `stop` fires).
    pub async fn wait_after(&self, seq: u64, stop: &tokio_util::sync::CancellationToken) {
        let mut rx = self.last_seq.subscribe();
        tokio::select! {
            r = rx.wait_for(|last| *last > seq) => { let _ = r; }
            () = stop.cancelled() => {}
        }
    }

    /// Appends an event and wakes the readers.
    pub fn push(&self, event: DomainEvent) -> u64 {
        tracing::info!(kind = event.kind(), ?event, "event");
        let mut ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        // The watch holds the last number handed out, also when the ring is empty after a
        // restart: numbers never repeat.
        let seq = ring
            .back()
            .map_or(0, |e| e.seq)
            .max(*self.last_seq.borrow())
            + 1;
        let record = EventRecord {
            seq,
            at: clock::now(),
            event,
        };
        if let Some(store) = &self.store {
            let copy = record.clone();
            store.send("event log", move |db| db.append_events(&[copy]));
        }
        ring.push_back(record);
        if ring.len() > EVENT_RING {
            ring.pop_front();
        }
        self.last_seq.send_replace(seq);
        drop(ring);
        seq
    }

    fn after(&self, cursor: u64, max: usize) -> Page {
        let ring = self.ring.lock().unwrap_or_else(PoisonError::into_inner);
        let first = ring.front().map_or(cursor + 1, |e| e.seq);
        let events: Vec<EventRecord> = ring
            .iter()
            .filter(|e| e.seq > cursor)
            .take(max)
            .cloned()
            .collect();
        let next_cursor = events.last().map_or(cursor, |e| e.seq);
        Page {
            gap: cursor + 1 < first && !events.is_empty(),
            events,
            next_cursor,
        }
    }

    /// Events after `cursor`, waiting up to `max_wait` for one, or until `stop` fires.
    pub async fn since(
        &self,
        cursor: u64,
        max_wait: Duration,
        stop: &tokio_util::sync::CancellationToken,
    ) -> Page {
        let mut rx = self.last_seq.subscribe();
        let page = self.after(cursor, 1000);
        if !page.events.is_empty() {
            return page;
        }
        let wait = async {
            loop {
                if rx.changed().await.is_err() || *rx.borrow_and_update() > cursor {
                    break;
                }
            }
        };
        tokio::select! {
            () = wait => {}
            () = tokio::time::sleep(max_wait) => {}
            () = stop.cancelled() => {}
        }
        self.after(cursor, 1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio_util::sync::CancellationToken;
    use upstra_core::ids::UserName;

    fn ev() -> DomainEvent {
        DomainEvent::UserLoggedIn {
            user: UserName::new("a").expect("name"),
        }
    }

    fn gone_at(n: usize, at_ms: i64) -> (VmId, (Vm, upstra_core::state::Timestamp)) {
        let id = VmId::new(format!("vm-{n}")).expect("id");
        let vm = Vm {
            id: id.clone(),
            name: format!("vm {n}"),
            host: None,
            power: upstra_core::model::VmPower::PoweredOff,
            cpus: 1,
            memory_mib: 512,
        };
        (id, (vm, upstra_core::state::Timestamp(at_ms)))
    }

    #[test]
    fn gone_vms_are_forgotten_after_a_week_and_past_the_bound_oldest_first() {
        let week = i64::try_from(GONE_VMS_KEPT_FOR.as_millis()).expect("fits");
        let now = upstra_core::state::Timestamp(10 * week);
        let mut gone: BTreeMap<_, _> = [
            gone_at(1, now.0 - week - 1), // older than a week: forgotten
            gone_at(2, now.0 - week),     // exactly a week: kept
            gone_at(3, now.0),
        ]
        .into_iter()
        .collect();
        prune_gone(&mut gone, now);
        let left: Vec<_> = gone.keys().map(VmId::as_str).collect();
        assert_eq!(left, ["vm-2", "vm-3"]);

        // A bulk deletion past the bound keeps the latest.
        let mut gone: BTreeMap<_, _> = (0..MAX_GONE_VMS + 5)
            .map(|n| {
                gone_at(
                    n,
                    now.0 - i64::try_from(MAX_GONE_VMS + 5 - n).expect("fits"),
                )
            })
            .collect();
        prune_gone(&mut gone, now);
        assert_eq!(gone.len(), MAX_GONE_VMS);
        assert!(
            !gone.contains_key(&VmId::new("vm-4").expect("id")),
            "the oldest went"
        );
        assert!(gone.contains_key(&VmId::new("vm-5").expect("id")));
    }

    #[test]
    fn a_writer_that_panicked_leaves_the_state_readable_and_writable() {
        let live = std::sync::Arc::new(Live::default());
        let id = UpsId::new("ups-a").expect("id");
        live.ups_mut(|m| m.insert(id.clone(), UpsLive::default()));
        let panicked = {
            let live = live.clone();
            std::thread::spawn(move || {
                live.ups_mut(|m| {
                    m.clear();
                    panic!("a writer fails half-way");
                })
            })
            .join()
        };
        assert!(panicked.is_err(), "the writer panicked under the lock");
        // Recovered, not refused: the map is what the writer left, and still usable.
        assert_eq!(live.ups(HashMap::len), 0);
        live.ups_mut(|m| m.insert(id.clone(), UpsLive::default()));
        assert!(live.ups_of(&id).is_some());
    }

    #[tokio::test]
    async fn readers_resume_after_their_cursor() {
        let log = EventLog::default();
        log.push(ev());
        log.push(ev());
        let stop = CancellationToken::new();
        let page = log.since(1, Duration::ZERO, &stop).await;
        assert_eq!(page.events.len(), 1);
        assert_eq!(page.next_cursor, 2);
        assert!(!page.gap);
    }

    #[tokio::test]
    async fn a_waiting_reader_wakes_on_push() {
        let log = std::sync::Arc::new(EventLog::default());
        let stop = CancellationToken::new();
        let reader = {
            let log = log.clone();
            let stop = stop.clone();
            tokio::spawn(async move { log.since(0, Duration::from_secs(30), &stop).await })
        };
        log.push(ev());
        let page = tokio::time::timeout(Duration::from_secs(10), reader)
            .await
            .expect("woke before the deadline")
            .expect("task ran");
        assert_eq!(page.events.len(), 1);
    }
}
