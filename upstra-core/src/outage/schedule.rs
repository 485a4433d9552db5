//! The timeline a plan predicts: when each step starts and ends if every step takes its
//! estimate, given that steps wait for their dependencies, that a host takes part in at
//! most `migrations_per_host` live migrations at once, and that the power-on commands of one
//! room go out a stagger apart. The critical path is the longest chain
//! of dependencies, which no amount of parallelism can shorten.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};

use serde::{Deserialize, Serialize};

use crate::ids::RoomId;

use super::plan::{Step, StepId};

/// Predicted start and end of every step, in seconds from the start of the run.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Schedule {
    pub start_s: Vec<u64>,
    pub end_s: Vec<u64>,
    /// When the last step ends.
    pub makespan_s: u64,
    /// The longest chain of dependencies, first step first.
    pub critical_path: Vec<StepId>,
    /// Its length: the shortest the plan could ever take.
    pub critical_path_s: u64,
}

/// The longest chain through `steps` when step `i` takes `durations[i]`. Steps must be in
/// dependency order (every dependency before its dependant), as a [`super::Plan`] is.
pub fn critical_path(steps: &[Step], durations: &[u64]) -> (Vec<StepId>, u64) {
    let mut finish = vec![0u64; steps.len()];
    let mut via: Vec<Option<usize>> = vec![None; steps.len()];
    for (i, step) in steps.iter().enumerate() {
        let mut begin = 0;
        for dep in &step.deps {
            let d = dep.step.index();
            if d < i && finish[d] >= begin {
                begin = finish[d];
                via[i] = Some(d);
            }
        }
        finish[i] = begin + durations.get(i).copied().unwrap_or(0);
    }
    let Some((mut last, &length)) = finish
        .iter()
        .enumerate()
        .max_by_key(|(i, f)| (**f, Reverse(*i)))
    else {
        return (Vec::new(), 0);
    };
    let mut path = vec![steps[last].id];
    while let Some(prev) = via[last] {
        path.push(steps[prev].id);
        last = prev;
    }
    path.reverse();
    (path, length)
}

/// The simulation's moving parts.
struct Sim<'a> {
    steps: &'a [Step],
    limit: u32,
    start: Vec<u64>,
    end: Vec<u64>,
    /// Free migration slots per host (absent: all free).
    slots: HashMap<&'a str, u32>,
    /// Migrations waiting for a slot, by host.
    queued: HashMap<&'a str, BTreeSet<usize>>,
    /// The earliest a room's next power-on command may go out (its stagger after the last).
    next_power_on: HashMap<&'a RoomId, u64>,
    finishing: BinaryHeap<Reverse<(u64, usize)>>,
}

impl<'a> Sim<'a> {
    fn free(&self, host: &str) -> u32 {
        self.slots.get(host).copied().unwrap_or(self.limit)
    }

    /// Starts step `i` at `now`, or queues it when a host it migrates between is full.
    fn start_or_queue(&mut self, i: usize, now: u64) {
        if !self.try_start(i, now)
            && let Some(hosts) = self.steps[i].action.migration_hosts()
        {
            for h in hosts {
                self.queued.entry(h).or_default().insert(i);
            }
        }
    }

    fn try_start(&mut self, i: usize, now: u64) -> bool {
        let steps = self.steps;
        if let Some(hosts) = steps[i].action.migration_hosts() {
            if hosts.iter().any(|h| self.free(h) == 0) {
                return false;
            }
            for h in hosts {
                let limit = self.limit;
                let s = self.slots.entry(h).or_insert(limit);
                *s = s.saturating_sub(1);
            }
        }
        let mut start = now;
        if let Some((room, stagger_s)) = steps[i].action.power_on_stagger() {
            let next = self.next_power_on.entry(room).or_insert(0);
            start = start.max(*next);
            *next = start + stagger_s;
        }
        self.start[i] = start;
        self.end[i] = start + steps[i].estimate_s;
        self.finishing.push(Reverse((self.end[i], i)));
        true
    }

    /// Step `i` ended at `now`: give its slots back and start what waited for them.
    fn release(&mut self, i: usize, now: u64) {
        let steps = self.steps;
        let Some(hosts) = steps[i].action.migration_hosts() else {
            return;
        };
        for h in hosts {
            let limit = self.limit;
            *self.slots.entry(h).or_insert(limit) += 1;
        }
        for h in hosts {
            let candidates: Vec<usize> = self
                .queued
                .get(h)
                .map(|q| q.iter().copied().collect())
                .unwrap_or_default();
            for c in candidates {
                if self.free(h) == 0 {
                    break;
                }
                if self.try_start(c, now)
                    && let Some(pair) = steps[c].action.migration_hosts()
                {
                    for other in pair {
                        if let Some(q) = self.queued.get_mut(other) {
                            q.remove(&c);
                        }
                    }
                }
            }
        }
    }
}

/// Simulates the run: dependencies first, migration slots per host, everything else in
/// parallel. Among steps waiting for slots, lower ids (the planner puts important VMs first)
/// start first.
pub fn schedule(steps: &[Step], migrations_per_host: u32) -> Schedule {
    let n = steps.len();
    let mut dependants: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut waiting_on: Vec<usize> = vec![0; n];
    for (i, step) in steps.iter().enumerate() {
        for dep in &step.deps {
            let d = dep.step.index();
            if d < n {
                dependants[d].push(i);
                waiting_on[i] += 1;
            }
        }
    }
    let mut sim = Sim {
        steps,
        limit: migrations_per_host.max(1),
        start: vec![0; n],
        end: vec![0; n],
        slots: HashMap::new(),
        queued: HashMap::new(),
        next_power_on: HashMap::new(),
        finishing: BinaryHeap::new(),
    };
    let roots: Vec<usize> = (0..n).filter(|&i| waiting_on[i] == 0).collect();
    for i in roots {
        sim.start_or_queue(i, 0);
    }
    while let Some(Reverse((now, i))) = sim.finishing.pop() {
        sim.release(i, now);
        for &d in &dependants[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                sim.start_or_queue(d, now);
            }
        }
    }
    let durations: Vec<u64> = steps.iter().map(|s| s.estimate_s).collect();
    let (critical_path, critical_path_s) = critical_path(steps, &durations);
    Schedule {
        makespan_s: sim.end.iter().copied().max().unwrap_or(0),
        start_s: sim.start,
        end_s: sim.end,
        critical_path,
        critical_path_s,
    }
}
