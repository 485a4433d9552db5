//! Names built to attack whoever reads them, through the `upstra` binary against a real
//! daemon: a failed login's user name shows escaped in `upstra audit` (and raw but valid in
//! `--json`), a lab file naming a host with an escape sequence is refused at its line, and the
//! console in a real terminal shows the name escaped instead of obeying it.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::tmux::Tmux;
use harness::{Demo, ok, text};
use upstra_core::api::v1::AuditView;
use upstra_core::text::is_hostile;

/// Clears the screen, sets the window title, rings, forges a row, reverses the rest; within
/// the user-name bound (64 bytes), so the attempt is checked, refused and audited.
const HOSTILE_USER: &str =
    "eve\u{1b}[2J\u{1b}]0;owned\u{7}\r\n  9  admin  user_removed  ok\u{202e}";
const SHOWN_USER: &str = "eve\\e[2J\\e]0;owned\\a\\r\\n  9  admin  user_removed  ok\\u{202e}";

fn no_raw_controls(what: &str, output: &str) {
    let raw: Vec<char> = output
        .chars()
        .filter(|c| *c != '\n' && is_hostile(*c))
        .collect();
    assert!(raw.is_empty(), "{what} printed raw {raw:?}:\n{output}");
}

fn fail_a_login_as_the_hostile_user(demo: &Demo) {
    let out = demo.as_user(
        "eve",
        &["login", "--user", HOSTILE_USER, "--password-stdin"],
        "not-the-password\n",
    );
    assert_ne!(out.status.code(), Some(0), "an unknown user cannot log in");
    no_raw_controls("the refused login", &text(&out.stderr));
}

#[test]
fn a_hostile_login_name_shows_escaped_in_audit_and_stays_data_in_json() {
    let demo = Demo::start();
    demo.login();
    fail_a_login_as_the_hostile_user(&demo);

    let table = ok(demo.upstra(&["audit"], ""));
    no_raw_controls("upstra audit", &table);
    let row = table
        .lines()
        .find(|l| l.contains("eve"))
        .unwrap_or_else(|| panic!("the refused login is listed:\n{table}"));
    assert!(row.contains(SHOWN_USER), "{row}");
    assert!(
        !table.lines().any(|l| l.starts_with("2026-01-01T00:00:00Z")),
        "a forged row:\n{table}"
    );

    let json = ok(demo.upstra(&["audit", "--json"], ""));
    no_raw_controls("upstra audit --json", &json);
    let records: Vec<AuditView> = serde_json::from_str(&json).expect("valid JSON");
    assert!(
        records
            .iter()
            .any(|r| r.actor.as_deref() == Some(HOSTILE_USER)),
        "the JSON carries the name as typed"
    );
}

#[test]
fn a_lab_file_naming_a_host_with_escapes_is_refused_at_its_line() {
    let demo = Demo::start();
    demo.login();
    let dir = tempfile::tempdir().expect("temp dir");
    let lab = dir.path().join("lab.toml");
    std::fs::write(
        &lab,
        "[[room]]\nname = \"hostile-room\"\n\
         [[ups]]\nname = \"hostile-ups\"\nroom = \"hostile-room\"\nnut = \"u@127.0.0.1:3493\"\n\
         [[server]]\nname = \"hostile-esx\"\nroom = \"hostile-room\"\nkind = \"hypervisor\"\n\
         feeds = [\"hostile-ups\"]\nvsphere_host = \"esx\\u001b]0;owned\\u0007\\u202e\"\n",
    )
    .expect("lab written");
    let file = lab.display().to_string();
    for dry_run in [true, false] {
        let mut args = vec!["apply", "-f", file.as_str()];
        if dry_run {
            args.push("--dry-run");
        }
        let out = demo.upstra(&args, "");
        assert_ne!(out.status.code(), Some(0), "refused (dry run: {dry_run})");
        let stderr = text(&out.stderr);
        no_raw_controls("the refused apply", &stderr);
        assert!(
            stderr.contains(&format!(
                "{file}:12: server `hostile-esx`: vsphere_host `esx\\e]0;owned\\a\\u{{202e}}` holds `\\e`"
            )),
            "{stderr}"
        );
    }
    let servers = ok(demo.upstra(&["server", "list"], ""));
    assert!(
        !servers.contains("hostile-esx"),
        "nothing applied:\n{servers}"
    );
}

#[test]
fn the_console_in_a_real_terminal_shows_a_hostile_name_escaped() {
    let Some(tmux) = Tmux::start("upstra-hostile-test", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    demo.login();
    fail_a_login_as_the_hostile_user(&demo);
    let title_before = tmux.display("#{pane_title}");

    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "env -u LC_ALL -u LC_MESSAGES -u NO_COLOR LANG=C.UTF-8 \
             UPSTRA_SESSION_FILE={} {upstra} --socket {}",
            demo.session_file().display(),
            demo.daemon().socket.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the lab view", Duration::from_secs(30), |s| {
        s.contains("ups-a1") || s.contains("lab-a")
    });
    tmux.keys(&["F4"]);
    let screen = tmux.wait_for(
        "the refused login in the history",
        Duration::from_secs(30),
        |s| s.contains("eve\\e[2J"),
    );
    no_raw_controls("the console", &screen);
    assert_eq!(
        tmux.display("#{pane_title}"),
        title_before,
        "the window title was not set by the name"
    );
    tmux.keys(&["q"]);
}
