//! The power race: mains returns while a shed that may cut a UPS's output is going on or
//! waiting to be undone. Once the UPS-off command went out, the UPS will cut its output and
//! restore it whatever the daemon does, so the shed goes on (this host's shutdown included)
//! and the restore follows when the daemon starts again: halting would leave this host up on
//! an output about to drop. Before the command, the shed halts and is restored as any other.
//! Which side it came is journaled in the run and audited, once per shed.

use std::collections::BTreeSet;

use upstra_core::ids::UpsId;
use upstra_core::outage::{PlanKind, StepAction, StepState};
use upstra_core::state::Timestamp;

use crate::clock;
use crate::shared::Shared;
use crate::store::audit_detail_outage::PowerRace;
use crate::store::{AuditEntry, RunRecord};

/// When the first UPS-off command of `run` went out, if one did.
fn command_sent_at(run: &RunRecord) -> Option<Timestamp> {
    run.plan
        .steps
        .iter()
        .zip(&run.steps)
        .filter(|(step, _)| matches!(step.action, StepAction::UpsOff { .. }))
        .filter(|(_, rec)| matches!(rec.state, StepState::Dispatched | StepState::Done))
        .filter_map(|(_, rec)| rec.dispatched_at)
        .min()
}

/// What the run's report says, or nothing when the race does not concern it: a shed without
/// a UPS-off step, one already told, or one that ended without sending the command (it did
/// not halt for mains, and its own steps say why the command was not sent).
fn side(run: &RunRecord, active: bool, now: Timestamp) -> Option<(&'static str, String)> {
    if run.kind != PlanKind::Shed || run.info.power_race.is_some() || run.info.on_mains {
        return None;
    }
    if !run
        .plan
        .steps
        .iter()
        .any(|s| matches!(s.action, StepAction::UpsOff { .. }))
    {
        return None;
    }
    match command_sent_at(run) {
        Some(sent) => Some((
            "after_command",
            format!(
                "mains returned {} s after the UPS-off command: the UPS cycles its output; the \
                 restore follows",
                now.secs_since(sent)
            ),
        )),
        None if active => Some((
            "before_command",
            "mains returned before the UPS-off command: shed halted; the restore follows".into(),
        )),
        None => None,
    }
}

/// Records which side of the UPS-off command mains returned on `ups`, for the run executing
/// now (`active`) and the sheds awaiting a restore. Returns the runs whose command already went
/// out: those must not halt.
pub async fn mains_returned(shared: &Shared, ups: &UpsId, active: Option<i64>) -> BTreeSet<i64> {
    let ups = ups.clone();
    let now = clock::now();
    let recorded = shared
        .store
        .call(move |db| {
            let mut runs = db.unrestored_sheds()?;
            if let Some(run) = active.map(|id| db.run(id)).transpose()?.flatten() {
                runs.push(run);
            }
            let mut sent = BTreeSet::new();
            for run in runs.iter().filter(|r| r.info.ups.contains(&ups)) {
                if command_sent_at(run).is_some() {
                    sent.insert(run.id);
                }
                let Some((result, text)) = side(run, Some(run.id) == active, now) else {
                    continue;
                };
                tracing::warn!(run = run.id, %ups, "{text}");
                let mut info = run.info.clone();
                info.power_race = Some(text.clone());
                db.set_run_info(run.id, &info)?;
                db.audit(
                    &AuditEntry::new("power_race", result)
                        .at(now.millis())
                        .target(format!("run:{}", run.id))
                        .detail(&PowerRace {
                            ups: &ups,
                            report: &text,
                        }),
                )?;
            }
            Ok(sent)
        })
        .await;
    recorded.unwrap_or_else(|e| {
        // Unread journal: the run halts, as a shed without last steps would; a UPS already
        // told still cycles its output, and the restore follows either way.
        tracing::error!(error = %e, "cannot journal the power race");
        BTreeSet::new()
    })
}

#[cfg(test)]
mod tests {
    use upstra_core::ids::ServerId;
    use upstra_core::outage::{Plan, Schedule, Step, StepId};

    use super::*;
    use crate::store::{RunInfo, RunState, StepRecord};

    const START: Timestamp = Timestamp(1_795_600_000_000);

    /// A shed of `ups-a` ending with the UPS-off command in `off` and this host's shutdown.
    fn shed(off: StepState, sent_at: Option<Timestamp>) -> RunRecord {
        let ups = UpsId::new("ups-a").expect("a name");
        let actions = [
            StepAction::UpsOff {
                ups: ups.clone(),
                delay_s: 130,
            },
            StepAction::ShutdownThisHost {
                server: ServerId::new("console").expect("a name"),
            },
        ];
        let steps: Vec<Step> = actions
            .into_iter()
            .enumerate()
            .map(|(i, action)| Step {
                id: StepId(u32::try_from(i).expect("two")),
                action,
                deps: Vec::new(),
                estimate_s: 5,
                estimate_learned: false,
            })
            .collect();
        let records = vec![
            StepRecord {
                step: 0,
                state: off,
                attempts: 1,
                before: None,
                outcome: None,
                started_at: sent_at,
                dispatched_at: sent_at,
                ended_at: None,
            },
            StepRecord {
                step: 1,
                state: StepState::Pending,
                attempts: 0,
                before: None,
                outcome: None,
                started_at: None,
                dispatched_at: None,
                ended_at: None,
            },
        ];
        RunRecord {
            id: 7,
            kind: PlanKind::Shed,
            state: RunState::Running,
            info: RunInfo {
                ups: vec![ups],
                ..RunInfo::default()
            },
            plan: Plan {
                kind: PlanKind::Shed,
                steps,
                migrations_per_host: 1,
                schedule: Schedule::default(),
                notes: Vec::new(),
                preferred: Vec::new(),
            },
            started_at: START,
            ended_at: None,
            steps: records,
        }
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp(START.millis() + secs * 1000)
    }

    #[test]
    fn after_the_command_the_shed_goes_on_and_says_how_long_after() {
        let run = shed(StepState::Dispatched, Some(at(100)));
        assert_eq!(command_sent_at(&run), Some(at(100)));
        let (result, text) = side(&run, true, at(140)).expect("told");
        assert_eq!(result, "after_command");
        assert_eq!(
            text,
            "mains returned 40 s after the UPS-off command: the UPS cycles its output; the \
             restore follows"
        );
    }

    #[test]
    fn before_the_command_the_running_shed_halts() {
        let run = shed(StepState::Pending, None);
        assert_eq!(command_sent_at(&run), None);
        let (result, text) = side(&run, true, at(140)).expect("told");
        assert_eq!(result, "before_command");
        assert!(text.contains("shed halted"), "{text}");
    }

    #[test]
    fn an_ended_shed_that_never_sent_it_a_hand_shed_on_mains_and_a_told_one_say_nothing() {
        // Its UPS-off step failed or was skipped: its own outcome says why.
        assert_eq!(side(&shed(StepState::Failed, None), false, at(140)), None);
        let mut on_mains = shed(StepState::Dispatched, Some(at(100)));
        on_mains.info.on_mains = true;
        assert_eq!(side(&on_mains, true, at(140)), None);
        let mut told = shed(StepState::Dispatched, Some(at(100)));
        told.info.power_race = Some("said once".into());
        assert_eq!(side(&told, true, at(140)), None);
    }
}
