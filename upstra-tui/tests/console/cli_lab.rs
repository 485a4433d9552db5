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
