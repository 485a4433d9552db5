//! `migrate_to`: read in order, and refused with its line when no outage could honour it.

use super::*;

/// Two UPS; `esx-01` on `ups-a`, `esx-02` on `ups-b`, `esx-03` on `ups-a` too, a storage box,
/// then `esx-01`'s extra lines (line 34 onwards).
fn lab(extra: &str) -> String {
    format!(
        "[[room]]\nname = \"r\"\n\
         [[ups]]\nname = \"ups-a\"\nroom = \"r\"\nnut = \"a@h\"\n\
         [[ups]]\nname = \"ups-b\"\nroom = \"r\"\nnut = \"b@h\"\n\
         [[server]]\nname = \"esx-02\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"ups-b\"]\nvsphere_host = \"esx-02\"\n\
         [[server]]\nname = \"esx-03\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"ups-a\"]\nvsphere_host = \"esx-03\"\n\
         [[server]]\nname = \"nas\"\nroom = \"r\"\nkind = \"storage\"\nfeeds = [\"ups-b\"]\n\
         [[server]]\nname = \"esx-01\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"ups-a\"]\nvsphere_host = \"esx-01\"\n{extra}"
    )
}

fn errors(text: &str, known: &KnownNames) -> Vec<String> {
    match parse(text, known) {
        Ok(_) => panic!("expected errors in\n{text}"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

fn one_error(extra: &str) -> String {
    let e = errors(&lab(extra), &KnownNames::default());
    assert_eq!(e.len(), 1, "{e:?}");
    e[0].clone()
}

fn sid(name: &str) -> ServerId {
    ServerId::new(name).expect("name")
}

#[test]
fn the_preferred_targets_are_kept_in_the_order_written() {
    let known = KnownNames {
        servers: [sid("esx-stored")].into(),
        ..KnownNames::default()
    };
    let doc = parse(&lab("migrate_to = [\"esx-stored\", \"esx-02\"]\n"), &known);
    let doc = doc.expect("valid lab");
    let esx01 = doc.inventory.servers.get(&sid("esx-01")).expect("esx-01");
    assert_eq!(esx01.migrate_to, vec![sid("esx-stored"), sid("esx-02")]);
}

#[test]
fn an_unknown_name_is_refused_at_its_line() {
    let e = one_error("migrate_to = [\"esx-02\",\n  \"esx-99\"]\n");
    assert!(
        e.starts_with("35: server `esx-01`: migrate_to `esx-99` is not a declared server"),
        "{e}"
    );
}

#[test]
fn a_server_naming_itself_is_refused() {
    let e = one_error("migrate_to = [\"esx-01\"]\n");
    assert!(
        e.starts_with("34: server `esx-01`: a server cannot migrate its VMs to itself"),
        "{e}"
    );
}

#[test]
fn a_target_that_is_not_a_hypervisor_is_refused() {
    let e = one_error("migrate_to = [\"nas\"]\n");
    assert!(
        e.starts_with("34: server `esx-01`: migrate_to `nas` is not a hypervisor"),
        "{e}"
    );
}

#[test]
fn a_target_on_the_same_ups_only_is_refused_since_it_falls_with_it() {
    let e = one_error("migrate_to = [\"esx-02\", \"esx-03\"]\n");
    assert!(
        e.starts_with("34: server `esx-01`: migrate_to `esx-03` loses its power in every outage"),
        "{e}"
    );
}

#[test]
fn a_target_sharing_one_ups_of_a_server_that_needs_both_is_accepted() {
    // esx-01 on both UPS and needing both is shed when ups-b alone fails, while esx-03 on
    // ups-a stays up: a preference that can be honoured.
    let text = lab("migrate_to = [\"esx-03\"]\n").replace(
        "feeds = [\"ups-a\"]\nvsphere_host = \"esx-01\"",
        "feeds = [\"ups-a\", \"ups-b\"]\nfeeds_required = 2\nvsphere_host = \"esx-01\"",
    );
    let doc = parse(&text, &KnownNames::default()).expect("valid lab");
    let esx01 = doc.inventory.servers.get(&sid("esx-01")).expect("esx-01");
    assert_eq!(esx01.migrate_to, vec![sid("esx-03")]);
}

#[test]
fn a_listed_twice_target_is_refused() {
    let e = one_error("migrate_to = [\"esx-02\", \"esx-02\"]\n");
    assert!(
        e.starts_with("34: server `esx-01`: migrate_to `esx-02` is listed twice"),
        "{e}"
    );
}

#[test]
fn a_server_that_moves_no_vms_cannot_prefer_targets() {
    let text = lab("").replace(
        "kind = \"storage\"\nfeeds = [\"ups-b\"]\n",
        "kind = \"storage\"\nfeeds = [\"ups-b\"]\nmigrate_to = [\"esx-02\"]\n",
    );
    let e = errors(&text, &KnownNames::default());
    assert_eq!(e.len(), 1, "{e:?}");
    assert!(
        e[0].starts_with("28: server `nas`: migrate_to needs a hypervisor"),
        "{e:?}"
    );
}

#[test]
fn a_target_without_ups_needs_the_plan_to_allow_it_when_the_file_says_so() {
    let wall = "[[server]]\nname = \"esx-wall\"\nroom = \"r\"\nkind = \"hypervisor\"\nvsphere_host = \"esx-wall\"\n";
    let refused = errors(
        &format!(
            "{}[plan]\nmigrate_to_hosts_without_ups = false\n{wall}",
            lab("migrate_to = [\"esx-wall\"]\n")
        ),
        &KnownNames::default(),
    );
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].contains("migrate_to_hosts_without_ups = true"),
        "{refused:?}"
    );
    parse(
        &format!(
            "{}[plan]\nmigrate_to_hosts_without_ups = true\n{wall}",
            lab("migrate_to = [\"esx-wall\"]\n")
        ),
        &KnownNames::default(),
    )
    .expect("allowed by the file's [plan]");
    // Without [plan] in the file, the stored setting decides: the daemon checks it.
    parse(
        &format!("{}{wall}", lab("migrate_to = [\"esx-wall\"]\n")),
        &KnownNames::default(),
    )
    .expect("left to the daemon");
}

#[test]
fn a_target_known_only_to_the_store_is_accepted_by_name() {
    let known = KnownNames {
        servers: [sid("esx-stored")].into(),
        ..KnownNames::default()
    };
    let doc = parse(&lab("migrate_to = [\"esx-stored\"]\n"), &known).expect("valid lab");
    let esx01 = doc.inventory.servers.get(&sid("esx-01")).expect("esx-01");
    assert_eq!(esx01.migrate_to, vec![sid("esx-stored")]);
}

#[test]
fn more_than_the_bound_is_refused() {
    let names: Vec<String> = (0..=crate::outage::MAX_MIGRATE_TO)
        .map(|i| format!("\"h{i}\""))
        .collect();
    let e = one_error(&format!("migrate_to = [{}]\n", names.join(", ")));
    assert!(
        e.starts_with("34: server `esx-01`: migrate_to lists 9 hosts, at most 8"),
        "{e}"
    );
}

#[test]
fn hostile_names_are_refused_like_every_other_name() {
    let e = one_error("migrate_to = [\"esx\\u001b[31m\"]\n");
    assert!(e.starts_with("34:"), "{e}");
}

#[test]
fn a_server_stored_before_migrate_to_existed_loads_with_no_preference() {
    let doc = parse(&lab(""), &KnownNames::default()).expect("valid lab");
    let esx01 = doc.inventory.servers.get(&sid("esx-01")).expect("esx-01");
    // The store keeps each server as a JSON document: one written before the key has none.
    let stored = serde_json::to_value(esx01).expect("json");
    assert!(stored.get("migrate_to").is_none(), "{stored}");
    let loaded: crate::model::Server = serde_json::from_value(stored).expect("loads");
    assert!(loaded.migrate_to.is_empty());
    assert_eq!(&loaded, esx01);
}
