//! The shed's last steps in the simulated lab (`upstra demo`): asked for by hand on mains, the
//! UPS-off command goes to the simulated UPS and this host's shutdown is only recorded; the
//! daemon stays up, the run ends, and the machine running the demo is never touched.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::time::Duration;

use support::*;
use upstra_core::api::v1::{LabSpec, PlanRunRequest};
use upstra_core::api::v1::{StepKind, StepStatus};
use upstra_core::lab::{KnownNames, parse};
use upstra_daemon::demo::DEMO_LAB;

/// The demo's own lab: its console host `mgmt-a1` is `this_host`, fed by ups-a1, which cuts
/// and restores its output (`ups_off = "return"`).
fn lab() -> LabSpec {
    let inventory = parse(DEMO_LAB, &KnownNames::default()).unwrap().inventory;
    assert!(
        inventory
            .servers
            .values()
            .any(|s| s.this_host && s.id.as_str() == "mgmt-a1")
    );
    LabSpec::from(&inventory)
}

#[tokio::test]
async fn the_demo_runs_the_last_steps_without_touching_the_machine() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start_with_env(dir.path(), &[("UPSTRA_DRIVERS", "simulated")]).await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = setup_and_login(&c).await;
    c.apply(ctx(), t.clone(), lab(), false)
        .await
        .unwrap()
        .unwrap();
    let run = c
        .plan_run(
            ctx(),
            t.clone(),
            PlanRunRequest {
                include_this_host: true,
                ..PlanRunRequest::new("ups-a1")
            },
        )
        .await
        .unwrap()
        .unwrap();
    let last: Vec<&str> = run
        .plan
        .steps
        .iter()
        .rev()
        .take(2)
        .map(|s| s.kind.as_str())
        .collect();
    assert_eq!(last, ["shutdown_this_host", "ups_off"], "{:#?}", run.plan);
    let ended = until("the shed's end", Duration::from_secs(240), || async {
        let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
        status
            .recent
            .into_iter()
            .find(|r| r.id == run.id && r.ended_at.is_some())
    })
    .await;
    let host = ended
        .plan
        .steps
        .iter()
        .find(|s| s.kind == StepKind::ShutdownThisHost)
        .unwrap();
    assert_eq!(host.state, Some(StepStatus::Done), "{host:#?}");
    assert!(
        host.outcome
            .as_deref()
            .is_some_and(|o| o.starts_with("simulated: this host would power off now")),
        "{host:#?}"
    );
    assert!(!ended.continues_after_power_returns, "{ended:#?}");
    assert!(c.health(ctx()).await.is_ok(), "the daemon stays up");
    assert!(!dir.path().join("host-poweroff.log").exists());
    daemon.stop();
}
