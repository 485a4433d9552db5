use proptest::prelude::*;

use super::*;
use crate::lab::{KnownNames, parse};

const LAB: &str = r#"
[[room]]
name = "a"
[[room]]
name = "b"
[[ups]]
name = "ups-a"
room = "a"
nut = "u@h"
[[ups]]
name = "ups-b"
room = "b"
nut = "u@h"
[[server]]
name = "esx-a"
room = "a"
feeds = ["ups-a"]
[[server]]
name = "esx-b"
room = "b"
feeds = ["ups-b"]
"#;

fn topo() -> Topology {
    let inv = parse(LAB, &KnownNames::default())
        .expect("valid lab")
        .inventory;
    let vm = |v: &str, s: &str| (VmId::new(v).expect("id"), ServerId::new(s).expect("id"));
    Topology::new(&inv, [vm("vm-1", "esx-a"), vm("vm-2", "esx-b")])
}

fn r(s: &str) -> Resource {
    Resource::parse(s).expect("resource")
}

fn grant(p: Permissions, on: &str) -> Grant {
    Grant {
        permissions: p,
        resource: r(on),
    }
}

#[test]
fn grants_flow_down_the_tree_table() {
    use Permissions as P;
    let t = topo();
    let operator_on_a = [grant(P::READ | P::POWER, "room:a")];
    let cases = [
        ("room:a", true),
        ("ups:ups-a", true),
        ("server:esx-a", true),
        ("vm:vm-1", true),
        ("room:b", false),
        ("ups:ups-b", false),
        ("server:esx-b", false),
        ("vm:vm-2", false),
        ("all", false),
        ("vm:unknown-vm", false),
    ];
    for (target, allowed) in cases {
        let d = authorize(&operator_on_a, P::POWER, &r(target), &t);
        assert_eq!(d == Decision::Allow, allowed, "{target}");
    }
}

#[test]
fn a_ups_grant_does_not_reach_the_servers_it_feeds() {
    let t = topo();
    let g = [grant(Permissions::POWER, "ups:ups-a")];
    assert_eq!(
        authorize(&g, Permissions::POWER, &r("ups:ups-a"), &t),
        Decision::Allow
    );
    assert!(matches!(
        authorize(&g, Permissions::POWER, &r("server:esx-a"), &t),
        Decision::Deny { .. }
    ));
}

#[test]
fn a_grant_on_all_reaches_everything_and_no_grant_reaches_nothing() {
    let t = topo();
    let admin = [grant(Permissions::ALL, "all")];
    for target in ["all", "room:b", "vm:vm-2", "vm:unknown-vm"] {
        assert_eq!(
            authorize(&admin, Permissions::ADMIN, &r(target), &t),
            Decision::Allow
        );
        assert!(matches!(
            authorize(&[], Permissions::READ, &r(target), &t),
            Decision::Deny { .. }
        ));
    }
}

#[test]
fn resources_parse_and_print() {
    for s in ["all", "room:a", "ups:ups-a", "server:esx-a", "vm:vm-1"] {
        assert_eq!(r(s).to_string(), s);
    }
    assert!(Resource::parse("rack:1").is_err());
    assert!(Resource::parse("room").is_err());
    assert!(Resource::parse("room:bad name").is_err());
}

fn arb_resource() -> impl Strategy<Value = Resource> {
    prop_oneof![
        Just(r("all")),
        Just(r("room:a")),
        Just(r("room:b")),
        Just(r("ups:ups-a")),
        Just(r("ups:ups-b")),
        Just(r("server:esx-a")),
        Just(r("server:esx-b")),
        Just(r("vm:vm-1")),
        Just(r("vm:vm-2")),
    ]
}

fn arb_grants() -> impl Strategy<Value = Vec<Grant>> {
    prop::collection::vec(
        (0u32..512, arb_resource()).prop_map(|(bits, resource)| Grant {
            permissions: Permissions::from_bits_truncate(bits),
            resource,
        }),
        0..6,
    )
}

proptest! {
    #[test]
    fn revoking_a_grant_never_widens_access(grants in arb_grants(), target in arb_resource(), drop in 0usize..6) {
        let t = topo();
        let before = permissions_on(&grants, &target, &t);
        let mut fewer = grants.clone();
        if drop < fewer.len() {
            fewer.remove(drop);
        }
        let after = permissions_on(&fewer, &target, &t);
        prop_assert!(before.contains(after));
    }

    #[test]
    fn what_a_room_grant_allows_on_the_room_it_allows_on_its_vms(bits in 0u32..512) {
        let t = topo();
        let p = Permissions::from_bits_truncate(bits);
        let g = [grant(p, "room:a")];
        prop_assert_eq!(permissions_on(&g, &r("vm:vm-1"), &t), p);
        prop_assert_eq!(permissions_on(&g, &r("vm:vm-2"), &t), Permissions::NONE);
    }

    #[test]
    fn access_on_a_child_includes_access_on_its_parent(grants in arb_grants()) {
        let t = topo();
        for (child, parent) in [("vm:vm-1", "server:esx-a"), ("server:esx-a", "room:a"), ("ups:ups-b", "room:b")] {
            prop_assert!(permissions_on(&grants, &r(child), &t).contains(permissions_on(&grants, &r(parent), &t)));
        }
    }
}
