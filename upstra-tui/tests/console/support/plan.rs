//! Plans, runs and statuses as the daemon answers them, for the plan view's tests: ups-a1's
//! shed (two VMs migrate off esx-a1, then esx-a1 and nas-a1 shut down) and its restore.

use upstra_core::api::v1::PlanType;
use upstra_core::api::v1::{
    CheckView, PlanStatus, PlanView, RunView, SimulationReport, StepCounts, StepView, WatchView,
};
use upstra_core::state::Timestamp;

/// One step; `after` are step numbers.
pub fn step(number: u32, kind: &str, target: &str, action: &str, span: (u64, u64)) -> StepView {
    StepView {
        number,
        kind: kind.into(),
        target: target.into(),
        action: action.into(),
        after: Vec::new(),
        estimate_s: span.1 - span.0,
        start_s: span.0,
        end_s: span.1,
        critical: false,
        state: None,
        attempts: 0,
        outcome: None,
        took_ms: None,
        started_s: None,
        ended_s: None,
        estimate_learned: false,
    }
}

/// What an outage of ups-a1 would do, against 40 minutes of battery.
pub fn shed() -> PlanView {
    let mut steps = vec![
        step(
            1,
            "migrate_vm",
            "vm:web-01",
            "migrate VM web-01 from esx-a1 to esx-b1",
            (0, 60),
        ),
        step(
            2,
            "migrate_vm",
            "vm:db-01",
            "migrate VM db-01 from esx-a1 to esx-b1",
            (0, 95),
        ),
        step(
            3,
            "enter_maintenance",
            "server:esx-a1",
            "put esx-a1 in maintenance mode",
            (95, 105),
        ),
        step(
            4,
            "shutdown_server",
            "server:esx-a1",
            "shut down server esx-a1",
            (105, 285),
        ),
        step(
            5,
            "shutdown_server",
            "server:nas-a1",
            "shut down server nas-a1",
            (285, 465),
        ),
    ];
    steps[2].after = vec![1, 2];
    steps[3].after = vec![3];
    steps[4].after = vec![4];
    for i in [1, 2, 3, 4] {
        steps[i].critical = true;
    }
    PlanView {
        kind: "shed".into(),
        ups: vec!["ups-a1".into()],
        steps,
        makespan_s: 465,
        critical_path_s: 465,
        notes: vec!["core-sw: also fed by ups-b1, kept on".into()],
        runtime_s: Some(2400),
        output_cut_s: None,
        preferred: Vec::new(),
    }
}

/// Bringing back what the shed of ups-a1 stopped.
pub fn restore() -> PlanView {
    let steps = vec![
        step(
            1,
            "power_on_server",
            "server:nas-a1",
            "power on server nas-a1",
            (0, 120),
        ),
        step(
            2,
            "power_on_server",
            "server:esx-a1",
            "power on server esx-a1",
            (120, 240),
        ),
        step(
            3,
            "wait_connected",
            "server:esx-a1",
            "wait until vCenter sees esx-a1",
            (240, 300),
        ),
        step(
            4,
            "exit_maintenance",
            "server:esx-a1",
            "take esx-a1 out of maintenance mode",
            (300, 310),
        ),
        step(
            5,
            "migrate_vm",
            "vm:web-01",
            "migrate VM web-01 from esx-b1 to esx-a1",
            (310, 370),
        ),
        step(
            6,
            "migrate_vm",
            "vm:db-01",
            "migrate VM db-01 from esx-b1 to esx-a1",
            (310, 400),
        ),
    ];
    PlanView {
        kind: "restore".into(),
        ups: vec!["ups-a1".into()],
        steps,
        makespan_s: 400,
        critical_path_s: 400,
        notes: Vec::new(),
        runtime_s: None,
        output_cut_s: None,
        preferred: Vec::new(),
    }
}

/// `plan` run as run `id`, its steps in `states` (missing ones pending).
pub fn run(id: i64, mut plan: PlanView, states: &[(&str, Option<&str>)], ended: bool) -> RunView {
    let mut counts = StepCounts::default();
    for (i, step) in plan.steps.iter_mut().enumerate() {
        let (state, outcome) = states.get(i).copied().unwrap_or(("pending", None));
        step.state = Some(state.into());
        step.outcome = outcome.map(str::to_owned);
        if state != "pending" {
            step.attempts = 1;
            step.took_ms = Some(12_300);
        }
        match state {
            "pending" => counts.pending += 1,
            "started" | "dispatched" => counts.running += 1,
            "done" => counts.done += 1,
            "failed" => counts.failed += 1,
            _ => counts.skipped += 1,
        }
    }
    RunView {
        id,
        state: if ended { "finished" } else { "running" }.into(),
        reason: if plan.kind == PlanType::Restore {
            "mains back and stable on ups-a1".into()
        } else {
            "ups-a1 on battery for longer than its 60 s grace period".into()
        },
        by: None,
        stopped: None,
        started_at: Timestamp(1_795_600_000_000),
        ended_at: ended.then_some(Timestamp(1_795_600_400_000)),
        counts,
        plan,
        undoes: Vec::new(),
        restored: None,
        continues_after_power_returns: false,
        power_race: None,
    }
}

pub fn watch(ups: &str, phase: &str, grace_left_s: Option<u64>) -> WatchView {
    WatchView {
        ups: ups.into(),
        phase: phase.into(),
        since: None,
        grace_left_s,
        grace_ends_at: None,
        restore_wait: None,
    }
}

/// When the daemon answered the statuses of these tests, by its clock.
pub const READ_AT: Timestamp = Timestamp(1_795_600_000_000);

/// A tick `secs` seconds after [`READ_AT`], by the console's clock.
pub fn tick_after(secs: i64) -> upstra_tui::console::action::Action {
    upstra_tui::console::action::Action::Tick {
        now: Timestamp(READ_AT.millis() + secs * 1000),
    }
}

/// Both UPS on mains, nothing running, nothing run.
pub fn quiet() -> PlanStatus {
    PlanStatus {
        watches: vec![
            watch("ups-a1", "online", None),
            watch("ups-b1", "online", None),
        ],
        active: None,
        recent: Vec::new(),
        unrestored: Vec::new(),
        not_restored: Vec::new(),
    }
}

/// ups-a1 on battery with `grace` seconds of grace left when the daemon answered, at
/// [`READ_AT`].
pub fn on_battery(grace: u64) -> PlanStatus {
    let mut a1 = watch("ups-a1", "on_battery", Some(grace));
    let grace_ms = i64::try_from(grace * 1000).expect("a short grace");
    a1.grace_ends_at = Some(Timestamp(READ_AT.millis() + grace_ms));
    PlanStatus {
        watches: vec![a1, watch("ups-b1", "online", None)],
        ..quiet()
    }
}

/// ups-a1's shed halfway: two steps done, one running.
pub fn shedding() -> PlanStatus {
    let run = run(
        3,
        shed(),
        &[
            ("done", Some("web-01 now on esx-b1")),
            ("done", Some("db-01 now on esx-b1")),
            ("started", None),
        ],
        false,
    );
    PlanStatus {
        watches: vec![
            watch("ups-a1", "triggered", None),
            watch("ups-b1", "online", None),
        ],
        active: Some(run.clone()),
        recent: vec![run],
        unrestored: Vec::new(),
        not_restored: Vec::new(),
    }
}

/// ups-a1's restore ended: the servers came back, one VM did not move back.
pub fn restored() -> PlanStatus {
    let run = run(
        4,
        restore(),
        &[
            ("done", Some("nas-a1 is on")),
            ("done", Some("esx-a1 is on")),
            ("done", Some("esx-a1 connected")),
            ("done", None),
            ("done", Some("web-01 back on esx-a1")),
            (
                "failed",
                Some("vCenter refused: not enough memory on esx-a1"),
            ),
        ],
        true,
    );
    PlanStatus {
        recent: vec![run],
        ..quiet()
    }
}

pub fn simulation() -> SimulationReport {
    let check = |target: &str, ok: bool, detail: &str| CheckView {
        target: target.into(),
        ok,
        detail: detail.into(),
    };
    SimulationReport {
        plan: shed(),
        trigger: "after the 60 s grace period, or at once on low battery".into(),
        checks: vec![
            check("ups:ups-a1", true, "answers: OL, 97%, 40m 00s"),
            check("vcenter", true, "logged in; 4 hosts, 20 VMs"),
            check("server:esx-a1", true, "BMC answers, power on"),
            check("server:nas-a1", false, "BMC refused the login (401)"),
            check("server:esx-b1", true, "room for 2 VMs (96 GiB free)"),
        ],
        fits_runtime: Some(true),
    }
}
