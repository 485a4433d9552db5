//! The memory against a real store: what it answers, and that no identity write of the store
//! leaves it answering from a stale copy.

use super::*;

use upstra_core::api::v1::SessionScope;

use crate::store::{Db, KeySource, StoreError};

const HASH: &str = "a-token-hash";
const UID: u32 = 1000;
const HOUR: i64 = 3_600_000;
const T0: i64 = 1_000_000_000;

async fn store() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("data");
    let store = Store::open(&data, &KeySource::locate(&data, None)).expect("store");
    store
        .call(|db| {
            db.create_user("ada", "h", "admin", T0, false)?;
            db.create_session(HASH, "s1", "ada", UID, SessionScope::Full, T0, T0 + HOUR)
        })
        .await
        .expect("ada's session");
    (dir, store)
}

fn record(expires_at: i64) -> SessionRecord<&'static str> {
    SessionRecord {
        principal: Arc::new("ada"),
        user: "ada".into(),
        public_id: "s1".into(),
        peer_uid: UID,
        expires_at,
        last_seen_at: T0,
    }
}

fn held(store: &Store) -> SessionCache<&'static str> {
    let cache = SessionCache::new(store.clone());
    cache.remember(
        HASH.into(),
        record(T0 + HOUR),
        store.identity_generation().now(),
    );
    cache
}

#[tokio::test]
async fn a_held_session_answers_its_owner_and_refuses_another_unix_user() {
    let (_dir, store) = store().await;
    let cache = held(&store);
    assert!(matches!(cache.check(HASH, UID, T0 + 1, HOUR), Lookup::Live(p) if *p == "ada"));
    assert!(matches!(
        cache.check(HASH, UID + 1, T0 + 2, HOUR),
        Lookup::Foreign { opened_by: UID, .. }
    ));
    assert!(matches!(
        cache.check("other", UID, T0 + 3, HOUR),
        Lookup::Unknown
    ));
}

#[tokio::test]
async fn idleness_and_the_lifetime_end_a_held_session_and_delete_it_from_the_store() {
    let (_dir, store) = store().await;
    let cache = held(&store);
    // Used at +10 min, so idle for 30 min only at +40 min.
    let idle = 30 * 60_000;
    assert!(matches!(
        cache.check(HASH, UID, T0 + 10 * 60_000, idle),
        Lookup::Live(_)
    ));
    assert!(matches!(
        cache.check(HASH, UID, T0 + 39 * 60_000, idle),
        Lookup::Live(_)
    ));
    assert!(matches!(
        cache.check(HASH, UID, T0 + 70 * 60_000, idle),
        Lookup::Ended
    ));
    let left = store.call(|db| db.sessions_of("ada")).await.expect("read");
    assert!(left.is_empty(), "{left:?}");

    let cache = SessionCache::new(store.clone());
    cache.remember(
        HASH.into(),
        record(T0 + 5),
        store.identity_generation().now(),
    );
    assert!(matches!(
        cache.check(HASH, UID, T0 + 5, HOUR),
        Lookup::Ended
    ));
}

#[tokio::test]
async fn a_foreign_call_does_not_keep_the_session_alive() {
    let (_dir, store) = store().await;
    let cache = held(&store);
    let idle = 60_000;
    assert!(matches!(
        cache.check(HASH, UID + 1, T0 + 50_000, idle),
        Lookup::Foreign { .. }
    ));
    assert!(matches!(
        cache.check(HASH, UID, T0 + 61_000, idle),
        Lookup::Ended
    ));
}

type IdentityWrite = fn(&mut Db) -> Result<(), StoreError>;

/// Every write of the store that changes who may call, or with which rights.
fn identity_writes() -> Vec<(&'static str, IdentityWrite)> {
    vec![
        ("create_user", |db| {
            db.create_user("bob", "h", "viewer", T0, false).map(|_| ())
        }),
        ("set_disabled", |db| {
            db.set_disabled("ada", true).map(|_| ())
        }),
        ("remove_user", |db| db.remove_user("ada").map(|_| ())),
        ("set_password", |db| db.set_password("ada", "h2")),
        ("set_reset", |db| db.set_reset("ada", "r", T0 + HOUR)),
        ("consume_reset", |db| db.consume_reset("ada")),
        ("create_role", |db| {
            db.create_role("r", upstra_core::rbac::Permissions::READ)
                .map(|_| ())
        }),
        ("remove_role", |db| db.remove_role("r").map(|_| ())),
        ("add_grant", |db| {
            db.add_grant("ada", "viewer", "room:a").map(|_| ())
        }),
        ("remove_grant", |db| {
            db.remove_grant("ada", "admin", "all").map(|_| ())
        }),
        ("set_role_on_all", |db| db.set_role_on_all("ada", "viewer")),
        ("create_session", |db| {
            db.create_session("h2", "s2", "ada", UID, SessionScope::Full, T0, T0 + HOUR)
        }),
        ("delete_session", |db| db.delete_session(HASH).map(|_| ())),
        ("delete_session_by_id", |db| {
            db.delete_session_by_id("ada", "s1").map(|_| ())
        }),
        ("delete_sessions_of", |db| {
            db.delete_sessions_of("ada").map(|_| ())
        }),
        ("set_totp_pending", |db| {
            db.set_totp_pending("ada", Some("x"))
        }),
        ("confirm_totp", |db| db.confirm_totp("ada", 1, &[])),
        ("disable_totp", |db| db.disable_totp("ada")),
        ("accept_totp_step", |db| {
            db.accept_totp_step("ada", 2).map(|_| ())
        }),
    ]
}

#[tokio::test]
async fn every_identity_write_makes_the_held_sessions_unknown() {
    for (what, write) in identity_writes() {
        let (_dir, store) = store().await;
        let cache = held(&store);
        assert!(
            matches!(cache.check(HASH, UID, T0 + 1, HOUR), Lookup::Live(_)),
            "{what}"
        );
        store.call(write).await.expect(what);
        assert!(
            matches!(cache.check(HASH, UID, T0 + 2, HOUR), Lookup::Unknown),
            "after {what} the memory still answered"
        );
    }
}

#[tokio::test]
async fn a_session_read_before_a_write_is_not_kept() {
    let (_dir, store) = store().await;
    let cache = SessionCache::new(store.clone());
    let loaded_at = store.identity_generation().now();
    store
        .call(|db| db.delete_session(HASH))
        .await
        .expect("logout");
    cache.remember(HASH.into(), record(T0 + HOUR), loaded_at);
    assert!(matches!(
        cache.check(HASH, UID, T0 + 1, HOUR),
        Lookup::Unknown
    ));
}

#[tokio::test]
async fn the_last_use_is_written_behind_at_most_every_few_seconds() {
    let (_dir, store) = store().await;
    let cache = held(&store);
    let last_seen =
        || async { store.call(|db| db.sessions_of("ada")).await.expect("read")[0].last_seen_at };
    let _ = cache.check(HASH, UID, T0 + 1_000, HOUR);
    assert_eq!(last_seen().await, T0, "written before its time");
    let _ = cache.check(HASH, UID, T0 + LAST_SEEN_WRITE_EVERY_MS + 1, HOUR);
    assert_eq!(last_seen().await, T0 + LAST_SEEN_WRITE_EVERY_MS + 1);
}

#[tokio::test]
async fn the_global_bucket_counts_in_memory_and_is_written_behind() {
    let (_dir, store) = store().await;
    let cache: SessionCache<&'static str> = SessionCache::new(store.clone());
    let limit = Limit::per_minutes(3, 60);
    let at = |ms| Timestamp(T0 + ms);
    assert_eq!(
        cache.take_global("ada", limit, at(0)),
        None,
        "not loaded yet"
    );
    cache.hold_bucket("ada", None, limit, at(0));
    for _ in 0..3 {
        assert_eq!(cache.take_global("ada", limit, at(1)), Some(Ok(())));
    }
    assert!(matches!(cache.take_global("ada", limit, at(2)), Some(Err(s)) if s > 0));
    cache.write_behind_now();
    let stored = store
        .call(|db| db.bucket(&global_bucket_key("ada")))
        .await
        .expect("read")
        .expect("written");
    assert!(stored.0 < 1.0, "{stored:?}");
}
