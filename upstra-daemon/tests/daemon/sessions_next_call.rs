//! Sessions are checked in the daemon's memory, yet every change to a session or to a user's
//! rights still takes effect on the very next call. Each test keeps a second connection whose
//! session has already been checked (so it is held in memory), changes something from the first
//! connection, and expects the second connection's next call to be refused at once, with no
//! wait and no retry.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::path::Path;
use std::time::Duration;

use support::*;
use upstra_core::api::v1::{
    ApiError, GrantView, SessionToken, UpstraClient, UserAddRequest, WhoAmI,
};
use upstra_core::secret::Secret;

const BOB: &str = "bob";
const BOB_PASSWORD: &str = "bob's long password";

/// The daemon, the admin's connection and token, and a second connection.
struct Two {
    daemon: Daemon,
    admin: UpstraClient,
    admin_token: SessionToken,
    other: UpstraClient,
}

async fn start(dir: &Path, config: &str) -> Two {
    std::fs::write(dir.join("upstrad.toml"), config).unwrap();
    let daemon = Daemon::start(dir).await;
    let admin = connect(&daemon.socket).await.unwrap();
    let admin_token = setup_and_login(&admin).await;
    let other = connect(&daemon.socket).await.unwrap();
    Two {
        daemon,
        admin,
        admin_token,
        other,
    }
}

impl Two {
    /// Adds bob with `role` on everything and logs him in on the second connection; his
    /// session is checked once there, so the daemon holds it in memory.
    async fn bob(&self, role: &str) -> SessionToken {
        self.admin
            .user_add(
                ctx(),
                self.admin_token.clone(),
                UserAddRequest {
                    name: BOB.into(),
                    role: role.into(),
                    password: Secret::new(BOB_PASSWORD),
                },
            )
            .await
            .unwrap()
            .unwrap();
        let token = login_as(&self.other, BOB, BOB_PASSWORD).await;
        self.other
            .whoami(ctx(), token.clone())
            .await
            .unwrap()
            .unwrap();
        token
    }

    async fn whoami(&self, token: &SessionToken) -> Result<WhoAmI, ApiError> {
        self.other.whoami(ctx(), token.clone()).await.unwrap()
    }

    /// An admin-only call on the second connection.
    async fn user_list(&self, token: &SessionToken) -> Result<(), ApiError> {
        self.other
            .user_list(ctx(), token.clone())
            .await
            .unwrap()
            .map(|_| ())
    }
}

fn refused_as_unknown(r: Result<WhoAmI, ApiError>) {
    assert_eq!(r.map(|w| w.user), Err(ApiError::Unauthenticated));
}

#[tokio::test]
async fn logout_ends_the_session_on_another_connection_at_its_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("viewer").await;
    // The same token on the admin's connection: bob logs out from another terminal.
    t.admin.logout(ctx(), token.clone()).await.unwrap().unwrap();
    refused_as_unknown(t.whoami(&token).await);
    t.daemon.stop();
}

#[tokio::test]
async fn a_revoked_session_is_refused_at_its_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let held = t.bob("viewer").await;
    // Bob, from a second login, revokes the session the other connection holds.
    let revoker = login_as(&t.admin, BOB, BOB_PASSWORD).await;
    let sessions = t
        .admin
        .session_list(ctx(), revoker.clone(), None)
        .await
        .unwrap()
        .unwrap();
    let target = sessions.iter().find(|s| !s.current).unwrap().id.clone();
    t.admin
        .session_revoke(ctx(), revoker.clone(), target)
        .await
        .unwrap()
        .unwrap();
    refused_as_unknown(t.whoami(&held).await);
    // The revoker's own session is untouched.
    t.admin.whoami(ctx(), revoker).await.unwrap().unwrap();
    t.daemon.stop();
}

#[tokio::test]
async fn an_admin_ending_every_session_of_a_user_is_felt_at_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("viewer").await;
    let ended = t
        .admin
        .session_revoke_user(ctx(), t.admin_token.clone(), BOB.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ended, 1);
    refused_as_unknown(t.whoami(&token).await);
    t.daemon.stop();
}

#[tokio::test]
async fn disabling_a_user_refuses_their_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("viewer").await;
    t.admin
        .user_set_disabled(ctx(), t.admin_token.clone(), BOB.into(), true)
        .await
        .unwrap()
        .unwrap();
    refused_as_unknown(t.whoami(&token).await);
    // Enabled again, the old session stays ended: it was deleted, not suspended.
    t.admin
        .user_set_disabled(ctx(), t.admin_token.clone(), BOB.into(), false)
        .await
        .unwrap()
        .unwrap();
    refused_as_unknown(t.whoami(&token).await);
    t.daemon.stop();
}

#[tokio::test]
async fn removing_a_user_refuses_their_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("viewer").await;
    t.admin
        .user_remove(ctx(), t.admin_token.clone(), BOB.into())
        .await
        .unwrap()
        .unwrap();
    refused_as_unknown(t.whoami(&token).await);
    t.daemon.stop();
}

#[tokio::test]
async fn a_role_taken_away_is_missing_at_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("admin").await;
    t.user_list(&token).await.unwrap();
    t.admin
        .user_set_role(ctx(), t.admin_token.clone(), BOB.into(), "viewer".into())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(t.user_list(&token).await, Err(ApiError::Forbidden { .. })),
        "a viewer listed the users"
    );
    assert_eq!(t.whoami(&token).await.unwrap().role, "viewer");
    t.daemon.stop();
}

#[tokio::test]
async fn a_grant_removed_is_missing_at_the_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("admin").await;
    t.user_list(&token).await.unwrap();
    t.admin
        .grant_remove(
            ctx(),
            t.admin_token.clone(),
            GrantView {
                user: BOB.into(),
                role: "admin".into(),
                resource: "all".into(),
            },
        )
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(t.user_list(&token).await, Err(ApiError::Forbidden { .. })),
        "a user without grants listed the users"
    );
    assert_eq!(t.whoami(&token).await.unwrap().permissions, "none");
    t.daemon.stop();
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions_at_their_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let held = t.bob("viewer").await;
    let changer = login_as(&t.admin, BOB, BOB_PASSWORD).await;
    t.admin
        .change_password(
            ctx(),
            changer,
            Secret::new(BOB_PASSWORD),
            Secret::new("bob's new long password"),
        )
        .await
        .unwrap()
        .unwrap();
    refused_as_unknown(t.whoami(&held).await);
    t.daemon.stop();
}

#[tokio::test]
async fn an_admin_password_reset_ends_the_users_sessions_at_their_next_call() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let token = t.bob("viewer").await;
    t.admin
        .user_reset_password(ctx(), t.admin_token.clone(), BOB.into())
        .await
        .unwrap()
        .unwrap();
    refused_as_unknown(t.whoami(&token).await);
    t.daemon.stop();
}

#[tokio::test]
async fn an_idle_session_is_refused_at_its_next_call() {
    /// Short for the test; the pause below is this plus a margin.
    const IDLE: Duration = Duration::from_secs(3);
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(
        dir.path(),
        "[sessions]\nidle_timeout = \"3s\"\nabsolute_lifetime = \"1h\"\n",
    )
    .await;
    let token = t.bob("viewer").await;
    // Idleness is time without calls, so this test lets the time pass without calling:
    // polling would itself be a use of the session.
    tokio::time::sleep(IDLE + Duration::from_secs(1)).await;
    refused_as_unknown(t.whoami(&token).await);
    // A refused session stays refused, and the admin's busy session is still there.
    refused_as_unknown(t.whoami(&token).await);
    t.daemon.stop();
}

#[tokio::test]
async fn a_session_past_its_lifetime_is_refused_at_the_first_call_after_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(
        dir.path(),
        "[sessions]\nidle_timeout = \"1h\"\nabsolute_lifetime = \"4s\"\n",
    )
    .await;
    let token = t.bob("viewer").await;
    let ends = t.whoami(&token).await.unwrap().session_expires_at.millis();
    // Generous for a loaded machine; the lifetime is 4 s.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        let sent_at = now_ms();
        let reply = t.whoami(&token).await;
        if sent_at >= ends {
            refused_as_unknown(reply);
            break;
        }
        // Before its end the session answers, unless the call itself ran past the end.
        if reply.is_err() {
            assert!(now_ms() >= ends, "refused before its end: {reply:?}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the session never ended"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    t.daemon.stop();
}

fn now_ms() -> i64 {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    i64::try_from(since.as_millis()).unwrap()
}

#[tokio::test]
async fn the_session_check_is_not_fooled_by_a_daemon_restart() {
    // What is held in memory is a copy: after a restart the store decides, and a session
    // logged out before the restart stays out.
    let dir = tempfile::tempdir().unwrap();
    let mut t = start(dir.path(), "").await;
    let kept = t.bob("viewer").await;
    let ended = login_as(&t.other, BOB, BOB_PASSWORD).await;
    t.other.logout(ctx(), ended.clone()).await.unwrap().unwrap();
    t.daemon.stop();
    let daemon = Daemon::start(dir.path()).await;
    let other = connect(&daemon.socket).await.unwrap();
    other.whoami(ctx(), kept).await.unwrap().unwrap();
    assert_eq!(
        other.whoami(ctx(), ended).await.unwrap().map(|w| w.user),
        Err(ApiError::Unauthenticated)
    );
}
