//! The conductor: one task that owns the per-UPS watches and the run going on.
//!
//! At most one run executes at a time. A second UPS triggering during a shed is planned as
//! soon as that shed ends (the planner then sees what the first one already did); a cut
//! during a restore halts the restore and sheds again. A restore starts when every UPS of
//! the unrestored sheds has been stable long enough (or when an operator asks), and undoes
//! all of them from their journals.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::mpsc;
use upstra_core::api::v1::{ApiError, PlanStatus, PlanView, RunView, WatchView};
use upstra_core::api::v1::{ConflictReason, WatchState};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UpsId;
use upstra_core::outage::{
    Decision, JournalEntry, PlanKind, PowerWatch, TriggerReason, WatchPhase, restore_plan,
    shed_plan,
};
use upstra_core::state::UpsLive;

use super::battery_need::BatteryNeeds;
use super::executor::{Stop, execute};
use super::lab::{estimates, lab_state, run_view, runtime_of};
use super::ups_off_check;
use super::verify::still_to_undo;
use super::waiting::restore_wait;
use super::{Actor, Command};
use super::{cycle, power_race};
use crate::clock;
use crate::shared::Shared;
use crate::store::audit_detail_outage as audit_detail;
use crate::store::{AuditEntry, RunInfo, RunRecord, RunState};

/// How an operator's shed differs from one a UPS triggered.
#[derive(Debug, Clone, Copy, Default)]
struct Hand {
    waits_for_operator: bool,
    on_mains: bool,
    /// On mains, keep this host's shutdown and the UPS-off commands (asked explicitly).
    include_this_host: bool,
}

/// The UPS of the open sheds that only an operator undoes.
fn held_by(open: &[RunRecord]) -> BTreeSet<UpsId> {
    open.iter()
        .filter(|shed| shed.info.waits_for_operator)
        .flat_map(|shed| shed.info.ups.iter().cloned())
        .collect()
}

/// The run executing now.
struct Active {
    id: i64,
    kind: PlanKind,
    ups: Vec<UpsId>,
    stop: Arc<Stop>,
    /// A shed started by hand while its UPS was on mains: mains "returning" does not halt it.
    on_mains: bool,
}

pub struct Conductor {
    shared: Arc<Shared>,
    watches: BTreeMap<UpsId, PowerWatch>,
    active: Option<Active>,
    /// UPS that triggered while a run executed: shed for them when it ends.
    waiting: BTreeMap<UpsId, String>,
    /// UPS with an open shed only an operator's `plan restore` undoes: their watch never
    /// decides a restore by itself.
    held: BTreeSet<UpsId>,
    /// A restore is held back until a UPS has cycled its output, and a recheck is set.
    recheck_pending: bool,
    /// The battery each UPS on battery needs for its shed, for the runtime trigger.
    battery_needs: BatteryNeeds,
}

/// A phase by its word on the wire, which `/metrics` uses too.
fn phase_name(p: &WatchPhase) -> &'static str {
    WatchState::from(p).as_str()
}

impl Conductor {
    pub fn new(shared: Arc<Shared>) -> Self {
        Self {
            shared,
            watches: BTreeMap::new(),
            active: None,
            waiting: BTreeMap::new(),
            held: BTreeSet::new(),
            recheck_pending: false,
            battery_needs: BatteryNeeds::default(),
        }
    }

    pub async fn run(mut self, mut rx: mpsc::UnboundedReceiver<Command>) {
        self.resume().await;
        loop {
            let cmd = tokio::select! {
                cmd = rx.recv() => cmd,
                () = self.shared.stopping.cancelled() => None,
            };
            let Some(cmd) = cmd else { break };
            self.handle(cmd).await;
            self.publish_metrics();
        }
        // Shutting down: a run in flight stays "running" in the journal and resumes at the
        // next start. Its tasks end with the runtime.
    }

    async fn handle(&mut self, cmd: Command) {
        match cmd {
            Command::Observed { ups, live } => self.observed(ups, live).await,
            Command::Run {
                ups,
                auto_restore,
                include_this_host,
                by,
                reply,
            } => {
                let _ = reply.send(
                    self.operator_run(&ups, auto_restore, include_this_host, by)
                        .await,
                );
            }
            Command::Cancel { by, reply } => {
                let _ = reply.send(self.cancel(by).await);
            }
            Command::Restore { by, reply } => {
                let _ = reply.send(self.operator_restore(by).await);
            }
            Command::Status { reply } => {
                let _ = reply.send(self.status().await);
            }
            Command::Show { ups, reply } => match self.show(ups).await {
                // Asking the UPS-off steps' UPS takes a conversation with their server:
                // answered off the conductor's loop, which keeps reading the UPS meanwhile.
                Ok((view, last_out)) => {
                    let shared = self.shared.clone();
                    tokio::spawn(async move {
                        let _ = reply.send(Ok(last_out.noted(&shared, view).await));
                    });
                }
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            Command::RunEnded { id } => self.ended(id).await,
            Command::Tick => crate::watchdog::conductor_ticked(&self.shared).await,
            Command::RecheckRestore => {
                self.recheck_pending = false;
                self.restore_if_ready().await;
            }
        }
    }

    // --- start and resume -------------------------------------------------------------

    /// Picks up what a previous daemon left: runs still going, sheds not yet undone.
    async fn resume(&mut self) {
        let loaded = self
            .shared
            .store
            .call(|db| Ok((db.active_runs()?, db.unrestored_sheds()?)))
            .await;
        let (active, unrestored) = match loaded {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the outage journal; runs left by the last daemon are not resumed");
                return;
            }
        };
        let now = clock::now();
        self.held = held_by(&unrestored);
        for shed in &unrestored {
            for ups in &shed.info.ups {
                self.watches.insert(ups.clone(), PowerWatch::triggered(now));
            }
        }
        for run in active {
            if self.active.is_some() {
                // Only one run executes at a time; an older leftover is closed as halted.
                tracing::warn!(run = run.id, "closing a second unfinished run as halted");
                let info = RunInfo {
                    stopped: Some("the daemon restarted with another run in flight".into()),
                    ..run.info.clone()
                };
                let id = run.id;
                let _ = self
                    .shared
                    .store
                    .call(move |db| db.set_run_state(id, RunState::Halted, &info, Some(now)))
                    .await;
                continue;
            }
            tracing::info!(
                run = run.id,
                kind = run.kind.as_str(),
                "resuming a run left by the last daemon"
            );
            for ups in &run.info.ups {
                let watch = match run.kind {
                    PlanKind::Shed => PowerWatch::triggered(now),
                    PlanKind::Restore => {
                        let mut w = PowerWatch::default();
                        w.restoring();
                        w
                    }
                };
                self.watches.insert(ups.clone(), watch);
            }
            let stop = Arc::new(Stop::default());
            match run.state {
                RunState::Cancelling => stop.stop(
                    RunState::Cancelled,
                    run.info
                        .stopped
                        .clone()
                        .unwrap_or_else(|| "cancelled".into()),
                ),
                RunState::Halting => stop.stop(
                    RunState::Halted,
                    run.info
                        .stopped
                        .clone()
                        .unwrap_or_else(|| "mains returned".into()),
                ),
                _ => {}
            }
            self.launch(run, stop);
        }
    }

    fn launch(&mut self, run: RunRecord, stop: Arc<Stop>) {
        self.active = Some(Active {
            id: run.id,
            kind: run.kind,
            ups: run.info.ups.clone(),
            stop: stop.clone(),
            on_mains: run.info.on_mains,
        });
        if run.kind == PlanKind::Shed && run.info.waits_for_operator {
            self.held.extend(run.info.ups.iter().cloned());
        }
        tokio::spawn(execute(self.shared.clone(), run, stop));
    }

    // --- readings ---------------------------------------------------------------------

    async fn observed(&mut self, ups: UpsId, live: UpsLive) {
        let inventory = self.shared.inventory();
        let Some(declared) = inventory.ups.get(&ups) else {
            return;
        };
        let mut policy = declared.policy.clone();
        if self.held.contains(&ups) {
            // Mains may come and stay: only an operator undoes this shed.
            policy.auto_restore = false;
        }
        let watch = self.watches.entry(ups.clone()).or_default();
        // The runtime trigger needs the plan's duration, only while on battery.
        let needed = if matches!(watch.phase, WatchPhase::OnBattery { .. }) {
            let mut at_risk = self.triggered();
            at_risk.insert(ups.clone());
            let need = self.battery_needs.of(&self.shared, &ups, &at_risk).await;
            if let Some(seconds) = need {
                self.shared.metrics.needs_battery(&ups, seconds);
            }
            need.map(|seconds| seconds + policy.runtime_margin_s)
        } else {
            self.battery_needs.forget(&ups);
            None
        };
        let watch = self.watches.entry(ups.clone()).or_default();
        let decisions = watch.observe(&live, clock::now(), &policy, needed);
        for d in decisions {
            self.decided(&ups, d).await;
        }
    }

    /// The watches' phases and the run executing, for `/metrics` (a few entries: one per UPS).
    fn publish_metrics(&self) {
        let metrics = &self.shared.metrics;
        metrics.publish_outage(
            self.watches
                .iter()
                .map(|(ups, w)| (ups.clone(), phase_name(&w.phase)))
                .collect(),
            self.active.as_ref().map(|a| a.kind),
        );
    }

    /// The UPS whose outage is being acted on.
    fn triggered(&self) -> BTreeSet<UpsId> {
        self.watches
            .iter()
            .filter(|(_, w)| matches!(w.phase, WatchPhase::Triggered { .. }))
            .map(|(u, _)| u.clone())
            .collect()
    }

    async fn decided(&mut self, ups: &UpsId, d: Decision) {
        let events = &self.shared.events;
        match d {
            Decision::GraceStarted { grace_s } => {
                tracing::warn!(%ups, grace_s, "UPS on battery: grace period started");
                events.push(DomainEvent::OutageGraceStarted {
                    ups: ups.clone(),
                    grace_s,
                });
            }
            Decision::PowerReturnedInGrace { after_s } => {
                tracing::info!(%ups, after_s, "mains returned within the grace period");
                events.push(DomainEvent::OutagePowerReturned {
                    ups: ups.clone(),
                    after_s,
                });
            }
            Decision::SelfTestIgnored => {
                events.push(DomainEvent::OutageSelfTestIgnored { ups: ups.clone() });
            }
            Decision::CommsLostAlarm {
                reason,
                silent_s,
                acts_in_s,
            } => {
                events.push(DomainEvent::OutageCommsAlarm {
                    ups: ups.clone(),
                    reason,
                    silent_s: Some(silent_s),
                    acts_in_s,
                });
            }
            Decision::Shed(reason) => self.triggered_by(ups, reason.to_string(), None).await,
            Decision::PowerLostAgain => {
                events.push(DomainEvent::OutagePowerLostAgain { ups: ups.clone() });
                self.triggered_by(
                    ups,
                    "mains failed again during the stability wait".into(),
                    None,
                )
                .await;
            }
            Decision::MainsReturned => {
                // A shed run by hand on mains never lost it: nothing "returned" to report.
                let never_lost = self
                    .active
                    .as_ref()
                    .is_some_and(|a| a.on_mains && a.ups.contains(ups));
                if !never_lost {
                    tracing::info!(%ups, "mains returned after the outage was acted on");
                    events.push(DomainEvent::OutageMainsReturned { ups: ups.clone() });
                }
                let active = self.active.as_ref().map(|a| a.id);
                let command_sent = power_race::mains_returned(&self.shared, ups, active).await;
                if let Some(a) = &self.active
                    && a.kind == PlanKind::Shed
                    && a.ups.contains(ups)
                    && !a.on_mains
                    && !command_sent.contains(&a.id)
                {
                    self.stop_active(
                        RunState::Halted,
                        format!("mains returned on {ups}: no new steps"),
                    )
                    .await;
                }
                self.waiting.remove(ups);
            }
            Decision::RestoreReady => {
                events.push(DomainEvent::OutageRestoreReady { ups: ups.clone() });
                self.restore_if_ready().await;
            }
        }
    }

    /// An outage of `ups` is to be acted on now.
    async fn triggered_by(&mut self, ups: &UpsId, reason: String, by: Option<Actor>) {
        tracing::warn!(%ups, %reason, "outage triggered");
        self.shared.events.push(DomainEvent::OutageTriggered {
            ups: ups.clone(),
            reason: reason.clone(),
        });
        match &self.active {
            Some(a) if a.kind == PlanKind::Restore => {
                self.stop_active(RunState::Halted, format!("power failed again on {ups}"))
                    .await;
                self.waiting.insert(ups.clone(), reason);
            }
            Some(_) => {
                self.waiting.insert(ups.clone(), reason);
            }
            None => {
                if let Err(e) = self
                    .start_shed(vec![ups.clone()], reason, by, Hand::default())
                    .await
                {
                    tracing::error!(%ups, error = %e, "cannot start the shed");
                }
            }
        }
    }

    async fn stop_active(&mut self, state: RunState, why: String) {
        let Some(a) = &self.active else { return };
        if a.stop.is_stopped() {
            return;
        }
        a.stop.stop(state, why.clone());
        let (id, now) = (a.id, clock::now());
        let stopping = if state == RunState::Cancelled {
            RunState::Cancelling
        } else {
            RunState::Halting
        };
        let why2 = why.clone();
        let saved = self
            .shared
            .store
            .call(move |db| {
                let mut info = db.run(id)?.map(|r| r.info).unwrap_or_default();
                info.stopped = Some(why2);
                db.set_run_state(id, stopping, &info, None)?;
                db.audit(
                    &AuditEntry::new("plan_stop", stopping.as_str())
                        .at(now.millis())
                        .target(format!("run:{id}")),
                )
                .map(|_| ())
            })
            .await;
        if let Err(e) = saved {
            tracing::error!(run = id, error = %e, "cannot journal that the run stops");
        }
        self.shared.events.push(DomainEvent::RunStopping {
            run: id,
            reason: why,
        });
    }

    // --- runs -------------------------------------------------------------------------

    async fn start_shed(
        &mut self,
        mut ups: Vec<UpsId>,
        reason: String,
        by: Option<Actor>,
        hand: Hand,
    ) -> Result<RunView, ApiError> {
        let mut at_risk = self.triggered();
        at_risk.extend(ups.iter().cloned());
        ups = at_risk.iter().cloned().collect();
        let (state, problem) = lab_state(&self.shared, &at_risk, true).await;
        if let Some(p) = problem {
            tracing::warn!(problem = %p, "planning from the last known VM placement");
        }
        let inventory = self.shared.inventory();
        let mut shed = shed_plan(&inventory, &state, &estimates(&self.shared).await);
        if hand.on_mains && !hand.include_this_host {
            shed = shed.without_last_out(&format!(
                "this host's shutdown and the UPS-off commands are left out: the UPS is on mains \
                 and this shed was started by hand; to include them, run `upstra plan run {} \
                 --include-this-host`",
                // One UPS is named by hand; others already acting share the run.
                match ups.as_slice() {
                    [one] => one.to_string(),
                    _ => "UPS".to_owned(),
                }
            ));
        }
        let info = RunInfo {
            ups,
            reason,
            by: by.as_ref().map(|a| a.user.clone()),
            waits_for_operator: hand.waits_for_operator,
            on_mains: hand.on_mains,
            ..RunInfo::default()
        };
        self.create_and_launch(shed, info, by, "plan_run").await
    }

    async fn create_and_launch(
        &mut self,
        p: upstra_core::outage::Plan,
        info: RunInfo,
        by: Option<Actor>,
        action: &'static str,
    ) -> Result<RunView, ApiError> {
        let now = clock::now();
        let (plan_copy, info_copy) = (p.clone(), info.clone());
        let id = self
            .shared
            .store
            .call(move |db| {
                let detail = audit_detail::RunStarted {
                    reason: &info_copy.reason,
                    ups: &info_copy.ups,
                    steps: plan_copy.steps.len(),
                    waits_for_operator: info_copy.waits_for_operator,
                };
                let id = db.create_run(
                    &plan_copy,
                    &info_copy,
                    now,
                    &AuditEntry::new(action, "started")
                        .at(now.millis())
                        .maybe_actor(by.as_ref().map(|a| a.user.as_str()))
                        .maybe_peer_uid(by.as_ref().map(|a| a.peer_uid))
                        .detail(&detail),
                )?;
                db.run(id)
            })
            .await?
            .ok_or_else(|| ApiError::Internal {
                reference: "run not recorded".into(),
            })?;
        self.shared.events.push(DomainEvent::RunStarted {
            run: id.id,
            plan: id.kind.into(),
            ups: id.info.ups.clone(),
            reason: id.info.reason.clone(),
            steps: u32::try_from(id.plan.steps.len()).unwrap_or(u32::MAX),
            estimate_s: id.plan.schedule.makespan_s,
        });
        tracing::warn!(
            run = id.id,
            kind = id.kind.as_str(),
            steps = id.plan.steps.len(),
            "run started"
        );
        let view = run_view(&self.shared, &id);
        self.launch(id, Arc::new(Stop::default()));
        Ok(view)
    }

    async fn ended(&mut self, id: i64) {
        let Some(active) = self.active.take_if(|a| a.id == id) else {
            return;
        };
        let loaded = self.shared.store.call(move |db| db.run(id)).await;
        let run = match loaded {
            Ok(Some(run)) => run,
            Ok(None) => return,
            Err(e) => {
                tracing::error!(run = id, error = %e, "cannot read the run that ended");
                return;
            }
        };
        tracing::warn!(run = id, state = run.state.as_str(), "run ended");
        if active.kind == PlanKind::Restore {
            // The restore verified its sheds before it ended (`verify`): what is still open,
            // and whether it waits for an operator, is in the store.
            match self.shared.store.call(|db| db.unrestored_sheds()).await {
                Ok(open) => self.held = held_by(&open),
                Err(e) => tracing::error!(error = %e, "cannot read the sheds left open"),
            }
            if run.state == RunState::Finished {
                for ups in &active.ups {
                    if let Some(w) = self.watches.get_mut(ups) {
                        w.restored();
                    }
                }
            }
        }
        // Whatever triggered meanwhile is acted on now.
        if !self.waiting.is_empty() {
            let waiting = std::mem::take(&mut self.waiting);
            let ups: Vec<UpsId> = waiting.keys().cloned().collect();
            let reason = waiting.into_values().collect::<Vec<_>>().join("; ");
            if let Err(e) = self.start_shed(ups, reason, None, Hand::default()).await {
                tracing::error!(error = %e, "cannot start the follow-up shed");
            }
            return;
        }
        self.restore_if_ready().await;
    }

    /// Starts a restore when no run executes, a shed awaits undoing and every UPS it answered
    /// is stable.
    async fn restore_if_ready(&mut self) {
        if self.active.is_some() {
            return;
        }
        let sheds = match self.shared.store.call(|db| db.unrestored_sheds()).await {
            // A shed waiting for an operator is undone only by `plan restore`.
            Ok(s) => s
                .into_iter()
                .filter(|shed| !shed.info.waits_for_operator)
                .collect::<Vec<_>>(),
            Err(e) => {
                tracing::error!(error = %e, "cannot read the sheds to restore");
                return;
            }
        };
        if sheds.is_empty() {
            return;
        }
        let ups: BTreeSet<UpsId> = sheds
            .iter()
            .flat_map(|s| s.info.ups.iter().cloned())
            .collect();
        let ready = ups.iter().all(|u| {
            self.watches
                .get(u)
                .is_none_or(|w| matches!(w.phase, WatchPhase::Restoring | WatchPhase::Online))
        });
        if !ready {
            return;
        }
        let inventory = self.shared.inventory();
        if let Some(wait) = cycle::still_to_wait(&sheds, &inventory, clock::now()) {
            if !self.recheck_pending {
                self.recheck_pending = true;
                tracing::warn!(
                    wait_s = wait.as_secs(),
                    "restore held back until the UPS has cut and restored its output"
                );
                let shared = self.shared.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(wait).await;
                    shared.outage.recheck_restore();
                });
            }
            return;
        }
        if let Err(e) = self
            .start_restore(sheds, "mains stable with enough charge".into(), None)
            .await
        {
            tracing::error!(error = %e, "cannot start the restore");
        }
    }

    async fn start_restore(
        &mut self,
        sheds: Vec<RunRecord>,
        reason: String,
        by: Option<Actor>,
    ) -> Result<RunView, ApiError> {
        // What the sheds changed, narrowed to what an earlier restore left.
        let journal: Vec<JournalEntry> = sheds.iter().flat_map(still_to_undo).collect();
        let inventory = self.shared.inventory();
        let restore = restore_plan(&journal, &inventory, &estimates(&self.shared).await);
        let ups: BTreeSet<UpsId> = sheds
            .iter()
            .flat_map(|s| s.info.ups.iter().cloned())
            .collect();
        for u in &ups {
            self.watches.entry(u.clone()).or_default().restoring();
        }
        let info = RunInfo {
            ups: ups.into_iter().collect(),
            reason,
            by: by.as_ref().map(|a| a.user.clone()),
            undoes: sheds.iter().map(|s| s.id).collect(),
            ..RunInfo::default()
        };
        self.create_and_launch(restore, info, by, "plan_restore")
            .await
    }

    // --- operators --------------------------------------------------------------------

    fn ups_id(&self, name: &str) -> Result<UpsId, ApiError> {
        let id = UpsId::new(name).map_err(|e| ApiError::invalid(e.to_string()))?;
        if self.shared.inventory().ups.contains_key(&id) {
            Ok(id)
        } else {
            Err(ApiError::NotFound {
                what: format!("UPS `{name}`"),
            })
        }
    }

    fn busy(&self) -> Option<ApiError> {
        self.active.as_ref().map(|a| ApiError::Conflict {
            reason: ConflictReason::RunInProgress { run: a.id },
            message: format!(
                "run {} ({}) is in progress: wait for it, or stop it with `upstra plan cancel`",
                a.id,
                a.kind.as_str()
            ),
        })
    }

    /// An operator's shed. It waits for `plan restore` unless `auto_restore`; started while
    /// the UPS is on mains (planned work), mains "returning" does not halt it.
    async fn operator_run(
        &mut self,
        ups: &str,
        auto_restore: bool,
        include_this_host: bool,
        by: Actor,
    ) -> Result<RunView, ApiError> {
        let id = self.ups_id(ups)?;
        if let Some(e) = self.busy() {
            return Err(e);
        }
        self.watches
            .entry(id.clone())
            .or_default()
            .operator_shed(clock::now());
        let reason = TriggerReason::Operator {
            user: by.user.clone(),
        }
        .to_string();
        self.shared.events.push(DomainEvent::OutageTriggered {
            ups: id.clone(),
            reason: reason.clone(),
        });
        let on_mains = matches!(
            self.shared.live.ups_of(&id),
            Some(UpsLive::Reading { reading, .. }) if !reading.on_battery()
        );
        let hand = Hand {
            waits_for_operator: !auto_restore,
            on_mains,
            include_this_host,
        };
        self.start_shed(vec![id], reason, Some(by), hand).await
    }

    async fn cancel(&mut self, by: Actor) -> Result<RunView, ApiError> {
        let Some(id) = self.active.as_ref().map(|a| a.id) else {
            return Err(ApiError::Conflict {
                reason: ConflictReason::NoRunningPlan,
                message: "no plan is running".into(),
            });
        };
        self.stop_active(RunState::Cancelled, format!("cancelled by {}", by.user))
            .await;
        let now = clock::now();
        let user = by.user.clone();
        let _ = self
            .shared
            .store
            .call(move |db| {
                db.audit(
                    &AuditEntry::new("plan_cancel", "ok")
                        .at(now.millis())
                        .actor(&user)
                        .peer_uid(by.peer_uid)
                        .target(format!("run:{id}")),
                )
            })
            .await;
        self.view(id).await
    }

    async fn operator_restore(&mut self, by: Actor) -> Result<RunView, ApiError> {
        if let Some(e) = self.busy() {
            return Err(e);
        }
        let sheds = self.shared.store.call(|db| db.unrestored_sheds()).await?;
        if sheds.is_empty() {
            return Err(ApiError::Conflict {
                reason: ConflictReason::NothingToRestore,
                message: "nothing to restore: every shed has been undone".into(),
            });
        }
        let inventory = self.shared.inventory();
        let live = self.shared.live.ups(Clone::clone);
        for ups in sheds.iter().flat_map(|s| s.info.ups.iter()) {
            let on_battery = matches!(live.get(ups), Some(UpsLive::Reading { reading, .. }) if reading.on_battery());
            if on_battery && inventory.ups.contains_key(ups) {
                return Err(ApiError::Conflict {
                    reason: ConflictReason::UpsOnBattery,
                    message: format!(
                        "UPS {ups} is still on battery: restoring now would power servers onto a failing supply"
                    ),
                });
            }
        }
        if let Some(wait) = cycle::still_to_wait(&sheds, &inventory, clock::now()) {
            let retry_after_s = wait.as_secs() + 1;
            return Err(ApiError::Conflict {
                reason: ConflictReason::UpsNotBackYet { retry_after_s },
                // The figure first: the console shows this on two lines.
                message: format!(
                    "retry in {retry_after_s} s: a UPS told to cut its output and restore it has \
                     not done so yet, and servers powered on now would lose power again"
                ),
            });
        }
        let reason = format!("restore run by {}", by.user);
        self.start_restore(sheds, reason, Some(by)).await
    }

    async fn view(&self, id: i64) -> Result<RunView, ApiError> {
        let run = self.shared.store.call(move |db| db.run(id)).await?;
        run.map(|r| run_view(&self.shared, &r))
            .ok_or_else(|| ApiError::NotFound {
                what: format!("run {id}"),
            })
    }

    async fn status(&self) -> Result<PlanStatus, ApiError> {
        let (recent, unrestored) = self
            .shared
            .store
            .call(|db| Ok((db.recent_runs(5)?, db.unrestored_sheds()?)))
            .await?;
        let inventory = self.shared.inventory();
        let now = clock::now();
        let live = self.shared.live.ups(Clone::clone);
        let watches = inventory
            .ups
            .values()
            .map(|u| {
                let phase = self
                    .watches
                    .get(&u.id)
                    .map(|w| w.phase.clone())
                    .unwrap_or_default();
                let since = match &phase {
                    WatchPhase::OnBattery { since } | WatchPhase::PowerBack { since } => {
                        Some(*since)
                    }
                    WatchPhase::Triggered { at } => Some(*at),
                    _ => None,
                };
                // The end by the daemon's clock too, so a console counts down from it.
                let (grace_left_s, grace_ends_at) = match &phase {
                    WatchPhase::OnBattery { since } => {
                        let grace_ms = i64::try_from(u.policy.grace_s.saturating_mul(1000))
                            .unwrap_or(i64::MAX);
                        (
                            Some(u.policy.grace_s.saturating_sub(now.secs_since(*since))),
                            Some(upstra_core::state::Timestamp(
                                since.millis().saturating_add(grace_ms),
                            )),
                        )
                    }
                    _ => (None, None),
                };
                let open = unrestored.iter().any(|s| s.info.ups.contains(&u.id));
                let charge = match live.get(&u.id) {
                    Some(UpsLive::Reading { reading, .. }) => reading.charge_pct,
                    _ => None,
                };
                let restore_wait = restore_wait(
                    &u.policy,
                    &phase,
                    open,
                    self.held.contains(&u.id),
                    charge,
                    now,
                );
                WatchView {
                    ups: u.id.to_string(),
                    phase: (&phase).into(),
                    since,
                    grace_left_s,
                    grace_ends_at,
                    restore_wait,
                }
            })
            .collect();
        let recent: Vec<RunView> = recent.iter().map(|r| run_view(&self.shared, r)).collect();
        let active = self
            .active
            .as_ref()
            .and_then(|a| recent.iter().find(|r| r.id == a.id).cloned());
        Ok(PlanStatus {
            watches,
            active,
            recent,
            unrestored: unrestored.iter().map(|r| r.id).collect(),
            not_restored: unrestored
                .iter()
                .flat_map(|r| r.info.not_restored.iter().flatten().cloned())
                .collect(),
        })
    }

    async fn show(
        &self,
        ups: Option<String>,
    ) -> Result<(PlanView, ups_off_check::LastOut), ApiError> {
        let inventory = self.shared.inventory();
        let at_risk = match ups {
            Some(name) => {
                let id = self.ups_id(&name)?;
                let mut set = self.triggered();
                set.insert(id);
                set
            }
            None => {
                if let Some(a) = &self.active {
                    return self
                        .view(a.id)
                        .await
                        .map(|v| (v.plan, ups_off_check::LastOut::default()));
                }
                self.triggered()
            }
        };
        let (state, _) = lab_state(&self.shared, &at_risk, false).await;
        let p = shed_plan(&inventory, &state, &estimates(&self.shared).await);
        let runtime = at_risk
            .iter()
            .next()
            .and_then(|u| runtime_of(&self.shared.live, u));
        let mut view = PlanView::new(
            &p,
            at_risk.iter().map(ToString::to_string).collect(),
            runtime,
        );
        if at_risk.is_empty() {
            view.notes.push("no UPS is being acted on: name one (`upstra plan show UPS`) to see what its outage would do".into());
        }
        let last_out = ups_off_check::LastOut::of(&self.shared, &p, &inventory);
        Ok((view, last_out))
    }
}
