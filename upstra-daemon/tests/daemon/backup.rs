//! Online backup and restore against the real binaries: `upstra backup` while a shed holds on
//! the simulated lab (no peers needed: what matters here is the store and its journal, not the
//! peers; the simulated shed is over in a second, so the copy taken during a run's steps is
//! the outage suite's `backup` test, on the real peers), `upstrad restore` into a fresh directory, and a daemon started on it that knows the
//! same users, grants, runs and audit trail, and none of the old sessions. Then what a restore
//! must refuse: a damaged or truncated backup, a wrong key, a directory already holding a store.
#![allow(clippy::unwrap_used)]

use crate::support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use upstra_core::api::v1::{
    ApiError, BACKUP_CHUNK_BYTES, GrantView, LabSpec, UpstraClient, UserAddRequest,
};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

use support::{ADMIN, Daemon, PASSWORD, connect, ctx, login, login_as, setup_and_login, until};

const LAB: &str = r#"
[[room]]
name = "lab-a"
[[ups]]
name = "ups-a"
room = "lab-a"
nut = "ups-a@127.0.0.1:1"
[[server]]
name = "esx-a1"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a"]
vsphere_host = "esx-a1.lab"
[[server]]
name = "esx-a2"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a"]
vsphere_host = "esx-a2.lab"
"#;

/// `LAB` with many more servers, so that its store is several chunks long.
fn big_lab() -> String {
    let mut lab = LAB.to_owned();
    for n in 0..3000 {
        lab.push_str(&format!(
            "[[server]]\nname = \"srv-{n}\"\nroom = \"lab-a\"\nkind = \"hypervisor\"\nfeeds = [\"ups-a\"]\nvsphere_host = \"srv-{n}.lab\"\n"
        ));
    }
    lab
}

const OPERATOR: &str = "op-a";
const SIMULATED: [(&str, &str); 1] = [("UPSTRA_DRIVERS", "simulated")];
/// Generous for a loaded 2-core machine.
const SETTLE: Duration = Duration::from_secs(60);

/// The CLI, built next to the daemon; `None` (the test skips) when it was not built.
fn cli() -> Option<PathBuf> {
    let cli = Path::new(env!("CARGO_BIN_EXE_upstrad")).with_file_name("upstra");
    if cli.is_file() {
        return Some(cli);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "the `upstra` binary is not built next to upstrad, and CI=true"
    );
    eprintln!("skipped: the `upstra` binary is not built next to upstrad: build the workspace");
    None
}

/// Runs the CLI against `socket` with its session in `dir`, feeding `stdin`.
fn upstra(cli: &Path, dir: &Path, socket: &Path, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(cli)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("UPSTRA_SESSION_FILE", dir.join("cli-session"))
        .arg("--socket")
        .arg(socket)
        .args(args)
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

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout: {}\nstderr: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `upstrad restore` into `data_dir`, with a socket nobody serves.
fn restore(data_dir: &Path, from: &Path, extra: &[&str]) -> Output {
    let scratch = data_dir.parent().unwrap();
    support::upstrad()
        .arg("--config")
        .arg(support::empty_config(scratch))
        .arg("--socket")
        .arg(scratch.join("nobody.sock"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("restore")
        .arg("--from")
        .arg(from)
        .args(extra)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// A daemon on the simulated lab with `LAB` applied (the simulated lab is built from the
/// declared inventory when the daemon starts, hence the restart), and an operator granted the
/// operator role on room `lab-a` only.
async fn lab_daemon(dir: &Path) -> (Daemon, UpstraClient, upstra_core::api::v1::SessionToken) {
    let mut daemon = Daemon::start_with_env(dir, &SIMULATED).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    let doc = parse(LAB, &KnownNames::default()).unwrap();
    c.apply(ctx(), admin.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();
    daemon.stop();
    let daemon = Daemon::start_with_env(dir, &SIMULATED).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = login(&c).await;
    c.user_add(
        ctx(),
        admin.clone(),
        UserAddRequest {
            name: OPERATOR.into(),
            role: "operator".into(),
            password: Secret::new(PASSWORD),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let grant = |resource: &str| GrantView {
        user: OPERATOR.into(),
        role: "operator".into(),
        resource: resource.into(),
    };
    c.grant_add(ctx(), admin.clone(), grant("room:lab-a"))
        .await
        .unwrap()
        .unwrap();
    c.grant_remove(ctx(), admin.clone(), grant("all"))
        .await
        .unwrap()
        .unwrap();
    (daemon, c, admin)
}

/// What must be the same after a restore: users, grants, the runs of the journal.
async fn state(
    c: &UpstraClient,
    t: &upstra_core::api::v1::SessionToken,
) -> (Vec<String>, Vec<GrantView>, Vec<(i64, String)>) {
    let mut users: Vec<String> = c
        .user_list(ctx(), t.clone())
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|u| u.name)
        .collect();
    users.sort();
    let mut grants = c.grant_list(ctx(), t.clone()).await.unwrap().unwrap();
    grants.sort_by(|a, b| (&a.user, &a.resource).cmp(&(&b.user, &b.resource)));
    let runs = c
        .plan_status(ctx(), t.clone())
        .await
        .unwrap()
        .unwrap()
        .recent
        .into_iter()
        .map(|r| (r.id, r.reason))
        .collect();
    (users, grants, runs)
}

#[tokio::test]
async fn a_backup_taken_while_a_shed_holds_restores_into_a_fresh_directory_as_it_was() {
    let Some(cli) = cli() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (mut daemon, c, admin) = lab_daemon(dir.path()).await;
    let socket = daemon.socket.clone();

    // A shed by hand, holding until `plan restore`: the journal is being written.
    let run = c
        .plan_run(ctx(), admin.clone(), "ups-a".into())
        .await
        .unwrap()
        .unwrap();

    let signed_in = upstra(
        &cli,
        dir.path(),
        &socket,
        &["login", "--user", ADMIN, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(signed_in.status.success(), "{}", text(&signed_in));
    let out = dir.path().join("store.backup");
    let backup = upstra(
        &cli,
        dir.path(),
        &socket,
        &["backup", "--out", out.to_str().unwrap()],
        "",
    );
    assert!(backup.status.success(), "{}", text(&backup));
    let said = String::from_utf8_lossy(&backup.stdout);
    assert!(said.contains("store.key"), "the key is named: {said}");
    let mode = std::fs::metadata(&out).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the backup is private");
    assert!(
        !std::fs::read(&out).unwrap().starts_with(b"SQLite format 3"),
        "the backup stays encrypted"
    );
    let written = std::fs::read(&out).unwrap();

    // Never over an existing file without --force.
    let again = upstra(
        &cli,
        dir.path(),
        &socket,
        &["backup", "--out", out.to_str().unwrap()],
        "",
    );
    assert_eq!(again.status.code(), Some(2), "{}", text(&again));
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
    assert_eq!(std::fs::read(&out).unwrap(), written, "left as it was");

    // An operator is no admin.
    let op = login_as(&c, OPERATOR, PASSWORD).await;
    let refused = c.backup_start(ctx(), op.clone(), None).await.unwrap();
    assert!(
        matches!(refused, Err(ApiError::Forbidden { .. })),
        "{refused:?}"
    );

    // The copy the daemon kept is gone once read.
    let leftovers: Vec<_> = std::fs::read_dir(&daemon.data_dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".backup-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let trail = c
        .audit_list(ctx(), admin.clone(), Default::default())
        .await
        .unwrap()
        .unwrap()
        .records;
    let taken = trail.iter().find(|r| r.action == "backup").unwrap();
    assert_eq!(taken.actor.as_deref(), Some(ADMIN));
    assert!(trail.iter().any(|r| r.action == "backup_read"));
    let before = state(&c, &admin).await;
    assert!(
        before.2.iter().any(|(id, _)| *id == run.id),
        "the shed is in the journal: {before:?}"
    );
    let key = daemon.data_dir.join("store.key");
    daemon.stop();

    // Restore into a fresh directory, with the key kept apart.
    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("data");
    let restored = restore(&data, &out, &["--key", key.to_str().unwrap()]);
    assert!(restored.status.success(), "{}", text(&restored));
    let said = String::from_utf8_lossy(&restored.stdout);
    assert!(said.contains("sessions"), "{said}");
    assert!(said.contains("upstra audit verify"), "what next: {said}");

    let daemon = Daemon::start_with_env(fresh.path(), &SIMULATED).await;
    let c = connect(&daemon.socket).await.unwrap();
    let stale = c.whoami(ctx(), admin.clone()).await.unwrap();
    assert!(
        matches!(stale, Err(ApiError::Unauthenticated)),
        "a session from before the backup: {stale:?}"
    );
    let admin = login(&c).await;
    let after = until("the restored daemon's state", SETTLE, || {
        let (c, admin) = (c.clone(), admin.clone());
        async move { Some(state(&c, &admin).await) }
    })
    .await;
    assert_eq!(after, before);
    let op = login_as(&c, OPERATOR, PASSWORD).await;
    assert!(c.whoami(ctx(), op).await.unwrap().is_ok());

    let relogin = upstra(
        &cli,
        fresh.path(),
        &daemon.socket,
        &["login", "--user", ADMIN, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(relogin.status.success(), "{}", text(&relogin));
    let verify = upstra(&cli, fresh.path(), &daemon.socket, &["audit", "verify"], "");
    assert!(verify.status.success(), "{}", text(&verify));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));
    let records = c
        .audit_list(ctx(), admin.clone(), Default::default())
        .await
        .unwrap()
        .unwrap()
        .records;
    for action in ["plan_run", "plan_end", "store_restored"] {
        assert!(
            records.iter().any(|r| r.action == action),
            "{action} in the audit trail: {:?}",
            records.iter().map(|r| &r.action).collect::<Vec<_>>()
        );
    }
}

#[tokio::test]
async fn a_restore_refuses_a_damaged_backup_a_wrong_key_and_a_directory_holding_a_store() {
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start(dir.path()).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    // A lab big enough that the backup comes in several chunks, on a connection that has
    // shown its session (a first frame without one is held small).
    c.whoami(ctx(), admin.clone()).await.unwrap().unwrap();
    let doc = parse(&big_lab(), &KnownNames::default()).unwrap();
    c.apply(ctx(), admin.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();
    let started = c
        .backup_start(ctx(), admin.clone(), None)
        .await
        .unwrap()
        .unwrap();
    assert!(
        started.size > 2 * u64::from(BACKUP_CHUNK_BYTES),
        "several chunks: {started:?}"
    );
    let mut bytes = Vec::new();
    let mut chunks = 0;
    loop {
        chunks += 1;
        let chunk = c
            .backup_chunk(ctx(), admin.clone(), started.id.clone(), bytes.len() as u64)
            .await
            .unwrap()
            .unwrap();
        bytes.extend(hex::decode(&chunk.data_hex).unwrap());
        if chunk.last {
            break;
        }
    }
    assert_eq!(bytes.len() as u64, started.size);
    assert!(chunks > 2, "{chunks} chunks");
    let gone = c
        .backup_chunk(ctx(), admin.clone(), started.id.clone(), 0)
        .await
        .unwrap();
    assert!(matches!(gone, Err(ApiError::NotFound { .. })), "{gone:?}");
    let key = daemon.data_dir.join("store.key");
    daemon.stop();

    let scratch = tempfile::tempdir().unwrap();
    let whole = scratch.path().join("whole.backup");
    std::fs::write(&whole, &bytes).unwrap();
    let truncated = scratch.path().join("truncated.backup");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2 + 100]).unwrap();
    let corrupted = scratch.path().join("corrupted.backup");
    let mut flipped = bytes.clone();
    let middle = flipped.len() - 2000;
    flipped[middle] ^= 0x55;
    std::fs::write(&corrupted, &flipped).unwrap();
    let key_arg = ["--key", key.to_str().unwrap()];

    for (what, file) in [("truncated", &truncated), ("corrupted", &corrupted)] {
        let fresh = tempfile::tempdir().unwrap();
        let data = fresh.path().join("data");
        let o = restore(&data, file, &key_arg);
        assert_eq!(o.status.code(), Some(1), "{what}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("cannot be restored") && err.contains("nothing was changed"),
            "{what}: {err}"
        );
        let left: Vec<_> = std::fs::read_dir(&data).unwrap().flatten().collect();
        assert!(left.is_empty(), "{what}: nothing left behind: {left:?}");
    }

    // Not a file at all.
    let fresh = tempfile::tempdir().unwrap();
    let o = restore(&fresh.path().join("data"), scratch.path(), &key_arg);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a regular file"));

    // Another store's key.
    let other = tempfile::tempdir().unwrap();
    let other_key = other.path().join("store.key");
    std::fs::write(&other_key, format!("{}\n", "ab".repeat(32))).unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let o = restore(
        &fresh.path().join("data"),
        &whole,
        &["--key", other_key.to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("does not open"));

    // No key at all.
    let fresh = tempfile::tempdir().unwrap();
    let o = restore(&fresh.path().join("data"), &whole, &[]);
    assert_eq!(o.status.code(), Some(3), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--key"));

    // The daemon's own directory holds a store: refused, then replaced with --force, the old
    // files kept aside.
    let o = restore(&daemon.data_dir, &whole, &key_arg);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--force"));
    let mut forced = key_arg.to_vec();
    forced.push("--force");
    let o = restore(&daemon.data_dir, &whole, &forced);
    assert!(o.status.success(), "{}", text(&o));
    let kept = std::fs::read_dir(&daemon.data_dir)
        .unwrap()
        .flatten()
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("upstra.db.before-restore-")
        });
    assert!(kept, "the replaced store is kept aside");
    let daemon = Daemon::start(dir.path()).await;
    let c = connect(&daemon.socket).await.unwrap();
    login(&c).await;
}

/// `upstrad restore` with the passphrase on standard input.
fn restore_with_passphrase(data_dir: &Path, from: &Path, passphrase: &str) -> Output {
    use std::io::Write;
    let scratch = data_dir.parent().unwrap();
    let mut child = support::upstrad()
        .arg("--config")
        .arg(support::empty_config(scratch))
        .arg("--socket")
        .arg(scratch.join("nobody.sock"))
        .arg("--data-dir")
        .arg(data_dir)
        .arg("restore")
        .arg("--from")
        .arg(from)
        .arg("--passphrase-stdin")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{passphrase}\n").as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn a_backup_under_a_passphrase_restores_on_a_machine_without_the_key() {
    let Some(cli) = cli() else { return };
    const PASSPHRASE: &str = "off-site and far from the key";
    let dir = tempfile::tempdir().unwrap();
    let mut daemon = Daemon::start(dir.path()).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    let short = c
        .backup_start(ctx(), admin.clone(), Some(Secret::new("short")))
        .await
        .unwrap();
    assert!(matches!(short, Err(ApiError::Invalid { .. })), "{short:?}");

    let signed_in = upstra(
        &cli,
        dir.path(),
        &daemon.socket,
        &["login", "--user", ADMIN, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(signed_in.status.success(), "{}", text(&signed_in));
    let out = dir.path().join("offsite.backup");
    let backup = upstra(
        &cli,
        dir.path(),
        &daemon.socket,
        &[
            "backup",
            "--out",
            out.to_str().unwrap(),
            "--passphrase-stdin",
        ],
        &format!("{PASSPHRASE}\n"),
    );
    assert!(backup.status.success(), "{}", text(&backup));
    assert!(String::from_utf8_lossy(&backup.stdout).contains("passphrase"));
    daemon.stop();

    // Not with the store key, not with another passphrase.
    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("data");
    let key = daemon.data_dir.join("store.key");
    let o = restore(&data, &out, &["--key", key.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let o = restore_with_passphrase(&data, &out, "not the passphrase at all");
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("passphrase does not open"));
    let left: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(left.is_empty(), "nothing restored: {left:?}");

    // A new machine: no key there; the restore makes one and puts the store under it.
    let o = restore_with_passphrase(&data, &out, PASSPHRASE);
    assert!(o.status.success(), "{}", text(&o));
    let new_key = std::fs::read(data.join("store.key")).unwrap();
    assert_ne!(new_key, std::fs::read(&key).unwrap(), "a key of its own");
    let mode = std::fs::metadata(data.join("store.key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let daemon = Daemon::start(fresh.path()).await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = login(&c).await;
    let verified = c.audit_verify(ctx(), admin).await.unwrap().unwrap();
    assert!(verified.intact, "{verified:?}");
}
