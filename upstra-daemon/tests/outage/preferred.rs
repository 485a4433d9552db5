//! `migrate_to`: a shed host's VMs go to the host the lab prefers for them, not to the one the
//! planner would have picked, and vcsim shows them there after the shed.

use std::time::Duration;

use upstra_adapter_vsphere::{VsphereClient, VsphereOptions};
use upstra_core::api::v1::{PlanView, RunStatus, StepKind};
use upstra_core::model::Inventory;
use upstra_tests::lab::{Size, server_name};
use upstra_tests::nut::DevFile;

use crate::lab::*;
use crate::support::*;

/// The host each VM of `plan` is moved to, by VM name.
fn moves(plan: &PlanView) -> Vec<(String, String)> {
    plan.steps
        .iter()
        .filter(|s| s.kind == StepKind::MigrateVm)
        .filter_map(|s| {
            let vm = s.target.strip_prefix("vm:")?.to_owned();
            let to = s.action.rsplit(" to ").next()?.to_owned();
            Some((vm, to))
        })
        .collect()
}

#[tokio::test]
async fn a_shed_hosts_vms_end_on_its_preferred_host() {
    let Some(peers) = upstra_tests::peers("outage preferred target") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 3,
            vms_per_cluster: 3,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;

    // Left to itself, the planner moves a VM of cluster 0 to some host of cluster 1.
    let usual = c
        .plan_show(ctx(), t.clone(), Some("ups-one".into()))
        .await
        .unwrap()
        .unwrap();
    let (vm, usual_to) = moves(&usual)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("a VM of cluster 0 is moved: {usual:#?}"));
    assert!(usual.preferred.is_empty(), "{usual:#?}");
    let before = placement(&c, &t).await;
    let from = before[&vm].0.clone().unwrap();
    let preferred = lab.own.hosts[1]
        .iter()
        .find(|h| **h != usual_to)
        .cloned()
        .unwrap();

    // The lab prefers another host of cluster 1 for the VMs of that VM's host.
    let head = lab.server_head(&server_name(&from));
    let prefers = format!("{head}migrate_to = [\"{}\"]\n", server_name(&preferred));
    lab.edits = vec![(head, prefers)];
    c.apply(ctx(), t.clone(), lab.spec(), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        servers(&c, &t).await[&server_name(&from)].migrate_to,
        vec![server_name(&preferred)]
    );
    let plan = c
        .plan_show(ctx(), t.clone(), Some("ups-one".into()))
        .await
        .unwrap()
        .unwrap();
    assert!(
        moves(&plan).contains(&(vm.clone(), preferred.clone())),
        "{vm} goes to {preferred}, not {usual_to}: {plan:#?}"
    );
    let choice = plan.preferred.iter().find(|p| p.vm == vm).unwrap();
    assert_eq!(
        choice.used.as_ref().map(|s| s.to_string()),
        Some(server_name(&preferred))
    );

    // Mains fails on ups-one: the shed moves it there.
    let mut cursor = 0;
    let dev = DevFile::open(lab.nut_dir(), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(240)).await;
    let shed = last_run(&c, &t, "shed").await;
    eprintln!("{}", shed.summary());
    assert_eq!(shed.state, RunStatus::Finished, "{shed:#?}");

    // vcsim itself says where the VM is now.
    let vcenter = lab
        .spec()
        .into_inventory(&Inventory::default())
        .unwrap()
        .vcenter
        .unwrap();
    let vsphere = VsphereClient::connect(&vcenter, VsphereOptions::default())
        .await
        .unwrap();
    let inventory = vsphere.read_inventory().await.unwrap();
    let _ = vsphere.logout().await;
    let now = inventory.vms.iter().find(|v| v.name == vm).unwrap();
    assert_eq!(
        now.host.as_deref(),
        Some(preferred.as_str()),
        "{vm} ended on its preferred host"
    );
    drop(dev);
}
