//! What the dashboard knows beyond the lists and the plan status every view shares: each
//! UPS's last hour (`ups_history`, which the console could not have seen when it opened in
//! the middle of an outage) and the last significant events with their times.

use std::collections::{BTreeMap, VecDeque};

use upstra_core::api::v1::{StepStatus, UpsHistory, VmPowerState, WatchState, WatchView};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::state::Timestamp;

use super::{Inventory, PlanScreen};
use crate::console::message::Message;

/// Events the dashboard lists at most: more than a 200×50 screen shows, and a few hundred
/// bytes each, so the console's memory stays flat through an outage of any length.
pub const RECENT_EVENTS: usize = 64;

/// The dashboard's own state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dashboard {
    /// Each UPS's last hour, by name, as last fetched.
    pub history: BTreeMap<String, UpsHistory>,
    pub fetching: bool,
    /// Ticks since the history was last asked for: it is asked again every sample span.
    pub ticks_since_fetch: u32,
    /// The newest significant events, oldest first.
    pub events: VecDeque<EventRecord>,
    /// Why the history could not be read.
    pub problem: Option<Message>,
}

impl Dashboard {
    /// Keeps the events an operator follows an outage by (trigger, steps, failures, restore,
    /// mains and comms), not the battery readings the gauges already show.
    pub fn record(&mut self, records: &[EventRecord]) {
        for record in records.iter().filter(|r| significant(&r.event)) {
            if self.events.len() == RECENT_EVENTS {
                self.events.pop_front();
            }
            self.events.push_back(record.clone());
        }
    }
}

/// Whether an event belongs in the dashboard's list. A shed of a few dozen VMs moves each
/// of them and ends a step for each: listed one by one they would push the trigger off an
/// 80×24 screen within a second. The run's start and end carry the counts, the steps that
/// did not succeed are listed, and the plan view shows every step.
pub fn significant(event: &DomainEvent) -> bool {
    use DomainEvent as E;
    match event {
        E::Remote { event, .. } => significant(event),
        E::StepEnded { state, .. } => *state != StepStatus::Done,
        E::UpsBatteryChanged { .. }
        | E::UserLoggedIn { .. }
        | E::UserLoggedOut { .. }
        | E::UserConnected { .. }
        | E::UserDisconnected { .. }
        | E::StepStarted { .. }
        | E::VmPowerChanged { .. }
        | E::VmMoved { .. }
        | E::VmGone { .. }
        | E::ServerPowerChanged { .. } => false,
        _ => true,
    }
}

/// Servers and VMs of one room, by power state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Fleet {
    pub on: usize,
    pub off: usize,
    /// Neither on nor off: unknown, or powering on or off.
    pub other: usize,
    pub vms_running: usize,
    pub vms: usize,
}

impl Fleet {
    fn add(&mut self, other: Fleet) {
        self.on += other.on;
        self.off += other.off;
        self.other += other.other;
        self.vms_running += other.vms_running;
        self.vms += other.vms;
    }
}

/// The fleet per room (rooms in name order), then the whole lab.
pub fn fleet(inventory: &Inventory) -> (Vec<(String, Fleet)>, Fleet) {
    use upstra_core::state::PowerState as P;
    let mut rooms: BTreeMap<String, Fleet> = inventory
        .rooms
        .keys()
        .map(|r| (r.clone(), Fleet::default()))
        .collect();
    for server in inventory.servers.values() {
        let f = rooms.entry(server.room.clone()).or_default();
        match server.power {
            P::On => f.on += 1,
            P::Off => f.off += 1,
            P::PoweringOn | P::PoweringOff | P::Unknown => f.other += 1,
        }
    }
    for vm in inventory.vms.values() {
        let room = vm
            .server
            .as_deref()
            .and_then(|s| inventory.servers.get(s))
            .map(|s| s.room.clone());
        // A VM on a host that is not declared counts in the total only.
        let Some(room) = room else { continue };
        let f = rooms.entry(room).or_default();
        f.vms += 1;
        if vm.power == VmPowerState::On {
            f.vms_running += 1;
        }
    }
    let mut total = Fleet::default();
    for f in rooms.values() {
        total.add(*f);
    }
    let unplaced = inventory.vms.values().filter(|v| {
        v.server
            .as_deref()
            .is_none_or(|s| !inventory.servers.contains_key(s))
    });
    for vm in unplaced {
        total.vms += 1;
        if vm.power == VmPowerState::On {
            total.vms_running += 1;
        }
    }
    (rooms.into_iter().collect(), total)
}

/// What a restore waits for, worked out for the screen from a watch's `restore_wait`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreCountdown {
    pub ups: String,
    /// Seconds until the restore starts, by the daemon's end and the last tick's clock;
    /// `None` while that cannot be known.
    pub left_s: Option<u64>,
    /// Mains stable so far, and how long it must be, while that is still awaited.
    pub stable: Option<(u64, u64)>,
    /// The charge now, and the charge needed, while it is still too low.
    pub charge: Option<(u8, u8)>,
    /// Only an operator's restore undoes this shed.
    pub needs_operator: bool,
    /// The UPS is on mains again (a shed by hand on battery waits for an operator too, but
    /// mains is not back).
    pub mains_back: bool,
}

impl PlanScreen {
    /// The restores being waited for, one per UPS whose watch says what it waits for.
    pub fn restore_countdowns(&self) -> Vec<RestoreCountdown> {
        let Some(status) = &self.status else {
            return Vec::new();
        };
        status
            .watches
            .iter()
            .filter_map(|w| countdown(w, self.now, self.status_age))
            .collect()
    }

    /// Whether a restore counts down to a known start, so the screen changes every second.
    pub fn restore_counting_down(&self) -> bool {
        self.restore_countdowns()
            .iter()
            .any(|c| c.left_s.is_some_and(|l| l > 0))
    }
}

fn countdown(watch: &WatchView, now: Option<Timestamp>, age: u32) -> Option<RestoreCountdown> {
    let wait = watch.restore_wait.as_ref()?;
    // By the daemon's end and the tick's clock, as grace periods count; before a tick,
    // from the status's age.
    let left_s = wait.restore_at.map(|at| match now {
        Some(now) => u64::try_from(at.millis().saturating_sub(now.millis()))
            .unwrap_or(0)
            .div_ceil(1000),
        None => wait
            .stable_needed_s
            .saturating_sub(wait.stable_s)
            .saturating_sub(u64::from(age)),
    });
    // While the start is known, mains has been stable for what the countdown has not left.
    let stable_now = match left_s {
        Some(left) => wait.stable_needed_s.saturating_sub(left).max(wait.stable_s),
        None => wait.stable_s,
    }
    .min(wait.stable_needed_s);
    let stable = (stable_now < wait.stable_needed_s).then_some((stable_now, wait.stable_needed_s));
    let charge = match (wait.charge_pct, wait.charge_needed_pct) {
        (Some(now), Some(needed)) if now < needed => Some((now, needed)),
        _ => None,
    };
    Some(RestoreCountdown {
        ups: watch.ups.clone(),
        left_s: if wait.needs_operator { None } else { left_s },
        stable: if wait.needs_operator { None } else { stable },
        charge: if wait.needs_operator { None } else { charge },
        needs_operator: wait.needs_operator,
        mains_back: !matches!(
            watch.phase,
            WatchState::OnBattery | WatchState::Triggered | WatchState::SelfTest
        ),
    })
}
