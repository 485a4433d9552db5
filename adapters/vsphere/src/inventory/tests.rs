//! Mapping the recorded vcsim inventory read to hosts and VMs.

use super::*;
use crate::response::{Value, retrieve_result};

fn recorded() -> VsphereInventory {
    let path = format!(
        "{}/tests/fixtures/retrieve_inventory.xml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let page = retrieve_result("RetrievePropertiesEx", &text).expect("parses");
    VsphereInventory::from_objects(&page.objects).expect("maps")
}

#[test]
fn hosts_carry_their_cluster_state_capacity_and_usage() {
    let inv = recorded();
    let names: Vec<&str> = inv.hosts.iter().map(|h| h.name.as_str()).collect();
    assert_eq!(names, ["DC0_C0_H0", "DC0_C0_H1", "DC0_C0_H2", "DC0_H0"]);
    let clustered = inv.host_named("DC0_C0_H1").expect("host");
    assert_eq!(clustered.cluster.as_deref(), Some("DC0_C0"));
    assert_eq!(clustered.connection, HostConnection::Connected);
    assert!(!clustered.in_maintenance);
    let standalone = inv.host_named("DC0_H0").expect("host");
    assert_eq!(standalone.cluster, None, "a standalone host has no cluster");
    let cap = standalone.capacity.expect("summary.hardware");
    assert_eq!((cap.cpu_cores, cap.cpu_mhz), (2, 2 * 2294));
    assert_eq!(cap.memory_bytes, 4_294_430_720);
    let usage = standalone.usage.expect("summary.quickStats");
    assert_eq!((usage.cpu_mhz, usage.memory_mib), (67, 1404));
    assert_ne!(
        clustered.pool, standalone.pool,
        "each compute resource has its own pool"
    );
}

#[test]
fn vms_carry_their_host_name_size_and_tools_state() {
    let inv = recorded();
    let names: Vec<&str> = inv.vms.iter().map(|v| v.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "DC0_C0_RP0_VM0",
            "DC0_C0_RP0_VM1",
            "DC0_H0_VM0",
            "DC0_H0_VM1"
        ]
    );
    let vm = inv.vms.iter().find(|v| v.name == "DC0_H0_VM0").expect("vm");
    assert_eq!(vm.host.as_deref(), Some("DC0_H0"));
    assert_eq!(vm.power, VmPower::PoweredOn);
    assert_eq!((vm.cpus, vm.memory_mib), (Some(1), Some(32)));
    assert_eq!(vm.tools, Some(ToolsStatus::NotRunning));
    assert!(vm.id.as_str().starts_with("vm-"));
    assert_eq!(inv.vm(&vm.id).map(|v| &v.name), Some(&vm.name));
}

#[test]
fn the_core_view_keeps_names_clusters_and_power() {
    let core = recorded().to_core();
    assert_eq!(core.hosts.len(), 4);
    assert!(core.hosts.iter().all(|h| h.connected && !h.in_maintenance));
    let clusters: Vec<Option<&str>> = core.hosts.iter().map(|h| h.cluster.as_deref()).collect();
    assert_eq!(
        clusters,
        [Some("DC0_C0"), Some("DC0_C0"), Some("DC0_C0"), None]
    );
    let vm = core
        .vms
        .iter()
        .find(|v| v.name == "DC0_C0_RP0_VM0")
        .expect("vm");
    assert!(
        vm.host
            .as_deref()
            .is_some_and(|h| h.starts_with("DC0_C0_H"))
    );
    assert_eq!((vm.cpus, vm.memory_mib), (1, 32));
}

#[test]
fn unknown_and_ambiguous_host_names_are_errors() {
    let mut inv = recorded();
    assert!(matches!(
        inv.host_named("nope"),
        Err(VsphereError::NotFound { .. })
    ));
    let copy = inv.hosts[0].clone();
    inv.hosts.push(copy);
    assert!(matches!(
        inv.host_named("DC0_C0_H0"),
        Err(VsphereError::Ambiguous { count: 2, .. })
    ));
}

#[test]
fn missing_properties_stay_unknown_and_odd_states_are_kept() {
    let vm = ObjectContent {
        obj: MoRef::new("VirtualMachine", "vm-9"),
        props: vec![
            ("name".into(), leaf("orphan")),
            ("runtime.powerState".into(), leaf("poweredOff")),
        ],
    };
    let host = ObjectContent {
        obj: MoRef::new("HostSystem", "host-9"),
        props: vec![("runtime.connectionState".into(), leaf("maintenance-ish"))],
    };
    let inv = VsphereInventory::from_objects(&[vm, host]).expect("maps");
    let vm = &inv.vms[0];
    assert_eq!(
        (vm.cpus, vm.memory_mib, vm.host.as_deref()),
        (None, None, None)
    );
    assert_eq!(vm.to_core().cpus, 0);
    let host = &inv.hosts[0];
    assert_eq!(host.name, "host-9", "no name: the moref stands in");
    assert_eq!(
        host.connection,
        HostConnection::Other("maintenance-ish".into())
    );
    assert!(!host.to_core().connected);
    assert_eq!(host.capacity, None);
}

#[test]
fn a_vm_without_a_known_power_state_is_refused_by_name() {
    let vm = ObjectContent {
        obj: MoRef::new("VirtualMachine", "vm-9"),
        props: vec![
            ("name".into(), leaf("weird")),
            ("runtime.powerState".into(), leaf("?")),
        ],
    };
    let err = VsphereInventory::from_objects(&[vm]).expect_err("refused");
    assert!(err.to_string().contains("weird"), "{err}");
}

fn leaf(text: &str) -> Value {
    Value {
        text: text.into(),
        ..Value::default()
    }
}
