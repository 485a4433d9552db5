//! The power race: mains returns while a shed that ends with the UPS-off command and this
//! host's shutdown is going on. Before the command, the shed halts, its last steps are
//! skipped (nothing reaches the UPS, this host stays up) and the restore follows. After it,
//! see `last_out`: the shed goes on and the next daemon restores.

use std::time::Duration;

use upstra_core::events::DomainEvent;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::clone_ups::*;
use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::{PlanType, RunStatus, StepStatus};

#[tokio::test]
async fn mains_back_before_the_ups_command_halts_the_shed_and_nothing_reaches_the_ups() {
    let Some(peers) = upstra_tests::peers("outage power race before") else {
        return;
    };
    let mut lab = lab(
        peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    // A server whose BMC refuses every call: its shutdown fails only after its retries, so
    // the UPS-off command (after every other step) is still ahead when mains returns.
    lab.broken = true;
    wait_clone_idle(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let log_before = upsd_log(&lab);
    let mut cursor = 0;

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the shed's start",
        Duration::from_secs(120),
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Shed),
    )
    .await;
    dev.set(&[("ups.status", "OL")]);
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(300)).await;

    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(shed.state, RunStatus::Halted, "{shed:#?}");
    assert_eq!(
        shed.power_race.as_deref(),
        Some("mains returned before the UPS-off command: shed halted; the restore follows"),
        "{shed:#?}"
    );
    assert!(!shed.continues_after_power_returns);
    for kind in ["ups_off", "shutdown_this_host"] {
        assert_eq!(
            step(&shed, kind).state,
            Some(StepStatus::Skipped),
            "{:#?}",
            step(&shed, kind)
        );
    }
    let restore = last_run(&c, &t, "restore").await;
    assert_eq!(restore.state, RunStatus::Finished, "{restore:#?}");
    assert_as_before(&c, &t, &before, &["console", "broken"]).await;

    assert_eq!(
        commands_since(&lab, &log_before),
        0,
        "nothing sent to the UPS"
    );
    assert!(poweroffs(dir.path()).is_empty(), "this host stayed up");
    daemon.stop();
}

#[tokio::test]
async fn mains_back_after_the_ups_command_lets_the_ups_cycle_before_the_restore() {
    let Some(peers) = upstra_tests::peers("outage power race after") else {
        return;
    };
    let mut lab = lab(
        peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    // This host is on the other UPS: the daemon stays up through the whole race.
    lab.edits.push((
        "feeds = [\"ups-one\"]\nthis_host = true".into(),
        "feeds = [\"ups-two\"]\nthis_host = true".into(),
    ));
    wait_clone_idle(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let log_before = upsd_log(&lab);
    let mut cursor = 0;

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "the UPS-off command",
        Duration::from_secs(180),
        |e| matches!(e, DomainEvent::StepEnded { detail, .. } if detail.contains("will cut its output")),
    )
    .await;
    dev.set(&[("ups.status", "OL")]);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "mains back",
        Duration::from_secs(60),
        |e| matches!(e, DomainEvent::OutageMainsReturned { .. }),
    )
    .await;
    // An operator cannot restore onto an output about to drop either.
    let refused = c
        .plan_restore(ctx(), t.clone())
        .await
        .unwrap()
        .expect_err("held until the UPS's output is back");
    assert!(
        refused.to_string().contains(
            "a UPS told to cut its output and restore it has not done so yet, and servers \
             powered on now would lose power again"
        ) && refused.to_string().contains("retry in "),
        "{refused}"
    );
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(400)).await;

    let shed = last_run(&c, &t, "shed").await;
    assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");
    let race = shed.power_race.clone().unwrap_or_default();
    assert!(
        race.starts_with("mains returned ")
            && race.ends_with(
                " s after the UPS-off command: the UPS cycles its output; the restore follows"
            ),
        "{shed:#?}"
    );
    // The restore waited for the cut (the clone's fixed offdelay) and the output's return (the
    // lab's `output_return`).
    let offdelay: u64 = lab
        .peers
        .get("UPSTRA_PEER_NUT_CMD_OFFDELAY")
        .parse()
        .unwrap();
    let off = step(&shed, "ups_off");
    let restore = last_run(&c, &t, "restore").await;
    let waited_ms = restore.started_at.millis() - shed.started_at.millis();
    let cut_s = off.started_s.unwrap() + offdelay;
    assert!(
        waited_ms >= i64::try_from((cut_s + OUTPUT_RETURN_S) * 1000).unwrap(),
        "the restore started {waited_ms} ms into the shed; the UPS cut its output at {cut_s} s \
         and has {OUTPUT_RETURN_S} s to restore it"
    );
    assert_eq!(restore.state, RunStatus::Finished, "{restore:#?}");
    assert_as_before(&c, &t, &before, &["console"]).await;
    assert_eq!(commands_since(&lab, &log_before), 1, "one shutdown.return");
    assert!(
        poweroffs(dir.path()).is_empty(),
        "this host was not at risk"
    );
    daemon.stop();
    drop(dev);
    wait_clone_idle(&lab).await;
}
