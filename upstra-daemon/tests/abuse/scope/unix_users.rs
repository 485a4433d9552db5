//! Who is on the other end of the socket: a non-root member of the socket's group uses the
//! real `upstra` CLI with the shipped configuration, and a session token copied to another
//! Unix user is worth nothing there.
//!
//! These run a process as the probe user (`upstra-probe`, primary group `upstra`, created by
//! `tests/run`) through `setpriv`, so they need root; they skip with the reason when the probe
//! or the CLI binary is missing, and fail under `CI=true`.

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use nix::unistd::{Gid, Group, Uid, User, chown};
use upstra_core::api::v1::{AuditQuery, UserAddRequest};
use upstra_core::secret::Secret;

use crate::support::{Daemon, PASSWORD, connect, ctx, setup_and_login};

const PROBE_USER: &str = "upstra-probe";
const PROBE_GROUP: &str = "upstra";
/// The CLI's exit code for "not logged in, or the session has expired".
const NOT_LOGGED_IN: i32 = 4;

/// The probe user and the CLI, or `None` after printing why the test cannot run here.
fn probe_and_cli(test: &str) -> Option<(User, PathBuf)> {
    let skip = |reason: String| {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{test}: {reason}, and CI=true"
        );
        eprintln!("{test}: skipped: {reason}");
        None
    };
    if !Uid::effective().is_root() {
        return skip("it must run as root to run a process as the probe user".into());
    }
    let Some(user) = User::from_name(PROBE_USER).ok().flatten() else {
        return skip(format!(
            "no user `{PROBE_USER}` (tests/run creates it, in group `{PROBE_GROUP}`)"
        ));
    };
    if Group::from_name(PROBE_GROUP).ok().flatten().map(|g| g.gid) != Some(user.gid) {
        return skip(format!(
            "`{PROBE_USER}`'s primary group is not `{PROBE_GROUP}`"
        ));
    }
    // The CLI is the workspace's other binary, built next to the daemon.
    let cli = Path::new(env!("CARGO_BIN_EXE_upstrad")).with_file_name("upstra");
    if !cli.is_file() {
        return skip(format!(
            "the `upstra` binary is not built next to upstrad ({}): build the workspace",
            cli.display()
        ));
    }
    Some((user, cli))
}

/// A daemon that the probe user can reach: its directory open to others (the socket itself
/// is 0660 with the configured group), started with the configuration the project ships.
async fn daemon_as_shipped(dir: &Path) -> Daemon {
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/upstrad.toml");
    std::fs::copy(&shipped, dir.join("upstrad.toml")).unwrap();
    Daemon::start(dir).await
}

/// A home of the probe's own, 0700, with a runtime directory in it.
fn probe_home(dir: &Path, probe: &User) -> PathBuf {
    let home = dir.join("probe-home");
    let run = home.join("run");
    std::fs::create_dir_all(&run).unwrap();
    for d in [&home, &run] {
        chown(d, Some(probe.uid), Some(probe.gid)).unwrap();
        std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    home
}

/// Runs the CLI as the probe user with `home` as its home, feeding `stdin`.
fn as_probe(cli: &Path, home: &Path, env: &[(&str, &Path)], args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new("setpriv")
        .args([
            &format!("--reuid={PROBE_USER}"),
            &format!("--regid={PROBE_GROUP}"),
            "--init-groups",
        ])
        .arg(cli)
        .args(args)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("XDG_RUNTIME_DIR", home.join("run"))
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn a_group_member_logs_in_with_the_cli_on_the_shipped_configuration() {
    let Some((probe, cli)) = probe_and_cli("socket group end to end") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = daemon_as_shipped(dir.path()).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    c.user_add(
        ctx(),
        admin,
        UserAddRequest {
            name: "probe-viewer".into(),
            role: "viewer".into(),
            password: Secret::new(PASSWORD),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let home = probe_home(dir.path(), &probe);
    let socket = daemon.socket.to_str().unwrap();

    let login = as_probe(
        &cli,
        &home,
        &[],
        &[
            "--socket",
            socket,
            "login",
            "--user",
            "probe-viewer",
            "--password-stdin",
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(
        login.status.success(),
        "login as a group member: {}",
        text(&login)
    );
    let whoami = as_probe(
        &cli,
        &home,
        &[],
        &["--socket", socket, "whoami", "--json"],
        "",
    );
    assert!(whoami.status.success(), "whoami: {}", text(&whoami));
    let who: serde_json::Value = serde_json::from_slice(&whoami.stdout).unwrap();
    assert_eq!(who["user"], "probe-viewer", "{}", text(&whoami));
    assert_eq!(who["peer_uid"], probe.uid.as_raw(), "{}", text(&whoami));
    daemon.stop();
}

#[tokio::test]
async fn a_session_token_copied_to_another_unix_user_is_refused_and_recorded() {
    let Some((probe, cli)) = probe_and_cli("copied session token") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = daemon_as_shipped(dir.path()).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    let home = probe_home(dir.path(), &probe);
    let socket = daemon.socket.to_str().unwrap();

    // root's token, in a session file the probe can read, as if copied out of root's runtime
    // directory.
    let copied = home.join("copied-session");
    let stored = serde_json::json!({
        "token": admin,
        "user": crate::support::ADMIN,
        "expires_at": i64::MAX / 4,
    });
    std::fs::write(&copied, stored.to_string()).unwrap();
    chown(
        &copied,
        Some(probe.uid),
        Some(Gid::from_raw(probe.gid.as_raw())),
    )
    .unwrap();
    std::fs::set_permissions(&copied, std::fs::Permissions::from_mode(0o600)).unwrap();

    let whoami = as_probe(
        &cli,
        &home,
        &[("UPSTRA_SESSION_FILE", &copied)],
        &["--socket", socket, "whoami", "--json"],
        "",
    );
    assert_eq!(
        whoami.status.code(),
        Some(NOT_LOGGED_IN),
        "root's token used by {PROBE_USER}: {}",
        text(&whoami)
    );
    assert!(!String::from_utf8_lossy(&whoami.stdout).contains(crate::support::ADMIN));

    // The session still works for the Unix user that opened it, and the attempt is on record
    // with the uid that made it.
    let me = c.whoami(ctx(), admin.clone()).await.unwrap().unwrap();
    assert_eq!(me.peer_uid, 0);
    let records = c
        .audit_list(ctx(), admin, AuditQuery::default())
        .await
        .unwrap()
        .unwrap()
        .records;
    assert!(
        records.iter().any(|r| r.action == "whoami"
            && r.result == "denied"
            && r.peer_uid == Some(probe.uid.as_raw())
            && r.actor.as_deref() == Some(crate::support::ADMIN)),
        "no record of the refused copy: {records:?}"
    );
    daemon.stop();
}
