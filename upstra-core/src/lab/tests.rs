use super::*;

const GOOD: &str = r#"
[[room]]
name = "lab-a"

[[ups]]
name = "ups-a1"
room = "lab-a"
nut = "ups1@127.0.0.1:3493"

[vcenter]
url = "https://127.0.0.1:8989/sdk"
user = "user"
password_file = "secrets/vcenter"
tls_fingerprint = "sha256:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB"

[[server]]
name = "esx-01"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a1"]
tier = 1
vsphere_host = "DC0_C0_H0"
bmc = { url = "https://127.0.0.1:8443/redfish/v1/Systems/1", user = "admin", password_file = "secrets/ilo" }
ssh = { address = "127.0.0.1:2222", host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk comment" }
"#;

fn errors(text: &str) -> Vec<String> {
    match parse(text, &KnownNames::default()) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn parses_the_documented_example() {
    let doc = parse(GOOD, &KnownNames::default()).expect("valid lab");
    let inv = &doc.inventory;
    assert_eq!(inv.rooms.len(), 1);
    let server = inv.servers.values().next().expect("one server");
    assert_eq!(server.kind, ServerKind::Hypervisor);
    assert_eq!(
        server.ssh.as_ref().and_then(|s| s.host_key.as_deref()),
        Some("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk")
    );
    assert!(matches!(
        inv.vcenter.as_ref().map(|v| &v.tls),
        Some(TlsTrust::Fingerprint(_))
    ));
    let lines: Vec<usize> = doc.secret_files.iter().map(|s| s.line).collect();
    assert_eq!(lines, vec![13, 23]);
}

#[test]
fn unknown_key_names_key_and_line() {
    let e = errors("[[room]]\nname = \"a\"\ncolour = \"red\"\n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("3: unknown field `colour`"), "{e:?}");
}

#[test]
fn duplicate_names_are_refused() {
    let e = errors("[[room]]\nname = \"a\"\n[[room]]\nname = \"a\"\n");
    assert_eq!(e, vec!["4: room `a` is declared twice"]);
}

#[test]
fn unknown_room_and_ups_are_refused() {
    let e = errors(
        "[[ups]]\nname = \"u\"\nroom = \"nowhere\"\nnut = \"u@h\"\n\
         [[room]]\nname = \"r\"\n\
         [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"ghost\"]\n",
    );
    assert_eq!(
        e,
        vec![
            "3: room `nowhere` is not declared",
            "10: server `s`: feed `ghost` is not a declared UPS",
            "10: server `s`: feeds must name at least one UPS; leave feeds out for a server on no UPS that Upstra manages",
        ]
    );
}

#[test]
fn known_names_satisfy_references() {
    let known = KnownNames {
        rooms: [RoomId::new("r").expect("name")].into(),
        ups: [UpsId::new("u").expect("name")].into(),
        servers: Default::default(),
    };
    let doc = parse(
        "[[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"u\"]\n",
        &known,
    )
    .expect("valid");
    assert_eq!(doc.inventory.servers.len(), 1);
}

#[test]
fn bad_urls_and_endpoints_are_refused() {
    let e = errors(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"nope\"\n\
         [vcenter]\nurl = \"ftp://x/sdk\"\nuser = \"u\"\n",
    );
    assert_eq!(
        e,
        vec![
            "6: `nope` is not `upsname@host[:port]`",
            "8: `ftp://x/sdk` uses an unsupported scheme: use https:// (or http:// on a trusted network)",
        ]
    );
}

#[test]
fn dependency_cycles_are_refused() {
    let e = errors(
        "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h\"\n\
         [[server]]\nname = \"a\"\nroom = \"r\"\nfeeds = [\"u\"]\ndepends_on = [\"b\"]\n\
         [[server]]\nname = \"b\"\nroom = \"r\"\nfeeds = [\"u\"]\ndepends_on = [\"a\"]\n",
    );
    assert_eq!(e, vec!["8: server `a` is part of a dependency cycle"]);
}

#[test]
fn syntax_errors_have_a_line() {
    let e = errors("[[room]]\nname = \n");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("2: "), "{e:?}");
}

#[test]
fn fill_secret_sets_the_password() {
    let mut doc = parse(GOOD, &KnownNames::default()).expect("valid");
    doc.fill_secret(&SecretSlot::VCenter, Secret::new("pw"));
    let vc = doc.inventory.vcenter.expect("vcenter");
    assert_eq!(vc.login.password.as_ref().map(Secret::expose), Some("pw"));
}

const OUTAGE: &str = r#"
[[room]]
name = "r"

[[ups]]
name = "u"
room = "r"
nut = "u@h"
policy = { grace = "90s", runtime_margin = 300, comms_lost = "act after 5m", restore_after = "3m", restore_min_charge = 50, auto_restore = false }

[plan]
migrations_per_host = 2
guest_shutdown_timeout = "1m 30s"
force_off = false

[plan.estimates]
migrate_vm = "45s"

[[vm]]
name = "db-01"
priority = 10

[[vm]]
name = "licence server"
migrate = false
"#;

#[test]
fn outage_settings_parse_with_their_units() {
    let inv = parse(OUTAGE, &KnownNames::default())
        .expect("valid")
        .inventory;
    let policy = &inv.ups.values().next().expect("ups").policy;
    assert_eq!(policy.grace_s, 90);
    assert_eq!(policy.runtime_margin_s, 300);
    assert_eq!(
        policy.comms_lost,
        crate::outage::CommsLostPolicy::ActAfter { secs: 300 }
    );
    assert_eq!(policy.restore_stable_s, 180);
    assert_eq!(policy.restore_min_charge_pct, 50);
    assert!(!policy.auto_restore);
    let plan = inv.plan.expect("a [plan] table");
    assert_eq!(plan.migrations_per_host, 2);
    assert_eq!(plan.guest_shutdown_timeout_s, 90);
    assert!(!plan.force_off);
    assert_eq!(plan.estimates.migrate_vm_s, 45);
    assert_eq!(
        plan.estimates.stop_vm_s,
        crate::outage::StepEstimates::default().stop_vm_s
    );
    assert_eq!(inv.vm_policies["db-01"].priority, 10);
    assert!(!inv.vm_policies["licence server"].migrate);
}

#[test]
fn a_file_without_outage_settings_gets_the_defaults() {
    let inv = parse(GOOD, &KnownNames::default())
        .expect("valid")
        .inventory;
    assert_eq!(
        inv.ups.values().next().expect("ups").policy,
        crate::outage::UpsPolicy::default()
    );
    assert!(inv.plan.is_none());
    assert!(inv.vm_policies.is_empty());
}

#[test]
fn bad_outage_settings_name_the_line() {
    let e = errors(
        &OUTAGE
            .replace("grace = \"90s\"", "grace = \"soon\"")
            .replace("migrations_per_host = 2", "migrations_per_host = 0"),
    );
    assert_eq!(
        e,
        [
            "9: UPS `u` policy grace: `soon` is not a duration; write it like \"90s\", \"2m\" or \"1h 30m\"",
            "12: plan migrations_per_host must be from 1 to 64, not 0",
        ]
    );
    let e = errors(&OUTAGE.replace("act after 5m", "panic"));
    assert_eq!(
        e,
        ["9: UPS `u` policy comms_lost: write \"alarm\" or \"act after 5m\", not `panic`"]
    );
    let e = errors(&OUTAGE.replace("restore_min_charge = 50", "restore_min_charge = 150"));
    assert_eq!(
        e,
        ["9: UPS `u` policy restore_min_charge must be from 0 to 100, not 150"]
    );
    let e = errors(&OUTAGE.replace(
        "force_off = false",
        "force_off = false\nwait_forever = true",
    ));
    assert!(
        e[0].starts_with("15: unknown field `wait_forever`"),
        "{e:?}"
    );
    let e = errors(&OUTAGE.replace("name = \"licence server\"", "name = \"db-01\""));
    assert_eq!(e, ["24: vm `db-01` is declared twice"]);
}
