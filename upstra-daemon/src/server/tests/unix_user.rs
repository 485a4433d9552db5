//! A session, or a login challenge, is good only for the Unix user that received it: the same
//! token from a connection of another uid is an unknown token there, and the attempt is
//! audited.

use tarpc::server::Serve;
use upstra_core::api::v1::*;
use upstra_core::secret::Secret;

use super::super::{Connection, Guarded};
use super::{Harness, PASSWORD, error_of};
use crate::{clock, twofactor};

/// The uid `Harness::call` and `Harness::session` use.
const OPENER: u32 = 1000;
const OTHER: u32 = 1001;

async fn call_as(h: &Harness, uid: u32, req: UpstraRequest) -> UpstraResponse {
    Guarded(Connection::new(h.shared.clone(), uid, u64::from(uid)))
        .serve(tarpc::context::current(), req)
        .await
        .expect("served")
}

async fn denials(h: &Harness, action: &'static str) -> Vec<upstra_core::audit::AuditRecord> {
    let filter = crate::store::AuditFilter {
        since: None,
        actor: None,
        action: Some(action.into()),
        before: None,
        limit: 100,
    };
    h.shared
        .store
        .call(move |db| db.audit_records(&filter))
        .await
        .expect("audit")
        .into_iter()
        .filter(|r| r.result == "denied" && r.peer_uid == Some(OTHER))
        .collect()
}

#[tokio::test]
async fn a_session_is_refused_from_another_uid_and_still_works_for_its_own() {
    let h = Harness::new().await;
    h.user("alice", "admin", "all").await;
    let token = h.session("alice", SessionScope::Full).await;
    let whoami = || UpstraRequest::Whoami {
        token: token.clone(),
    };
    let refused = call_as(&h, OTHER, whoami()).await;
    assert!(
        matches!(error_of(&refused), Some(ApiError::Unauthenticated)),
        "{refused:?}"
    );
    let denied = denials(&h, "whoami").await;
    assert_eq!(denied.len(), 1, "{denied:?}");
    assert_eq!(denied[0].actor.as_deref(), Some("alice"));

    let UpstraResponse::Whoami(Ok(me)) = call_as(&h, OPENER, whoami()).await else {
        panic!("the opener's session must still work");
    };
    assert_eq!(me.peer_uid, OPENER);
}

#[tokio::test]
async fn a_login_challenge_is_refused_from_another_uid() {
    let h = Harness::new().await;
    h.user("bob", "admin", "all").await;
    let secret = twofactor::new_secret();
    let s = secret.clone();
    h.shared
        .store
        .call(move |db| {
            db.set_totp_pending("bob", Some(&s))?;
            db.confirm_totp("bob", 0, &[])
        })
        .await
        .expect("2fa on");
    let Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) = h.login("bob", PASSWORD).await
    else {
        panic!("a challenge was expected");
    };
    let now_s = u64::try_from(clock::now().millis() / 1000).expect("after 1970");
    let code = twofactor::code_at(&secret, now_s).expect("code");
    let second = |code: String| UpstraRequest::LoginSecondFactor {
        challenge: challenge.clone(),
        factor: SecondFactor::Totp(Secret::new(code)),
    };
    let refused = call_as(&h, OTHER, second(code.clone())).await;
    assert!(
        matches!(error_of(&refused), Some(ApiError::Unauthenticated)),
        "{refused:?}"
    );
    assert_eq!(denials(&h, "login_second_factor").await.len(), 1);
    // Refused before the code was looked at: the code is still good for the right user.
    let accepted = call_as(&h, OPENER, second(code)).await;
    assert!(
        matches!(accepted, UpstraResponse::LoginSecondFactor(Ok(_))),
        "{accepted:?}"
    );
}
