//! Lab files through the built `upstra` against a demo daemon: a server on no managed UPS,
//! values refused at `apply` with FILE:LINE, and `upstra export` round-tripping a rich lab.
#![cfg(feature = "demo")]

use crate::harness;

use harness::{Demo, text};

/// Writes `body` as `lab.toml` in a temp dir (kept while the guard lives).
fn lab_file(body: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("lab.toml");
    std::fs::write(&path, body).expect("lab written");
    let arg = path.to_str().expect("utf-8 path").to_owned();
    (dir, arg)
}

#[test]
fn a_server_without_feeds_is_applied_and_listed_as_on_no_ups() {
    let demo = Demo::start();
    demo.login();
    let (_dir, lab) = lab_file(
        "[[room]]\nname = \"lab-w\"\n\
         [[server]]\nname = \"wall-sw\"\nroom = \"lab-w\"\nkind = \"network\"\n",
    );
    let out = demo.upstra(&["apply", "-f", &lab], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list = demo.ok(&["server", "list"], "");
    let line = list
        .lines()
        .find(|l| l.starts_with("wall-sw"))
        .unwrap_or_else(|| panic!("wall-sw listed:\n{list}"));
    assert!(line.contains("no UPS"), "{list}");
    let json: serde_json::Value =
        serde_json::from_str(&demo.ok(&["server", "list", "--json"], "")).expect("JSON");
    let wall = json
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == "wall-sw"))
        .expect("wall-sw in the JSON");
    assert_eq!(wall["feeds"], serde_json::json!([]));
}

#[test]
fn apply_refuses_a_host_key_that_is_no_key_at_its_line() {
    let demo = Demo::start();
    demo.login();
    let (_dir, lab) = lab_file(
        "[[room]]\nname = \"lab-k\"\n\
         [[server]]\nname = \"box\"\nroom = \"lab-k\"\n\
         ssh = { address = \"10.0.0.9:22\", host_key = \"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIDx0ZXN0LWhvc3Qta2V5Pg\" }\n",
    );
    let out = demo.upstra(&["apply", "-f", &lab], "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).starts_with(&format!(
            "{lab}:6: server `box`: host_key is not a valid OpenSSH public key"
        )),
        "{}",
        text(&out.stderr)
    );
}

/// A lab with every kind of declaration, names holding quotes, backslashes and Unicode, and
/// secrets in password files.
const RICH: &str = r#"
[[room]]
name = "lab-x"
power_on_stagger = "12s"

[[ups]]
name = "ups-x1"
room = "lab-x"
nut = "upsx@[fd00::5]:3493"
user = "mon \"quoted\" \\ user"
password_file = "pw/ups"
policy = { grace = "2m", act_on_low_battery = false, comms_lost = "act after 5m", ups_off = "return", restore_min_charge = 40 }

[[ups]]
name = "ups-x2"
room = "lab-x"
snmp = { address = "10.0.5.2:1161", version = "v2c", community = "pub\"lic-x2", mib = "apc" }

[[ups]]
name = "ups-x3"
room = "lab-x"
snmp = { address = "[fd00::6]", version = "v3", user = "upsmon", auth_protocol = "sha512", auth_password_file = "pw/snmp-auth", priv_protocol = "aes256", priv_password_file = "pw/snmp-priv" }

[[server]]
name = "esx-x1"
room = "lab-x"
kind = "hypervisor"
feeds = ["ups-x1"]
tier = 2
depends_on = ["nas-x1"]
vsphere_host = "esx-x1 « Zürich » 'x'"
bmc = { url = "https://10.0.1.11/redfish/v1/Systems/1", user = "admïn", password_file = "pw/ilo", tls_fingerprint = "sha256:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB" }
ssh = { address = "[fd00::11]:22", user = "root", host_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEpkcwXkrr0+qa2osl92DZFFU+wU89NLDOmIaY3XhXxk esx" }

[[server]]
name = "nas-x1"
room = "lab-x"
kind = "storage"
feeds = ["ups-x1"]
tier = 3

[[server]]
name = "wall-x"
room = "lab-x"
kind = "network"

[plan]
migrations_per_host = 3
memory_headroom = 15
estimates = { migrate_vm = "45s" }

[[vm]]
name = "vCenter \"prod\" \\ ∑"
priority = 100
migrate = false
"#;

#[test]
fn export_prints_a_lab_file_that_applies_without_a_change_and_holds_no_secret() {
    let demo = Demo::start();
    demo.login();
    let (dir, lab) = lab_file(RICH);
    std::fs::create_dir(dir.path().join("pw")).expect("dir");
    std::fs::write(dir.path().join("pw/ups"), "ups-secret-1\n").expect("written");
    std::fs::write(dir.path().join("pw/ilo"), "ilo-secret-2\n").expect("written");
    std::fs::write(dir.path().join("pw/snmp-auth"), "snmp-secret-3\n").expect("written");
    std::fs::write(dir.path().join("pw/snmp-priv"), "snmp-secret-4\n").expect("written");
    let out = demo.upstra(&["apply", "-f", &lab], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    let exported = demo.ok(&["export"], "");
    assert!(
        !exported.contains("secret-") && !exported.contains("lic-x2"),
        "{exported}"
    );
    assert!(exported.ends_with('\n'), "{exported}");

    // The lab kept in git: the export beside the secrets it names.
    let kept = tempfile::tempdir().expect("temp dir");
    let kept_lab = kept.path().join("lab.toml");
    std::fs::write(&kept_lab, &exported).expect("written");
    std::fs::create_dir(kept.path().join("secrets")).expect("dir");
    std::fs::write(kept.path().join("secrets/ups-ups-x1"), "ups-secret-1\n").expect("written");
    std::fs::write(kept.path().join("secrets/bmc-esx-x1"), "ilo-secret-2\n").expect("written");
    // An inline community is exported as a file reference: an export never holds a secret.
    for (file, secret) in [
        ("ups-ups-x2-community", "pub\"lic-x2"),
        ("ups-ups-x3-auth", "snmp-secret-3"),
        ("ups-ups-x3-priv", "snmp-secret-4"),
    ] {
        std::fs::write(
            kept.path().join("secrets").join(file),
            format!("{secret}\n"),
        )
        .expect("written");
    }
    let kept_arg = kept_lab.to_str().expect("utf-8 path");
    let out = demo.upstra(&["apply", "-f", kept_arg, "--dry-run"], "");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{exported}",
        text(&out.stderr)
    );
    assert!(
        !text(&out.stdout).contains("create ") && !text(&out.stdout).contains("update "),
        "{}\n{exported}",
        text(&out.stdout)
    );
    let out = demo.upstra(&["apply", "-f", kept_arg], "");
    assert!(
        text(&out.stdout).ends_with(&format!(
            "nothing to change: the store already matches {kept_arg}\n"
        )),
        "{}\n{exported}",
        text(&out.stdout)
    );

    // The JSON is the wire type, and names the secrets set, never their values.
    let json = demo.ok(&["export", "--json"], "");
    assert!(
        !json.contains("secret-") && !json.contains("lic-x2"),
        "{json}"
    );
    let export: upstra_core::api::v1::LabExport = serde_json::from_str(&json).expect("LabExport");
    assert!(export.passwords_stored.contains(&"bmc:esx-x1".to_owned()));
    assert!(
        export
            .passwords_stored
            .contains(&"snmp-priv:ups-x3".to_owned())
    );

    // Audited: who exported the lab.
    let records: Vec<serde_json::Value> =
        serde_json::from_str(&demo.ok(&["audit", "--json", "--action", "export"], ""))
            .expect("audit JSON");
    assert_eq!(records.len(), 2, "{records:?}");
}

#[test]
fn a_viewer_may_export_as_it_may_read_the_inventory() {
    let demo = Demo::start();
    demo.login();
    demo.add_and_login("vera", "viewer");
    let out = demo.as_user("vera", &["export"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("[[room]]"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn every_command_that_prints_text_ends_its_last_line() {
    let demo = Demo::start();
    let password = format!("{}\n", demo.daemon().password);
    let login = demo.upstra(&["login", "--user", "demo", "--password-stdin"], &password);
    assert_eq!(login.status.code(), Some(0), "{}", text(&login.stderr));
    let mut outputs = vec![("login".to_owned(), text(&login.stdout))];
    for args in [
        &["whoami"][..],
        &["room", "list"],
        &["ups", "list"],
        &["server", "list"],
        &["vm", "list"],
        &["export"],
        &["sync"],
        &["plan", "show"],
        &["plan", "status"],
        &["user", "list"],
        &["role", "list"],
        &["grant", "list"],
        &["settings", "show"],
        &["session", "list"],
        &["who"],
        &["audit"],
        &["audit", "verify"],
        &["events"],
    ] {
        let out = demo.upstra(args, "");
        outputs.push((args.join(" "), text(&out.stdout)));
    }
    let logout = demo.upstra(&["logout"], "");
    outputs.push(("logout".to_owned(), text(&logout.stdout)));
    let unended: Vec<&(String, String)> = outputs
        .iter()
        .filter(|(_, said)| !said.is_empty() && !said.ends_with('\n'))
        .collect();
    assert!(unended.is_empty(), "no final newline: {unended:#?}");
}
