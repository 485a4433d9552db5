//! Every method × built-in role × resource, checked against the access table; and what answers
//! without a session, with a challenge, or with a limited session.

use upstra_core::access::{self, Grant, Resource};
use upstra_core::api::v1::*;
use upstra_core::rbac::{BuiltinRole, Decision, Permissions};

use super::{Harness, error_of, sample};

/// What the table says: would this call be refused for lack of permission?
fn table_forbids(
    method: Method,
    grants: &[Grant],
    targets: &[Resource],
    topology: &access::Topology,
) -> bool {
    match method.access() {
        Access::Public | Access::Challenge => false,
        Access::Session { needs, on, .. } => match on {
            Target::Own | Target::EachItem => false,
            Target::Everything => {
                access::authorize(grants, needs, &Resource::All, topology) != Decision::Allow
            }
            Target::Named => targets
                .iter()
                .any(|t| access::authorize(grants, needs, t, topology) != Decision::Allow),
        },
    }
}

#[tokio::test]
async fn every_method_role_and_resource_is_decided_as_the_table_says() {
    let h = Harness::new().await;
    let topology = h.shared.inventory();
    let vm = |id: &str| Resource::Vm(upstra_core::ids::VmId::new(id).expect("id"));
    let server = |id: &str| Resource::Server(upstra_core::ids::ServerId::new(id).expect("id"));
    let targets = [("esx-a", "vm-1"), ("esx-b", "vm-2")];
    let mut checked = 0;
    for role in BuiltinRole::ALL {
        for scope in ["all", "room:lab-a"] {
            let user = format!("{}-{}", role.as_str(), scope.replace(':', "-"));
            h.user(&user, role.as_str(), scope).await;
            let grants = [Grant {
                permissions: role.permissions(),
                resource: Resource::parse(scope).expect("resource"),
            }];
            let topo = upstra_core::access::Topology::new(
                &topology,
                [
                    (
                        upstra_core::ids::VmId::new("vm-1").expect("id"),
                        upstra_core::ids::ServerId::new("esx-a").expect("id"),
                    ),
                    (
                        upstra_core::ids::VmId::new("vm-2").expect("id"),
                        upstra_core::ids::ServerId::new("esx-b").expect("id"),
                    ),
                ],
            );
            for method in Method::ALL {
                for (srv, v) in targets {
                    let named = match method {
                        Method::ServerPower | Method::SshOpen => vec![server(srv)],
                        Method::VmPower => vec![vm(v)],
                        Method::VmMigrate => vec![vm(v), server(srv)],
                        _ => vec![],
                    };
                    let token = h.session(&user, SessionScope::Full).await;
                    let reply = h.call(sample(method, &token, srv, v)).await;
                    let refused = matches!(error_of(&reply), Some(ApiError::Forbidden { .. }));
                    let expected = table_forbids(method, &grants, &named, &topo);
                    assert_eq!(
                        refused,
                        expected,
                        "{} as {user} on {srv}/{v}: got {:?}",
                        method.name(),
                        error_of(&reply)
                    );
                    // The second step takes a challenge, not a session: a session is refused there.
                    let takes_session = method.access() != Access::Challenge;
                    assert!(
                        !takes_session
                            || !matches!(
                                error_of(&reply),
                                Some(ApiError::Unauthenticated | ApiError::SessionLimited { .. })
                            ),
                        "{} as {user}: a full session must get past authentication: {:?}",
                        method.name(),
                        error_of(&reply)
                    );
                    checked += 1;
                }
            }
        }
    }
    assert_eq!(checked, BuiltinRole::ALL.len() * 2 * Method::ALL.len() * 2);
}

#[tokio::test]
async fn only_health_setup_and_login_answer_without_a_session() {
    let h = Harness::new().await;
    let bogus = SessionToken::new("00".repeat(32));
    for method in Method::ALL {
        let reply = h.call(sample(method, &bogus, "esx-a", "vm-1")).await;
        let unauthenticated = matches!(error_of(&reply), Some(ApiError::Unauthenticated));
        let public = matches!(method, Method::Health | Method::Setup | Method::Login);
        assert_eq!(
            unauthenticated,
            !public,
            "{}: {:?}",
            method.name(),
            error_of(&reply)
        );
    }
}

#[tokio::test]
async fn a_challenge_token_reaches_nothing_but_the_second_step() {
    let h = Harness::new().await;
    h.user("alice", "admin", "all").await;
    let token = h.session("alice", SessionScope::Full).await;
    // Turn two-factor on for alice straight in the store, then log in with the password.
    let secret = crate::twofactor::new_secret();
    let s = secret.clone();
    h.shared
        .store
        .call(move |db| {
            db.set_totp_pending("alice", Some(&s))?;
            db.confirm_totp("alice", 0, &[])
        })
        .await
        .expect("2fa on");
    let _ = token;
    let Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) =
        h.login("alice", super::PASSWORD).await
    else {
        panic!("a challenge was expected");
    };
    for method in Method::ALL
        .into_iter()
        .filter(|m| !matches!(m, Method::Health | Method::Setup | Method::Login))
    {
        let reply = h.call(sample(method, &challenge, "esx-a", "vm-1")).await;
        let err = error_of(&reply);
        if method == Method::LoginSecondFactor {
            assert!(
                matches!(err, Some(ApiError::SecondFactorRefused { .. })),
                "the second step takes it: {err:?}"
            );
        } else {
            assert!(
                matches!(err, Some(ApiError::Unauthenticated)),
                "{} with a challenge: {err:?}",
                method.name()
            );
        }
    }
}

#[tokio::test]
async fn limited_sessions_reach_only_their_few_methods() {
    let h = Harness::new().await;
    h.user("bob", "admin", "all").await;
    for (scope, allowed) in [
        (
            SessionScope::EnrollTwoFactor,
            &[
                Method::Logout,
                Method::WhoAmI,
                Method::TotpEnroll,
                Method::TotpConfirm,
            ][..],
        ),
        (
            SessionScope::ChangePassword,
            &[Method::Logout, Method::WhoAmI, Method::ChangePassword][..],
        ),
        // A scope word this daemon does not know (stored as `unknown`) opens no more than
        // the most limited one.
        (
            SessionScope::Unknown,
            &[Method::Logout, Method::WhoAmI, Method::ChangePassword][..],
        ),
    ] {
        for method in Method::ALL {
            if matches!(method.access(), Access::Public | Access::Challenge) {
                continue;
            }
            let token = h.session("bob", scope).await;
            let reply = h.call(sample(method, &token, "esx-a", "vm-1")).await;
            let limited = matches!(error_of(&reply), Some(ApiError::SessionLimited { .. }));
            assert_eq!(
                limited,
                !allowed.contains(&method),
                "{} in a {scope:?} session: {:?}",
                method.name(),
                error_of(&reply)
            );
        }
    }
}

/// Resolve, then authorize, holds for a method only if every argument naming a declared object
/// is resolved: the request's names (an exhaustive match over every field) must be what its
/// access row declares, and the samples name everything they can.
#[test]
fn every_target_a_request_names_is_declared_in_its_access_row() {
    let token = SessionToken::new("00".repeat(32));
    for method in Method::ALL {
        let req = sample(method, &token, "esx-a", "vm-1");
        let named: Vec<TargetKind> = req.target_names().iter().map(|n| n.kind).collect();
        assert_eq!(
            named,
            method.target_kinds(),
            "{}: the names its request carries and those its access row declares differ",
            method.name()
        );
    }
}

#[test]
fn the_operator_role_has_no_audit_or_admin() {
    let p = BuiltinRole::Operator.permissions();
    assert!(!p.contains(Permissions::AUDIT) && !p.contains(Permissions::ADMIN));
}
