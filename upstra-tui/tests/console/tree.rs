//! Building the lab tree from the API's lists: where each server and VM lands.

use crate::support;

use support::{lab, room, server, ups, vm};
use upstra_tui::console::state::{Inventory, Lists};
use upstra_tui::console::tree::{self, Node, NodeId};

/// The tree as indented text, one node per line, so a whole placement reads at a glance.
fn outline(nodes: &[Node]) -> String {
    fn walk(nodes: &[Node], depth: usize, out: &mut String) {
        for n in nodes {
            let label = match &n.id {
                NodeId::Room(x) => format!("room {x}"),
                NodeId::Ups(x) => format!("ups {x}"),
                NodeId::Server(x) => format!("server {x}"),
                NodeId::Vm(x) => format!("vm {x}"),
                NodeId::Unplaced => "unplaced".to_owned(),
            };
            out.push_str(&format!("{}{label}\n", "  ".repeat(depth)));
            walk(&n.children, depth + 1, out);
        }
    }
    let mut out = String::new();
    walk(nodes, 0, &mut out);
    out
}

fn build(lists: Lists) -> Vec<Node> {
    tree::build(&Inventory::from(lists))
}

#[test]
fn the_fixed_lab_places_everything_once() {
    assert_eq!(
        outline(&build(lab())),
        "\
room lab-a
  ups ups-a1
    server esx-a1
      vm vm-2
      vm vm-1
    server nas-a1
room lab-b
  ups ups-b1
    server core-sw
    server esx-b1
      vm vm-3
unplaced
  vm vm-9
"
    );
}

#[test]
fn a_dual_fed_server_appears_once_under_its_first_feed() {
    let lists = Lists {
        rooms: vec![room("r")],
        ups: vec![
            ups("ups-2", "r", "OL", 100.0),
            ups("ups-1", "r", "OL", 100.0),
        ],
        servers: vec![server("sw", "r", &["ups-2", "ups-1"])],
        vms: vec![],
    };
    assert_eq!(
        outline(&build(lists)),
        "room r\n  ups ups-1\n  ups ups-2\n    server sw\n"
    );
}

#[test]
fn a_server_without_vms_is_a_leaf() {
    let lists = Lists {
        rooms: vec![room("r")],
        ups: vec![ups("u", "r", "OL", 100.0)],
        servers: vec![server("nas", "r", &["u"])],
        vms: vec![],
    };
    let nodes = build(lists);
    let nas = tree::find(&nodes, &NodeId::Server("nas".into())).expect("placed");
    assert!(nas.children.is_empty());
    let rows = tree::rows(&nodes, &|_| true);
    let row = rows
        .iter()
        .find(|r| r.id == NodeId::Server("nas".into()))
        .expect("shown");
    assert!(!row.has_children && !row.expanded);
}

#[test]
fn vms_on_no_known_server_are_gathered_not_lost() {
    let lists = Lists {
        rooms: vec![room("r")],
        ups: vec![],
        servers: vec![],
        vms: vec![vm("vm-1", "b", None), vm("vm-2", "a", Some("unknown"))],
    };
    assert_eq!(
        outline(&build(lists)),
        "room r\nunplaced\n  vm vm-2\n  vm vm-1\n"
    );
}

#[test]
fn a_server_without_a_ups_in_its_room_sits_under_the_room() {
    let lists = Lists {
        rooms: vec![room("a"), room("b")],
        ups: vec![ups("ups-b", "b", "OL", 100.0)],
        // Fed from the other room's UPS, and one with an unknown feed.
        servers: vec![server("s1", "a", &["ups-b"]), server("s2", "a", &["nope"])],
        vms: vec![],
    };
    assert_eq!(
        outline(&build(lists)),
        "room a\n  server s1\n  server s2\nroom b\n  ups ups-b\n"
    );
}

#[test]
fn rooms_named_only_by_their_contents_still_appear() {
    let lists = Lists {
        rooms: vec![],
        ups: vec![ups("u", "attic", "OL", 100.0)],
        servers: vec![],
        vms: vec![],
    };
    assert_eq!(outline(&build(lists)), "room attic\n  ups u\n");
}

#[test]
fn folded_nodes_hide_their_children_and_ancestors_are_found() {
    let nodes = build(lab());
    let folded_a = |id: &NodeId| *id != NodeId::Room("lab-a".into());
    let rows = tree::rows(&nodes, &folded_a);
    assert_eq!(rows[0].id, NodeId::Room("lab-a".into()));
    assert_eq!(rows[1].id, NodeId::Room("lab-b".into()));
    assert_eq!(
        tree::ancestors(&nodes, &NodeId::Vm("vm-1".into())),
        Some(vec![
            NodeId::Room("lab-a".into()),
            NodeId::Ups("ups-a1".into()),
            NodeId::Server("esx-a1".into()),
        ])
    );
    assert_eq!(tree::ancestors(&nodes, &NodeId::Vm("nope".into())), None);
}
