//! The planner's view of the lab, the step estimates learned from earlier runs, and the
//! operators' view of runs.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use upstra_core::api::v1::{PlanView, RunView, StepCounts};
use upstra_core::ids::UpsId;
use upstra_core::model::Inventory;
use upstra_core::outage::{FeedHealth, LabState, StepEstimates};
use upstra_core::state::{Timestamp, UpsLive};

use crate::clock;
use crate::live::Live;
use crate::shared::Shared;
use crate::store::{LearnedDurations, RunRecord};

/// Deadline for the fresh hypervisor read a plan is made from.
const READ_DEADLINE: Duration = Duration::from_secs(20);

/// Each declared UPS as the planner sees it: `at_risk` ones lose power; one on battery,
/// silent or not read yet is no safe target; the rest are healthy.
pub fn feeds(shared: &Shared, at_risk: &BTreeSet<UpsId>) -> BTreeMap<UpsId, FeedHealth> {
    let inventory = shared.inventory();
    let live = shared.live.ups(Clone::clone);
    inventory
        .ups
        .keys()
        .map(|id| {
            let health = if at_risk.contains(id) {
                FeedHealth::AtRisk
            } else {
                match live.get(id) {
                    Some(UpsLive::Reading { reading, .. }) if !reading.on_battery() => {
                        FeedHealth::Healthy
                    }
                    _ => FeedHealth::Degraded,
                }
            };
            (id.clone(), health)
        })
        .collect()
}

/// The lab for planning. With `fresh`, the hypervisor is read now (and the live state
/// updated); otherwise the last read is used, as the runtime trigger does on every poll.
/// Returns why the read failed, if it did: the plan is then made from the last read.
pub async fn lab_state(
    shared: &Shared,
    at_risk: &BTreeSet<UpsId>,
    fresh: bool,
) -> (LabState, Option<String>) {
    let mut problem = None;
    if fresh {
        let inventory = shared.inventory();
        match shared.drivers.hypervisor(&inventory) {
            Ok(Some(hv)) => match tokio::time::timeout(READ_DEADLINE, hv.inventory()).await {
                Ok(Ok(inv)) => shared
                    .live
                    .apply_hypervisor(&inventory, inv, &shared.events),
                Ok(Err(e)) => problem = Some(format!("vCenter: {e}")),
                Err(_) => {
                    problem = Some(format!(
                        "vCenter did not answer within {} s",
                        READ_DEADLINE.as_secs()
                    ))
                }
            },
            Ok(None) => {}
            Err(e) => problem = Some(e),
        }
    }
    (snapshot(&shared.live, feeds(shared, at_risk)), problem)
}

/// The lab as last read, with `feeds` for the UPS.
fn snapshot(live: &Live, feeds: BTreeMap<UpsId, FeedHealth>) -> LabState {
    LabState {
        feeds,
        servers: live.servers(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        hosts: live.hosts(),
        vms: live.vms(|m| m.values().cloned().collect()),
    }
}

/// Everything a plan made from the last read depends on. Equal inputs make the same plan, so
/// the runtime trigger, which wants the plan at every reading of a UPS on battery, makes it
/// again only when one of them changed: at 1,000 servers and 10,000 VMs a plan takes tens of
/// milliseconds of the conductor's loop, and a reading comes every second per UPS.
#[derive(Debug)]
pub struct PlanInputs {
    /// The declarations, compared by identity: an apply replaces them whole.
    pub inventory: Arc<Inventory>,
    /// [`Live::lab_changes`], read before anything else.
    lab_changes: u64,
    /// Each declared UPS's health, the ones at risk marked so: the UPS at risk themselves
    /// are in it.
    feeds: BTreeMap<UpsId, FeedHealth>,
    pub estimates: StepEstimates,
}

impl PartialEq for PlanInputs {
    fn eq(&self, other: &Self) -> bool {
        self.lab_changes == other.lab_changes
            && Arc::ptr_eq(&self.inventory, &other.inventory)
            && self.feeds == other.feeds
            && self.estimates == other.estimates
    }
}

impl PlanInputs {
    /// The inputs as they stand, for a plan where `at_risk` lose power.
    pub async fn now(shared: &Shared, at_risk: &BTreeSet<UpsId>) -> Self {
        // First: a change after this count makes the next inputs differ.
        let lab_changes = shared.live.lab_changes();
        let inventory = shared.inventory();
        let feeds = feeds(shared, at_risk);
        let estimates = estimates(shared).await;
        Self {
            inventory,
            lab_changes,
            feeds,
            estimates,
        }
    }

    /// The lab to plan from: read after the inputs, so at least as new as they say.
    pub fn lab_state(&self, shared: &Shared) -> LabState {
        snapshot(&shared.live, self.feeds.clone())
    }
}

/// The configured estimates, replaced by what earlier runs measured where they did real work
/// (see `upstra_core::outage::learned`).
pub async fn estimates(shared: &Shared) -> StepEstimates {
    let mut e = shared.inventory().plan_settings().estimates;
    // Only the journal says what was learned, whatever a declaration carried.
    e.learned.clear();
    e.learned_targets.clear();
    let learned = shared
        .store
        .call(|db| db.learned_durations())
        .await
        .unwrap_or_else(|err| {
            tracing::warn!(error = %err, "cannot read learned step durations; using the configured ones");
            LearnedDurations::default()
        });
    for (kind, samples_ms) in &learned.by_kind {
        e.learn(kind, samples_ms);
    }
    for ((kind, target), samples_ms) in &learned.by_target {
        e.learn_target(kind, target, samples_ms);
    }
    e
}

/// The battery runtime a UPS reports now.
pub fn runtime_of(live: &Live, ups: &UpsId) -> Option<u64> {
    match live.ups_of(ups)? {
        UpsLive::Reading { reading, .. } => reading.runtime_s,
        _ => None,
    }
}

/// A run as operators see it: its plan with each step's state, counts and timings.
pub fn run_view(shared: &Shared, run: &RunRecord) -> RunView {
    let runtime = run
        .info
        .ups
        .first()
        .and_then(|u| runtime_of(&shared.live, u));
    let mut plan = PlanView::new(
        &run.plan,
        run.info.ups.iter().map(ToString::to_string).collect(),
        runtime,
    );
    let now = clock::now();
    let mut counts = StepCounts::default();
    for (view, record) in plan.steps.iter_mut().zip(&run.steps) {
        counts.add(record.state);
        view.state = Some(record.state.into());
        view.attempts = record.attempts;
        view.outcome.clone_from(&record.outcome);
        view.took_ms = record.started_at.map(|s| {
            let end = record.ended_at.unwrap_or(now);
            u64::try_from(end.millis() - s.millis()).unwrap_or(0)
        });
        view.started_s = record.started_at.map(|at| seconds_into(run.started_at, at));
        view.ended_s = record.ended_at.map(|at| seconds_into(run.started_at, at));
    }
    RunView {
        id: run.id,
        state: run.state.on_the_wire(),
        reason: run.info.reason.clone(),
        by: run.info.by.clone(),
        stopped: run.info.stopped.clone(),
        started_at: run.started_at,
        ended_at: run.ended_at,
        counts,
        plan,
        undoes: run.info.undoes.clone(),
        restored: run.info.restored,
        continues_after_power_returns: run.info.continues_after_power_returns,
        power_race: run.info.power_race.clone(),
    }
}

/// Whole seconds from a run's start to `at`, rounded down (a step that started with the run is
/// at 0); a clock that stepped back gives 0 rather than a step before its run.
fn seconds_into(run_started: Timestamp, at: Timestamp) -> u64 {
    u64::try_from(at.millis().saturating_sub(run_started.millis())).unwrap_or(0) / 1000
}

#[cfg(test)]
mod tests {
    use super::seconds_into;
    use upstra_core::state::Timestamp;

    #[test]
    fn step_times_count_from_the_run_start() {
        let start = Timestamp(1_795_600_000_000);
        assert_eq!(seconds_into(start, start), 0);
        assert_eq!(seconds_into(start, Timestamp(1_795_600_095_900)), 95);
        assert_eq!(seconds_into(start, Timestamp(1_795_599_999_000)), 0);
    }
}
