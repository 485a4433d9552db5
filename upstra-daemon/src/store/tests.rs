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
                &AuditEntry {
                    at: 1,
                    actor: Some("t"),
                    peer_uid: None,
                    action: "apply",
                    target: None,
                    result: "ok",
                    detail: None,
                },
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
async fn setup_happens_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = open(dir.path()).expect("created");
    let user = |name: &str| UserRow {
        name: name.into(),
        password_hash: "x".into(),
        role: "admin".into(),
        disabled: false,
    };
    let (a, b) = (user("a"), user("b"));
    assert!(
        store
            .call(move |db| db.create_first_user(&a, 1))
            .await
            .expect("first")
    );
    assert!(
        !store
            .call(move |db| db.create_first_user(&b, 2))
            .await
            .expect("second")
    );
    assert_eq!(store.call(|db| db.user_count()).await.expect("count"), 1);
}
