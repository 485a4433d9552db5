//! What `plan status` says of a shed's last steps: that this host powered off during the run
//! and the daemon finished it after power returned, and which side of the UPS-off command
//! mains came back (the power race).

use upstra_core::api::v1::RunView;

use super::super::shown;

/// Lines under a run in `plan status`, indented as its report; empty for most runs.
pub fn report(run: &RunView) -> String {
    let mut out = String::new();
    if run.continues_after_power_returns {
        out.push_str(
            "      this host powered off at the end of this shed; the daemon went on with it when it started again\n",
        );
    }
    if let Some(race) = &run.power_race {
        out.push_str(&format!("      power race: {}\n", shown(race)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::api::v1::{PlanView, StepCounts};
    use upstra_core::state::Timestamp;

    fn run(continues: bool, race: Option<&str>) -> RunView {
        RunView {
            id: 4,
            state: "finished".into(),
            reason: "grace period expired".into(),
            by: None,
            stopped: None,
            started_at: Timestamp(1_795_600_000_000),
            ended_at: None,
            counts: StepCounts::default(),
            plan: PlanView {
                kind: "shed".into(),
                ups: vec!["ups-a".into()],
                steps: Vec::new(),
                makespan_s: 0,
                critical_path_s: 0,
                notes: Vec::new(),
                runtime_s: None,
                output_cut_s: None,
                preferred: Vec::new(),
            },
            undoes: Vec::new(),
            restored: None,
            continues_after_power_returns: continues,
            power_race: race.map(str::to_owned),
        }
    }

    #[test]
    fn a_run_without_last_steps_says_nothing_more() {
        assert_eq!(report(&run(false, None)), "");
    }

    #[test]
    fn says_this_host_went_down_and_which_side_mains_came_back() {
        let text = report(&run(
            true,
            Some(
                "mains returned 40 s after the UPS-off command: the UPS cycles its output; the restore follows",
            ),
        ));
        assert!(
            text.contains("this host powered off at the end of this shed"),
            "{text}"
        );
        assert!(
            text.contains("power race: mains returned 40 s after the UPS-off command"),
            "{text}"
        );
        assert!(text.lines().all(|l| l.chars().count() <= 120), "{text}");
    }
}
