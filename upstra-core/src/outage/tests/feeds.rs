//! `feeds_required`: a server whose power supplies cannot carry the load alone needs more
//! than one healthy feed.

use super::fixture::{Lab, lines};
use crate::model::ServerKind;
use crate::outage::{FeedHealth, StepAction};

fn dual_fed_lab(required: u8) -> Lab {
    let mut lab = Lab::new(&["ups-a", "ups-b", "ups-c"]);
    lab.server("nas", ServerKind::Storage, &["ups-a", "ups-b"], 1)
        .feeds_required("nas", required);
    lab
}

fn shuts_down_nas(lab: &Lab) -> bool {
    lab.plan()
        .steps
        .iter()
        .any(|s| matches!(&s.action, StepAction::ShutdownServer { server, .. } if server.as_str() == "nas"))
}

#[test]
fn by_default_one_healthy_feed_keeps_a_server_running() {
    let mut lab = dual_fed_lab(1);
    lab.at_risk(&["ups-a"]);
    assert!(!shuts_down_nas(&lab), "{:?}", lines(&lab.plan()));
    lab.at_risk(&["ups-b"]);
    assert!(shuts_down_nas(&lab), "{:?}", lines(&lab.plan()));
}

#[test]
fn a_server_needing_both_feeds_is_shed_when_either_is_at_risk() {
    for ups in ["ups-a", "ups-b"] {
        let mut lab = dual_fed_lab(2);
        lab.at_risk(&[ups]);
        assert!(shuts_down_nas(&lab), "{ups}: {:?}", lines(&lab.plan()));
    }
}

#[test]
fn a_degraded_feed_still_counts_as_carrying_power() {
    // On battery but not acted on yet: its own outage decides; the server is not shed for it.
    let mut lab = dual_fed_lab(2);
    lab.state
        .feeds
        .insert(super::fixture::ups("ups-a"), FeedHealth::Degraded);
    assert!(!shuts_down_nas(&lab), "{:?}", lines(&lab.plan()));
}

#[test]
fn a_host_needing_two_feeds_with_one_healthy_is_no_migration_target() {
    let mut lab = Lab::new(&["ups-a", "ups-b", "ups-c"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-bc", &["ups-b", "ups-c"], 64)
        .feeds_required("esx-bc", 2)
        .vm("web", "esx-a1", 8);
    lab.state
        .feeds
        .insert(super::fixture::ups("ups-c"), FeedHealth::Degraded);
    lab.at_risk(&["ups-a"]);
    let plan = lab.plan();
    assert!(
        plan.steps
            .iter()
            .all(|s| !matches!(s.action, StepAction::MigrateVm { .. })),
        "{:?}",
        lines(&plan)
    );
}
