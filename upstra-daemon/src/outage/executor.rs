//! Runs a plan: every step whose dependencies have ended starts at once, within the limits
//! (live migrations per host, steps in flight), so independent work runs in parallel. A
//! failed step does not stop the steps that do not need it. Told to stop (cancel, or mains
//! back), it starts nothing new, lets the steps in flight finish, and skips the rest.
//!
//! Steps found started or dispatched when a run is resumed after a restart were in flight
//! when the daemon stopped: they are carried on first, even in a stopping run.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;
use upstra_core::events::DomainEvent;
use upstra_core::outage::{PlanKind, StepAction, StepState};

use super::stagger::PowerOnGate;
use super::steps::{HypervisorReader, StepRun};
use crate::clock;
use crate::shared::Shared;
use crate::store::audit_detail_outage as audit_detail;
use crate::store::{AuditEntry, RunRecord, RunState};

/// Steps in flight at once, whatever the plan allows: enough for any lab, few enough that a
/// big plan does not open hundreds of connections to one vCenter.
const MAX_IN_FLIGHT: usize = 32;

/// Tells a running plan to start nothing new, and why.
#[derive(Default)]
pub struct Stop {
    token: CancellationToken,
    why: Mutex<Option<(RunState, String)>>,
}

impl Stop {
    /// Stops a run: `state` is what it ends as (`Cancelled` or `Halted`).
    pub fn stop(&self, state: RunState, why: String) {
        let mut slot = self
            .why
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if slot.is_none() {
            *slot = Some((state, why));
        }
        drop(slot);
        self.token.cancel();
    }

    fn reason(&self) -> Option<(RunState, String)> {
        self.why
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    pub fn is_stopped(&self) -> bool {
        self.token.is_cancelled()
    }
}

/// Runs `run` to its end, journaling as it goes, and reports the end to the conductor.
pub async fn execute(shared: Arc<Shared>, run: RunRecord, stop: Arc<Stop>) {
    let id = run.id;
    let kind = run.kind;
    let steps = run.plan.steps.clone();
    let limit = run.plan.migrations_per_host.max(1);
    let mut state: Vec<StepState> = run.steps.iter().map(|r| r.state).collect();
    let mut records = run.steps.clone();
    let reader = Arc::new(HypervisorReader::default());
    let gate = Arc::new(PowerOnGate::default());
    let mut busy: HashMap<String, u32> = HashMap::new();
    let mut flying: JoinSet<(StepState, String)> = JoinSet::new();
    let mut task_step: HashMap<tokio::task::Id, usize> = HashMap::new();

    let launch = |i: usize,
                  records: &mut Vec<crate::store::StepRecord>,
                  flying: &mut JoinSet<(StepState, String)>,
                  task_step: &mut HashMap<tokio::task::Id, usize>| {
        let (shared, reader, gate, step, record) = (
            shared.clone(),
            reader.clone(),
            gate.clone(),
            steps[i].clone(),
            records[i].clone(),
        );
        shared.events.push(DomainEvent::StepStarted {
            run: id,
            step: step.id.0 + 1,
            action: step.action.to_string(),
        });
        records[i].state = StepState::Started;
        let handle = flying.spawn(async move {
            let started = std::time::Instant::now();
            let ended = StepRun {
                shared: &shared,
                run: id,
                step: &step,
                record,
                reader: &reader,
                gate: &gate,
            }
            .perform()
            .await;
            // Resumed after a restart, a step is timed from the resumption.
            shared
                .metrics
                .step_ended(step.action.kind(), ended.0.as_str(), started.elapsed());
            ended
        });
        task_step.insert(handle.id(), i);
    };

    // What was in flight when the daemon stopped goes on first.
    for i in 0..steps.len() {
        if matches!(state[i], StepState::Started | StepState::Dispatched) {
            take_slots(&steps[i].action, &mut busy);
            launch(i, &mut records, &mut flying, &mut task_step);
        }
    }
    loop {
        if !stop.is_stopped() {
            // Skip what can no longer run; start what may.
            for i in 0..steps.len() {
                if state[i] != StepState::Pending || records[i].state != StepState::Pending {
                    continue;
                }
                let deps = &steps[i].deps;
                if !deps.iter().all(|d| state[d.step.index()].is_final()) {
                    continue;
                }
                if let Some(d) = deps
                    .iter()
                    .find(|d| d.needs && state[d.step.index()] != StepState::Done)
                {
                    let why = format!(
                        "skipped: step {} ({}) did not succeed",
                        d.step,
                        steps[d.step.index()].action
                    );
                    state[i] = StepState::Skipped;
                    end_step(&shared, id, &steps[i], StepState::Skipped, why).await;
                    continue;
                }
                if flying.len() >= MAX_IN_FLIGHT || !slots_free(&steps[i].action, &busy, limit) {
                    continue;
                }
                take_slots(&steps[i].action, &mut busy);
                launch(i, &mut records, &mut flying, &mut task_step);
            }
        }
        if flying.is_empty() {
            break;
        }
        tokio::select! {
            Some(done) = flying.join_next_with_id() => {
                let (task, (ended, outcome)) = match done {
                    Ok((task, result)) => (task, result),
                    Err(e) => (e.id(), (StepState::Failed, format!("internal error: {e}"))),
                };
                let Some(i) = task_step.remove(&task) else { continue };
                give_slots(&steps[i].action, &mut busy);
                state[i] = ended;
                records[i].state = ended;
                end_step(&shared, id, &steps[i], ended, outcome).await;
            }
            () = stop.token.cancelled(), if !stop.is_stopped() => {}
        }
        // The cancelled branch only wakes the loop: the next round starts nothing.
    }

    // Before the run ends: whoever sees it ended also sees what it put back.
    if kind == PlanKind::Restore {
        super::verify::settle(&shared, id, stop.reason().map(|(s, _)| s)).await;
    }
    let (final_state, why) = match stop.reason() {
        Some((s, why)) => (s, Some(why)),
        None => (RunState::Finished, None),
    };
    let now = clock::now();
    let skip_why = why
        .as_deref()
        .map_or("skipped".to_owned(), |w| format!("skipped: {w}"));
    let result = shared
        .store
        .call(move |db| {
            db.skip_pending(id, &skip_why, now)?;
            let mut info = db.run(id)?.map(|r| r.info).unwrap_or_default();
            info.stopped = why;
            db.set_run_state(id, final_state, &info, Some(now))?;
            let run = db.run(id)?;
            if let Some(run) = &run {
                audit_end(db, run, now)?;
            }
            Ok(run)
        })
        .await;
    match result {
        Ok(Some(run)) => {
            shared
                .metrics
                .run_ended(run.kind.as_str(), run.state.as_str());
            let count = |s: StepState| {
                u32::try_from(run.steps.iter().filter(|r| r.state == s).count()).unwrap_or(0)
            };
            shared.events.push(DomainEvent::RunEnded {
                run: id,
                plan: run.kind.into(),
                state: run.state.on_the_wire(),
                done: count(StepState::Done),
                failed: count(StepState::Failed),
                skipped: count(StepState::Skipped),
            });
        }
        Ok(None) => tracing::error!(run = id, "the run vanished from the store"),
        Err(e) => tracing::error!(run = id, error = %e, "cannot record the end of the run"),
    }
    shared.outage.run_ended(id);
}

fn slots_free(action: &StepAction, busy: &HashMap<String, u32>, limit: u32) -> bool {
    action.migration_hosts().is_none_or(|hosts| {
        hosts
            .iter()
            .all(|h| busy.get(*h).copied().unwrap_or(0) < limit)
    })
}

fn take_slots(action: &StepAction, busy: &mut HashMap<String, u32>) {
    for h in action.migration_hosts().into_iter().flatten() {
        *busy.entry(h.to_owned()).or_default() += 1;
    }
}

fn give_slots(action: &StepAction, busy: &mut HashMap<String, u32>) {
    for h in action.migration_hosts().into_iter().flatten() {
        if let Some(n) = busy.get_mut(h) {
            *n = n.saturating_sub(1);
        }
    }
}

/// Journals how a step ended, audits it and tells the readers.
async fn end_step(
    shared: &Shared,
    run: i64,
    step: &upstra_core::outage::Step,
    state: StepState,
    outcome: String,
) {
    let (n, now) = (step.id.0, clock::now());
    let target = step.action.target();
    let detail = audit_detail::StepEnded {
        run,
        step: n + 1,
        action: step.action.to_string(),
        outcome: outcome.clone(),
    };
    let (text, t) = (outcome.clone(), target.clone());
    let written = shared
        .store
        .call(move |db| {
            db.step_ended(run, n, state, &text, now)?;
            db.audit(
                &AuditEntry::new("plan_step", state.as_str())
                    .at(now.millis())
                    .target(&t)
                    .detail(&detail),
            )
        })
        .await;
    if let Err(e) = written {
        tracing::error!(run, step = n + 1, error = %e, "cannot journal the end of a step");
    }
    match state {
        StepState::Failed => tracing::warn!(run, step = n + 1, %target, %outcome, "step failed"),
        _ => tracing::info!(run, step = n + 1, %target, %outcome, "step {}", state.as_str()),
    }
    shared.events.push(DomainEvent::StepEnded {
        run,
        step: n + 1,
        state: state.into(),
        detail: outcome,
    });
}

/// The end of a run is a state change of the daemon's own: the history says how it went
/// ("run 3 (shed) finished: 12 done, 1 failed") without reading every step.
fn audit_end(
    db: &mut crate::store::Db,
    run: &RunRecord,
    now: upstra_core::state::Timestamp,
) -> Result<(), crate::store::StoreError> {
    let count = |s: StepState| run.steps.iter().filter(|r| r.state == s).count();
    db.audit(
        &AuditEntry::new("plan_end", run.state.as_str())
            .at(now.millis())
            .target(format!("run:{}", run.id))
            .detail(&audit_detail::RunEnded {
                run: run.id,
                plan: run.kind.as_str(),
                done: count(StepState::Done),
                failed: count(StepState::Failed),
                skipped: count(StepState::Skipped),
            }),
    )
    .map(|_| ())
}
