use super::*;

use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

const LAB: &str = "[[room]]\nname = \"PLAINTEXT-ROOM-MARKER\"\n[[ups]]\nname = \"ups-marker\"\n\
    room = \"PLAINTEXT-ROOM-MARKER\"\nnut = \"ups1@127.0.0.1:3493\"\nuser = \"mon\"\n";

fn open(dir: &Path) -> Result<Store, StoreError> {
    Store::open(dir, &KeySource::locate(dir, None))
}

fn digest(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(fs::read(path).expect("read")))
}

async fn save_lab(store: &Store) {
    let mut inv = parse(LAB, &KnownNames::default()).expect("valid").inventory;
    if let Some(login) = inv.ups.values_mut().next().and_then(|u| u.login.as_mut()) {
        login.password = Some(Secret::new("NUT-SECRET-MARKER"));
    }
    store
        .call(move |db| {
            db.save_inventory(
                &inv.rooms.values().collect::<Vec<_>>(),
                &inv.ups.values().collect::<Vec<_>>(),
                &[],
                None,
                &AuditEntry::new("apply", "ok").at(1).actor("t"),
            )
        })
        .await
        .expect("saved");
    store.close().await;
}

#[tokio::test]
async fn data_survives_reopening_and_is_not_plaintext_on_disk() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    save_lab(&store).await;
    let store = open(dir.path()).expect("reopened");
    let inv = store.call(|db| db.load_inventory()).await.expect("loaded");
    assert_eq!(inv.rooms.len(), 1);
    assert_eq!(inv.ups.len(), 1);
    store.close().await;
    for entry in fs::read_dir(dir.path()).expect("list") {
        let path = entry.expect("entry").path();
        let bytes = fs::read(&path).expect("read");
        for marker in [
            "PLAINTEXT-ROOM-MARKER",
            "NUT-SECRET-MARKER",
            "CREATE TABLE",
            "SQLite format 3",
        ] {
            assert!(
                !bytes.windows(marker.len()).any(|w| w == marker.as_bytes()),
                "{marker} in {}",
                path.display()
            );
        }
    }
}

#[tokio::test]
async fn a_wrong_key_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    save_lab(&open(dir.path()).expect("created")).await;
    let db = dir.path().join(DB_FILE);
    let before = digest(&db);
    fs::write(
        dir.path().join(key::KEY_FILE),
        format!("{}\n", "ab".repeat(32)),
    )
    .expect("swap key");
    let err = open(dir.path()).expect_err("wrong key");
    assert!(matches!(err, StoreError::WrongKey { .. }), "{err}");
    assert!(err.is_key_problem());
    assert_eq!(digest(&db), before);
}

#[tokio::test]
async fn a_missing_key_is_refused_and_not_recreated() {
    let dir = tempfile::tempdir().expect("temp dir");
    save_lab(&open(dir.path()).expect("created")).await;
    let db = dir.path().join(DB_FILE);
    let before = digest(&db);
    fs::remove_file(dir.path().join(key::KEY_FILE)).expect("remove key");
    let err = open(dir.path()).expect_err("missing key");
    assert!(matches!(err, StoreError::KeyMissing { .. }), "{err}");
    assert!(!dir.path().join(key::KEY_FILE).exists());
    assert_eq!(digest(&db), before);
}

#[test]
fn migrations_are_numbered_consecutively_from_one() {
    for (i, (version, name, sql)) in MIGRATIONS.iter().enumerate() {
        assert_eq!(*version as usize, i + 1, "{name}");
        assert!(!sql.trim().is_empty());
    }
}

#[tokio::test]
async fn setup_happens_once_and_grants_admin_on_everything() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    let first = store
        .call(|db| db.create_user("a", "x", "admin", 1, true))
        .await
        .expect("first");
    let second = store
        .call(|db| db.create_user("b", "x", "admin", 2, true))
        .await
        .expect("second");
    assert!(first && !second);
    assert_eq!(store.call(|db| db.user_count()).await.expect("count"), 1);
    let grants = store.call(|db| db.grants(Some("a"))).await.expect("grants");
    assert_eq!(
        (grants[0].role.as_str(), grants[0].resource.as_str()),
        ("admin", "all")
    );
    assert_eq!(
        store.call(|db| db.enabled_admins()).await.expect("admins"),
        ["a"]
    );
}

#[tokio::test]
async fn the_audit_chain_survives_reopening_and_finds_an_edit() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    for action in ["login", "apply", "logout"] {
        store
            .call(move |db| db.audit(&AuditEntry::new(action, "ok").at(1)))
            .await
            .expect("appended");
    }
    store.close().await;
    let store = open(dir.path()).expect("reopened");
    assert_eq!(
        store.call(|db| db.audit_verify()).await.expect("verified"),
        Ok(3)
    );
    store
        .call(|db| {
            db.conn()
                .execute("UPDATE audit SET result = 'refused' WHERE seq = 2", [])?;
            Ok(())
        })
        .await
        .expect("edited");
    let broken = store.call(|db| db.audit_verify()).await.expect("verified");
    assert_eq!(
        broken,
        Err(upstra_core::audit::ChainBreak::Mismatch { seq: 2 })
    );
}

#[tokio::test]
async fn a_totp_step_is_accepted_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    store
        .call(|db| db.create_user("a", "x", "admin", 1, true))
        .await
        .expect("user");
    let take = |step| store.call(move |db| db.accept_totp_step("a", step));
    assert!(take(100).await.expect("first"));
    assert!(!take(100).await.expect("replay"), "the same step twice");
    assert!(
        !take(99).await.expect("older"),
        "an older step after a newer one"
    );
    assert!(take(101).await.expect("next"));
}

/// The last handle going is an exit path (a test ending, the runtime dropped at shutdown): the
/// queued writes must be in the file and the connection closed before it returns, or the
/// process may run its exit handlers while SQLCipher is still tearing down.
#[tokio::test]
async fn dropping_the_last_handle_writes_what_was_queued_and_closes_the_connection() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    store
        .call(|db| db.create_user("a", "x", "admin", 1, true))
        .await
        .expect("user");
    let wal = dir.path().join(format!("{DB_FILE}-wal"));
    assert!(wal.exists(), "the open connection keeps its WAL");
    let other = store.clone();
    drop(store);
    other.send("queued audit", |db| {
        db.audit(&AuditEntry::new("queued", "ok").at(2)).map(|_| ())
    });
    drop(other);
    assert!(
        !wal.exists(),
        "the connection was still open after the last handle was dropped"
    );
    let store = open(dir.path()).expect("reopened");
    let queued = store
        .call(|db| {
            db.audit_records(&AuditFilter {
                limit: 100,
                ..AuditFilter::default()
            })
        })
        .await
        .expect("listed");
    assert!(queued.iter().any(|e| e.action == "queued"), "{queued:?}");
    store.close().await;
}

#[test]
fn a_run_journaled_before_restores_were_verified_reads_as_never_verified() {
    // What an earlier daemon wrote: no operator hold, nothing verified yet.
    let old = r#"{"ups":["ups-a"],"reason":"low battery","by":null,"undoes":[],"restored_by":null,"stopped":null}"#;
    let info: RunInfo = serde_json::from_str(old).expect("an older run's info reads");
    assert!(!info.waits_for_operator && !info.on_mains);
    assert_eq!((info.not_restored, info.restored), (None, None));
}
