//! What `plan run`, `plan restore` and `plan status` say about restoring: whether a shed
//! restores by itself, what a restore waits for, and what it could not put back.

use upstra_core::api::v1::{PlanStatus, RestoreWait, RunView};

use super::super::shown;

/// What follows a shed started by hand, for its confirmation.
pub fn after_run(auto_restore: bool) -> &'static str {
    if auto_restore {
        "the daemon restores it by itself once mains has been stable for the UPS's restore_after"
    } else {
        "it stays shed, even with mains on, until you run `upstra plan restore`"
    }
}

/// The countdown before a restore, in words: "restore in 42 s: mains stable 18 of 60 s;
/// charge 35 % of the 50 % needed", or why an operator must act.
pub fn wait(w: &RestoreWait) -> String {
    let mut why = vec![format!(
        "mains stable {} of {} s",
        w.stable_s.min(w.stable_needed_s),
        w.stable_needed_s
    )];
    if let (Some(now), Some(needed)) = (w.charge_pct, w.charge_needed_pct) {
        why.push(format!("charge {now} % of the {needed} % needed"));
    }
    let why = why.join("; ");
    if w.needs_operator {
        return "waiting for an operator: run `upstra plan restore`".to_owned();
    }
    let charged = match (w.charge_pct, w.charge_needed_pct) {
        (Some(now), Some(needed)) => now >= needed,
        _ => true,
    };
    if !charged {
        return format!("restore once the battery has charged: {why}");
    }
    let left = w.stable_needed_s.saturating_sub(w.stable_s);
    if left == 0 {
        format!("restore starts now: {why}")
    } else {
        format!("restore in {left} s: {why}")
    }
}

/// The sheds still open and, for each object not back, what was expected, what was found and
/// the last error.
pub fn open_sheds(s: &PlanStatus) -> String {
    if s.unrestored.is_empty() {
        return String::new();
    }
    let ids: Vec<String> = s.unrestored.iter().map(ToString::to_string).collect();
    if s.not_restored.is_empty() {
        return format!(
            "not restored yet: run {} (under its UPS: what the restore waits for; `upstra plan restore` restores now)\n",
            ids.join(", ")
        );
    }
    let mut out = format!(
        "not restored yet: run {}; {} not back, which `upstra plan restore` retries:\n",
        ids.join(", "),
        s.not_restored.len()
    );
    for n in &s.not_restored {
        out.push_str(&format!(
            "  {} (shed {}): expected {}, found {}",
            shown(&n.target),
            n.shed,
            shown(&n.expected),
            shown(n.found.as_deref().unwrap_or("nothing (not read)"))
        ));
        if let Some(e) = &n.error {
            out.push_str(&format!("; last error: {}", shown(e)));
        }
        out.push('\n');
    }
    out
}

/// Under a restore in the recent runs: "restored N of M", and for the newest one, what is
/// still missing.
pub fn report(run: &RunView, s: &PlanStatus) -> String {
    let Some(tally) = &run.restored else {
        return String::new();
    };
    let mut out = format!("      restored {} of {}\n", tally.restored, tally.of);
    let newest = s
        .recent
        .iter()
        .find(|r| r.restored.is_some())
        .is_some_and(|r| r.id == run.id);
    if newest {
        for n in s
            .not_restored
            .iter()
            .filter(|n| run.undoes.contains(&n.shed))
        {
            out.push_str(&format!(
                "      not back: {}: {}\n",
                shown(&n.target),
                shown(n.error.as_deref().unwrap_or("no error was met"))
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::api::v1::{NotRestored, PlanView, RestoredTally, StepCounts, WatchView};

    fn wait_for(stable_s: u64, charge: Option<u8>, needs_operator: bool) -> RestoreWait {
        RestoreWait {
            stable_s,
            stable_needed_s: 60,
            charge_pct: charge,
            charge_needed_pct: Some(50),
            restore_at: None,
            needs_operator,
        }
    }

    #[test]
    fn the_countdown_says_what_it_waits_for() {
        assert_eq!(
            wait(&wait_for(18, Some(55), false)),
            "restore in 42 s: mains stable 18 of 60 s; charge 55 % of the 50 % needed"
        );
        assert_eq!(
            wait(&wait_for(60, Some(35), false)),
            "restore once the battery has charged: mains stable 60 of 60 s; charge 35 % of the 50 % needed"
        );
        assert_eq!(
            wait(&wait_for(600, Some(90), true)),
            "waiting for an operator: run `upstra plan restore`"
        );
    }

    #[test]
    fn status_lists_what_is_missing_and_the_report_counts_it() {
        let restore = RunView {
            id: 4,
            state: "finished".into(),
            reason: "mains stable with enough charge".into(),
            by: None,
            stopped: None,
            started_at: upstra_core::state::Timestamp(0),
            ended_at: None,
            counts: StepCounts::default(),
            plan: PlanView {
                kind: "restore".into(),
                ups: vec!["ups-a".into()],
                steps: Vec::new(),
                makespan_s: 0,
                critical_path_s: 0,
                notes: Vec::new(),
                runtime_s: None,
                output_cut_s: None,
                preferred: Vec::new(),
            },
            undoes: vec![3],
            restored: Some(RestoredTally { restored: 5, of: 6 }),
            continues_after_power_returns: false,
            power_race: None,
        };
        let status = PlanStatus {
            watches: vec![WatchView {
                ups: "ups-a".into(),
                phase: "online".into(),
                since: None,
                grace_left_s: None,
                grace_ends_at: None,
                restore_wait: Some(wait_for(60, None, true)),
            }],
            active: None,
            recent: vec![restore],
            unrestored: vec![3],
            not_restored: vec![NotRestored {
                target: "server:esx-a1".into(),
                shed: 3,
                expected: "on, out of maintenance".into(),
                found: None,
                error: Some("cannot reach the BMC".into()),
            }],
        };
        let text = super::super::status_text(&status);
        for line in [
            "waiting for an operator: run `upstra plan restore`",
            "not restored yet: run 3; 1 not back, which `upstra plan restore` retries:",
            "  server:esx-a1 (shed 3): expected on, out of maintenance, found nothing (not read); last error: cannot reach the BMC",
            "      restored 5 of 6",
            "      not back: server:esx-a1: cannot reach the BMC",
        ] {
            assert!(text.contains(line), "{line:?} in:\n{text}");
        }
        assert!(!text.contains("nothing to restore"));
    }
}
