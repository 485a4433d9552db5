//! The `upstra` binary end to end, against a real daemon: `upstra_daemon::demo::start` on a
//! temp dir (its own store, socket and simulated lab), driven the way scripts drive it.
#![cfg(feature = "demo")]

use crate::harness;

use std::os::unix::fs::PermissionsExt;

use harness::{Demo, text, upstra};
use upstra_core::api::v1::{UpsView, VmView, WhoAmI};

#[test]
fn login_whoami_logout() {
    let demo = Demo::start();
    demo.login();
    let mode = std::fs::metadata(demo.session_file())
        .expect("kept")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    let out = demo.upstra(&["whoami", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let me: WhoAmI = serde_json::from_slice(&out.stdout).expect("whoami JSON");
    assert_eq!((me.user.as_str(), me.role.as_str()), ("demo", "admin"));

    let out = demo.upstra(&["logout"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!demo.session_file().exists());

    let out = demo.upstra(&["whoami"], "");
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("upstra login"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_session_the_daemon_does_not_know_exits_4_and_logout_forgets_it() {
    let demo = Demo::start();
    let bogus = r#"{"token":"00","user":"demo","expires_at":0}"#;
    std::fs::write(demo.session_file(), bogus).expect("written");
    let out = demo.upstra(&["ups", "list"], "");
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let out = demo.upstra(&["logout"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!demo.session_file().exists());
}

#[test]
fn bad_passwords_and_bad_usage_fail_with_one_sentence() {
    let demo = Demo::start();
    let out = demo.upstra(&["login", "--user", "demo", "--password-stdin"], "wrong\n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stderr), "error: wrong user name or password\n");

    let out = demo.upstra(&["login", "--user", "demo", "--password-stdin"], "\n");
    assert_eq!(out.status.code(), Some(2));
    let out = demo.upstra(&["login", "--user", "demo"], "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "a password is never an argument"
    );

    let out = demo.upstra(
        &["setup", "--user", "root2", "--password-stdin"],
        "a-long-enough-password\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_daemon_that_is_not_there_exits_3() {
    let dir = tempfile::tempdir().expect("temp dir");
    let socket = dir.path().join("none.sock");
    let out = upstra(&socket, &dir.path().join("s"), &["ups", "list"], "");
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        text(&out.stderr),
        format!(
            "error: cannot reach the daemon at {}: no such file (is upstrad running? set \
             --socket or UPSTRA_SOCKET)\n",
            socket.display()
        )
    );
}

#[test]
fn lists_print_tables_and_the_apis_json() {
    let demo = Demo::start();
    demo.login();
    let out = demo.upstra(&["ups", "list", "--json"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let ups: Vec<UpsView> = serde_json::from_slice(&out.stdout).expect("UpsView array");
    assert_eq!(ups.len(), 2);

    let out = demo.upstra(&["vm", "list", "--json"], "");
    let vms: Vec<VmView> = serde_json::from_slice(&out.stdout).expect("VmView array");
    assert!(!vms.is_empty());

    for (noun, header) in [
        ("room", "NAME"),
        ("ups", "NAME    ROOM   STATUS"),
        ("server", "NAME"),
        ("vm", "NAME"),
    ] {
        let out = demo.upstra(&[noun, "list"], "");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert!(
            text(&out.stdout).starts_with(header),
            "{noun}: {}",
            text(&out.stdout)
        );
    }
}

#[test]
fn apply_reports_errors_by_line_then_applies_idempotently() {
    let demo = Demo::start();
    demo.login();
    let lab_dir = tempfile::tempdir().expect("temp dir");
    let lab = lab_dir.path().join("lab.toml");
    let write = |body: &str| std::fs::write(&lab, body).expect("lab written");
    let lab_arg = lab.to_str().expect("utf-8 path");

    write(
        "[[room]]\nname = \"lab-c\"\n[[ups]]\nname = \"ups-c1\"\nroom = \"nowhere\"\nnut = \"u@h\"\n",
    );
    let out = demo.upstra(&["apply", "-f", lab_arg], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).starts_with(&format!("{lab_arg}:5: room `nowhere` is not declared\n")),
        "{}",
        text(&out.stderr)
    );

    std::fs::create_dir(lab_dir.path().join("secrets")).expect("dir");
    std::fs::write(lab_dir.path().join("secrets/ups"), "").expect("written");
    write(
        "[[room]]\nname = \"lab-c\"\n[[ups]]\nname = \"ups-c1\"\nroom = \"lab-c\"\nnut = \"u@h\"\n\
         user = \"mon\"\npassword_file = \"secrets/ups\"\n",
    );
    let out = demo.upstra(&["apply", "-f", lab_arg], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains(":8: cannot read password file secrets/ups: it is empty"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(lab_dir.path().join("secrets/ups"), "monpass\n").expect("written");
    let out = demo.upstra(&["apply", "-f", lab_arg, "--dry-run"], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("nothing was changed"),
        "{}",
        text(&out.stdout)
    );

    let out = demo.upstra(&["apply", "-f", lab_arg], "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "create room lab-c\ncreate ups ups-c1\n2 created, 0 updated, 0 unchanged\n"
    );

    let out = demo.upstra(&["apply", "-f", lab_arg], "");
    assert!(
        text(&out.stdout).ends_with(&format!(
            "nothing to change: the store already matches {lab_arg}\n"
        )),
        "{}",
        text(&out.stdout)
    );
}

/// What the lists read from the peers rather than from the declaration: the simulated lab's
/// readings move between two calls, and a refused apply must leave only the declaration alone.
const LIVE_FIELDS: [&str; 12] = [
    "reachability",
    "status",
    "charge_pct",
    "runtime_s",
    "load_pct",
    "input_voltage",
    "comms_lost_reason",
    "updated_at",
    "power",
    "health",
    "watts",
    "in_maintenance",
];

/// Every list, as JSON without its live readings: what "nothing changed" is checked against.
fn snapshot(demo: &Demo) -> Vec<serde_json::Value> {
    ["room", "ups", "server"]
        .iter()
        .map(|noun| {
            let out = demo.upstra(&[noun, "list", "--json"], "");
            assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
            let mut list: serde_json::Value =
                serde_json::from_str(&text(&out.stdout)).expect("a JSON list");
            for item in list.as_array_mut().into_iter().flatten() {
                if let Some(fields) = item.as_object_mut() {
                    fields.retain(|key, _| !LIVE_FIELDS.contains(&key.as_str()));
                }
            }
            list
        })
        .collect()
}

#[test]
fn apply_refuses_every_bad_file_whole_and_changes_nothing() {
    let demo = Demo::start();
    demo.login();
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab.toml");
    let f = lab.to_str().expect("utf-8 path");
    // Each file declares a valid new room first: refusing "as a whole" means it is not created.
    let new_room = "[[room]]\nname = \"room-new\"\n";
    let cases: [(&str, &str, String); 6] = [
        (
            "unknown key",
            "[[room]]\nname = \"room-new\"\ncolour = \"red\"\n",
            format!("{f}:3: unknown field `colour`, expected `name` or `power_on_stagger`\n"),
        ),
        (
            "duplicate name",
            "[[room]]\nname = \"room-new\"\n[[room]]\nname = \"room-new\"\n",
            format!("{f}:4: room `room-new` is declared twice\n"),
        ),
        (
            "unknown room",
            "[[room]]\nname = \"room-new\"\n[[ups]]\nname = \"ups-new\"\nroom = \"nowhere\"\nnut = \"u@h\"\n",
            format!("{f}:5: room `nowhere` is not declared\n"),
        ),
        (
            "unknown UPS",
            "[[room]]\nname = \"room-new\"\n[[server]]\nname = \"srv-new\"\nroom = \"room-new\"\nfeeds = [\"ups-ghost\"]\n",
            format!(
                "{f}:6: server `srv-new`: feed `ups-ghost` is not a declared UPS\n\
                 {f}:6: server `srv-new`: feeds must name at least one UPS; leave feeds out for a server on no UPS that Upstra manages\n"
            ),
        ),
        (
            "bad URL",
            "[[room]]\nname = \"room-new\"\n[vcenter]\nurl = \"vcenter.lab/sdk\"\nuser = \"u\"\n",
            format!(
                "{f}:4: `vcenter.lab/sdk` is not a URL: write it as `https://host[:port]/path`\n"
            ),
        ),
        (
            "unreadable password file",
            "[[room]]\nname = \"room-new\"\n[vcenter]\nurl = \"https://vc/sdk\"\nuser = \"u\"\n\
             password_file = \"secrets/missing\"\ntls_fingerprint = \"sha256:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB:AB\"\n",
            format!("{f}:6: cannot read password file secrets/missing: no such file\n"),
        ),
    ];
    let before = snapshot(&demo);
    for (what, body, expected) in &cases {
        assert!(
            body.starts_with(new_room),
            "{what}: case must declare the new room first"
        );
        std::fs::write(&lab, body).expect("lab written");
        let problems = expected.lines().count();
        let plural = if problems == 1 { "problem" } else { "problems" };
        let expected =
            format!("{expected}error: {f} has {problems} {plural}; nothing was applied\n");
        for args in [vec!["apply", "-f", f], vec!["apply", "-f", f, "--dry-run"]] {
            let out = demo.upstra(&args, "");
            assert_eq!(out.status.code(), Some(1), "{what}: {}", text(&out.stderr));
            assert_eq!(text(&out.stderr), expected, "{what}");
            assert_eq!(text(&out.stdout), "", "{what}: nothing printed as applied");
        }
        assert_eq!(snapshot(&demo), before, "{what}: the store changed");
    }
}

#[test]
fn a_bad_key_file_stops_the_console_before_it_takes_the_terminal() {
    let demo = Demo::start();
    let keys = demo.session_of("keys.toml");
    std::fs::write(&keys, "[tree]\nquit = \"q\"\npower-of = \"x\"\n").expect("written");
    let keys = keys.display().to_string();
    let out = demo.upstra(&["--keys", &keys], "");
    harness::fails(
        &out,
        2,
        &format!("{keys}:3: `power-of` is not an action; the actions are up, down"),
    );
    let out = demo.upstra(&["--keys", &format!("{keys}.missing")], "");
    harness::fails(&out, 2, "cannot read the key file");
}

#[test]
fn completions_and_the_manual_page_cover_every_command() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_upstra"))
            .args(args)
            .output()
            .expect("upstra runs");
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        for noun in ["plan", "server", "vm", "ups", "audit", "2fa", "apply"] {
            assert!(script.contains(noun), "{shell} completion lacks {noun}");
        }
    }
    let man = run(&["man"]);
    assert!(man.contains(".TH upstra 1"), "{man}");
    assert!(man.contains("plan"), "the manual lists the plan commands");
    let err = std::process::Command::new(env!("CARGO_BIN_EXE_upstra"))
        .args(["completions", "tcsh"])
        .output()
        .expect("upstra runs");
    assert_eq!(
        err.status.code(),
        Some(2),
        "an unknown shell is a usage error"
    );
}
