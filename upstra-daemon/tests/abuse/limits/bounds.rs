//! Finding 6: a request over a length bound is refused before anything is written: no audit
//! record, no rate-limit bucket, no growth of the store; the refusal names the bound.

use std::path::Path;

use upstra_core::api::v1::{ApiError, LoginRequest, UpstraClient};
use upstra_core::secret::Secret;

use super::{fresh, patient};
use crate::support;

/// The user name of the finding: 7 MiB, under the 8 MiB frame.
const HUGE: usize = 7 * 1024 * 1024;
/// Huge logins in a row: each one stored would add 7 MiB, so ten show any leak plainly while
/// keeping the test short in a debug build (parsing 7 MiB of JSON is most of its time).
const ROUNDS: usize = 10;
/// What the store may grow by over all the rounds: sessions and the few audit records of the
/// test itself, nothing of the refused requests (the finding grew it by 440 MB).
const GROWTH_ALLOWED: u64 = 4 * 1024 * 1024;

fn store_bytes(data_dir: &Path) -> u64 {
    std::fs::read_dir(data_dir)
        .unwrap()
        .map(|e| e.unwrap().metadata().unwrap().len())
        .sum()
}

/// How many audit records there are; the check itself adds one after counting.
async fn audit_count(c: &UpstraClient) -> u64 {
    let token = support::login(c).await;
    c.audit_verify(patient(), token)
        .await
        .unwrap()
        .unwrap()
        .verified
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_user_name_is_refused_before_anything_is_written() {
    let (_dir, daemon, admin) = fresh().await;
    let records = audit_count(&admin).await;
    let bytes = store_bytes(&daemon.data_dir);
    let name = "a".repeat(HUGE);
    for _ in 0..ROUNDS {
        let req = LoginRequest {
            user: name.clone(),
            password: Secret::new("whatever"),
        };
        let answer = admin.login(patient(), req).await.unwrap();
        match answer {
            Err(ApiError::Invalid { problems }) => {
                assert_eq!(problems, ["user name is 7340032 bytes; at most 64"]);
            }
            other => panic!("a 7 MiB user name got {other:?}"),
        }
    }
    let grown = store_bytes(&daemon.data_dir).saturating_sub(bytes);
    println!("store grew by {grown} bytes over {ROUNDS} refused 7 MiB logins");
    assert!(grown < GROWTH_ALLOWED, "the store grew by {grown} bytes");
    // One record more: the first count's own `audit_verify` (and the logins of the counts).
    let now = audit_count(&admin).await;
    assert!(
        now <= records + 3,
        "{} audit records were written for refused requests",
        now - records
    );
}
