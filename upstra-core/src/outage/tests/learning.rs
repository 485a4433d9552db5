//! Learned estimates: a robust figure of real durations, and plans that say which estimates
//! were learned.

use super::fixture::Lab;
use crate::outage::StepEstimates;
use crate::outage::learned::{LEARN_FROM_LAST, robust_secs};

#[test]
fn no_sample_teaches_nothing() {
    assert_eq!(robust_secs(&[]), None);
}

#[test]
fn the_figure_is_a_high_percentile_not_the_mean() {
    // Nine quick runs and one slow one: the mean (13.5 s) would plan for the quick ones.
    let mut samples = vec![10_000; 9];
    samples.push(45_000);
    assert_eq!(robust_secs(&samples), Some(10));
    // Two slow runs in ten are what the 90th percentile is for.
    samples[0] = 45_000;
    assert_eq!(robust_secs(&samples), Some(45));
}

#[test]
fn only_the_most_recent_runs_count() {
    // Newest first: twenty quick recent runs, then older slow ones from before an upgrade.
    let mut samples = vec![5_000; LEARN_FROM_LAST];
    samples.extend([300_000; 10]);
    assert_eq!(robust_secs(&samples), Some(5));
}

#[test]
fn seconds_are_rounded_up_and_never_zero() {
    assert_eq!(robust_secs(&[1_200]), Some(2));
    assert_eq!(robust_secs(&[0]), Some(1));
    assert_eq!(robust_secs(&[-5]), Some(1));
}

#[test]
fn a_plan_marks_the_learned_estimates() {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .vm("web", "esx-a1", 8)
        .at_risk(&["ups-a"]);
    let mut estimates = StepEstimates::default();
    estimates.learn("shutdown_server", &[42_000]);
    estimates.learn("no_such_step", &[1_000]);
    let plan = crate::outage::shed_plan(&lab.inventory, &lab.state, &estimates);
    let marks: Vec<(&str, u64, bool)> = plan
        .steps
        .iter()
        .map(|s| (s.action.kind(), s.estimate_s, s.estimate_learned))
        .collect();
    assert_eq!(
        marks,
        [
            ("migrate_vm", 30, false),
            ("enter_maintenance", 10, false),
            ("shutdown_server", 42, true),
        ]
    );
    assert_eq!(estimates.learned.len(), 1);
}

#[test]
fn a_target_with_enough_real_runs_gets_its_own_figure() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-a2", &["ups-a"], 64)
        .at_risk(&["ups-a"]);
    let mut estimates = StepEstimates::default();
    estimates.learn("shutdown_server", &[20_000; 5]);
    // esx-a2 is slow, and has been often enough to be believed.
    estimates.learn_target("shutdown_server", "server:esx-a2", &[300_000; 3]);
    // esx-a1 was slow once: not enough for a figure of its own.
    estimates.learn_target("shutdown_server", "server:esx-a1", &[300_000; 2]);
    let plan = crate::outage::shed_plan(&lab.inventory, &lab.state, &estimates);
    let shutdowns: Vec<(String, u64, bool)> = plan
        .steps
        .iter()
        .filter(|s| s.action.kind() == "shutdown_server")
        .map(|s| (s.action.target(), s.estimate_s, s.estimate_learned))
        .collect();
    assert_eq!(
        shutdowns,
        [
            ("server:esx-a1".to_owned(), 20, true),
            ("server:esx-a2".to_owned(), 300, true),
        ]
    );
}
