//! Rate limits under concurrency, string bounds before anything is stored, and the audit trail's paging.

mod attempts;
mod bounds;
mod forged;

use std::time::{Duration, Instant};

use upstra_core::api::v1::{ApiError, UpstraClient};

use crate::support::{self, Daemon};

/// A context whose deadline leaves room for argon2 on a loaded 2-core machine: a flood of
/// attempts queues behind the few that are evaluated.
pub fn patient() -> tarpc::context::Context {
    let mut ctx = support::ctx();
    ctx.deadline = Instant::now() + Duration::from_secs(120);
    ctx
}

/// A daemon in a fresh directory, set up with the standard admin.
pub async fn fresh() -> (tempfile::TempDir, Daemon, UpstraClient) {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start(dir.path()).await;
    let client = support::connect(&daemon.socket).await.unwrap();
    support::setup_and_login(&client).await;
    (dir, daemon, client)
}

/// Whether `e` is the refusal of a rate limit.
pub fn is_rate_limited<T: std::fmt::Debug>(r: &Result<T, ApiError>) -> bool {
    matches!(r, Err(ApiError::RateLimited { retry_after_s }) if *retry_after_s > 0)
}
