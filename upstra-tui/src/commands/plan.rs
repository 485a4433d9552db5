//! `upstra plan ...`: show a plan as a timeline, simulate it against the real lab, run,
//! cancel or restore it, and follow its status. `--json` prints the API's shapes.

use std::path::Path;
use std::time::Duration;

use upstra_core::api::v1::{
    PlanRunRequest, PlanStatus, PlanType, PlanView, RunView, SimulationReport, StepStatus,
};

mod last_out_words;
mod restore_words;
// The shed's last steps: when the UPS cuts its output, beside the plan's duration.
mod output_cut_words;
mod preferred_words;

use super::confirm::{Confirm, confirm};
use super::{out, out_json, shown, signed_in};
use crate::cli::PlanVerb;
use crate::client::timeouts;
use crate::error::CliError;
use crate::format;

/// A simulation reads every BMC of the plan and the vCenter, each within its own deadline.
const SIMULATE: Duration = Duration::from_secs(120);

pub async fn run(socket: &Path, verb: PlanVerb) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    match verb {
        PlanVerb::Show(a) => {
            let plan = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    c.plan_show(ctx, token, a.ups).await
                })
                .await?;
            if a.json {
                out_json(&plan)
            } else {
                out(&plan_text(&plan))
            }
        }
        PlanVerb::Simulate(a) => {
            let ups = a.ups.clone();
            let report = conn
                .call(SIMULATE, |c, ctx| async move {
                    c.plan_simulate(ctx, token, ups).await
                })
                .await?;
            if a.json {
                out_json(&report)?;
            } else {
                out(&simulation_text(&a.ups, &report))?;
            }
            let problems = report.checks.iter().filter(|c| !c.ok).count();
            match problems {
                0 => Ok(()),
                n => Err(CliError::Failed(format!(
                    "the plan for UPS {} has {n} problem{}: see the checks above",
                    a.ups,
                    if n == 1 { "" } else { "s" }
                ))),
            }
        }
        PlanVerb::Run(a) => {
            let last_out = if a.include_this_host {
                " then power this machine off and let the UPS cut its output, when the plan has those steps;"
            } else {
                ""
            };
            let words = format!(
                "shed the load of UPS {}: migrate or shut down its VMs and shut its servers down;{last_out} {}",
                a.ups,
                restore_words::after_run(a.auto_restore)
            );
            confirm(
                Confirm {
                    action: &words,
                    target: &a.ups,
                    detail: None,
                },
                a.yes,
            )?;
            let req = PlanRunRequest {
                ups: a.ups.clone(),
                auto_restore: a.auto_restore,
                include_this_host: a.include_this_host,
            };
            let view = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    c.plan_run(ctx, token, req).await
                })
                .await?;
            started(&view, a.json)
        }
        PlanVerb::Cancel(a) => {
            confirm(
                Confirm {
                    action: "stop the running plan (steps in flight finish; nothing new starts)",
                    target: "cancel",
                    detail: None,
                },
                a.yes,
            )?;
            let view = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    c.plan_cancel(ctx, token).await
                })
                .await?;
            if a.json {
                return out_json(&view);
            }
            out(&format!(
                "{}\nsteps in flight finish; nothing new starts. `upstra plan status` shows the end.\n{}",
                view.summary(),
                steps_text(&view.plan, true)
            ))
        }
        PlanVerb::Restore(a) => {
            confirm(
                Confirm {
                    action: "restore the lab now: power servers on, move VMs back, start what was running",
                    target: "restore",
                    detail: None,
                },
                a.yes,
            )?;
            let view = conn
                .call(timeouts::APPLY, |c, ctx| async move {
                    c.plan_restore(ctx, token).await
                })
                .await?;
            started(&view, a.json)
        }
        PlanVerb::Status(f) => {
            let status = conn
                .call(timeouts::CALL, |c, ctx| async move {
                    c.plan_status(ctx, token).await
                })
                .await?;
            if f.json {
                out_json(&status)
            } else {
                out(&status_text(&status))
            }
        }
    }
}

fn started(view: &RunView, json: bool) -> Result<(), CliError> {
    if json {
        return out_json(view);
    }
    out(&format!(
        "{}\nfollow it with `upstra plan status` or `upstra events --follow`.\n{}",
        view.summary(),
        plan_text(&view.plan)
    ))
}

/// `1m 05s` for a number of seconds.
fn secs(s: u64) -> String {
    format::runtime(Some(s))
}

/// The plan as a timeline table, with the critical path marked.
pub fn plan_text(plan: &PlanView) -> String {
    let mut out = String::new();
    let ups = if plan.ups.is_empty() {
        "no UPS".to_owned()
    } else {
        format!("UPS {}", plan.ups.join(", "))
    };
    out.push_str(&format!(
        "{} plan for {ups}: {} step{}, about {} (critical path {})",
        match plan.kind {
            PlanType::Restore => "Restore",
            PlanType::Shed => "Shed",
            // A kind from a newer daemon.
            PlanType::Unknown => "Unknown",
        },
        plan.steps.len(),
        if plan.steps.len() == 1 { "" } else { "s" },
        secs(plan.makespan_s),
        secs(plan.critical_path_s)
    ));
    if let Some(r) = plan.runtime_s {
        out.push_str(&format!("; battery runtime now {}", secs(r)));
    }
    out.push_str(&output_cut_words::output_cut(plan));
    out.push('\n');
    out.push_str(&steps_text(
        plan,
        plan.steps.iter().any(|s| s.state.is_some()),
    ));
    out.push_str(&preferred_words::preferred(plan));
    if !plan.notes.is_empty() {
        out.push_str("notes:\n");
        for n in &plan.notes {
            out.push_str(&format!("  {}\n", shown(n)));
        }
    }
    out
}

fn steps_text(plan: &PlanView, with_state: bool) -> String {
    if plan.steps.is_empty() {
        return "  (nothing to do)\n".into();
    }
    let mut out = String::new();
    let header = if with_state {
        format!(
            "  {:>4}  {:>8}  {:>8}  {:<16}  {:<10} step\n",
            "#", "start", "end", "estimate", "state"
        )
    } else {
        format!(
            "  {:>4}  {:>8}  {:>8}  {:<16}  step\n",
            "#", "start", "end", "estimate"
        )
    };
    out.push_str(&header);
    for s in &plan.steps {
        let mark = if s.critical { "*" } else { " " };
        let after = if s.after.is_empty() {
            String::new()
        } else {
            let list: Vec<String> = s.after.iter().map(|n| format!("#{n}")).collect();
            format!("  (after {})", list.join(", "))
        };
        let state = if with_state {
            format!("{:<10} ", s.state.map_or("-", StepStatus::as_str))
        } else {
            String::new()
        };
        let learned = if s.estimate_learned { LEARNED } else { "" };
        out.push_str(&format!(
            " {mark}{:>4}  {:>8}  {:>8}  {:>8} {learned:<7}  {state}{}{after}\n",
            s.number,
            secs(s.start_s),
            secs(s.end_s),
            secs(s.estimate_s),
            shown(&s.action)
        ));
        if let Some(o) = s.outcome.as_deref().filter(|_| with_state) {
            out.push_str(&format!(
                "  {:>4}  {:>8}  {:>8}  {:<16}  {:<10} → {}\n",
                "",
                "",
                "",
                "",
                "",
                shown(o)
            ));
        }
    }
    out.push_str("  * on the critical path\n");
    out.push_str(&format!(
        "  {LEARNED}: estimate from earlier runs that did real work; others: lab file or default\n"
    ));
    out
}

/// Marks an estimate learned from earlier runs.
const LEARNED: &str = "learned";

fn simulation_text(ups: &str, r: &SimulationReport) -> String {
    let mut out = format!(
        "If UPS {ups} lost mains now, the daemon would act {}.\n",
        r.trigger
    );
    out.push_str(&plan_text(&r.plan));
    match r.fits_runtime {
        Some(true) => out.push_str(&output_cut_words::fits(&r.plan)),
        Some(false) => out.push_str(
            "WARNING: the battery runtime the UPS reports is shorter than the plan and its margin\n",
        ),
        None => out.push_str("the UPS reports no battery runtime to compare the plan with\n"),
    }
    out.push_str("checks (nothing was changed):\n");
    for c in &r.checks {
        out.push_str(&format!(
            "  {}  {:<24} {}\n",
            if c.ok { "ok  " } else { "FAIL" },
            shown(&c.target),
            shown(&c.detail)
        ));
    }
    out
}

fn status_text(s: &PlanStatus) -> String {
    let mut out = String::from("UPS watches:\n");
    for w in &s.watches {
        let extra = match (w.grace_left_s, w.since) {
            (Some(left), _) => format!("  grace left {}", secs(left)),
            (None, Some(at)) => format!("  since {}", format::timestamp(at)),
            _ => String::new(),
        };
        out.push_str(&format!(
            "  {:<16} {}{extra}\n",
            w.ups,
            w.phase.as_str().replace('_', " ")
        ));
        if let Some(wait) = &w.restore_wait {
            out.push_str(&format!("  {:<16} {}\n", "", restore_words::wait(wait)));
        }
    }
    match &s.active {
        Some(run) => {
            out.push_str(&format!("running: {}\n", shown(&run.summary())));
            out.push_str(&steps_text(&run.plan, true));
        }
        None => out.push_str("no plan is running\n"),
    }
    out.push_str(&restore_words::open_sheds(s));
    if !s.recent.is_empty() {
        out.push_str("recent runs:\n");
        for r in &s.recent {
            let why = r
                .stopped
                .as_deref()
                .map(|w| format!(" ({})", shown(w)))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {}  {}: {}{why}\n",
                format::timestamp(r.started_at),
                shown(&r.summary()),
                shown(&r.reason)
            ));
            out.push_str(&restore_words::report(r, s));
            out.push_str(&last_out_words::report(r));
            for step in r
                .plan
                .steps
                .iter()
                .filter(|st| st.state == Some(StepStatus::Failed))
            {
                out.push_str(&format!(
                    "      failed #{} {}: {}\n",
                    step.number,
                    shown(&step.action),
                    shown(step.outcome.as_deref().unwrap_or(""))
                ));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::api::v1::StepView;

    #[test]
    fn a_vm_named_with_controls_in_vcenter_shows_escaped_on_its_own_line() {
        let name = "web\r\n 2  0s  0s  power off everything\u{9b}31m\u{202e}gpj";
        let plan = PlanView {
            kind: "shed".into(),
            ups: vec!["ups-a1".into()],
            steps: vec![StepView {
                number: 1,
                kind: "stop_vm".into(),
                target: format!("vm:{name}"),
                action: format!("shut down VM {name}"),
                after: Vec::new(),
                estimate_s: 30,
                start_s: 0,
                end_s: 30,
                critical: true,
                state: None,
                attempts: 0,
                outcome: None,
                took_ms: None,
                started_s: None,
                ended_s: None,
                estimate_learned: false,
            }],
            makespan_s: 30,
            critical_path_s: 30,
            notes: vec![format!("VM {name} has no policy")],
            runtime_s: None,
            output_cut_s: None,
            preferred: Vec::new(),
        };
        let text = plan_text(&plan);
        assert!(
            text.contains(
                "shut down VM web\\r\\n 2  0s  0s  power off everything\\u{9b}31m\\u{202e}gpj"
            ),
            "{text}"
        );
        assert_eq!(
            text.lines().count(),
            7,
            "one line per step and note:\n{text}"
        );
        assert!(!text.contains(|c: char| c != '\n' && upstra_core::text::is_hostile(c)));
    }

    #[test]
    fn learned_estimates_are_marked_and_explained() {
        let step = |number: u32, estimate_learned: bool| StepView {
            number,
            kind: "shutdown_server".into(),
            target: format!("server:s{number}"),
            action: format!("shut down server s{number}"),
            after: Vec::new(),
            estimate_s: 42,
            start_s: 0,
            end_s: 42,
            critical: false,
            state: None,
            attempts: 0,
            outcome: None,
            took_ms: None,
            started_s: None,
            ended_s: None,
            estimate_learned,
        };
        let plan = PlanView {
            kind: "shed".into(),
            ups: vec!["ups-a1".into()],
            steps: vec![step(1, true), step(2, false)],
            makespan_s: 42,
            critical_path_s: 42,
            notes: Vec::new(),
            runtime_s: None,
            output_cut_s: None,
            preferred: Vec::new(),
        };
        let text = plan_text(&plan);
        let line = |n: &str| {
            text.lines()
                .find(|l| l.ends_with(&format!("shut down server s{n}")))
                .unwrap_or_default()
                .to_owned()
        };
        assert!(line("1").contains("42s learned"), "{text}");
        assert!(!line("2").contains("learned"), "{text}");
        assert!(line("2").contains("42s"), "{text}");
        assert!(
            text.contains("learned: estimate from earlier runs that did real work"),
            "{text}"
        );
    }
}
