//! Learned durations come from steps that did real work and succeeded, by kind and target.

use upstra_core::ids::ServerId;
use upstra_core::outage::{Plan, PlanKind, Step, StepAction, StepId, StepState};
use upstra_core::state::Timestamp;

use super::*;
use crate::test_lab::shutdown_step;

#[tokio::test]
async fn only_steps_that_acted_and_succeeded_teach_a_duration() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), &KeySource::locate(dir.path(), None)).expect("created");
    let mut plan = Plan::empty(PlanKind::Shed, 4);
    plan.steps = vec![
        shutdown_step(0, "slow"),
        shutdown_step(1, "already-off"),
        shutdown_step(2, "refused"),
    ];
    let learned = store
        .call(move |db| {
            let run = db.create_run(
                &plan,
                &RunInfo::default(),
                Timestamp(0),
                &AuditEntry::new("plan_run", "started").at(0),
            )?;
            // Sent its command and saw the server go off, in 40 s.
            db.step_attempt(run, 0, Timestamp(1_000))?;
            db.step_dispatched(run, 0, Timestamp(2_000))?;
            db.step_ended(run, 0, StepState::Done, "shut down", Timestamp(41_000))?;
            // Found it off: nothing sent, nothing learned.
            db.step_attempt(run, 1, Timestamp(1_000))?;
            db.step_ended(run, 1, StepState::Done, "already off", Timestamp(1_500))?;
            // Sent, but it failed: how long a failure takes says nothing of success.
            db.step_attempt(run, 2, Timestamp(1_000))?;
            db.step_dispatched(run, 2, Timestamp(2_000))?;
            db.step_ended(run, 2, StepState::Failed, "refused", Timestamp(3_000))?;
            db.learned_durations()
        })
        .await
        .expect("learned");
    store.close().await;
    assert_eq!(
        learned.by_kind,
        [("shutdown_server".to_owned(), vec![40_000])].into()
    );
    assert_eq!(
        learned.by_target,
        [(
            ("shutdown_server".to_owned(), "server:slow".to_owned()),
            vec![40_000]
        )]
        .into()
    );
}

#[tokio::test]
async fn a_power_on_is_measured_from_its_command_not_from_its_wait_for_the_stagger() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), &KeySource::locate(dir.path(), None)).expect("created");
    let mut plan = Plan::empty(PlanKind::Restore, 4);
    plan.steps = vec![Step {
        action: StepAction::PowerOnServer {
            server: ServerId::new("late").expect("name"),
            on_timeout_s: 600,
            room: None,
            stagger_s: 5,
        },
        ..shutdown_step(0, "late")
    }];
    let learned = store
        .call(move |db| {
            let run = db.create_run(
                &plan,
                &RunInfo::default(),
                Timestamp(0),
                &AuditEntry::new("plan_restore", "started").at(0),
            )?;
            // Started at 1 s, waited for its room until 21 s, on at 81 s.
            db.step_attempt(run, 0, Timestamp(1_000))?;
            db.step_dispatched(run, 0, Timestamp(21_000))?;
            db.step_ended(run, 0, StepState::Done, "powered on", Timestamp(81_000))?;
            db.learned_durations()
        })
        .await
        .expect("learned");
    store.close().await;
    assert_eq!(
        learned.by_kind,
        [("power_on_server".to_owned(), vec![60_000])].into()
    );
}

#[tokio::test]
async fn this_hosts_shutdown_teaches_nothing_its_span_is_the_outage() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(dir.path(), &KeySource::locate(dir.path(), None)).expect("created");
    let mut plan = Plan::empty(PlanKind::Shed, 4);
    plan.steps = vec![Step {
        id: StepId(0),
        action: StepAction::ShutdownThisHost {
            server: ServerId::new("console").expect("name"),
        },
        deps: Vec::new(),
        estimate_s: 120,
        estimate_learned: false,
    }];
    let learned = store
        .call(move |db| {
            let run = db.create_run(
                &plan,
                &RunInfo::default(),
                Timestamp(0),
                &AuditEntry::new("plan_run", "started").at(0),
            )?;
            // Powered off, and done when the next daemon started, three hours later.
            db.step_attempt(run, 0, Timestamp(1_000))?;
            db.step_dispatched(run, 0, Timestamp(2_000))?;
            db.sync_to_disk()?;
            db.step_ended(
                run,
                0,
                StepState::Done,
                "this host shut down at 02:00 UTC and the daemon started again",
                Timestamp(10_800_000),
            )?;
            db.learned_durations()
        })
        .await
        .expect("learned");
    store.close().await;
    assert!(learned.by_kind.is_empty(), "{learned:?}");
    assert!(learned.by_target.is_empty(), "{learned:?}");
}
