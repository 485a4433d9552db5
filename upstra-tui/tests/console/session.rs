//! The session file: where it goes, its mode, and the fallback directory's safety checks.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use upstra_core::api::v1::SessionToken;
use upstra_core::state::Timestamp;
use upstra_tui::session::{SessionEnv, SessionError, SessionStore, StoredSession, socket_key};

fn my_uid(dir: &Path) -> u32 {
    fs::metadata(dir).expect("temp dir").uid()
}

fn env(tmp: &Path, runtime: Option<PathBuf>) -> SessionEnv {
    SessionEnv {
        explicit: None,
        runtime_dir: runtime,
        temp_dir: tmp.to_owned(),
        uid: my_uid(tmp),
    }
}

fn session() -> StoredSession {
    StoredSession {
        token: SessionToken::new("ab".repeat(32)),
        user: "alice".into(),
        expires_at: Timestamp(1_795_600_000_000),
    }
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).expect("exists").mode() & 0o777
}

#[test]
fn the_file_is_private_and_round_trips() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = SessionStore::locate(
        &env(tmp.path(), Some(tmp.path().into())),
        Path::new("/run/a.sock"),
    )
    .expect("usable");
    assert_eq!(store.load().expect("readable"), None);
    store.save(&session()).expect("saved");
    assert_eq!(mode(store.path()), 0o600);
    assert_eq!(mode(store.path().parent().expect("dir")), 0o700);
    assert_eq!(store.load().expect("readable"), Some(session()));
    let leftovers: Vec<_> = fs::read_dir(store.path().parent().expect("dir"))
        .expect("listable")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".session-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "the temporary file was renamed into place"
    );
    assert!(store.remove().expect("removed"));
    assert!(!store.remove().expect("already gone"));
}

#[test]
fn each_socket_has_its_own_file_under_the_runtime_dir() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let e = env(tmp.path(), Some(tmp.path().into()));
    let a = SessionStore::locate(&e, Path::new("/run/a.sock")).expect("usable");
    let b = SessionStore::locate(&e, Path::new("/run/b.sock")).expect("usable");
    assert_ne!(a.path(), b.path());
    let name = a
        .path()
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let key = name.strip_prefix("session-").expect("prefix");
    assert_eq!(key.len(), 16);
    assert!(key.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(
        a.path(),
        tmp.path()
            .join("upstra")
            .join(format!("session-{}", socket_key(Path::new("/run/a.sock"))))
    );
}

#[test]
fn two_spellings_of_one_socket_share_a_file() {
    let tmp = tempfile::tempdir().expect("temp dir");
    fs::create_dir(tmp.path().join("run")).expect("dir");
    let direct = tmp.path().join("run/x.sock");
    let roundabout = tmp.path().join("run/../run/./x.sock");
    assert_eq!(socket_key(&direct), socket_key(&roundabout));
}

#[test]
fn without_a_runtime_dir_a_private_fallback_is_created() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let e = env(tmp.path(), None);
    let store = SessionStore::locate(&e, Path::new("/run/a.sock")).expect("usable");
    let dir = tmp.path().join(format!("upstra-{}", e.uid));
    assert_eq!(store.path().parent(), Some(dir.as_path()));
    assert_eq!(mode(&dir), 0o700);
}

#[test]
fn a_fallback_dir_open_to_others_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let e = env(tmp.path(), None);
    let dir = tmp.path().join(format!("upstra-{}", e.uid));
    fs::create_dir(&dir).expect("dir");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).expect("chmod");
    let err = SessionStore::locate(&e, Path::new("/run/a.sock")).expect_err("unsafe");
    assert!(matches!(err, SessionError::UnsafeDir { .. }), "{err}");
    assert!(err.to_string().contains("open to other users"), "{err}");
}

#[test]
fn a_fallback_dir_owned_by_someone_else_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut e = env(tmp.path(), None);
    // Pretend to be another user: the directory we create then belongs to "someone else".
    e.uid += 1;
    let dir = tmp.path().join(format!("upstra-{}", e.uid));
    fs::create_dir(&dir).expect("dir");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).expect("chmod");
    let err = SessionStore::locate(&e, Path::new("/run/a.sock")).expect_err("unsafe");
    assert!(err.to_string().contains("belongs to uid"), "{err}");
}

#[test]
fn a_planted_symlink_is_refused() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let e = env(tmp.path(), None);
    let target = tmp.path().join("elsewhere");
    fs::create_dir(&target).expect("dir");
    fs::set_permissions(&target, fs::Permissions::from_mode(0o700)).expect("chmod");
    std::os::unix::fs::symlink(&target, tmp.path().join(format!("upstra-{}", e.uid)))
        .expect("symlink");
    let err = SessionStore::locate(&e, Path::new("/run/a.sock")).expect_err("unsafe");
    assert!(err.to_string().contains("is not a directory"), "{err}");
}

#[test]
fn an_explicit_file_wins_and_is_written_0600() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let file = tmp.path().join("my-session");
    let e = SessionEnv {
        explicit: Some(file.clone()),
        ..env(tmp.path(), Some(tmp.path().join("unused")))
    };
    let store = SessionStore::locate(&e, Path::new("/run/a.sock")).expect("usable");
    assert_eq!(store.path(), file);
    store.save(&session()).expect("saved");
    assert_eq!(mode(&file), 0o600);
    assert!(
        !tmp.path().join("unused").exists(),
        "nothing created elsewhere"
    );
}

#[test]
fn a_damaged_file_is_reported_not_trusted() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let store = SessionStore::at(tmp.path().join("s"));
    fs::write(store.path(), "not json").expect("write");
    assert!(matches!(store.load(), Err(SessionError::Damaged { .. })));
}
