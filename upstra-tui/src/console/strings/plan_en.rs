//! The plan view in English.

use upstra_core::api::v1::{PlanType, RunStatus, StepKind, StepStatus, WatchState};

use super::capitalise;
use super::plan::{PlanWords, split_target};
use crate::console::call::Request;
use crate::format;
use upstra_core::outage::Unfit;

fn secs(s: u64) -> String {
    format::runtime(Some(s))
}

pub static PLAN: PlanWords = PlanWords {
    title: "Plan",
    no_ups: "No UPS is declared: there is nothing to plan for.",
    loading: "Reading the plan…",
    nothing_to_do: "Nothing to do: no server depends on this UPS alone.",
    preview_line: |ups, plan| {
        let mut line = format!(
            "If UPS {ups} lost mains now: {} plan, {} step{}, {}",
            kind(plan.kind),
            plan.steps.len(),
            if plan.steps.len() == 1 { "" } else { "s" },
            super::situation_en::length(plan.makespan_s, plan.critical_path_s)
        );
        if let Some(r) = plan.runtime_s {
            line.push_str(&format!("; battery runtime {}", secs(r)));
        }
        line.push('.');
        line
    },
    run_line: |run| {
        let c = &run.counts;
        let mut parts = vec![format!("{} done", c.done)];
        for (n, what) in [
            (c.running, "in flight"),
            (c.pending, "pending"),
            (c.failed, "failed"),
            (c.skipped, "skipped"),
        ] {
            if n > 0 {
                parts.push(format!("{n} {what}"));
            }
        }
        let by = run
            .by
            .as_deref()
            .map(|u| format!(", started by {u}"))
            .unwrap_or_default();
        if run.state.is_active() {
            // While it runs, where it is: "shedding UPS ups-a1, step 3 of 5".
            let (at, of) = super::situation::step_at(run);
            return format!(
                "Run {}: {} UPS {}{by}, step {at} of {of}: {}. Why: {}.",
                run.id,
                (super::situation_en::SITUATION.doing)(run),
                run.plan.ups.join(", "),
                parts.join(", "),
                run.reason
            );
        }
        format!(
            "Run {}: {} of UPS {}, {}{by}: {}. Why: {}.",
            run.id,
            kind(run.plan.kind),
            run.plan.ups.join(", "),
            run_state(run.state),
            parts.join(", "),
            run.reason
        )
    },
    simulation_line: |ups, r| {
        let fits = match r.fits_runtime {
            Some(true) => "it fits in the battery runtime the UPS reports",
            Some(false) => "WARNING: it does not fit in the battery runtime the UPS reports",
            None => "the UPS reports no runtime to compare it with",
        };
        format!(
            "Simulated outage of UPS {ups}: the daemon would act {}; {fits}.",
            r.trigger
        )
    },
    phase: |p| match p {
        WatchState::Online => "on mains",
        WatchState::OnBattery => "ON BATTERY",
        WatchState::SelfTest => "self-test",
        WatchState::Triggered => "plan triggered",
        WatchState::PowerBack => "mains back, waiting",
        WatchState::Restoring => "restoring",
        WatchState::Unknown => "?",
    },
    grace: |s| format!("grace {}", secs(s)),
    step_label: |kind, name| match kind {
        StepKind::MigrateVm => format!("migrate VM {name}"),
        StepKind::StopVm => format!("stop VM {name}"),
        StepKind::StartVm => format!("start VM {name}"),
        StepKind::EnterMaintenance => format!("maintenance on {name}"),
        StepKind::ExitMaintenance => format!("maintenance off {name}"),
        StepKind::ShutdownServer => format!("shut down {name}"),
        StepKind::PowerOnServer => format!("power on {name}"),
        StepKind::WaitConnected => format!("wait for {name}"),
        StepKind::UpsOff => format!("cut {name} output"),
        StepKind::ShutdownThisHost => format!("shut down {name} (here)"),
        StepKind::Unknown => format!("? {name}"),
    },
    step_state: |s| match s {
        None => "",
        Some(StepStatus::Pending) => "pending",
        Some(StepStatus::Started | StepStatus::Dispatched) => "running",
        Some(StepStatus::Done) => "done",
        Some(StepStatus::Failed) => "FAILED",
        Some(StepStatus::Skipped) => "skipped",
        Some(StepStatus::Unknown) => "?",
    },
    run_state,
    col_step: "step",
    col_state: "state",
    legend: |runtime| {
        let battery = runtime
            .map(|r| format!("  ┊ battery runtime {}", secs(r)))
            .unwrap_or_default();
        format!("█ critical path  ▒ other steps{battery}")
    },
    legend_output_cut: |s| format!("╳ UPS off {}", secs(s)),
    demo_last_out: |kind| match kind {
        StepKind::UpsOff => {
            Some("Demo: the simulated UPS cuts its output; no real UPS is told anything.")
        }
        StepKind::ShutdownThisHost => {
            Some("Demo: simulated; this host would power off here, but this machine never does.")
        }
        _ => None,
    },
    step_title: |n| format!("Step {n}"),
    step_facts: |s| {
        let mut parts = Vec::new();
        if !s.after.is_empty() {
            let after: Vec<String> = s.after.iter().map(|n| format!("#{n}")).collect();
            parts.push(format!("after {}", after.join(", ")));
        }
        parts.push(format!("estimate {}", secs(s.estimate_s)));
        parts.push(format!("{} → {}", secs(s.start_s), secs(s.end_s)));
        if s.critical {
            parts.push("on the critical path".to_owned());
        }
        capitalise(&parts.join(" · "))
    },
    step_result: |s| {
        let state = s.state?;
        let running = matches!(state, StepStatus::Started | StepStatus::Dispatched);
        let took = s
            .took_ms
            .map(|ms| {
                let took = format::millis(ms);
                if running {
                    format!(" for {took}")
                } else {
                    format!(" in {took}")
                }
            })
            .unwrap_or_default();
        let attempts = match s.attempts {
            0 | 1 => String::new(),
            n => format!(", {n} attempts"),
        };
        let outcome = s
            .outcome
            .as_deref()
            .map(|o| format!(": {o}"))
            .unwrap_or_default();
        Some(format!(
            "{}{took}{attempts}{outcome}",
            capitalise((PLAN.step_state)(Some(state)))
        ))
    },
    notes_title: "Notes on the plan:",
    preferred_title: "Preferred hosts (migrate_to):",
    preferred: |c, vm| {
        let why = |u: &Unfit| match u {
            Unfit::NotDeclared => "no longer declared",
            Unfit::NotAHypervisor => "not a hypervisor",
            Unfit::Shed => "shed in this outage",
            Unfit::PowerNotHealthy => "its UPS is not on mains",
            Unfit::NoManagedUps => "on no managed UPS",
            Unfit::NotInVcenter => "not seen in vCenter",
            Unfit::Disconnected => "disconnected",
            Unfit::InMaintenance => "in maintenance",
            Unfit::PoweredOff => "powered off",
            Unfit::NoRoom => "no room left",
            Unfit::Unknown => "not usable",
        };
        let passed: Vec<String> = c
            .skipped
            .iter()
            .map(|s| format!("{} ({})", s.server, why(&s.why)))
            .collect();
        let passed = if passed.is_empty() {
            String::new()
        } else {
            format!("; passed over: {}", passed.join(", "))
        };
        match &c.used {
            Some(to) => format!("{vm} → {to}{passed}"),
            None => format!("{vm}: usual choice{passed}"),
        }
    },
    report_title: |kind| match kind {
        PlanType::Restore => "Restore report",
        _ => "Shed report",
    },
    report_done: |kind, n| match kind {
        PlanType::Restore => format!("Restored ({n}):"),
        _ => format!("Shed ({n}):"),
    },
    report_missed: |kind, n| match kind {
        PlanType::Restore => format!("Not restored ({n}):"),
        _ => format!("Not shed ({n}):"),
    },
    report_running: "The run goes on; its report shows when it ends.",
    report_verified: |restored, of| {
        if restored == of {
            format!("Read back from the lab: all {of} restored.")
        } else {
            format!("Read back from the lab: {restored} of {of} restored; E retries the rest.")
        }
    },
    report_not_back: |n| format!("Not back, as the lab says now ({n}):"),
    report_owed: |o| {
        let mut text = format!("expected {}", o.expected);
        if let Some(found) = &o.found {
            text.push_str(&format!(", found {found}"));
        }
        if let Some(error) = &o.error {
            text.push_str(&format!("; last error: {error}"));
        }
        text
    },
    target: |t| match split_target(t) {
        ("server", name) => format!("server {name}"),
        ("vm", name) => format!("VM {name}"),
        ("ups", name) => format!("UPS {name}"),
        (_, name) => name.to_owned(),
    },
    hint_steps: "steps",
    hint_ups: "UPS",
    hint_toggle: "plan/run",
    checks_title: "Checks (nothing was changed)",
    check_ok: "ok",
    check_failed: "FAIL",

    banner_runtime: |r| match r {
        Some(r) => format!("{} left", secs(r)),
        None => String::new(),
    },
    banner_run: |run| {
        // The step the run is at, the same figure as the plan view's heading.
        let (at, of) = super::situation::step_at(run);
        format!("{} {at}/{of}", kind(run.plan.kind))
    },

    question: |r| match r {
        Request::PlanRun { ups } => format!(
            "Shed the load of UPS {ups} now: migrate or shut down its VMs and shut its servers \
             down?"
        ),
        Request::PlanCancel => {
            "Stop the running plan? Steps in flight finish; no new step starts.".to_owned()
        }
        Request::PlanRestore => {
            "Restore the lab now: power servers on, move VMs back, start what was running?"
                .to_owned()
        }
        Request::PowerCut { ups, cut: true } => format!(
            "Demo: cut the mains of simulated UPS {ups}? Its battery drains and the daemon acts \
             on it as on a real outage."
        ),
        Request::PowerCut { ups, cut: false } => {
            format!("Demo: bring the mains of simulated UPS {ups} back?")
        }
        _ => String::new(),
    },
    detail: |r| match r {
        Request::PlanRun { .. } => Some(
            "It starts at once, without waiting for the grace period. It stays shed, even \
                 with mains on, until you restore it (E)."
                .to_owned(),
        ),
        Request::PowerCut { cut: true, .. } => {
            Some("After the UPS's grace period the plan runs on the simulated lab.".to_owned())
        }
        _ => None,
    },
    working: |r| match r {
        Request::PlanRun { ups } => format!("Starting the plan for UPS {ups}…"),
        Request::PlanCancel => "Stopping the plan…".to_owned(),
        Request::PlanRestore => "Starting the restore…".to_owned(),
        Request::PowerCut { ups, cut: true } => format!("Cutting the mains of UPS {ups}…"),
        Request::PowerCut { ups, cut: false } => format!("Bringing the mains of UPS {ups} back…"),
        _ => String::new(),
    },
    done: |r| match r {
        Request::PlanRun { ups } => format!("The plan for UPS {ups} runs: follow it here."),
        Request::PlanCancel => {
            "The plan is stopping: the steps in flight finish, nothing new starts.".to_owned()
        }
        Request::PlanRestore => "The restore runs: follow it here.".to_owned(),
        Request::PowerCut { ups, cut: true } => {
            format!("Demo: UPS {ups} is on battery now.")
        }
        Request::PowerCut { ups, cut: false } => format!("Demo: UPS {ups} has mains again."),
        _ => String::new(),
    },
    failed: |r, why| {
        let what = match r {
            Request::PlanRun { ups } => format!("start the plan for UPS {ups}"),
            Request::PlanCancel => "stop the plan".to_owned(),
            Request::PlanRestore => "start the restore".to_owned(),
            Request::PowerCut { ups, .. } => format!("change the mains of UPS {ups}"),
            _ => "do this".to_owned(),
        };
        format!("Could not {what}: {why}")
    },
    no_running_plan: "No plan is running.",
    simulating: |ups| format!("Simulating an outage of UPS {ups} (nothing is changed)…"),
    simulated: |ups, problems| match problems {
        0 => format!("The plan for UPS {ups} passed every check."),
        1 => format!("The plan for UPS {ups} has 1 problem: see the checks."),
        n => format!("The plan for UPS {ups} has {n} problems: see the checks."),
    },
    simulation_failed: |ups, why| format!("Could not simulate an outage of UPS {ups}: {why}"),
    demo_only: "Only the demo's simulated lab can fake a power cut; `plan simulate` checks a \
                real one.",
    not_in_this_view: |what| format!("“{what}” does not apply to this view."),
};

fn kind(kind: PlanType) -> &'static str {
    match kind {
        PlanType::Restore => "restore",
        _ => "shed",
    }
}

fn run_state(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Running => "running",
        RunStatus::Cancelling => "cancelling",
        RunStatus::Halting => "halting",
        RunStatus::Cancelled => "cancelled",
        RunStatus::Halted => "halted",
        RunStatus::Finished => "finished",
        RunStatus::Unknown => "?",
    }
}
