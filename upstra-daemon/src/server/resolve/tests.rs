use upstra_core::api::v1::{ApiError, TargetKind, TargetName};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::model::{Inventory, Vm, VmPower};

use super::{Declared, ServersByHost, host_of, resolve};
use crate::server::tests::LAB;

fn lab() -> Inventory {
    parse(LAB, &KnownNames::default()).expect("lab").inventory
}

fn vm(id: &str, name: &str, host: Option<&str>) -> Vm {
    Vm {
        id: upstra_core::ids::VmId::new(id).expect("id"),
        name: name.into(),
        host: host.map(Into::into),
        power: VmPower::PoweredOn,
        cpus: 1,
        memory_mib: 1024,
    }
}

fn one(kind: TargetKind, name: &str, inv: &Inventory, vms: &[Vm]) -> Result<Declared, ApiError> {
    resolve(&[TargetName { kind, name }], inv, vms).map(|mut r| r.0.remove(0).declared)
}

fn server_of(d: Result<Declared, ApiError>) -> String {
    match d {
        Ok(Declared::Server(s)) => s.id.to_string(),
        other => panic!("not a server: {other:?}"),
    }
}

#[test]
fn a_server_is_found_by_its_name_and_by_its_vsphere_host_name() {
    let inv = lab();
    assert_eq!(
        server_of(one(TargetKind::Server, "esx-b", &inv, &[])),
        "esx-b"
    );
    assert_eq!(
        server_of(one(TargetKind::Server, "esx-b.lab", &inv, &[])),
        "esx-b"
    );
}

#[test]
fn a_name_that_designates_nothing_declared_is_refused_and_says_so() {
    let inv = lab();
    for name in ["esx-z.lab", "ESX-B.LAB", "", "esx-b.lab.", "../esx-b"] {
        let err = one(TargetKind::Server, name, &inv, &[]).expect_err(name);
        let text = err.to_string();
        assert!(
            matches!(err, ApiError::NotFound { .. })
                && text.contains("server or vSphere host")
                && text.contains("upstra server list"),
            "{name:?}: {text}"
        );
    }
    assert!(matches!(
        one(TargetKind::Ups, "ups-z", &inv, &[]),
        Err(ApiError::NotFound { .. })
    ));
    assert!(matches!(
        one(TargetKind::Vm, "vm-9", &inv, &[]),
        Err(ApiError::NotFound { .. })
    ));
}

#[test]
fn a_vsphere_host_name_declared_by_two_servers_is_ambiguous() {
    let mut inv = lab();
    for s in inv.servers.values_mut() {
        s.vsphere_host = Some("same.lab".into());
    }
    let err = one(TargetKind::Server, "same.lab", &inv, &[]).expect_err("ambiguous");
    assert!(err.to_string().contains("name the server instead"), "{err}");
}

#[test]
fn a_vm_sits_under_the_declared_server_it_runs_on_and_nowhere_else() {
    let inv = lab();
    let vms = [
        vm("vm-1", "web", Some("esx-b.lab")),
        vm("vm-2", "db", Some("not-declared.lab")),
        vm("vm-3", "twin", None),
        vm("vm-4", "twin", None),
    ];
    for (name, id, host) in [
        ("vm-1", "vm-1", Some("esx-b")),
        ("web", "vm-1", Some("esx-b")),
        ("db", "vm-2", None),
    ] {
        match one(TargetKind::Vm, name, &inv, &vms) {
            Ok(Declared::Vm { vm, host: h }) => {
                assert_eq!(vm.id.as_str(), id);
                assert_eq!(h.as_ref().map(|s| s.as_str()), host, "{name}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    assert!(matches!(
        one(TargetKind::Vm, "twin", &inv, &vms),
        Err(ApiError::Invalid { .. })
    ));
}

#[test]
fn every_kind_has_a_resolver_and_authorization_sees_what_it_resolved_to() {
    let inv = lab();
    let vms = [vm("vm-1", "web", Some("esx-b.lab"))];
    let names = ["esx-b.lab", "web", "ups-b"];
    for (kind, name) in TargetKind::ALL.into_iter().zip(names) {
        let resolved = resolve(&[TargetName { kind, name }], &inv, &vms).expect(name);
        let target = resolved.0[0].declared.resource();
        // Whatever the name was, the resource sits in lab-b's tree.
        let above = resolved.topology(&inv).ancestors(&target);
        assert!(
            above.iter().any(|r| r.to_string() == "room:lab-b"),
            "{kind:?} `{name}` resolved to {target}, under {above:?}"
        );
    }
}

#[test]
fn the_host_index_places_every_vm_where_the_search_by_server_does() {
    let inv = lab();
    let hosts = ServersByHost::new(&inv);
    let mut vms: Vec<Vm> = inv
        .servers
        .values()
        .filter_map(|s| s.vsphere_host.as_deref())
        .enumerate()
        .map(|(i, host)| vm(&format!("vm-{i}"), "on a declared host", Some(host)))
        .collect();
    assert!(!vms.is_empty(), "the test lab declares vSphere hosts");
    vms.push(vm(
        "vm-elsewhere",
        "undeclared host",
        Some("not-declared.lab"),
    ));
    vms.push(vm("vm-nowhere", "no host", None));
    for vm in &vms {
        assert_eq!(
            hosts.host_of(vm).map(|s| &s.id),
            host_of(&inv, vm).map(|s| &s.id),
            "{}",
            vm.id
        );
    }
}
