//! `upstra plan ...` end to end against the demo daemon (issue 5): the timeline, a simulation,
//! a shed run by hand on the simulated lab, its status, the restore, and who may do it. The
//! orchestrator itself is proven against the real peers in `upstra-daemon/tests/outage/`.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::{Duration, Instant};

use harness::driven::Driven;
use harness::{Demo, fails};
use upstra_core::api::v1::{PlanStatus, PlanView, RunView, SimulationReport};
use upstra_core::api::v1::{PlanType, RunStatus, WatchState};
use upstra_tui::console::call::{Call, Reply, Request};

fn status(demo: &Demo) -> PlanStatus {
    serde_json::from_str(&demo.ok(&["plan", "status", "--json"], "")).expect("status")
}

/// Polls `plan status` until no run is in progress.
fn settled(demo: &Demo) -> PlanStatus {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = status(demo);
        if s.active.is_none() {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "a run still in progress after 60 s: {s:#?}"
        );
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

#[test]
fn plan_show_draws_the_timeline_of_a_cut() {
    let demo = Demo::start();
    demo.login();
    let text = demo.ok(&["plan", "show", "ups-a1"], "");
    assert!(text.starts_with("Shed plan for UPS ups-a1: "), "{text}");
    assert!(text.contains("migrate VM "), "{text}");
    assert!(text.contains("put esx-a1 into maintenance mode"), "{text}");
    assert!(text.contains("shut down server nas-a1"), "{text}");
    assert!(text.contains("* on the critical path"), "{text}");
    let plan: PlanView =
        serde_json::from_str(&demo.ok(&["plan", "show", "ups-a1", "--json"], "")).expect("json");
    assert_eq!(plan.kind, PlanType::Shed);
    assert_eq!(plan.ups, vec!["ups-a1".to_owned()]);
    // The SAN goes down after the hosts that use it.
    let pos = |what: &str| {
        plan.steps
            .iter()
            .position(|s| s.action == what)
            .expect(what)
    };
    assert!(pos("shut down server esx-a1") < pos("shut down server nas-a1"));
    // The most important VM moves first.
    assert!(
        plan.steps[0].action.starts_with("migrate VM db-01"),
        "{:?}",
        plan.steps[0]
    );
    // The pinned VM is shut down, never moved.
    let b1: PlanView =
        serde_json::from_str(&demo.ok(&["plan", "show", "ups-b1", "--json"], "")).expect("json");
    assert!(
        b1.steps
            .iter()
            .any(|s| s.action.starts_with("shut down VM license")),
        "{b1:#?}"
    );
    assert!(
        !b1.steps
            .iter()
            .any(|s| s.action.starts_with("migrate VM license"))
    );
    // The dual-fed switch keeps running: its other UPS is fine.
    assert!(!b1.steps.iter().any(|s| s.target == "server:core-sw"));

    let nothing = demo.ok(&["plan", "show"], "");
    assert!(nothing.contains("no UPS is being acted on"), "{nothing}");
    fails(
        &demo.upstra(&["plan", "show", "nope"], ""),
        1,
        "UPS `nope` (see `upstra ups list`) not found",
    );
}

#[test]
fn plan_simulate_checks_the_lab_and_changes_nothing() {
    let demo = Demo::start();
    demo.login();
    let report: SimulationReport =
        serde_json::from_str(&demo.ok(&["plan", "simulate", "ups-b1", "--json"], ""))
            .expect("json");
    assert!(
        report.trigger.starts_with("after 60 s on battery"),
        "{}",
        report.trigger
    );
    assert!(
        report.checks.iter().any(|c| c.target == "vcenter" && c.ok),
        "{:?}",
        report.checks
    );
    assert!(
        report
            .checks
            .iter()
            .filter(|c| c.target.starts_with("server:"))
            .all(|c| c.ok)
    );
    assert_eq!(report.fits_runtime, Some(true));
    assert!(status(&demo).recent.is_empty(), "a simulation runs nothing");
}

#[test]
fn a_shed_run_by_hand_then_restored() {
    let demo = Demo::start();
    demo.login();
    fails(
        &demo.upstra(&["plan", "run", "ups-a1"], ""),
        2,
        "not confirmed: to shed the load of UPS ups-a1",
    );
    let run: RunView =
        serde_json::from_str(&demo.ok(&["plan", "run", "ups-a1", "--yes", "--json"], ""))
            .expect("run");
    assert_eq!(run.plan.kind, PlanType::Shed);
    let after = settled(&demo);
    let shed = after
        .recent
        .iter()
        .find(|r| r.id == run.id)
        .expect("the shed");
    assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");
    assert_eq!(shed.counts.failed, 0);
    assert_eq!(after.unrestored, vec![run.id]);
    let servers = demo.ok(&["server", "list"], "");
    assert!(
        servers
            .lines()
            .any(|l| l.starts_with("esx-a1") && l.contains(" off")),
        "{servers}"
    );

    let text = demo.ok(&["plan", "status"], "");
    assert!(
        text.contains(&format!("not restored yet: run {}", run.id)),
        "{text}"
    );
    let restored = demo.ok(&["plan", "restore", "--yes"], "");
    assert!(
        restored.starts_with(&format!("run {} (restore) running", run.id + 1)),
        "{restored}"
    );
    let after = settled(&demo);
    let restore = &after.recent[0];
    assert_eq!(
        (restore.state.as_str(), restore.counts.failed),
        ("finished", 0),
        "{restore:#?}"
    );
    assert!(after.unrestored.is_empty());
    let servers = demo.ok(&["server", "list"], "");
    assert!(!servers.lines().any(|l| l.contains(" off ")), "{servers}");
    fails(
        &demo.upstra(&["plan", "restore", "--yes"], ""),
        1,
        "nothing to restore",
    );
    fails(
        &demo.upstra(&["plan", "cancel", "--yes"], ""),
        1,
        "no plan is running",
    );
}

#[test]
fn plans_need_the_plan_permission() {
    let demo = Demo::start();
    demo.login();
    demo.add_and_login("vic", "viewer");
    for args in [
        &["plan", "status"][..],
        &["plan", "show", "ups-a1"],
        &["plan", "run", "ups-a1", "--yes"],
        &["plan", "cancel", "--yes"],
        &["plan", "restore", "--yes"],
    ] {
        fails(
            &demo.as_user("vic", args, ""),
            5,
            "permission denied: this needs the plan",
        );
    }
    demo.ok(&["plan", "status"], "");
}

/// The demo's power cut puts ups-a1 on battery; its watch then says when the 60 s grace
/// period ends by the daemon's clock, which the console counts down from.
#[test]
fn on_battery_the_status_says_when_the_grace_period_ends() {
    let demo = Demo::start();
    demo.login();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut console = Driven::new(&demo, demo.session_file());
        console
            .request(Request::PowerCut {
                ups: "ups-a1".into(),
                cut: true,
            })
            .await
            .expect("the mains of ups-a1 cut");
        let deadline = Instant::now() + Duration::from_secs(60);
        let watch = loop {
            let Reply::PlanStatus(Ok(status)) = console.call(Call::PlanStatus).await else {
                panic!("a status");
            };
            let watch = status.watches.into_iter().find(|w| w.ups == "ups-a1");
            if let Some(w) = watch.filter(|w| w.phase == WatchState::OnBattery) {
                break w;
            }
            assert!(Instant::now() < deadline, "ups-a1 never went on battery");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        let since = watch.since.expect("the start of the outage");
        let ends = watch.grace_ends_at.expect("the end of the grace period");
        assert_eq!(ends.millis() - since.millis(), 60_000);
        let left = watch.grace_left_s.expect("seconds left");
        assert!(left <= 60, "{left}");
    });
}

/// The demo lab's mgmt-a1 (this host) and ups-a1 (`ups_off = "return"`): the shed's last steps are
/// shown with their times, the cut against the battery, and the simulation says that this
/// host's power-off is only simulated.
#[test]
fn the_last_steps_are_shown_before_they_happen() {
    let demo = Demo::start();
    demo.login();
    let plan: PlanView =
        serde_json::from_str(&demo.ok(&["plan", "show", "ups-a1", "--json"], "")).expect("json");
    let kinds: Vec<&str> = plan.steps.iter().map(|s| s.kind.as_str()).collect();
    assert_eq!(
        kinds[kinds.len() - 2..],
        ["ups_off", "shutdown_this_host"],
        "{plan:#?}"
    );
    let cut = plan.output_cut_s.expect("a cut");
    assert!(
        plan.notes
            .iter()
            .any(|n| n.starts_with("UPS ups-a1 cuts its output at ")
                && n.contains("(after this host is down)")),
        "{:#?}",
        plan.notes
    );
    let text = demo.ok(&["plan", "show", "ups-a1"], "");
    assert!(
        text.contains("ask UPS ups-a1 to cut its output in 30 s and restore it when mains returns"),
        "{text}"
    );
    assert!(
        text.contains("shut down this host (mgmt-a1), where the daemon runs"),
        "{text}"
    );
    assert!(
        text.lines()
            .next()
            .unwrap_or_default()
            .contains("; output cut at "),
        "{text}"
    );
    assert!(cut > plan.steps[plan.steps.len() - 1].end_s, "{plan:#?}");

    let text = demo.ok(&["plan", "simulate", "ups-a1"], "");
    let line = |target: &str| {
        text.lines()
            .find(|l| l.contains(&format!(" {target} ")))
            .unwrap_or_default()
            .to_owned()
    };
    assert!(line("ups:ups-a1").starts_with("  ok"), "{text}");
    assert!(
        line("ups:ups-a1")
            .contains("shutdown.return, output cut 30 s after the command, restored on mains"),
        "{text}"
    );
    assert!(line("server:mgmt-a1").starts_with("  ok"), "{text}");
    assert!(
        line("server:mgmt-a1").contains("this host (mgmt-a1) shuts down last, at ")
            && line("server:mgmt-a1").contains("simulated: the demo never powers this machine off"),
        "{text}"
    );
}
