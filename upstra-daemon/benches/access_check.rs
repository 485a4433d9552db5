//! The access check a request passes before its handler, without the socket: the request's
//! bounds and its row of the access table, the token's hash, the session, the global rate
//! limit and the permissions on everything. Printed twice in one run, side by side: the session
//! and the bucket read from the store as every call did before (one trip to the store thread,
//! a SQLCipher read and a bucket write), and from the daemon's memory as calls do now.
//!
//! `cargo bench -p upstra-daemon --bench access_check` prints p50/p99 of each.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use upstra_core::access::{self, Grant, Resource, Topology};
use upstra_core::api::v1::{Access, SessionScope, UpstraRequest};
use upstra_core::ratelimit::Limit;
use upstra_core::rbac::{Decision, Permissions};
use upstra_daemon::auth::sessions::{Lookup, SessionCache, SessionRecord};
use upstra_daemon::store::{KeySource, Store};

const CHECKS: usize = 20_000;
const USER: &str = "bench";
/// High enough that the bench never meets it.
const LIMIT: Limit = Limit::per_minutes(100_000_000, 15);
const UID: u32 = 1000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn print(what: &str, mut samples: Vec<Duration>) {
    samples.sort();
    println!(
        "  {what}: p50 {:?}  p99 {:?}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
}

/// What both variants do around the session: the request's bounds and access row, and the
/// token's hash.
fn before_the_session(req: &UpstraRequest) -> (Permissions, String) {
    upstra_core::bounds::check_request(req).unwrap();
    let (method, token) = upstra_daemon::server::method_of(req);
    let Access::Session { needs, .. } = method.access() else {
        panic!("{method:?} needs no session")
    };
    (needs, upstra_daemon::auth::token_hash(token.unwrap()))
}

fn authorized(grants: &[Grant], needs: Permissions) {
    let d = access::authorize(grants, needs, &Resource::All, &Topology::default());
    assert!(matches!(d, Decision::Allow), "{d:?}");
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let store = Store::open(&data, &KeySource::locate(&data, None)).unwrap();
    let (token, hash) = upstra_daemon::auth::new_token();
    let now = upstra_daemon::clock::now().millis();
    let stored = hash.clone();
    store
        .call(move |db| {
            db.create_user(USER, "not a hash", "admin", now, true)?;
            db.create_session(
                &stored,
                "s1",
                USER,
                UID,
                SessionScope::Full,
                now,
                now + 3_600_000,
            )
        })
        .await
        .unwrap();
    let req = UpstraRequest::ListServers { token };
    let idle = 30 * 60_000;
    println!("access check of list_servers, {CHECKS} checks each:");

    let mut from_store = Vec::with_capacity(CHECKS);
    for _ in 0..CHECKS {
        let t = Instant::now();
        let (needs, hash) = before_the_session(&req);
        let now = upstra_daemon::clock::now();
        let grants = store
            .call(move |db| {
                let session = db.session(&hash, UID, now.millis(), idle)?.unwrap();
                let key = format!("global:{}", session.user);
                upstra_daemon::limits::take(db, &key, LIMIT, now)?.unwrap();
                let grants = db.grants(Some(&session.user))?;
                let _two_factor = db
                    .user(&session.user)?
                    .is_some_and(|u| u.totp_secret.is_some());
                Ok(grants)
            })
            .await
            .unwrap();
        let grants: Vec<Grant> = grants
            .iter()
            .map(|g| Grant {
                permissions: g.permissions,
                resource: Resource::parse(&g.resource).unwrap(),
            })
            .collect();
        authorized(&grants, needs);
        from_store.push(t.elapsed());
    }
    print("session from the store (before)", from_store);

    let cache: SessionCache<Vec<Grant>> = SessionCache::new(store.clone());
    let grants = vec![Grant {
        permissions: Permissions::ALL,
        resource: Resource::All,
    }];
    let now = upstra_daemon::clock::now();
    cache.remember(
        hash.clone(),
        SessionRecord {
            principal: std::sync::Arc::new(grants),
            user: USER.into(),
            public_id: "s1".into(),
            peer_uid: UID,
            expires_at: now.millis() + 3_600_000,
            last_seen_at: now.millis(),
        },
        store.identity_generation().now(),
    );
    cache.hold_bucket(USER, None, LIMIT, now);
    let mut in_memory = Vec::with_capacity(CHECKS);
    for _ in 0..CHECKS {
        let t = Instant::now();
        let (needs, hash) = before_the_session(&req);
        let now = upstra_daemon::clock::now();
        let Lookup::Live(grants) = cache.check(&hash, UID, now.millis(), idle) else {
            panic!("the session is not held")
        };
        cache.take_global(USER, LIMIT, now).unwrap().unwrap();
        authorized(&grants, needs);
        in_memory.push(t.elapsed());
    }
    print("session in memory (now)", in_memory);
    store.close().await;
}
