//! Learned durations come only from real work: an outage whose every step found its target
//! already as wanted ("already off") leaves the estimates, and so the runtime trigger's need,
//! as they were.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::time::Instant;
use upstra_adapter_redfish::{Options, RedfishBmc};
use upstra_core::api::v1::PlanView;
use upstra_core::model::Inventory;
use upstra_core::state::PowerState;
use upstra_core::traits::{Bmc, ResetType};
use upstra_tests::lab::Size;

use crate::lab::*;
use crate::support::*;
use upstra_core::api::v1::{PlanType, StepKind};

/// What the runtime trigger counts on for a UPS: the estimate of each kind of step in its
/// plan and whether it was learned.
fn estimates(plan: &PlanView) -> BTreeMap<String, (u64, bool)> {
    plan.steps
        .iter()
        .map(|s| (s.kind.to_string(), (s.estimate_s, s.estimate_learned)))
        .collect()
}

#[tokio::test]
async fn an_outage_of_no_ops_leaves_the_runtime_trigger_as_it_was() {
    let Some(peers) = upstra_tests::peers("outage learned durations") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 2,
            vms_per_cluster: 1,
        },
    );
    // Cluster 0's servers are plain servers (no vSphere host): their shed is one BMC
    // shutdown each. The daemon reads the BMCs once at start and then not for an hour, so it
    // does not see them switched off behind its back, as an operator might at 3 a.m.
    for (server, host) in lab.servers_of(0).into_iter().zip(lab.own.hosts[0].clone()) {
        let head = lab.server_head(&server);
        lab.edits.push((
            format!("{head}tier = 1\nvsphere_host = \"{host}\"\n"),
            format!(
                "{}tier = 1\n",
                head.replace("kind = \"hypervisor\"", "kind = \"other\"")
            ),
        ));
    }
    lab.extra_env = vec![("UPSTRA_SYNC_INTERVAL", "1h")];
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let show = |ups: &'static str| {
        let (c, t) = (c.clone(), t.clone());
        async move {
            c.plan_show(ctx(), t, Some(ups.into()))
                .await
                .unwrap()
                .unwrap()
        }
    };
    let other_before = show("ups-two").await;
    let other_ups_before = estimates(&other_before);
    assert!(
        other_ups_before.contains_key("shutdown_server"),
        "{other_before:#?}"
    );
    let own = show("ups-one").await;
    assert!(
        !own.steps.is_empty() && own.steps.iter().all(|s| s.kind == StepKind::ShutdownServer),
        "{own:#?}"
    );
    assert!(
        other_ups_before.values().all(|(_, learned)| !learned),
        "nothing learned yet: {other_ups_before:?}"
    );

    // Switch cluster 0 off at the BMCs, behind the daemon's back.
    let inventory = lab
        .spec()
        .into_inventory(&Inventory::default())
        .expect("the test's lab");
    let bmc = RedfishBmc::new(Options::default());
    for name in lab.servers_of(0) {
        let server = inventory
            .servers
            .values()
            .find(|s| s.id.as_str() == name)
            .unwrap();
        bmc.reset(server, ResetType::ForceOff).await.unwrap();
        bmc.wait_for_power(
            server,
            PowerState::Off,
            Instant::now() + Duration::from_secs(60),
        )
        .await
        .unwrap();
    }

    // The operator sheds ups-one: every step finds its server already off.
    c.plan_run(ctx(), t.clone(), "ups-one".into())
        .await
        .unwrap()
        .unwrap();
    let shed = until("the end of the shed", Duration::from_secs(120), || async {
        let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
        status
            .recent
            .into_iter()
            .find(|r| r.plan.kind == PlanType::Shed && r.ended_at.is_some())
    })
    .await;
    assert_eq!(shed.counts.failed, 0, "{shed:#?}");
    assert!(
        shed.plan
            .steps
            .iter()
            .all(|s| s.outcome.as_deref() == Some("already off")),
        "an outage of no-ops: {:#?}",
        shed.plan.steps
    );

    // What the trigger of the other UPS counts on has not moved.
    let other_after = show("ups-two").await;
    assert_eq!(
        estimates(&other_after),
        other_ups_before,
        "{other_after:#?}"
    );
    let kinds = |p: &PlanView| p.steps.iter().map(|s| s.kind).collect::<Vec<_>>();
    if kinds(&other_after) == kinds(&other_before) {
        assert_eq!(other_after.makespan_s, other_before.makespan_s);
    }
}
