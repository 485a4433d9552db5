//! A shed an operator starts on mains (planned electrical work) stays shed until the operator
//! restores it; asked with `auto_restore`, it is undone by itself like after a real outage.

use std::time::Duration;

use upstra_core::api::v1::{PlanRunRequest, SessionToken, UpstraClient};
use upstra_core::state::PowerState;
use upstra_tests::lab::Size;

use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::PlanType;

fn size() -> Size {
    Size {
        clusters: 2,
        hosts_per_cluster: 2,
        vms_per_cluster: 2,
    }
}

/// How long past the stability wait the shed is watched: ten times it. The only timer that
/// could restore by itself is that wait; an operator's shed is never handed to it.
const WATCHED_S: u64 = 10 * STABLE_S;

/// Looks at the status until the daemon says mains has been stable `for_s`; every look must
/// find the shed `run` open, nothing running, and the UPS waiting for an operator.
async fn stays_shed(c: &UpstraClient, t: &SessionToken, run: i64, for_s: u64) {
    let looks = std::sync::atomic::AtomicU32::new(0);
    until(
        "mains stable long enough",
        Duration::from_secs(for_s * 4 + 60),
        || async {
            let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
            assert_eq!(status.unrestored, vec![run], "{status:#?}");
            assert!(
                status.active.is_none(),
                "nothing runs by itself: {status:#?}"
            );
            assert!(
                status
                    .recent
                    .iter()
                    .all(|r| r.plan.kind != PlanType::Restore),
                "no restore started by itself: {status:#?}"
            );
            let watch = status.watches.iter().find(|w| w.ups == "ups-one").unwrap();
            let wait = watch
                .restore_wait
                .clone()
                .unwrap_or_else(|| panic!("the watch says what the restore waits for: {watch:#?}"));
            assert!(
                wait.needs_operator && wait.restore_at.is_none(),
                "{wait:#?}"
            );
            looks.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            (wait.stable_s >= for_s).then_some(())
        },
    )
    .await;
    assert!(
        looks.into_inner() > 1,
        "the shed was looked at more than once"
    );
}

#[tokio::test]
async fn a_shed_run_by_hand_on_mains_waits_for_plan_restore() {
    let Some(peers) = upstra_tests::peers("outage by hand") else {
        return;
    };
    let lab = Lab::start(peers, size());
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;
    let run = c
        .plan_run(ctx(), t.clone(), PlanRunRequest::new("ups-one"))
        .await
        .unwrap()
        .unwrap();
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(shed.id, run.id);
    assert_eq!(
        (shed.state.as_str(), shed.counts.failed, shed.counts.skipped),
        ("finished", 0, 0),
        "mains never failed, so its 'return' does not halt the shed: {shed:#?}"
    );

    // Mains stays on. Watched until the daemon itself says mains has been stable ten times
    // longer than the wait before a restore: every look finds the shed open and waiting.
    stays_shed(&c, &t, run.id, WATCHED_S).await;
    // A restarted daemon reads "waits for an operator" from the journal: past its own
    // stability wait, still nothing restores.
    daemon.kill();
    daemon = Daemon::start_with_env(dir.path(), &env()).await;
    let c = connect(&daemon.socket).await.unwrap();
    stays_shed(&c, &t, run.id, 3 * STABLE_S).await;
    // The restarted daemon has not read the BMCs yet: ask it to.
    c.sync(ctx(), t.clone()).await.unwrap().unwrap();
    for name in lab.servers_of(0) {
        assert_eq!(
            servers(&c, &t).await[&name].power,
            PowerState::Off,
            "{name}"
        );
    }
    let restore = c.plan_restore(ctx(), t.clone()).await.unwrap().unwrap();
    assert_eq!(restore.undoes, vec![run.id]);
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(status.unrestored.is_empty(), "{status:#?}");
    assert_as_before(&c, &t, &before, &[]).await;
}

#[tokio::test]
async fn a_shed_run_by_hand_with_auto_restore_is_undone_by_itself() {
    let Some(peers) = upstra_tests::peers("outage by hand, auto restore") else {
        return;
    };
    let lab = Lab::start(peers, size());
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;
    let run = c
        .plan_run(
            ctx(),
            t.clone(),
            PlanRunRequest {
                ups: "ups-one".into(),
                auto_restore: true,
                include_this_host: false,
            },
        )
        .await
        .unwrap()
        .unwrap();
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    let shed = last_run(&c, &t, "shed").await;
    assert_eq!((shed.id, shed.state.as_str()), (run.id, "finished"));
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the restore it started by itself",
        Duration::from_secs(240),
        run_ended("restore"),
    )
    .await;
    let restore = last_run(&c, &t, "restore").await;
    assert_eq!(restore.undoes, vec![run.id]);
    assert!(restore.by.is_none(), "started by the daemon: {restore:#?}");
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(status.unrestored.is_empty(), "{status:#?}");
    assert_as_before(&c, &t, &before, &[]).await;
}
