//! systemd integration: the units as shipped, and socket activation. The socket is passed by
//! `systemd-socket-activate`, systemd's own tool, which passes it the way systemd does
//! (`LISTEN_FDS`, `LISTEN_PID`, descriptor 3), to the real `upstrad` binary.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use support::*;

/// A generous bound for a loaded 2-core machine: the daemon starts on the first connection,
/// opening (creating) its store first.
const START_LIMIT: Duration = Duration::from_secs(30);

fn packaging() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/systemd")
}

/// The path of a systemd tool, or `None` (the test then skips, except under CI).
fn tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{name} is missing (install the systemd package)"
        );
        eprintln!("skipping: {name} is not installed");
    }
    found
}

/// A process killed when dropped.
struct Reaped(Child);

impl Drop for Reaped {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn both_units_verify_clean() {
    let Some(analyze) = tool("systemd-analyze") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    // `verify` checks that ExecStart= can run: point it at the binary under test.
    let service = std::fs::read_to_string(packaging().join("upstrad.service"))
        .unwrap()
        .replace(
            "ExecStart=/usr/bin/upstrad",
            &format!("ExecStart={}", env!("CARGO_BIN_EXE_upstrad")),
        );
    std::fs::write(dir.path().join("upstrad.service"), service).unwrap();
    std::fs::copy(
        packaging().join("upstrad.socket"),
        dir.path().join("upstrad.socket"),
    )
    .unwrap();
    let out = Command::new(analyze)
        .arg("verify")
        // The man page is not installed where the tests run.
        .arg("--man=no")
        .arg(dir.path().join("upstrad.socket"))
        .arg(dir.path().join("upstrad.service"))
        .output()
        .unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // An unknown or misspelt key is only a warning: any output at all is a finding.
    assert!(
        out.status.success() && said.trim().is_empty(),
        "systemd-analyze verify: {said}"
    );
}

#[tokio::test]
async fn the_daemon_serves_the_socket_systemd_passes() {
    let Some(activate) = tool("systemd-socket-activate") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("upstra.sock");
    let log = std::fs::File::create(dir.path().join("upstrad.log")).unwrap();
    // The tool binds the socket, waits for the first connection, then runs the daemon with
    // the socket as descriptor 3, in an environment of its own making.
    let child = Command::new(activate)
        .arg("--listen")
        .arg(&socket)
        .args(["-E", "UPSTRA_LOG=info"])
        .arg(env!("CARGO_BIN_EXE_upstrad"))
        .arg("--socket")
        .arg(&socket)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(empty_config(dir.path()))
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let mut daemon = Reaped(child);
    let log = || std::fs::read_to_string(dir.path().join("upstrad.log")).unwrap_or_default();
    until("the tool to bind the socket", START_LIMIT, || async {
        socket.exists().then_some(())
    })
    .await;

    // The first connection starts the daemon; it answers on that very connection.
    let client = connect(&socket).await.unwrap();
    let mut first = ctx();
    first.deadline = std::time::Instant::now() + START_LIMIT;
    let health = client.health(first).await;
    assert!(health.is_ok(), "no answer on the passed socket: {}", log());
    let token = setup_and_login(&client).await;
    let ups = client
        .list_ups(ctx(), token.clone())
        .await
        .unwrap()
        .unwrap();
    assert!(ups.is_empty());
    let who = client.whoami(ctx(), token).await.unwrap().unwrap();
    assert_eq!(who.peer_uid, nix::unistd::getuid().as_raw());
    assert!(log().contains("passed by the service manager"), "{}", log());

    // The passed socket is held to the daemon's own rules: 0660, whatever the tool made.
    let meta = std::fs::metadata(&socket).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o660);
    assert_eq!(meta.gid(), nix::unistd::getgid().as_raw());

    // The socket belongs to the service manager: a clean stop leaves its file in place.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(i32::try_from(daemon.0.id()).unwrap()),
        nix::sys::signal::Signal::SIGTERM,
    )
    .unwrap();
    let deadline = std::time::Instant::now() + START_LIMIT;
    let status = loop {
        if let Some(status) = daemon.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the daemon did not stop: {}",
            log()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0), "{}", log());
    assert!(
        socket.exists(),
        "the daemon removed a socket it did not bind"
    );
}

#[tokio::test]
async fn listen_fds_meant_for_another_process_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    // A parent's variables that leaked into the environment: LISTEN_PID names another process
    // (pid 1), so descriptor 3 is not ours and the daemon binds its socket as usual.
    let daemon =
        Daemon::start_with_env(dir.path(), &[("LISTEN_FDS", "1"), ("LISTEN_PID", "1")]).await;
    let client = connect(&daemon.socket).await.unwrap();
    let _token = setup_and_login(&client).await;
    let mode = std::fs::metadata(&daemon.socket)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660);
    assert!(
        daemon.log().contains("LISTEN_PID is not ours"),
        "{}",
        daemon.log()
    );
}

/// Runs the daemon on a socket systemd-socket-activate passes (root:root, as the tool binds
/// it) with `socket_group = group`, without CAP_CHOWN as under upstrad.service, and connects
/// once. Returns whether it answered, and its log once it stopped.
async fn activated_without_chown(
    activate: &Path,
    setpriv: &Path,
    group: &str,
) -> (bool, Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("upstra.sock");
    let config = dir.path().join("upstrad.toml");
    std::fs::write(&config, format!("socket_group = \"{group}\"\n")).unwrap();
    let log_path = dir.path().join("upstrad.log");
    let child = Command::new(activate)
        .arg("--listen")
        .arg(&socket)
        // setpriv execs the daemon, which keeps the pid LISTEN_PID names.
        .arg(setpriv)
        .args(["--bounding-set", "-chown", "--inh-caps", "-all", "--"])
        .arg(env!("CARGO_BIN_EXE_upstrad"))
        .arg("--socket")
        .arg(&socket)
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(&config)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).unwrap())
        .spawn()
        .unwrap();
    let mut daemon = Reaped(child);
    until("the tool to bind the socket", START_LIMIT, || async {
        socket.exists().then_some(())
    })
    .await;
    let client = connect(&socket).await.unwrap();
    let mut first = ctx();
    first.deadline = std::time::Instant::now() + START_LIMIT;
    let answered = client.health(first).await.is_ok();
    if answered {
        nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(i32::try_from(daemon.0.id()).unwrap()),
            nix::sys::signal::Signal::SIGTERM,
        )
        .unwrap();
    }
    let status = until("the daemon to stop", START_LIMIT, || {
        let status = daemon.0.try_wait().unwrap();
        async move { status }
    })
    .await;
    let log = std::fs::read_to_string(&log_path).unwrap_or_default();
    (answered, status.code(), log)
}

/// upstrad.service gives the daemon no CAP_CHOWN (and no chown calls): the socket's group must
/// come from upstrad.socket. A socket that already has the configured group is served; one
/// that does not is refused at start, naming the setting that fixes it, not restarted.
#[tokio::test]
async fn without_chown_the_passed_socket_needs_its_group_from_the_socket_unit() {
    let (Some(activate), Some(setpriv)) = (tool("systemd-socket-activate"), tool("setpriv")) else {
        return;
    };
    if !nix::unistd::getuid().is_root() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "dropping a capability needs root, and CI=true"
        );
        eprintln!("skipping: dropping a capability needs root");
        return;
    }
    // The tool binds the socket as root:root, so `root` is the group it already has.
    let (answered, code, log) = activated_without_chown(&activate, &setpriv, "root").await;
    assert!(answered && code == Some(0), "{code:?}: {log}");

    let other = nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(65534))
        .unwrap()
        .expect("a group with gid 65534 (nogroup)")
        .name;
    let (answered, code, log) = activated_without_chown(&activate, &setpriv, &other).await;
    assert!(!answered, "{log}");
    assert_eq!(code, Some(2), "a configuration error, not restarted: {log}");
    assert!(
        log.contains(&format!("socket group `{other}`"))
            && log.contains("SocketGroup= in upstrad.socket"),
        "{log}"
    );
}
