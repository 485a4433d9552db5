//! Against the real peer: vcsim (govmomi 0.24.2, vCenter 6.5 API) started by
//! `tests/peers/start.sh`, reached over HTTPS with its pinned fingerprint.
//!
//! The tests share one vcsim, so every test takes `SERIAL` first and every mutating test puts
//! the inventory back as it found it (power on, migrate back, exit maintenance). Latencies
//! are printed (run with `--nocapture` to see them), never asserted.

mod support;

use std::time::Instant;

use upstra_adapter_vsphere::{VsphereClient, VsphereError};
use upstra_core::ids::VmId;
use upstra_core::model::{TlsTrust, VmPower};
use upstra_core::traits::{AdapterError, Hypervisor, VmPowerAction};

use support::{SERIAL, lab};

#[tokio::test]
async fn lists_the_vcsim_inventory_with_clusters_and_vms() {
    let Some(lab) = lab("lists_the_vcsim_inventory_with_clusters_and_vms") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    let started = Instant::now();
    let inv = client.read_inventory().await.expect("inventory");
    eprintln!("first inventory read (with login): {:?}", started.elapsed());
    let hosts: Vec<(&str, Option<&str>)> = inv
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), h.cluster.as_deref()))
        .collect();
    assert_eq!(
        hosts,
        [
            ("DC0_C0_H0", Some("DC0_C0")),
            ("DC0_C0_H1", Some("DC0_C0")),
            ("DC0_C0_H2", Some("DC0_C0")),
            ("DC0_H0", None),
        ]
    );
    assert!(
        inv.hosts
            .iter()
            .all(|h| h.capacity.is_some() && h.usage.is_some())
    );
    let vms: Vec<&str> = inv.vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        vms,
        [
            "DC0_C0_RP0_VM0",
            "DC0_C0_RP0_VM1",
            "DC0_H0_VM0",
            "DC0_H0_VM1"
        ]
    );
    for vm in &inv.vms {
        assert_eq!(vm.power, VmPower::PoweredOn, "{}", vm.name);
        assert!(
            vm.host.is_some() && vm.cpus.is_some() && vm.tools.is_some(),
            "{vm:?}"
        );
    }
    let started = Instant::now();
    let core = Hypervisor::inventory(&client)
        .await
        .expect("through the trait");
    eprintln!("inventory read (logged in): {:?}", started.elapsed());
    assert_eq!(core, inv.to_core());
    client.keep_alive().await.expect("keep-alive");
    let about = client.about().await.expect("about");
    assert_eq!(about.api_version, "6.5");
}

#[tokio::test]
async fn powers_a_vm_off_and_on() {
    let Some(lab) = lab("powers_a_vm_off_and_on") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    let vm = lab.vm(&client, "DC0_H0_VM1").await;
    let started = Instant::now();
    client.vm_power(&vm, VmPowerAction::Off).await.expect("off");
    eprintln!("PowerOffVM_Task + wait: {:?}", started.elapsed());
    assert_eq!(lab.power_of(&client, &vm.id).await, VmPower::PoweredOff);
    client
        .vm_power(&vm, VmPowerAction::Off)
        .await
        .expect("off again is a no-op");
    let started = Instant::now();
    client.vm_power(&vm, VmPowerAction::On).await.expect("on");
    eprintln!("PowerOnVM_Task + wait: {:?}", started.elapsed());
    assert_eq!(lab.power_of(&client, &vm.id).await, VmPower::PoweredOn);
}

#[tokio::test]
async fn shuts_a_guest_down_then_powers_it_back_on() {
    let Some(lab) = lab("shuts_a_guest_down_then_powers_it_back_on") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    let vm = lab.vm(&client, "DC0_C0_RP0_VM1").await;
    let started = Instant::now();
    let result = client.vm_power(&vm, VmPowerAction::ShutdownGuest).await;
    eprintln!("ShutdownGuest until poweredOff: {:?}", started.elapsed());
    client
        .vm_power(&vm, VmPowerAction::On)
        .await
        .expect("back on");
    result.expect("guest shutdown");
    assert_eq!(lab.power_of(&client, &vm.id).await, VmPower::PoweredOn);
}

#[tokio::test]
async fn live_migrates_a_vm_within_the_cluster_and_across_compute_resources() {
    let Some(lab) = lab("live_migrates_a_vm_within_the_cluster_and_across_compute_resources")
    else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    for (name, to) in [("DC0_C0_RP0_VM0", None), ("DC0_H0_VM0", Some("DC0_C0_H1"))] {
        let vm = lab.vm(&client, name).await;
        let home = vm.host.clone().expect("placed");
        let target = to.map_or_else(|| other_cluster_host(&home), str::to_owned);
        let started = Instant::now();
        let moved = client.migrate(&vm, &target).await;
        eprintln!(
            "RelocateVM_Task {name} {home} -> {target}: {:?}",
            started.elapsed()
        );
        let seen = lab.vm(&client, name).await.host;
        client.migrate(&vm, &home).await.expect("migrate back");
        moved.expect("migrate");
        assert_eq!(
            seen.as_deref(),
            Some(target.as_str()),
            "{name} on the target"
        );
        assert_eq!(
            lab.vm(&client, name).await.host,
            Some(home),
            "{name} back home"
        );
    }
    let vm = lab.vm(&client, "DC0_H0_VM1").await;
    let home = vm.host.clone().expect("placed");
    client
        .migrate(&vm, &home)
        .await
        .expect("to where it is: no-op");
    let err = client
        .migrate(&vm, "no-such-host")
        .await
        .expect_err("unknown host");
    assert!(matches!(err, AdapterError::NotFound { .. }), "{err}");
}

fn other_cluster_host(current: &str) -> String {
    let next = if current == "DC0_C0_H0" {
        "DC0_C0_H1"
    } else {
        "DC0_C0_H0"
    };
    next.to_owned()
}

#[tokio::test]
async fn enters_and_exits_maintenance_mode() {
    let Some(lab) = lab("enters_and_exits_maintenance_mode") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    let host = "DC0_C0_H2";
    let started = Instant::now();
    let entered = client.set_maintenance(host, true).await;
    eprintln!("EnterMaintenanceMode_Task + wait: {:?}", started.elapsed());
    let seen = maintenance_of(&client, host).await;
    let started = Instant::now();
    client.set_maintenance(host, false).await.expect("exit");
    eprintln!("ExitMaintenanceMode_Task + wait: {:?}", started.elapsed());
    entered.expect("enter");
    assert!(seen, "in maintenance after entering");
    assert!(!maintenance_of(&client, host).await, "out after exiting");
    client
        .set_maintenance(host, false)
        .await
        .expect("exiting again is a no-op");
}

async fn maintenance_of(client: &VsphereClient, host: &str) -> bool {
    let inv = client.read_inventory().await.expect("inventory");
    inv.host_named(host).expect("host").in_maintenance
}

#[tokio::test]
async fn host_shutdown_is_unsupported_so_the_daemon_uses_the_bmc() {
    let Some(lab) = lab("host_shutdown_is_unsupported_so_the_daemon_uses_the_bmc") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    let err = client
        .shutdown_host("DC0_H0", false)
        .await
        .expect_err("vcsim lacks ShutdownHost_Task");
    assert_eq!(
        err,
        VsphereError::Unsupported {
            what: "ShutdownHost_Task".into()
        }
    );
    assert!(matches!(
        err.into_adapter(client.peer()),
        AdapterError::Unsupported { .. }
    ));
    assert!(matches!(
        client.shutdown_host("no-such-host", true).await,
        Err(VsphereError::NotFound { .. })
    ));
}

#[tokio::test]
async fn an_unknown_vm_is_not_found() {
    let Some(lab) = lab("an_unknown_vm_is_not_found") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    let id = VmId::new("vm-99999").expect("valid id");
    let err = client
        .power(&id, VmPowerAction::On)
        .await
        .expect_err("no such VM");
    assert!(matches!(err, VsphereError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_wrong_password_is_auth_failed() {
    let Some(lab) = lab("a_wrong_password_is_auth_failed") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client_with_password("not-the-password");
    let err = Hypervisor::inventory(&client).await.expect_err("refused");
    assert!(matches!(err, AdapterError::AuthFailed { .. }), "{err}");
    let err = VsphereClient::connect(&lab.vcenter("nope"), support::options())
        .await
        .err()
        .expect("refused");
    assert_eq!(
        err,
        VsphereError::AuthFailed {
            user: "user".into()
        }
    );
}

#[tokio::test]
async fn logs_in_again_when_the_server_ends_the_session() {
    let Some(lab) = lab("logs_in_again_when_the_server_ends_the_session") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let client = lab.client();
    client.read_inventory().await.expect("logged in");
    let ended = lab.terminate_other_sessions().await;
    assert!(ended >= 1, "our session was ended");
    let started = Instant::now();
    client.read_inventory().await.expect("logged in again");
    eprintln!(
        "read after the session was ended (re-login): {:?}",
        started.elapsed()
    );
    client.logout().await.expect("logout");
    client
        .read_inventory()
        .await
        .expect("a call after logout logs in");
}

#[tokio::test]
async fn trusts_the_ca_file_and_refuses_a_wrong_pin_or_none() {
    let Some(lab) = lab("trusts_the_ca_file_and_refuses_a_wrong_pin_or_none") else {
        return;
    };
    let _serial = SERIAL.lock().await;
    let by_ca = lab.client_trusting(lab.ca_file_trust());
    by_ca.read_inventory().await.expect("CA file trust");
    let wrong = lab.client_trusting(support::wrong_pin());
    let err = Hypervisor::inventory(&wrong).await.expect_err("wrong pin");
    assert!(matches!(err, AdapterError::Untrusted { .. }), "{err}");
    let unpinned = lab.client_trusting(TlsTrust::Unpinned);
    let err = Hypervisor::inventory(&unpinned)
        .await
        .expect_err("unpinned");
    let AdapterError::Untrusted { reason, .. } = err else {
        panic!("unpinned HTTPS is refused as untrusted, got {err}");
    };
    let presented = lab.peers.get("UPSTRA_PEER_VCSIM_TLS_FINGERPRINT");
    assert!(
        reason.contains(presented),
        "names the fingerprint to pin: {reason}"
    );
}
