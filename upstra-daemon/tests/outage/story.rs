//! The whole story: UPS on battery, nothing during the grace period, VMs moved to the other
//! UPS's hosts (the pinned one shut down), hosts in maintenance and off; mains back, and after
//! the stability wait everything is as it was, with a report that says so.

use std::time::Duration;

use upstra_core::events::DomainEvent;
use upstra_core::state::PowerState;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::comms::Frozen;
use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::{PlanType, RunStatus, StepStatus};
use upstra_core::api::v1::{StepKind, WatchState};

#[tokio::test]
async fn a_cut_is_shed_after_the_grace_period_and_restored_when_mains_is_stable() {
    let Some(peers) = upstra_tests::peers("outage story") else {
        return;
    };
    let lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 3,
            vms_per_cluster: 4,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let (daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let cluster0 = lab.servers_of(0);
    let hosts0 = lab.own.hosts[0].clone();
    let hosts1 = lab.own.hosts[1].clone();
    assert!(
        before
            .values()
            .any(|(h, _)| h.as_ref().is_some_and(|h| hosts0.contains(h)))
    );
    let mut cursor = 0;

    // Mains fails on ups-one.
    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    let grace = wait_event(
        &c,
        &t,
        &mut cursor,
        "the grace period",
        Duration::from_secs(20),
        |e| matches!(e, DomainEvent::OutageGraceStarted { ups, .. } if ups.as_str() == "ups-one"),
    )
    .await;
    let started = wait_event(
        &c,
        &t,
        &mut cursor,
        "the shed",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Shed),
    )
    .await;
    let waited_ms = started.at.millis() - grace.at.millis();
    assert!(
        waited_ms >= (GRACE_S * 1000) as i64,
        "the shed started {waited_ms} ms after the cut, inside the {GRACE_S} s grace period"
    );
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    let shed = last_run(&c, &t, "shed").await;
    eprintln!("{}", shed.summary());
    for s in &shed.plan.steps {
        eprintln!(
            "  #{} {} -> {:?} ({:?} ms)",
            s.number, s.action, s.outcome, s.took_ms
        );
    }
    assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");
    assert_eq!(
        (shed.counts.failed, shed.counts.skipped),
        (0, 0),
        "{shed:#?}"
    );

    let during = placement(&c, &t).await;
    for (vm, (host, power)) in &before {
        let was_on_cut = host.as_ref().is_some_and(|h| hosts0.contains(h));
        let (now_host, now_power) = &during[vm];
        if !was_on_cut || power != "on" {
            assert_eq!(
                (now_host, now_power),
                (host, power),
                "{vm} was not on the cut power"
            );
        } else if *vm == lab.pinned {
            assert_eq!(now_power, "off", "the pinned VM is shut down, not moved");
        } else {
            assert!(
                now_host.as_ref().is_some_and(|h| hosts1.contains(h)) && now_power == "on",
                "{vm} runs on the other UPS's hosts: {now_host:?} {now_power}"
            );
        }
    }
    let srv = servers(&c, &t).await;
    for name in &cluster0 {
        assert_eq!(srv[name].power, PowerState::Off, "{name}");
        assert_eq!(srv[name].in_maintenance, Some(true), "{name}");
    }
    for name in lab.servers_of(1) {
        assert_eq!(srv[&name].power, PowerState::On, "{name}");
    }

    // Mains is back: after the stability wait, everything returns.
    drop(dev);
    let back = wait_event(
        &c,
        &t,
        &mut cursor,
        "mains back",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::OutageMainsReturned { ups } if ups.as_str() == "ups-one"),
    )
    .await;
    let restore = wait_event(
        &c,
        &t,
        &mut cursor,
        "the restore",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Restore),
    )
    .await;
    assert!(restore.at.millis() - back.at.millis() >= (STABLE_S * 1000) as i64);
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    let report = last_run(&c, &t, "restore").await;
    eprintln!("{}", report.summary());
    for s in &report.plan.steps {
        eprintln!(
            "  #{} {} -> {:?} ({:?} ms)",
            s.number, s.action, s.outcome, s.took_ms
        );
    }
    assert_eq!(report.state, RunStatus::Finished, "{report:#?}");
    assert_eq!(
        (report.counts.failed, report.counts.skipped),
        (0, 0),
        "{report:#?}"
    );
    assert_eq!(report.undoes, vec![shed.id]);
    // What happened, to draw over what was predicted: every step that ran says when it
    // started and ended, in seconds from the run's start, within the run.
    let run_s = u64::try_from(report.ended_at.unwrap().millis() - report.started_at.millis())
        .unwrap()
        / 1000;
    for s in &report.plan.steps {
        let (start, end) = (s.started_s.unwrap(), s.ended_s.unwrap());
        assert!(
            start <= end && end <= run_s,
            "#{}: {start}..{end} of {run_s}",
            s.number
        );
    }

    assert_as_before(&c, &t, &before, &[]).await;
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(status.unrestored.is_empty());
    assert!(
        status.watches.iter().all(|w| w.phase == WatchState::Online),
        "{:?}",
        status.watches
    );
    drop(daemon);
}

#[tokio::test]
async fn mains_back_during_the_shed_lets_steps_in_flight_finish_then_restores() {
    let Some(peers) = upstra_tests::peers("outage interrupted") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 3,
            vms_per_cluster: 4,
        },
    );
    lab.tiered = true;
    let last = lab.servers_of(0).pop().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;
    let bmcs_held;
    {
        let dev = DevFile::open(lab.nut_dir(), "ups1");
        dev.set(&[("ups.status", "OB DISCHRG")]);
        // Mains returns while the first tier is shutting down; the second tier waits for it.
        wait_event(&c, &t, &mut cursor, "a server shutdown", Duration::from_secs(60), |e| {
            matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("shut down server"))
        })
        .await;
        // The first tier's BMC calls wait until the daemon has seen mains return: on a loaded
        // machine, that tier could otherwise be done (and the second started) before the UPS's
        // next poll shows mains.
        bmcs_held = Frozen::process(lab.own.redfish_pid);
    }
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the shed stopping",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::RunStopping { .. }),
    )
    .await;
    drop(bmcs_held);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(120)).await;
    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(shed.state, RunStatus::Halted, "{shed:#?}");
    assert_eq!(shed.counts.failed, 0, "{shed:#?}");
    let second_tier = shed
        .plan
        .steps
        .iter()
        .find(|s| s.target == format!("server:{last}") && s.kind == StepKind::ShutdownServer)
        .unwrap();
    assert_eq!(
        second_tier.state,
        Some(StepStatus::Skipped),
        "{second_tier:#?}"
    );
    assert!(
        shed.stopped
            .as_deref()
            .is_some_and(|w| w.contains("mains returned"))
    );
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    let report = last_run(&c, &t, "restore").await;
    assert_eq!(report.state, RunStatus::Finished, "{report:#?}");
    assert_eq!(report.counts.failed, 0, "{report:#?}");
    assert_as_before(&c, &t, &before, &[]).await;
}
