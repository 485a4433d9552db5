//! The shed's last steps in `plan show` / `plan simulate`: when the UPS cuts its output,
//! against the battery runtime the UPS reports. The daemon's notes say why and what to do;
//! this is the one line that sets the cut beside the plan's duration.

use upstra_core::api::v1::PlanView;

use super::secs;

/// "; output cut at 5m 20s" after the plan's duration and runtime, when a UPS is asked to
/// cut its output; "" otherwise.
pub(super) fn output_cut(plan: &PlanView) -> String {
    match (plan.output_cut_s, plan.runtime_s) {
        (Some(cut), Some(runtime)) if runtime < cut => {
            format!("; output cut at {} (AFTER the battery runs out)", secs(cut))
        }
        (Some(cut), _) => format!("; output cut at {}", secs(cut)),
        (None, _) => String::new(),
    }
}

/// The simulation's verdict when the battery lasts: until the cut too, when there is one.
pub(super) fn fits(plan: &PlanView) -> String {
    match plan.output_cut_s {
        Some(cut) => format!(
            "the plan and the UPS's output cut at {} fit in the battery runtime the UPS reports\n",
            secs(cut)
        ),
        None => "the plan fits in the battery runtime the UPS reports\n".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(output_cut_s: Option<u64>, runtime_s: Option<u64>) -> PlanView {
        PlanView {
            kind: "shed".into(),
            ups: vec!["ups1".into()],
            steps: Vec::new(),
            makespan_s: 300,
            critical_path_s: 300,
            notes: Vec::new(),
            runtime_s,
            output_cut_s,
            preferred: Vec::new(),
        }
    }

    #[test]
    fn the_cut_is_set_beside_the_runtime() {
        assert_eq!(output_cut(&plan(None, Some(720))), "");
        assert_eq!(
            output_cut(&plan(Some(320), Some(720))),
            "; output cut at 5m 20s"
        );
        assert_eq!(
            output_cut(&plan(Some(320), Some(200))),
            "; output cut at 5m 20s (AFTER the battery runs out)"
        );
        assert_eq!(output_cut(&plan(Some(320), None)), "; output cut at 5m 20s");
    }

    #[test]
    fn a_plan_that_fits_says_the_cut_fits_too() {
        assert_eq!(
            fits(&plan(None, Some(720))),
            "the plan fits in the battery runtime the UPS reports\n"
        );
        assert_eq!(
            fits(&plan(Some(320), Some(720))),
            "the plan and the UPS's output cut at 5m 20s fit in the battery runtime the UPS reports\n"
        );
    }
}
