//! `render` writes what `parse` reads back as the same declaration, with every secret a
//! password file reference: a rich lab, with names holding quotes, backslashes and Unicode.

use super::export::{password_file, render};
use super::*;

const RICH: &str = r#"
[[room]]
name = "lab-a"
power_on_stagger = "12s"
[[room]]
name = "lab-b"

[[ups]]
name = "ups-a1"
room = "lab-a"
nut = "ups1@[fd00::5]:3493"
user = "mon \"quoted\" \\ user"
password_file = "elsewhere/ups.pass"
policy = { grace = "2m", act_on_low_battery = false, comms_lost = "act after 5m", ups_off = "return", restore_min_charge = 40 }

[[ups]]
name = "ups-b1"
room = "lab-b"
nut = "ups2@10.0.0.6"

[vcenter]
url = "https://vc.lab.example/sdk"
user = "administrator@vsphere.local"
password_file = "vc.pass"
ca_file = "/etc/upstra/ca.pem"

[[server]]
name = "esx-01"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a1", "ups-b1"]
feeds_required = 2
tier = 2
depends_on = ["nas-01"]
vsphere_host = "esx-01 « Zürich » 'x'"
bmc = { url = "https://10.0.1.11/redfish/v1/Systems/1", user = "admïn", password_file = "ilo.pass", tls_fingerprint = "sha256:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB" }
ssh = { address = "[fd00::11]:22", user = "root", host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk esx" }

[[server]]
name = "nas-01"
room = "lab-a"
kind = "storage"
feeds = ["ups-a1"]
tier = 3
bmc = { url = "http://10.0.1.12/redfish/v1/Systems/1", user = "admin" }

[[server]]
name = "wall-sw"
room = "lab-b"
kind = "network"

[[server]]
name = "console"
room = "lab-b"
feeds = ["ups-b1"]
this_host = true

[plan]
migrations_per_host = 3
memory_headroom = 15
migrate_to_hosts_without_ups = true
estimates = { migrate_vm = "45s" }

[[vm]]
name = "vCenter \"prod\" \\ ∑"
priority = 100
migrate = false
[[vm]]
name = "web-01"
priority = -5
"#;

#[test]
fn a_rich_lab_reads_back_as_itself_with_password_files_for_its_secrets() {
    let first = parse(RICH, &KnownNames::default()).expect("the rich lab is valid");
    let slots: Vec<SecretSlot> = first.secret_files.iter().map(|f| f.slot.clone()).collect();
    let text = render(&first.inventory, &|slot| slots.contains(slot));
    let again = parse(&text, &KnownNames::default())
        .unwrap_or_else(|e| panic!("the export does not parse: {e:?}\n{text}"));
    assert_eq!(again.inventory, first.inventory, "{text}");
    let files: Vec<(SecretSlot, String)> = again
        .secret_files
        .iter()
        .map(|f| (f.slot.clone(), f.path.clone()))
        .collect();
    let expected: Vec<(SecretSlot, String)> = slots
        .iter()
        .map(|s| (s.clone(), password_file(s)))
        .collect();
    assert_eq!(files.len(), 3, "{text}");
    for pair in &expected {
        assert!(files.contains(pair), "{pair:?} missing from\n{text}");
    }
    assert!(
        !text.contains("wall-sw\"\nroom = \"lab-b\"\nkind = \"network\"\nfeeds"),
        "{text}"
    );
}

#[test]
fn a_login_without_a_password_names_no_file() {
    let first = parse(RICH, &KnownNames::default()).expect("valid");
    let text = render(&first.inventory, &|_| false);
    assert!(!text.contains("password_file ="), "{text}");
    let again = parse(&text, &KnownNames::default()).expect("valid");
    assert!(again.secret_files.is_empty());
    assert_eq!(again.inventory, first.inventory);
}

#[test]
fn an_empty_declaration_is_an_empty_lab_file() {
    let text = render(&Inventory::default(), &|_| false);
    let doc = parse(&text, &KnownNames::default()).expect("valid");
    assert_eq!(doc.inventory, Inventory::default());
}

#[test]
fn preferred_targets_round_trip_in_order_and_apply_of_the_export_changes_nothing() {
    let with_targets = format!(
        "{RICH}\n[[server]]\nname = \"esx-02\"\nroom = \"lab-b\"\nkind = \"hypervisor\"\nfeeds = [\"ups-b1\"]\nvsphere_host = \"esx-02\"\n\
         [[server]]\nname = \"esx-00\"\nroom = \"lab-b\"\nkind = \"hypervisor\"\nfeeds = [\"ups-b1\"]\nvsphere_host = \"esx-00\"\n"
    )
    .replace(
        "depends_on = [\"nas-01\"]\n",
        "depends_on = [\"nas-01\"]\nmigrate_to = [\"esx-02\", \"esx-00\"]\n",
    );
    let stored = parse(&with_targets, &KnownNames::default()).expect("valid");
    let text = render(&stored.inventory, &|_| false);
    assert!(
        text.contains("migrate_to = [\"esx-02\", \"esx-00\"]\n"),
        "{text}"
    );
    let again = parse(&text, &KnownNames::default()).expect("the export parses");
    assert_eq!(again.inventory, stored.inventory, "{text}");
    let changes = crate::diff::diff(&stored.inventory, &again.inventory);
    assert!(
        changes
            .iter()
            .all(|c| c.kind == crate::diff::ChangeKind::Unchanged),
        "{changes:?}"
    );
    // A changed order is a change, named.
    let reordered = parse(
        &text.replace("[\"esx-02\", \"esx-00\"]", "[\"esx-00\", \"esx-02\"]"),
        &KnownNames::default(),
    )
    .expect("valid");
    let changes = crate::diff::diff(&stored.inventory, &reordered.inventory);
    assert!(
        changes.iter().any(|c| c.name == "esx-01"
            && c.kind
                == crate::diff::ChangeKind::Update {
                    fields: vec!["migrate_to".into()]
                }),
        "{changes:?}"
    );
}
