//! The last one out: this host (`this_host = true`) is shed after everything else, and a
//! UPS whose policy says `ups_off = "return"` is told to cut and restore its output first.

use super::fixture::{Lab, lines, sid, ups};
use crate::model::ServerKind;
use crate::outage::{Plan, StepAction, StepEstimates, StepState, UpsOffPolicy, restore_plan};

fn lab(ups_off: UpsOffPolicy) -> Lab {
    let mut lab = Lab::new(&["ups-a", "ups-b"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-b1", &["ups-b"], 64)
        .vm("web", "esx-a1", 8)
        .server("nas", ServerKind::Storage, &["ups-a"], 2)
        .server("console", ServerKind::Other, &["ups-a"], 1);
    lab.this_host("console");
    for id in [ups("ups-a"), ups("ups-b")] {
        if let Some(u) = lab.inventory.ups.get_mut(&id) {
            u.policy.ups_off = ups_off;
            u.policy.ups_off_margin_s = 45;
        }
    }
    lab
}

fn position(plan: &Plan, kind: &str) -> Option<usize> {
    plan.steps.iter().position(|s| s.action.kind() == kind)
}

#[test]
fn this_host_shuts_down_last_after_the_ups_is_told() {
    let mut lab = lab(UpsOffPolicy::Return);
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    let n = plan.steps.len();
    let last = &plan.steps[n - 1];
    assert_eq!(
        last.action,
        StepAction::ShutdownThisHost {
            server: sid("console")
        },
        "{:?}",
        lines(&plan)
    );
    // It waits for every other step, the UPS command included, without needing them to succeed.
    assert_eq!(last.deps.len(), n - 1, "{:?}", lines(&plan));
    assert!(last.deps.iter().all(|d| !d.needs));
    let off = position(&plan, "ups_off").expect("a UPS-off step");
    assert_eq!(off, n - 2, "{:?}", lines(&plan));
    assert_eq!(plan.steps[off].deps.len(), n - 2, "after every server step");
    // Never a second, ordinary shutdown of this host through its BMC.
    assert!(!plan.steps.iter().any(|s| matches!(&s.action,
        StepAction::ShutdownServer { server, .. } if server.as_str() == "console")));
}

#[test]
fn the_delay_covers_this_hosts_shutdown_plus_the_margin() {
    let mut lab = lab(UpsOffPolicy::Return);
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    let host_s = StepEstimates::default().shutdown_this_host_s;
    let delay = plan.steps.iter().find_map(|s| match &s.action {
        StepAction::UpsOff { ups: u, delay_s } if *u == ups("ups-a") => Some(*delay_s),
        _ => None,
    });
    assert_eq!(delay, Some(host_s + 45));
    // The battery must last until the cut, which comes after this host is down.
    let cut = plan.output_cut_s().expect("a cut");
    let host_end = plan.schedule.end_s[plan.steps.len() - 1];
    assert!(cut >= host_end, "cut at {cut} s, host down at {host_end} s");
    assert_eq!(plan.needs_battery_s(), cut.max(plan.schedule.makespan_s));
}

#[test]
fn a_ups_that_does_not_feed_this_host_waits_only_the_margin() {
    let mut lab = lab(UpsOffPolicy::Return);
    lab.at_risk(&["ups-b"]);
    let plan = lab.plan();
    assert!(
        position(&plan, "shutdown_this_host").is_none(),
        "{:?}",
        lines(&plan)
    );
    let delays: Vec<_> = plan
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            StepAction::UpsOff { ups, delay_s } => Some((ups.to_string(), *delay_s)),
            _ => None,
        })
        .collect();
    assert_eq!(delays, vec![("ups-b".to_owned(), 45)]);
}

#[test]
fn never_leaves_the_output_on_and_says_what_that_means() {
    let mut lab = lab(UpsOffPolicy::Never);
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert!(position(&plan, "ups_off").is_none(), "{:?}", lines(&plan));
    assert!(position(&plan, "shutdown_this_host").is_some());
    assert!(
        plan.notes
            .iter()
            .any(|n| n.target == "ups:ups-a" && n.message.contains("ups_off = \"never\"")),
        "{:?}",
        plan.notes
    );
    assert_eq!(plan.output_cut_s(), None);
}

#[test]
fn without_the_last_steps_the_plan_stays_well_formed_and_says_why() {
    let mut lab = lab(UpsOffPolicy::Return);
    lab.at_risk(&["ups-a"]);
    let full = lab.plan();
    let plan = full.clone().without_last_out("left out: asked on mains");
    plan.check().expect("well formed");
    assert_eq!(plan.steps.len(), full.steps.len() - 2);
    assert!(!plan.steps.iter().any(|s| s.action.is_last_out()));
    assert!(
        plan.notes
            .iter()
            .any(|n| n.message == "left out: asked on mains")
    );
    assert!(plan.schedule.makespan_s <= full.schedule.makespan_s);
}

#[test]
fn a_restore_has_nothing_to_undo_for_the_last_steps() {
    let mut lab = lab(UpsOffPolicy::Return);
    lab.at_risk(&["ups-a"]);
    let shed = lab.plan();
    let journal = lab.journal(&shed, |_| StepState::Done);
    let restore = restore_plan(&journal, &lab.inventory, &StepEstimates::default());
    restore.check().expect("well formed");
    assert!(
        !restore.steps.iter().any(|s| s.action.target() == "server:console"
            || s.action.target().starts_with("ups:")),
        "{:?}",
        lines(&restore)
    );
    assert!(
        restore
            .steps
            .iter()
            .any(|s| s.action.target() == "server:esx-a1")
    );
}

#[test]
fn a_hand_shed_of_a_ups_that_feeds_nothing_here_has_no_host_step() {
    // The daemon's host is fed by ups-a only: losing ups-b never shuts it down.
    let mut lab = lab(UpsOffPolicy::Never);
    lab.at_risk(&["ups-b"]);
    assert!(position(&lab.plan(), "shutdown_this_host").is_none());
}
