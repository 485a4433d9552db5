//! The daemon as a process: setup, login, apply, list, restart, shutdown, the socket's rules
//! and the store's key handling. Each test starts the real `upstrad` binary.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use nix::sys::signal::Signal;
use support::*;
use upstra_core::api::v1::ConflictReason;
use upstra_core::api::v1::{
    ApiError, ChangeKind, LabSpec, LoginRequest, SessionToken, SetupRequest,
};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

const LAB: &str = r#"
[[room]]
name = "room-lab-marker"
[[ups]]
name = "ups-marker-1"
room = "room-lab-marker"
nut = "ups1@127.0.0.1:1"
[[server]]
name = "esx-marker-01"
room = "room-lab-marker"
kind = "hypervisor"
feeds = ["ups-marker-1"]
bmc = { url = "https://127.0.0.1:1/redfish/v1/Systems/1", user = "admin", tls_fingerprint = "sha256:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA" }
"#;

fn lab_spec() -> LabSpec {
    let mut doc = parse(LAB, &KnownNames::default()).unwrap();
    if let Some(b) = doc
        .inventory
        .servers
        .values_mut()
        .next()
        .and_then(|s| s.bmc.as_mut())
    {
        b.login.password = Some(Secret::new("BMC-SECRET-MARKER"));
    }
    LabSpec::from(&doc.inventory)
}

#[tokio::test]
async fn setup_login_apply_list_restart_keeps_the_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();
    assert!(!client.health(ctx()).await.unwrap().has_users);
    let token = setup_and_login(&client).await;

    let who = client.whoami(ctx(), token.clone()).await.unwrap().unwrap();
    assert_eq!(who.user, ADMIN);
    assert_eq!(who.role, "admin");
    assert_eq!(
        who.peer_uid,
        nix::unistd::getuid().as_raw(),
        "the daemon records the caller's uid"
    );

    let report = client
        .apply(ctx(), token.clone(), lab_spec(), true)
        .await
        .unwrap()
        .unwrap();
    assert!(report.dry_run);
    assert!(report.changes.iter().all(|c| c.kind == ChangeKind::Create));
    assert!(
        client
            .list_rooms(ctx(), token.clone())
            .await
            .unwrap()
            .unwrap()
            .is_empty(),
        "dry run changed nothing"
    );
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("UPS `ups-marker-1`: cannot reach")),
        "{:?}",
        report.warnings
    );

    let report = client
        .apply(ctx(), token.clone(), lab_spec(), false)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.changes.len(), 3);
    let again = client
        .apply(ctx(), token.clone(), lab_spec(), false)
        .await
        .unwrap()
        .unwrap();
    assert!(
        again
            .changes
            .iter()
            .all(|c| c.kind == ChangeKind::Unchanged),
        "idempotent: {:?}",
        again.changes
    );

    let servers = client
        .list_servers(ctx(), token.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(servers[0].name, "esx-marker-01");
    assert!(servers[0].bmc_has_password);
    let json = serde_json::to_string(&servers).unwrap();
    assert!(
        !json.contains("BMC-SECRET-MARKER"),
        "a list never carries a secret"
    );

    daemon.stop();
    assert!(!daemon.socket.exists(), "a clean stop removes the socket");
    let db = daemon.data_dir.join("upstra.db");
    let bytes = std::fs::read(&db).unwrap();
    for marker in [
        "room-lab-marker",
        "esx-marker-01",
        "BMC-SECRET-MARKER",
        ADMIN,
    ] {
        assert!(
            !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
            "{marker} in plaintext"
        );
    }

    let daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = login(&client).await;
    let rooms = client
        .list_rooms(ctx(), token.clone())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rooms.len(), 1);
    assert_eq!(rooms[0].servers, vec!["esx-marker-01"]);
    assert_eq!(
        client.list_ups(ctx(), token).await.unwrap().unwrap().len(),
        1
    );
}

#[tokio::test]
async fn the_socket_is_0660_and_protected_methods_need_a_session() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dir.path()).await;
    let mode = std::fs::metadata(&daemon.socket)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o660);
    let client = connect(&daemon.socket).await.unwrap();
    let bogus = SessionToken::new("00".repeat(32));
    let unauth = Err(ApiError::Unauthenticated);
    assert_eq!(
        client
            .whoami(ctx(), bogus.clone())
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
    assert_eq!(client.logout(ctx(), bogus.clone()).await.unwrap(), unauth);
    assert_eq!(
        client
            .apply(ctx(), bogus.clone(), lab_spec(), false)
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
    assert_eq!(
        client
            .list_rooms(ctx(), bogus.clone())
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
    assert_eq!(
        client
            .list_ups(ctx(), bogus.clone())
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
    assert_eq!(
        client
            .list_servers(ctx(), bogus.clone())
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
    assert_eq!(
        client
            .list_vms(ctx(), bogus.clone())
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
    assert_eq!(
        client
            .events_since(ctx(), bogus, 0, 0)
            .await
            .unwrap()
            .map(|_| ()),
        unauth
    );
}

#[tokio::test]
async fn setup_is_refused_once_a_user_exists_and_bad_logins_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();
    let weak = client
        .setup(
            ctx(),
            SetupRequest {
                user: "admin".into(),
                password: Secret::new("short"),
            },
        )
        .await
        .unwrap();
    assert!(matches!(weak, Err(ApiError::Invalid { .. })), "{weak:?}");
    let token = setup_and_login(&client).await;
    let again = client
        .setup(
            ctx(),
            SetupRequest {
                user: "eve".into(),
                password: Secret::new(PASSWORD),
            },
        )
        .await
        .unwrap();
    assert!(
        matches!(&again, Err(ApiError::Conflict { reason: ConflictReason::SetupDone, message }) if message.contains("already been done")),
        "{again:?}"
    );
    for (user, password) in [(ADMIN, "wrong password here"), ("nobody", PASSWORD)] {
        let r = client
            .login(
                ctx(),
                LoginRequest {
                    user: user.into(),
                    password: Secret::new(password),
                },
            )
            .await
            .unwrap();
        assert!(matches!(r, Err(ApiError::BadCredentials)));
    }
    client.logout(ctx(), token.clone()).await.unwrap().unwrap();
    assert_eq!(
        client.whoami(ctx(), token).await.unwrap().map(|_| ()),
        Err(ApiError::Unauthenticated)
    );
}

#[tokio::test]
async fn a_second_daemon_on_a_live_socket_exits_4_and_a_stale_socket_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let mut first = Daemon::start(dir.path()).await;
    let other_data = dir.path().join("other");
    let out = run_upstrad(&[
        "--socket".as_ref(),
        first.socket.as_os_str(),
        "--data-dir".as_ref(),
        other_data.as_os_str(),
        "--config".as_ref(),
        empty_config(dir.path()).as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(4));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("another upstrad is already serving"),
        "{stderr}"
    );

    first.kill();
    assert!(first.socket.exists(), "SIGKILL leaves a stale socket file");
    let second = Daemon::start(dir.path()).await;
    assert!(connect(&second.socket).await.is_ok());
}

#[tokio::test]
async fn sigterm_drains_an_in_flight_call_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;
    let cursor = client
        .events_since(ctx(), token.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;
    // A long poll that would wait 20 s; shutdown must answer it, not drop it.
    let mut long = ctx();
    long.deadline = std::time::Instant::now() + Duration::from_secs(25);
    let pending = tokio::spawn({
        let client = client.clone();
        async move { client.events_since(long, token, cursor, 20_000).await }
    });
    // Wait until the daemon has the call in hand: its log shows nothing for that, so poll the
    // task briefly; it cannot finish on its own before 20 s.
    tokio::task::yield_now().await;
    std::thread::park_timeout(Duration::from_millis(200));
    assert!(!pending.is_finished());
    daemon.stop();
    let answered = pending.await.unwrap();
    assert!(
        answered.is_ok(),
        "the in-flight call got its answer: {answered:?}"
    );
}

#[tokio::test]
async fn a_wrong_or_missing_key_exits_3_and_leaves_the_store_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start(dir.path()).await;
    let client = connect(&daemon.socket).await.unwrap();
    setup_and_login(&client).await;
    daemon.stop();
    let db = daemon.data_dir.join("upstra.db");
    let key = daemon.data_dir.join("store.key");
    let before = sha256(&db);
    let args = |d: &std::path::Path| {
        vec![
            "--socket".into(),
            d.join("upstra.sock").into_os_string(),
            "--data-dir".into(),
            d.join("data").into_os_string(),
            "--config".into(),
            empty_config(d).into_os_string(),
        ]
    };
    let args: Vec<std::ffi::OsString> = args(dir.path());
    let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();

    std::fs::write(&key, format!("{}\n", "cd".repeat(32))).unwrap();
    let out = run_upstrad(&args);
    assert_eq!(out.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot be decrypted with this key"),
        "{stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "one clear sentence: {stderr}"
    );
    assert_eq!(sha256(&db), before);

    std::fs::remove_file(&key).unwrap();
    let out = run_upstrad(&args);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is missing"));
    assert!(
        !key.exists(),
        "no new key is invented for an existing store"
    );
    assert_eq!(sha256(&db), before);
}

#[tokio::test]
async fn check_config_prints_the_effective_config_and_rejects_unknown_keys() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("upstrad.toml");
    std::fs::write(
        &config,
        "log = \"debug\"\n[sessions]\nidle_timeout = \"5m\"\n",
    )
    .unwrap();
    let out = run_upstrad(&[
        "check-config".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
        "--socket".as_ref(),
        "/tmp/x.sock".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("socket = \"/tmp/x.sock\""), "{stdout}");
    assert!(stdout.contains("log = \"debug\""));
    assert!(stdout.contains("idle_timeout = \"5m\""));
    assert!(stdout.contains("contents never shown"));

    std::fs::write(&config, "log = \"debug\"\nsockett = \"/x\"\n").unwrap();
    let out = run_upstrad(&[
        "check-config".as_ref(),
        "--config".as_ref(),
        config.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("upstrad.toml:2: unknown field `sockett`"),
        "{stderr}"
    );
}

#[tokio::test]
async fn sd_notify_ready_is_sent_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let notify = dir.path().join("notify.sock");
    let listener = std::os::unix::net::UnixDatagram::bind(&notify).unwrap();
    listener
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut child = upstrad()
        .arg("--socket")
        .arg(dir.path().join("upstra.sock"))
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        .arg("--config")
        .arg(empty_config(dir.path()))
        .env("NOTIFY_SOCKET", &notify)
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 256];
    let n = listener.recv(&mut buf);
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        Signal::SIGTERM,
    )
    .unwrap();
    let status = child.wait().unwrap();
    let n = n.expect("a notification within 20 s");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("READY=1"));
    assert_eq!(status.code(), Some(0));
}

/// `upstrad 2>log`: what reaches a file (the journal under systemd) holds no escape sequence,
/// even with a colour terminal named in `TERM` and a failing login's name in a warning.
#[tokio::test]
async fn a_log_written_to_a_file_has_no_escape_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start_with_env(
        dir.path(),
        &[("UPSTRA_LOG", "debug"), ("TERM", "xterm-256color")],
    )
    .await;
    let client = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&client).await;
    client.whoami(ctx(), token.clone()).await.unwrap().unwrap();
    let refused = client
        .login(
            ctx(),
            LoginRequest {
                user: "mallory".into(),
                password: Secret::new("not the password"),
            },
        )
        .await
        .unwrap();
    assert!(refused.is_err(), "a wrong password is refused");
    daemon.stop();
    let log = std::fs::read(&daemon.stderr_log).unwrap();
    let text = String::from_utf8_lossy(&log);
    assert!(text.contains("mallory"), "the refusal is logged: {text}");
    assert!(!log.contains(&0x1b), "an ESC byte in the log: {text}");
    assert!(
        !text.contains("[2m") && !text.contains("[0m"),
        "colour codes in the log: {text}"
    );
}
