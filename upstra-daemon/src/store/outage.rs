//! The outage journal and the persistent event log.
//!
//! A run and its steps are created in one transaction, each step's record is written before
//! the step acts and again when the command goes out and when it ends, so a daemon killed at
//! any moment knows, on restart, which steps finished, which were sent, and which never
//! started. WAL with `synchronous = NORMAL` keeps every committed write across a crash of
//! the daemon.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};
use upstra_core::api::v1::{NotRestored, RestoredTally};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UpsId;
use upstra_core::outage::learned::LEARN_FROM_LAST;
use upstra_core::outage::{Before, Plan, PlanKind, StepState};
use upstra_core::state::Timestamp;

use super::audit::{self, AuditEntry};
use super::{Db, StoreError};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    /// Steps are being started.
    Running,
    /// Cancelled by an operator: no new step; the ones in flight finish.
    Cancelling,
    /// Mains came back: no new step; the ones in flight finish.
    Halting,
    Cancelled,
    Halted,
    /// Every step ended.
    Finished,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "running",
            Self::Cancelling => "cancelling",
            Self::Halting => "halting",
            Self::Cancelled => "cancelled",
            Self::Halted => "halted",
            Self::Finished => "finished",
        }
    }

    /// The state as replies send it.
    pub fn on_the_wire(self) -> upstra_core::api::v1::RunStatus {
        use upstra_core::api::v1::RunStatus;
        match self {
            Self::Running => RunStatus::Running,
            Self::Cancelling => RunStatus::Cancelling,
            Self::Halting => RunStatus::Halting,
            Self::Cancelled => RunStatus::Cancelled,
            Self::Halted => RunStatus::Halted,
            Self::Finished => RunStatus::Finished,
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::Running,
            Self::Cancelling,
            Self::Halting,
            Self::Cancelled,
            Self::Halted,
            Self::Finished,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// Steps may still be in flight.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Cancelling | Self::Halting)
    }
}

/// What a run is about, besides its plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RunInfo {
    /// The UPS whose outage it answers.
    pub ups: Vec<UpsId>,
    /// Why it started, in words.
    pub reason: String,
    /// The operator who started it, when one did.
    pub by: Option<String>,
    /// For a restore: the sheds it undoes.
    #[serde(default)]
    pub undoes: Vec<i64>,
    /// For a shed: the restore that undid it.
    #[serde(default)]
    pub restored_by: Option<i64>,
    /// Why it stopped early, when it did.
    #[serde(default)]
    pub stopped: Option<String>,
    /// For a shed: only an operator's `plan restore` undoes it (started by hand without
    /// `--auto-restore`, or a restore ran to its end and could not put everything back, so
    /// trying again by itself would only fail again).
    #[serde(default)]
    pub waits_for_operator: bool,
    /// For a shed started by hand while its UPS was on mains: mains was never lost, so its
    /// "return" does not halt the shed.
    #[serde(default)]
    pub on_mains: bool,
    /// For a shed a restore verified: what is not back yet, read from the peers (empty once
    /// undone). Absent until a restore looked; a retry undoes only what it names.
    #[serde(default)]
    pub not_restored: Option<Vec<NotRestored>>,
    /// For a restore that ended: how many objects of its sheds were verified back.
    #[serde(default)]
    pub restored: Option<RestoredTally>,
    /// For a shed about to power off this host: recorded (and synced) before the power-off,
    /// so the next daemon knows the run was meant to go on when power returns.
    #[serde(default)]
    pub continues_after_power_returns: bool,
    /// For a shed with a UPS-off step: which side of the command mains returned, in words.
    #[serde(default)]
    pub power_race: Option<String>,
    /// For a shed whose UPS took the off-and-return command: when each UPS cuts its output,
    /// by the delay it reported. No restore starts before the cut and the output's return.
    #[serde(default)]
    pub output_cut_at: BTreeMap<UpsId, Timestamp>,
}

/// Real durations of steps, in milliseconds, newest first (see `Db::learned_durations`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LearnedDurations {
    pub by_kind: BTreeMap<String, Vec<i64>>,
    /// By kind and target (`server:NAME`, `vm:NAME`).
    pub by_target: BTreeMap<(String, String), Vec<i64>>,
}

/// One step's record.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRecord {
    pub step: u32,
    pub state: StepState,
    pub attempts: u32,
    pub before: Option<Before>,
    pub outcome: Option<String>,
    pub started_at: Option<Timestamp>,
    pub dispatched_at: Option<Timestamp>,
    pub ended_at: Option<Timestamp>,
}

/// A run with its plan and every step's record.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub id: i64,
    pub kind: PlanKind,
    pub state: RunState,
    pub info: RunInfo,
    pub plan: Plan,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub steps: Vec<StepRecord>,
}

fn json<T: Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn parse_json<T: for<'de> Deserialize<'de>>(what: &str, s: &str) -> Result<T, StoreError> {
    serde_json::from_str(s).map_err(|e| StoreError::Corrupt(format!("{what}: {e}")))
}

impl Db {
    /// Records a new run, all its steps pending, and its audit record, in one transaction.
    pub fn create_run(
        &mut self,
        plan: &Plan,
        info: &RunInfo,
        now: Timestamp,
        audit: &AuditEntry,
    ) -> Result<i64, StoreError> {
        let tx = self.conn().transaction()?;
        tx.execute(
            "INSERT INTO runs (kind, state, doc, plan, started_at) VALUES (?1, 'running', ?2, ?3, ?4)",
            params![plan.kind.as_str(), json(info)?, json(plan)?, now.millis()],
        )?;
        let id = tx.last_insert_rowid();
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO run_steps (run, step, kind, target, state)
                 VALUES (?1, ?2, ?3, ?4, 'pending')",
            )?;
            for step in &plan.steps {
                insert.execute(params![
                    id,
                    step.id.0,
                    step.action.kind(),
                    step.action.target()
                ])?;
            }
        }
        let target = format!("run:{id}");
        audit::append(&tx, &audit.clone().target(target))?;
        tx.commit()?;
        Ok(id)
    }

    /// An attempt at the step begins: it counts, and the step shows as started.
    pub fn step_attempt(&mut self, run: i64, step: u32, now: Timestamp) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE run_steps SET attempts = attempts + 1,
                 state = CASE state WHEN 'pending' THEN 'started' ELSE state END,
                 started_at = coalesce(started_at, ?3)
             WHERE run = ?1 AND step = ?2",
            params![run, step, now.millis()],
        )?;
        Ok(())
    }

    /// The state of the target before the step acts, recorded first. Only the first one
    /// counts: a later attempt sees what an earlier one changed.
    pub fn step_before(&mut self, run: i64, step: u32, before: &Before) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE run_steps SET before = coalesce(before, ?3) WHERE run = ?1 AND step = ?2",
            params![run, step, json(before)?],
        )?;
        Ok(())
    }

    /// The step's command is about to go out: after a restart, wait for it rather than send it
    /// again.
    pub fn step_dispatched(
        &mut self,
        run: i64,
        step: u32,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE run_steps SET state = 'dispatched', dispatched_at = ?3, acted = 1
             WHERE run = ?1 AND step = ?2",
            params![run, step, now.millis()],
        )?;
        Ok(())
    }

    /// A step that sends nothing (a wait) found its target not yet as wanted: its duration
    /// measures a real change.
    pub fn step_acted(&mut self, run: i64, step: u32) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE run_steps SET acted = 1 WHERE run = ?1 AND step = ?2",
            params![run, step],
        )?;
        Ok(())
    }

    /// The step ended (done, failed or skipped), with what happened in words.
    pub fn step_ended(
        &mut self,
        run: i64,
        step: u32,
        state: StepState,
        outcome: &str,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE run_steps SET state = ?3, outcome = ?4, ended_at = ?5 WHERE run = ?1 AND step = ?2",
            params![run, step, state.as_str(), outcome, now.millis()],
        )?;
        Ok(())
    }

    /// Every step not started yet is skipped, with why.
    pub fn skip_pending(&mut self, run: i64, why: &str, now: Timestamp) -> Result<u32, StoreError> {
        let n = self.conn().execute(
            "UPDATE run_steps SET state = 'skipped', outcome = ?2, ended_at = ?3
             WHERE run = ?1 AND state = 'pending'",
            params![run, why, now.millis()],
        )?;
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    pub fn set_run_state(
        &mut self,
        run: i64,
        state: RunState,
        info: &RunInfo,
        ended_at: Option<Timestamp>,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE runs SET state = ?2, doc = ?3, ended_at = coalesce(?4, ended_at) WHERE id = ?1",
            params![
                run,
                state.as_str(),
                json(info)?,
                ended_at.map(Timestamp::millis)
            ],
        )?;
        Ok(())
    }

    pub fn run(&mut self, id: i64) -> Result<Option<RunRecord>, StoreError> {
        type Row = (i64, String, String, String, String, i64, Option<i64>);
        let row: Option<Row> = self
            .conn()
            .query_row(
                "SELECT id, kind, state, doc, plan, started_at, ended_at FROM runs WHERE id = ?1",
                [id],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .optional()?;
        let Some((id, kind, state, doc, plan, started_at, ended_at)) = row else {
            return Ok(None);
        };
        let what = format!("run {id}");
        let kind = match kind.as_str() {
            "shed" => PlanKind::Shed,
            "restore" => PlanKind::Restore,
            other => return Err(StoreError::Corrupt(format!("{what}: kind `{other}`"))),
        };
        let state = RunState::parse(&state)
            .ok_or_else(|| StoreError::Corrupt(format!("{what}: state `{state}`")))?;
        let mut stmt = self.conn().prepare_cached(
            "SELECT step, state, attempts, before, outcome, started_at, dispatched_at, ended_at
             FROM run_steps WHERE run = ?1 ORDER BY step",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
                r.get::<_, Option<i64>>(5)?,
                r.get::<_, Option<i64>>(6)?,
                r.get::<_, Option<i64>>(7)?,
            ))
        })?;
        let mut steps = Vec::new();
        for row in rows {
            let (step, state, attempts, before, outcome, started, dispatched, ended) = row?;
            steps.push(StepRecord {
                step,
                state: StepState::parse(&state)
                    .ok_or_else(|| StoreError::Corrupt(format!("{what} step {step}: `{state}`")))?,
                attempts,
                before: before.map(|b| parse_json(&what, &b)).transpose()?,
                outcome,
                started_at: started.map(Timestamp),
                dispatched_at: dispatched.map(Timestamp),
                ended_at: ended.map(Timestamp),
            });
        }
        drop(stmt);
        Ok(Some(RunRecord {
            id,
            kind,
            state,
            info: parse_json(&what, &doc)?,
            plan: parse_json(&what, &plan)?,
            started_at: Timestamp(started_at),
            ended_at: ended_at.map(Timestamp),
            steps,
        }))
    }

    fn run_ids(&mut self, sql: &str) -> Result<Vec<i64>, StoreError> {
        let mut stmt = self.conn().prepare_cached(sql)?;
        let ids = stmt
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn runs(&mut self, sql: &str) -> Result<Vec<RunRecord>, StoreError> {
        let mut out = Vec::new();
        for id in self.run_ids(sql)? {
            if let Some(run) = self.run(id)? {
                out.push(run);
            }
        }
        Ok(out)
    }

    /// Runs that were still going when the daemon stopped, oldest first.
    pub fn active_runs(&mut self) -> Result<Vec<RunRecord>, StoreError> {
        self.runs(
            "SELECT id FROM runs WHERE state IN ('running', 'cancelling', 'halting') ORDER BY id",
        )
    }

    /// Sheds that ended and were not restored yet, oldest first.
    pub fn unrestored_sheds(&mut self) -> Result<Vec<RunRecord>, StoreError> {
        Ok(self
            .runs("SELECT id FROM runs WHERE kind = 'shed' AND state IN ('finished', 'cancelled', 'halted') ORDER BY id")?
            .into_iter()
            .filter(|r| r.info.restored_by.is_none())
            .collect())
    }

    /// The newest runs, newest first.
    pub fn recent_runs(&mut self, limit: u32) -> Result<Vec<RunRecord>, StoreError> {
        self.runs(&format!(
            "SELECT id FROM runs ORDER BY id DESC LIMIT {limit}"
        ))
    }

    /// The real durations of steps, in milliseconds, newest first: the last
    /// [`LEARN_FROM_LAST`] of each kind, and of each kind and target, that did work (see
    /// `step_acted`) and succeeded. A step that found its target already as wanted is not
    /// among them. A power-on is measured from its command: the wait for its room's stagger
    /// before it is the planner's to add, not part of how long a server takes to come up.
    pub fn learned_durations(&mut self) -> Result<LearnedDurations, StoreError> {
        let limit = i64::try_from(LEARN_FROM_LAST).unwrap_or(i64::MAX);
        let mut out = LearnedDurations::default();
        for (partition, by_target) in [("kind", false), ("kind, target", true)] {
            let mut stmt = self.conn().prepare_cached(&format!(
                "SELECT kind, target, took FROM (
                     SELECT kind, target, ended_at, ended_at - CASE kind
                                WHEN 'power_on_server' THEN coalesce(dispatched_at, started_at)
                                ELSE started_at END AS took,
                            row_number() OVER (PARTITION BY {partition} ORDER BY ended_at DESC) AS n
                     FROM run_steps
                     WHERE state = 'done' AND acted = 1
                       AND started_at IS NOT NULL AND ended_at IS NOT NULL
                       -- This host's shutdown ends when the next daemon starts: its span
                       -- is the outage, not the shutdown, and would only stretch the UPS's
                       -- delay. Its configured estimate stands.
                       AND kind <> 'shutdown_this_host')
                 WHERE n <= ?1 ORDER BY kind, target, ended_at DESC"
            ))?;
            let rows = stmt.query_map([limit], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<String>>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?;
            for row in rows {
                match row? {
                    (kind, _, ms) if !by_target => out.by_kind.entry(kind).or_default().push(ms),
                    (kind, Some(target), ms) => {
                        out.by_target.entry((kind, target)).or_default().push(ms);
                    }
                    // Steps journaled before targets were: their kind has them already.
                    (_, None, _) => {}
                }
            }
        }
        Ok(out)
    }

    /// Appends events to the persistent log.
    pub fn append_events(&mut self, events: &[EventRecord]) -> Result<(), StoreError> {
        let tx = self.conn().transaction()?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT OR IGNORE INTO events (seq, at, doc) VALUES (?1, ?2, ?3)",
            )?;
            for e in events {
                insert.execute(params![
                    i64::try_from(e.seq).unwrap_or(i64::MAX),
                    e.at.millis(),
                    json(&e.event)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Events after `seq`, oldest first, at most `limit`. An event this version cannot read
    /// (written by a newer daemon) is left out.
    pub fn events_after(&mut self, seq: u64, limit: u32) -> Result<Vec<EventRecord>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT seq, at, doc FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt.query_map(
            params![i64::try_from(seq).unwrap_or(i64::MAX), limit],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, at, doc) = row?;
            match serde_json::from_str::<DomainEvent>(&doc) {
                // Read as `Unknown` it would lose its content; left out as before the fallback.
                Ok(event) if event.is_unknown() => {
                    tracing::warn!(seq, "event log: skipping an event of a newer kind")
                }
                Ok(event) => out.push(EventRecord {
                    seq: seq.unsigned_abs(),
                    at: Timestamp(at),
                    event,
                }),
                Err(e) => {
                    tracing::warn!(seq, error = %e, "event log: skipping an unreadable event")
                }
            }
        }
        Ok(out)
    }

    /// The newest events, oldest first: what the in-memory ring starts with.
    pub fn last_events(&mut self, count: u32) -> Result<Vec<EventRecord>, StoreError> {
        let last = self.last_event_seq()?;
        self.events_after(last.saturating_sub(u64::from(count)), count)
    }

    pub fn last_event_seq(&mut self) -> Result<u64, StoreError> {
        let seq: i64 =
            self.conn()
                .query_row("SELECT coalesce(max(seq), 0) FROM events", [], |r| r.get(0))?;
        Ok(seq.unsigned_abs())
    }

    /// Keeps the newest `keep` events, and every event not published to the bus yet.
    pub fn trim_events(&mut self, keep: u64) -> Result<(), StoreError> {
        let last = self.last_event_seq()?;
        let published = self.bus_published()?.unwrap_or(last);
        // Nor any the notification outbox has not turned into messages yet.
        let notified = self.notify_cursor()?.unwrap_or(last);
        let below = last.saturating_sub(keep).min(published).min(notified);
        self.conn().execute(
            "DELETE FROM events WHERE seq <= ?1",
            [i64::try_from(below).unwrap_or(0)],
        )?;
        Ok(())
    }

    /// The last event known to be in the Redis stream; `None` before the first publication.
    pub fn bus_published(&mut self) -> Result<Option<u64>, StoreError> {
        let seq: Option<i64> = self
            .conn()
            .query_row("SELECT published FROM bus_outbox WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(seq.map(i64::unsigned_abs))
    }

    pub fn set_bus_published(&mut self, seq: u64) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO bus_outbox (id, published) VALUES (1, ?1)
             ON CONFLICT(id) DO UPDATE SET published = max(published, ?1)",
            [i64::try_from(seq).unwrap_or(i64::MAX)],
        )?;
        Ok(())
    }
}
