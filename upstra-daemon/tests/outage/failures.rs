//! What goes wrong must stop only what it must: a server whose BMC never answers fails its own
//! steps and nothing else (never told anything, it owes its restore nothing), and `plan cancel`
//! starts nothing new while what runs finishes.

use std::time::Duration;

use upstra_core::events::DomainEvent;
use upstra_core::state::PowerState;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::RunStatus;
use upstra_core::api::v1::{StepKind, StepStatus};

fn size() -> Size {
    Size {
        clusters: 2,
        hosts_per_cluster: 3,
        vms_per_cluster: 4,
    }
}

#[tokio::test]
async fn a_dead_bmc_fails_its_own_steps_and_the_report_says_why() {
    let Some(peers) = upstra_tests::peers("outage dead BMC") else {
        return;
    };
    let mut lab = Lab::start(peers, size());
    lab.broken = true;
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;
    {
        let dev = DevFile::open(lab.nut_dir(), "ups1");
        dev.set(&[("ups.status", "OB DISCHRG")]);
        wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    }
    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(
        (shed.state.as_str(), shed.counts.failed),
        ("finished", 1),
        "{shed:#?}"
    );
    let failed = shed
        .plan
        .steps
        .iter()
        .find(|s| s.state == Some(StepStatus::Failed))
        .unwrap();
    assert_eq!(failed.target, "server:broken");
    assert!(
        failed
            .outcome
            .as_deref()
            .is_some_and(|o| o.contains("cannot reach")),
        "{failed:#?}"
    );
    assert_eq!(failed.attempts, 3, "transient errors are retried");
    for name in lab.servers_of(0) {
        assert_eq!(
            servers(&c, &t).await[&name].power,
            PowerState::Off,
            "{name}"
        );
    }

    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    // Nothing was ever sent to the dead BMC (its state before was never read), so the shed
    // owes nothing there: the restore leaves it alone and closes the shed once the rest is
    // verified back.
    let report = last_run(&c, &t, "restore").await;
    assert_eq!(
        (report.state.as_str(), report.counts.failed),
        ("finished", 0),
        "{report:#?}"
    );
    assert!(
        report
            .plan
            .steps
            .iter()
            .all(|s| s.target != "server:broken"),
        "{report:#?}"
    );
    let tally = report.restored.unwrap();
    assert_eq!(tally.restored, tally.of, "{report:#?}");
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(
        status.unrestored.is_empty() && status.not_restored.is_empty(),
        "{status:#?}"
    );
    assert_as_before(&c, &t, &before, &["broken"]).await;
}

#[tokio::test]
async fn a_cancel_starts_nothing_new_and_says_what_ran() {
    let Some(peers) = upstra_tests::peers("outage cancel") else {
        return;
    };
    let mut lab = Lab::start(peers, size());
    lab.tiered = true;
    let last = lab.servers_of(0).pop().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;
    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_event(&c, &t, &mut cursor, "a server shutdown", Duration::from_secs(60), |e| {
        matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("shut down server"))
    })
    .await;
    let cancelled = c.plan_cancel(ctx(), t.clone()).await.unwrap().unwrap();
    assert_eq!(cancelled.state, RunStatus::Cancelling, "{cancelled:#?}");
    assert!(
        cancelled.counts.done > 0 && cancelled.counts.running > 0,
        "{cancelled:#?}"
    );
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(120)).await;
    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(
        (shed.state.as_str(), shed.counts.failed),
        ("cancelled", 0),
        "{shed:#?}"
    );
    let tier2 = shed
        .plan
        .steps
        .iter()
        .find(|s| s.target == format!("server:{last}") && s.kind == StepKind::ShutdownServer)
        .unwrap();
    assert_eq!(tier2.state, Some(StepStatus::Skipped));
    assert!(
        tier2
            .outcome
            .as_deref()
            .is_some_and(|o| o.contains("cancelled by admin")),
        "{tier2:#?}"
    );
    assert_eq!(servers(&c, &t).await[&last].power, PowerState::On);
    // The audit trail has the cancel, by whom.
    let audit = c
        .audit_list(
            ctx(),
            t.clone(),
            upstra_core::api::v1::AuditQuery::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        audit
            .records
            .iter()
            .any(|a| a.action == "plan_cancel" && a.actor.as_deref() == Some(ADMIN))
    );

    // Mains back: what ran is undone.
    drop(dev);
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    assert_as_before(&c, &t, &before, &[]).await;
}
