//! A daemon killed with SIGKILL at twelve moments of an outage (in the grace period, between
//! and during steps, while waiting for mains, during the restore) resumes from its journal
//! each time: the lab ends as it began, and no BMC was sent a power command twice.

use std::collections::BTreeMap;
use std::time::Duration;

use upstra_core::events::DomainEvent;
use upstra_core::state::PowerState;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::{PlanType, RunStatus};

type Moment = (&'static str, fn(&DomainEvent) -> bool);

const DURING_THE_CUT: [Moment; 8] = [
    ("in the grace period", |e| {
        matches!(e, DomainEvent::OutageGraceStarted { .. })
    }),
    (
        "as the shed starts",
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Shed),
    ),
    (
        "during a migration",
        |e| matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("migrate")),
    ),
    (
        "during a guest shutdown",
        |e| matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("shut down VM")),
    ),
    (
        "entering maintenance",
        |e| matches!(e, DomainEvent::StepStarted { action, .. } if action.contains("into maintenance")),
    ),
    (
        "while a server shuts down",
        |e| matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("shut down server")),
    ),
    (
        "between two server shutdowns",
        |e| matches!(e, DomainEvent::StepEnded { detail, .. } if detail.contains("through the BMC")),
    ),
    (
        "after the shed",
        |e| matches!(e, DomainEvent::RunEnded { plan, .. } if *plan == PlanType::Shed),
    ),
];

const AFTER_THE_CUT: [Moment; 4] = [
    ("while mains must stay", |e| {
        matches!(e, DomainEvent::OutageMainsReturned { .. })
    }),
    (
        "as the restore starts",
        |e| matches!(e, DomainEvent::RunStarted { plan, .. } if *plan == PlanType::Restore),
    ),
    (
        "while a server powers on",
        |e| matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("power on")),
    ),
    (
        "while VMs go back",
        |e| matches!(e, DomainEvent::StepStarted { action, .. } if action.starts_with("migrate") || action.starts_with("start VM")),
    ),
];

/// Power commands each BMC received, from the emulator's request log.
fn resets(lab: &Lab) -> BTreeMap<String, usize> {
    let log = std::fs::read_to_string(lab.own.dir.join("sushy.log")).unwrap_or_default();
    let mut out = BTreeMap::new();
    for line in log
        .lines()
        .filter(|l| l.contains("POST ") && l.contains("ComputerSystem.Reset"))
    {
        if let Some(id) = lab.own.systems.iter().find(|id| line.contains(id.as_str())) {
            *out.entry(id.clone()).or_default() += 1;
        }
    }
    out
}

#[tokio::test]
async fn a_daemon_killed_at_any_moment_resumes_and_sends_nothing_twice() {
    let Some(peers) = upstra_tests::peers("outage kill") else {
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
    let (mut daemon, mut c, t) = daemon(&lab, dir.path()).await;
    let before = placement(&c, &t).await;
    let mut cursor = 0;
    let mut kills = 0;

    async fn kill_and_restart(
        daemon: &mut Daemon,
        dir: &std::path::Path,
    ) -> upstra_core::api::v1::UpstraClient {
        daemon.kill();
        *daemon = Daemon::start_with_env(dir, &env()).await;
        connect(&daemon.socket).await.unwrap()
    }

    {
        let dev = DevFile::open(lab.nut_dir(), "ups1");
        dev.set(&[("ups.status", "OB DISCHRG")]);
        for (moment, pred) in DURING_THE_CUT {
            wait_event(&c, &t, &mut cursor, moment, Duration::from_secs(120), pred).await;
            c = kill_and_restart(&mut daemon, dir.path()).await;
            kills += 1;
            eprintln!("killed {moment}");
        }
        let shed = last_run(&c, &t, "shed").await;
        assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");
        assert_eq!(shed.counts.failed, 0, "{shed:#?}");
        // The restarted daemon has not read the BMCs yet: ask it to.
        c.sync(ctx(), t.clone()).await.unwrap().unwrap();
        let now = servers(&c, &t).await;
        for name in lab.servers_of(0) {
            assert_eq!(now[&name].power, PowerState::Off, "{name}");
        }
    }
    for (moment, pred) in AFTER_THE_CUT {
        wait_event(&c, &t, &mut cursor, moment, Duration::from_secs(120), pred).await;
        c = kill_and_restart(&mut daemon, dir.path()).await;
        kills += 1;
        eprintln!("killed {moment}");
    }
    until(
        "the restore to finish",
        Duration::from_secs(300),
        || async {
            let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
            (status.active.is_none() && status.unrestored.is_empty()).then_some(())
        },
    )
    .await;
    assert_eq!(kills, 12);
    let report = last_run(&c, &t, "restore").await;
    assert_eq!(report.state, RunStatus::Finished, "{report:#?}");
    assert_eq!(report.counts.failed, 0, "{report:#?}");
    assert_as_before(&c, &t, &before, &[]).await;
    // One shutdown and one power-on per server of the cut, nothing for the others.
    let sent = resets(&lab);
    let cut: Vec<&String> = lab
        .own
        .systems
        .iter()
        .take(lab.own.hosts[0].len())
        .collect();
    for id in &lab.own.systems {
        let want = if cut.contains(&id) { 2 } else { 0 };
        assert_eq!(
            sent.get(id).copied().unwrap_or(0),
            want,
            "power commands to {id}: {sent:?}"
        );
    }
}
