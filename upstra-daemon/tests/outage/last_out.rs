//! The last one out, end to end: on a real outage the daemon sheds the lab, tells the clone
//! UPS to cut its output and restore it on mains (once, after every server it feeds is down),
//! then powers this host off through the test build's double, which stops the daemon as
//! systemd would. A new daemon on the same store finds the run, never powers off again, waits
//! for stable mains and restores the lab on the real peers.

use std::time::Duration;

use upstra_core::api::v1::RunView;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::clone_ups::*;
use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::RunStatus;
use upstra_core::api::v1::{StepKind, StepStatus};

/// From the cut to the daemon gone: grace, the shed and this host's shutdown, on a loaded
/// machine.
const SHED_WITHIN: Duration = Duration::from_secs(240);
const RESTORE_WITHIN: Duration = Duration::from_secs(300);

fn assert_after_every_other_step(shed: &RunView) {
    let off = step(shed, "ups_off");
    let host = step(shed, "shutdown_this_host");
    for s in &shed.plan.steps {
        if s.kind == StepKind::UpsOff || s.kind == StepKind::ShutdownThisHost {
            continue;
        }
        assert!(
            s.ended_s <= off.started_s,
            "{} ended at {:?} s, the UPS-off started at {:?} s",
            s.action,
            s.ended_s,
            off.started_s
        );
    }
    assert!(off.ended_s <= host.started_s, "{off:?} then {host:?}");
}

#[tokio::test]
async fn the_ups_is_told_once_this_host_powers_off_and_the_next_daemon_restores() {
    let Some(peers) = upstra_tests::peers("outage last out") else {
        return;
    };
    let lab = lab(
        peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    wait_clone_idle(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let log_before = upsd_log(&lab);

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    until("this host's power-off", SHED_WITHIN, || async {
        (!poweroffs(dir.path()).is_empty()).then_some(())
    })
    .await;
    // The double stops the daemon the way systemd's poweroff would.
    let status = daemon.wait();
    assert!(status.success(), "{status}: {}", daemon.log());
    assert_eq!(poweroffs(dir.path()).len(), 1, "one power-off request");
    assert_eq!(commands_since(&lab, &log_before), 1, "one shutdown.return");
    // The clone's delay is fixed at its offdelay; the daemon asked for less (host + margin).
    let offdelay: i64 = lab
        .peers
        .get("UPSTRA_PEER_NUT_CMD_OFFDELAY")
        .parse()
        .unwrap();
    assert_clone_counting(&lab, offdelay).await;

    // Mains returns while this host is off; the UPS cycles its output, the host boots.
    dev.set(&[("ups.status", "OL")]);
    wait_clone_idle(&lab).await;
    let mut daemon = Daemon::start_with_env(dir.path(), &settings(&lab)).await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = login(&c).await;
    let mut cursor = 0;
    wait_run_end(&c, &t, &mut cursor, "restore", RESTORE_WITHIN).await;
    let restore = last_run(&c, &t, "restore").await;
    assert_eq!(restore.state, RunStatus::Finished, "{restore:#?}");
    let tally = restore.restored.expect("a tally");
    assert_eq!(tally.restored, tally.of, "{restore:#?}");
    assert_as_before(&c, &t, &before, &["console"]).await;

    let shed = last_run(&c, &t, "shed").await;
    assert!(shed.continues_after_power_returns, "{shed:#?}");
    assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");
    assert_after_every_other_step(&shed);
    let off = step(&shed, "ups_off");
    assert_eq!(off.state, Some(StepStatus::Done), "{off:?}");
    let said = off.outcome.clone().unwrap_or_default();
    assert!(
        said.contains(&format!(
            "will cut its output in {offdelay} s and restore it when mains returns \
             (shutdown.return, confirmed by the driver)"
        )),
        "{said}"
    );
    let host = step(&shed, "shutdown_this_host");
    assert_eq!(host.state, Some(StepStatus::Done), "{host:?}");
    let said = host.outcome.clone().unwrap_or_default();
    assert!(
        said.starts_with("this host shut down at ")
            && said.ends_with("and the daemon started again"),
        "{said}"
    );
    let race = shed.power_race.clone().unwrap_or_default();
    assert!(
        race.contains("after the UPS-off command: the UPS cycles its output"),
        "{shed:#?}"
    );
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(status.not_restored.is_empty(), "{status:#?}");
    assert!(status.unrestored.is_empty(), "{status:#?}");

    // Nothing was sent or powered off twice.
    assert_eq!(poweroffs(dir.path()).len(), 1);
    assert_eq!(commands_since(&lab, &log_before), 1);
    daemon.stop();
    drop(dev);
    wait_clone_idle(&lab).await;
}

#[tokio::test]
async fn a_shed_by_hand_on_mains_leaves_this_host_and_the_ups_alone_unless_asked() {
    let Some(peers) = upstra_tests::peers("outage last out, by hand on mains") else {
        return;
    };
    let lab = lab(
        peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    wait_clone_idle(&lab).await;
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let log_before = upsd_log(&lab);
    let mut cursor = 0;
    // What the same UPS's real outage would do: the last steps are in the plan.
    let outage = c
        .plan_show(ctx(), t.clone(), Some("ups-one".into()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        outage
            .steps
            .iter()
            .any(|s| s.kind == StepKind::ShutdownThisHost),
        "{outage:#?}"
    );

    let run = c
        .plan_run(
            ctx(),
            t.clone(),
            upstra_core::api::v1::PlanRunRequest {
                auto_restore: true,
                ..upstra_core::api::v1::PlanRunRequest::new("ups-one")
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        !run.plan
            .steps
            .iter()
            .any(|s| s.kind == StepKind::UpsOff || s.kind == StepKind::ShutdownThisHost),
        "{:#?}",
        run.plan.steps
    );
    assert!(
        run.plan.notes.iter().any(|n| n.contains(
            "the UPS is on mains and this shed was started by hand; to include them, run \
             `upstra plan run ups-one --include-this-host`"
        )),
        "{:#?}",
        run.plan.notes
    );
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(180)).await;
    wait_run_end(&c, &t, &mut cursor, "restore", RESTORE_WITHIN).await;
    assert_as_before(&c, &t, &before, &["console"]).await;
    assert_eq!(
        commands_since(&lab, &log_before),
        0,
        "nothing sent to the UPS"
    );
    assert!(poweroffs(dir.path()).is_empty(), "this host stayed up");
    daemon.stop();
}

#[tokio::test]
async fn a_refused_power_off_fails_the_step_and_this_host_stays_up_for_the_restore() {
    let Some(peers) = upstra_tests::peers("outage last out, power-off refused") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    lab.edits.push((
        "server_on_timeout = \"90s\"\n".into(),
        "server_on_timeout = \"90s\"\n[[server]]\nname = \"console\"\nroom = \"lab\"\n\
         kind = \"other\"\nfeeds = [\"ups-one\"]\nthis_host = true\n"
            .into(),
    ));
    let dir = tempfile::tempdir().unwrap();
    // The double cannot write its record there: the power-off is refused, as a failing
    // systemctl would refuse it.
    let nowhere = dir.path().join("missing").join("poweroff.log");
    let nowhere: &'static str = Box::leak(nowhere.to_str().unwrap().to_owned().into_boxed_str());
    lab.extra_env.push(("UPSTRA_TEST_HOST_POWEROFF", nowhere));
    let (mut daemon, c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;

    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_run_end(&c, &t, &mut cursor, "shed", SHED_WITHIN).await;
    let shed = last_run(&c, &t, "shed").await;
    let host = step(&shed, "shutdown_this_host");
    assert_eq!(host.state, Some(StepStatus::Failed), "{host:#?}");
    assert!(
        host.outcome
            .as_deref()
            .is_some_and(|o| o.contains("the test double cannot record the power-off")),
        "{host:#?}"
    );
    assert!(!shed.continues_after_power_returns, "{shed:#?}");
    assert!(c.health(ctx()).await.is_ok(), "the daemon stays up");

    dev.set(&[("ups.status", "OL")]);
    wait_run_end(&c, &t, &mut cursor, "restore", RESTORE_WITHIN).await;
    assert_as_before(&c, &t, &before, &["console"]).await;
    daemon.stop();
}
