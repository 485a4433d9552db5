//! `snmp = { ... }` in a lab file: what an operator writes, and the errors with their lines.

use super::*;
use crate::snmp::{SnmpAuthProtocol, SnmpMib, SnmpPrivProtocol, SnmpSecurity};

fn lab(ups: &str) -> String {
    format!("[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\n{ups}\n")
}

fn errors(text: &str) -> Vec<String> {
    match parse(text, &KnownNames::default()) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

#[test]
fn reads_a_v3_authpriv_ups_and_names_its_secret_files() {
    let mut doc = parse(
        &lab(
            "snmp = { address = \"10.0.0.5:161\", version = \"v3\", user = \"upsmon\", \
             auth_protocol = \"sha512\", auth_password_file = \"a.pw\", priv_protocol = \"aes256\", \
             priv_password_file = \"p.pw\", mib = \"apc\" }",
        ),
        &KnownNames::default(),
    )
    .expect("valid");
    let files: Vec<_> = doc
        .secret_files
        .iter()
        .map(|f| (f.line, f.path.clone(), f.slot.clone()))
        .collect();
    let id = UpsId::new("u").expect("id");
    assert_eq!(
        files,
        vec![
            (6, "a.pw".into(), SecretSlot::SnmpAuth(id.clone())),
            (6, "p.pw".into(), SecretSlot::SnmpPriv(id.clone())),
        ]
    );
    doc.fill_secret(&SecretSlot::SnmpAuth(id.clone()), Secret::new("authpass1"));
    doc.fill_secret(&SecretSlot::SnmpPriv(id.clone()), Secret::new("privpass1"));
    let ups = &doc.inventory.ups[&id];
    let snmp = ups.snmp().expect("snmp");
    assert_eq!(
        (snmp.host.as_str(), snmp.port, snmp.mib),
        ("10.0.0.5", 161, SnmpMib::Apc)
    );
    let SnmpSecurity::V3(usm) = &snmp.security else {
        panic!("v3 expected")
    };
    assert_eq!(usm.auth_protocol, SnmpAuthProtocol::Sha512);
    assert_eq!(usm.privacy, Some(SnmpPrivProtocol::Aes256));
    assert_eq!(
        usm.auth_password.as_ref().map(Secret::expose),
        Some("authpass1")
    );
    assert_eq!(
        usm.priv_password.as_ref().map(Secret::expose),
        Some("privpass1")
    );
    assert!(ups.nut().is_none());
}

#[test]
fn reads_v2c_with_a_community_inline_or_from_a_file() {
    let doc = parse(
        &lab("snmp = { address = \"[::1]\", version = \"v2c\", community = \"public\" }"),
        &KnownNames::default(),
    )
    .expect("valid");
    let ups = doc.inventory.ups.values().next().expect("ups");
    let snmp = ups.snmp().expect("snmp");
    assert_eq!(
        (snmp.host.as_str(), snmp.port, snmp.mib),
        ("::1", 161, SnmpMib::Auto)
    );
    assert!(
        matches!(&snmp.security, SnmpSecurity::V2c { community: Some(c) } if c.expose() == "public")
    );
    assert!(doc.secret_files.is_empty());

    let doc = parse(
        &lab("snmp = { address = \"h:1161\", version = \"v1\", community_file = \"c\" }"),
        &KnownNames::default(),
    )
    .expect("valid");
    assert_eq!(doc.secret_files.len(), 1);
    assert!(matches!(
        doc.secret_files[0].slot,
        SecretSlot::SnmpCommunity(_)
    ));
}

#[test]
fn wants_exactly_one_of_nut_and_snmp() {
    let both = errors(&lab(
        "nut = \"u@h\"\nsnmp = { address = \"h\", version = \"v2c\", community = \"x\" }",
    ));
    assert_eq!(both, vec!["6: UPS `u`: give either nut or snmp, not both"]);
    let neither = errors(&lab(""));
    assert_eq!(neither.len(), 1, "{neither:?}");
    assert!(
        neither[0].starts_with("4: UPS `u`: say how it is read"),
        "{neither:?}"
    );
}

#[test]
fn refuses_what_an_agent_could_not_use_with_its_line() {
    let e = errors(&lab(
        "snmp = { address = \"h:0\", version = \"v4\", mib = \"cyberpower\" }",
    ));
    assert_eq!(e.len(), 3, "{e:?}");
    assert!(e.iter().all(|m| m.starts_with("6: ")), "{e:?}");
    assert!(
        e.iter()
            .any(|m| m.contains("version `v4` is not one of v1, v2c, v3"))
    );
    assert!(e.iter().any(|m| m.contains("mib `cyberpower`")));
    assert!(e.iter().any(|m| m.contains("address `h:0`")));

    let no_auth = errors(&lab(
        "snmp = { address = \"h\", version = \"v3\", user = \"u\" }",
    ));
    assert!(
        no_auth[0].contains("noAuthNoPriv is not accepted"),
        "{no_auth:?}"
    );
    let mixed = errors(&lab(
        "snmp = { address = \"h\", version = \"v2c\", community = \"c\", user = \"u\" }",
    ));
    assert!(mixed[0].contains("user is for v3, not v2c"), "{mixed:?}");
    let half_priv = errors(&lab(
        "snmp = { address = \"h\", version = \"v3\", user = \"u\", auth_password_file = \"a\", \
         priv_protocol = \"aes128\" }",
    ));
    assert!(
        half_priv[0].contains("priv_protocol needs a priv_password_file"),
        "{half_priv:?}"
    );
    let des = errors(&lab(
        "snmp = { address = \"h\", version = \"v3\", user = \"u\", auth_password_file = \"a\", \
         priv_protocol = \"des\", priv_password_file = \"p\" }",
    ));
    assert!(des[0].contains("`des` is not one of aes128"), "{des:?}");
}

#[test]
fn stored_nut_ups_still_loads_and_snmp_round_trips() {
    // A UPS stored before SNMP existed: only `nut`.
    let old = r#"{"id":"u","room":"r","nut":{"ups":"u","host":"h","port":3493},"login":null}"#;
    let ups: Ups = serde_json::from_str(old).expect("old UPS loads");
    assert_eq!(
        ups.nut().map(ToString::to_string).as_deref(),
        Some("u@h:3493")
    );
    let doc = parse(
        &lab("snmp = { address = \"h\", version = \"v2c\", community = \"c\" }"),
        &KnownNames::default(),
    )
    .expect("valid");
    let ups = doc.inventory.ups.values().next().expect("ups");
    let json = serde_json::to_string(ups).expect("serializes");
    let back: Ups = serde_json::from_str(&json).expect("loads");
    assert_eq!(&back, ups);
}
