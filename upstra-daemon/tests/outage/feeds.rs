//! `feeds_required`: a server fed by both UPS whose power supplies cannot carry it alone is
//! shed when either UPS is lost; with the default, one healthy feed keeps it running.

use std::time::Duration;

use upstra_core::api::v1::PlanView;
use upstra_core::state::PowerState;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::{StepKind, StepStatus};

fn shuts_down(plan: &PlanView, server: &str) -> bool {
    plan.steps
        .iter()
        .any(|s| s.kind == StepKind::ShutdownServer && s.target == format!("server:{server}"))
}

/// Declares `server` (of cluster 1, on `ups-two`) fed by both UPS, needing `required` of them
/// (`None`: the default).
fn dual_fed(lab: &mut Lab, server: &str, required: Option<u8>) {
    let head = lab.server_head(server);
    let required = required
        .map(|n| format!("feeds_required = {n}\n"))
        .unwrap_or_default();
    let dual = head.replace(
        "feeds = [\"ups-two\"]\n",
        &format!("feeds = [\"ups-two\", \"ups-one\"]\n{required}"),
    );
    lab.edits = vec![(head, dual)];
}

#[tokio::test]
async fn a_server_needing_both_feeds_is_shed_when_either_ups_is_lost() {
    let Some(peers) = upstra_tests::peers("outage feeds required") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    let dual = lab.servers_of(1)[0].clone();
    let dir = tempfile::tempdir().unwrap();

    // With the default, its other feed keeps it running whichever UPS is lost.
    dual_fed(&mut lab, &dual, None);
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    for ups in ["ups-one", "ups-two"] {
        let plan = c
            .plan_show(ctx(), t.clone(), Some(ups.into()))
            .await
            .unwrap()
            .unwrap();
        assert!(
            !shuts_down(&plan, &dual),
            "{dual} has a healthy feed left when {ups} is lost: {plan:#?}"
        );
    }

    // Needing both, it goes down with either.
    dual_fed(&mut lab, &dual, Some(2));
    c.apply(ctx(), t.clone(), lab.spec(), false)
        .await
        .unwrap()
        .unwrap();
    let listed = servers(&c, &t).await;
    assert_eq!(listed[&dual].feeds_required, 2, "{:#?}", listed[&dual]);
    for ups in ["ups-one", "ups-two"] {
        let plan = c
            .plan_show(ctx(), t.clone(), Some(ups.into()))
            .await
            .unwrap()
            .unwrap();
        assert!(
            shuts_down(&plan, &dual),
            "{dual} needs both feeds; {ups} lost: {plan:#?}"
        );
    }

    // And a real cut of ups-one (not its first feed) sheds it.
    let mut cursor = 0;
    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(240)).await;
    let shed = last_run(&c, &t, "shed").await;
    eprintln!("{}", shed.summary());
    let step = shed
        .plan
        .steps
        .iter()
        .find(|s| s.kind == StepKind::ShutdownServer && s.target == format!("server:{dual}"))
        .unwrap_or_else(|| panic!("{dual} is in the shed: {shed:#?}"));
    assert_eq!(step.state, Some(StepStatus::Done), "{step:#?}");
    // Nothing was moved onto the host that is going down.
    let dual_host = lab.own.hosts[1][0].clone();
    assert!(
        !shed
            .plan
            .steps
            .iter()
            .any(|s| s.kind == StepKind::MigrateVm
                && s.action.ends_with(&format!(" to {dual_host}"))),
        "{shed:#?}"
    );
    until(
        "the dual-fed server off",
        Duration::from_secs(60),
        || async {
            c.sync(ctx(), t.clone()).await.unwrap().unwrap();
            (servers(&c, &t).await[&dual].power == PowerState::Off).then_some(())
        },
    )
    .await;
}
