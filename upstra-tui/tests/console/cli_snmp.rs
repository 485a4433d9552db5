//! `upstra apply` of a lab whose UPS is read over SNMP: the secrets come from files, a
//! missing one is named with its `file:line`, `--dry-run` says what would change, and the
//! UPS shows its SNMP endpoint (never a secret) in `ups list --json`.
#![cfg(feature = "demo")]

use crate::harness;

use harness::{Demo, text};
use upstra_core::api::v1::UpsView;

#[test]
fn a_v3_snmp_ups_is_applied_from_a_lab_file_with_its_secrets_in_files() {
    let demo = Demo::start();
    demo.login();
    let lab_dir = tempfile::tempdir().expect("temp dir");
    let lab = lab_dir.path().join("lab.toml");
    let lab_arg = lab.to_str().expect("utf-8 path");
    std::fs::write(
        &lab,
        "[[room]]\nname = \"lab-s\"\n[[ups]]\nname = \"ups-s1\"\nroom = \"lab-s\"\n\
         snmp = { address = \"127.0.0.1:1161\", version = \"v3\", user = \"upsmon\", \
         auth_protocol = \"sha256\", auth_password_file = \"auth.pw\", \
         priv_protocol = \"aes128\", priv_password_file = \"priv.pw\", mib = \"auto\" }\n",
    )
    .expect("lab written");
    std::fs::write(lab_dir.path().join("auth.pw"), "auth-secret-1\n").expect("written");

    let out = demo.upstra(&["apply", "-f", lab_arg, "--dry-run"], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(":6: cannot read password file priv.pw"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(lab_dir.path().join("priv.pw"), "priv-secret-1\n").expect("written");
    let out = demo.upstra(&["apply", "-f", lab_arg, "--dry-run"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("create ups ups-s1"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("nothing was changed"),
        "{}",
        text(&out.stdout)
    );

    let out = demo.upstra(&["apply", "-f", lab_arg], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let out = demo.upstra(&["ups", "list", "--json"], "");
    let ups: Vec<UpsView> = serde_json::from_slice(&out.stdout).expect("UpsView array");
    let s1 = ups.iter().find(|u| u.name == "ups-s1").expect("applied");
    assert_eq!(
        s1.snmp.as_ref().map(ToString::to_string).as_deref(),
        Some("v3 127.0.0.1:1161 mib=auto user=upsmon")
    );
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("secret-1"), "a secret was shown: {all}");

    // A changed password is an update that names no secret.
    std::fs::write(lab_dir.path().join("priv.pw"), "priv-secret-2\n").expect("written");
    let out = demo.upstra(&["apply", "-f", lab_arg, "--dry-run"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("snmp secret"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !text(&out.stdout).contains("secret-2"),
        "{}",
        text(&out.stdout)
    );
}
