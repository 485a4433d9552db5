//! Identity flows end to end through the guard: two-factor login, replay, recovery codes,
//! rate limits that survive a restart, grants by room, the last admin, resets, the audit chain.

use upstra_core::api::v1::*;
use upstra_core::secret::Secret;

use super::{Harness, PASSWORD, error_of};
use crate::{clock, twofactor};

fn now_s() -> u64 {
    u64::try_from(clock::now().millis() / 1000).expect("after 1970")
}

/// Enrolls `user` through the API and returns the secret and the recovery codes.
async fn enroll(h: &Harness, token: &SessionToken) -> (String, Vec<String>) {
    let UpstraResponse::TotpEnroll(Ok(e)) = h
        .call(UpstraRequest::TotpEnroll {
            token: token.clone(),
        })
        .await
    else {
        panic!("enroll failed")
    };
    let secret = e.secret.expose().to_owned();
    assert!(e.uri.expose().starts_with("otpauth://totp/Upstra:"));
    // Confirm with the code of the previous step, so the login below can use the current one.
    let code = twofactor::code_at(&secret, now_s() - 30).expect("code");
    let UpstraResponse::TotpConfirm(Ok(codes)) = h
        .call(UpstraRequest::TotpConfirm {
            token: token.clone(),
            code,
        })
        .await
    else {
        panic!("confirm failed")
    };
    (secret, codes)
}

async fn second(
    h: &Harness,
    challenge: &SessionToken,
    factor: SecondFactor,
) -> Result<LoginReply, ApiError> {
    match h
        .call(UpstraRequest::LoginSecondFactor {
            challenge: challenge.clone(),
            factor,
        })
        .await
    {
        UpstraResponse::LoginSecondFactor(r) => r,
        other => panic!("{other:?}"),
    }
}

async fn challenge(h: &Harness, user: &str) -> SessionToken {
    match h.login(user, PASSWORD).await {
        Ok(LoginOutcome::SecondFactorRequired { challenge, .. }) => challenge,
        other => panic!("expected a challenge, got {other:?}"),
    }
}

async fn audit_results(h: &Harness, action: &str) -> Vec<String> {
    let records = h
        .shared
        .store
        .call(|db| {
            db.audit_records(&crate::store::AuditFilter {
                limit: 1000,
                ..Default::default()
            })
        })
        .await
        .expect("audit");
    records
        .into_iter()
        .filter(|r| r.action == action)
        .map(|r| r.result)
        .collect()
}

#[tokio::test]
async fn two_factor_login_refuses_replays_old_codes_and_used_recovery_codes() {
    let h = Harness::new().await;
    h.user("alice", "admin", "all").await;
    let token = h.session("alice", SessionScope::Full).await;
    let (secret, codes) = enroll(&h, &token).await;
    assert_eq!(codes.len(), 10);

    let c = challenge(&h, "alice").await;
    let code = twofactor::code_at(&secret, now_s()).expect("code");
    let ok = second(&h, &c, SecondFactor::Totp(Secret::new(code.clone())))
        .await
        .expect("totp login");
    assert_eq!(ok.scope, SessionScope::Full);

    let c = challenge(&h, "alice").await;
    let replay = second(&h, &c, SecondFactor::Totp(Secret::new(code))).await;
    assert!(
        matches!(&replay, Err(ApiError::SecondFactorRefused { reason, code: SecondFactorCode::Replayed }) if reason.contains("already used")),
        "{replay:?}"
    );

    let old = twofactor::code_at(&secret, now_s() - 90).expect("code");
    let stale = second(&h, &c, SecondFactor::Totp(Secret::new(old))).await;
    assert!(
        matches!(&stale, Err(ApiError::SecondFactorRefused { reason, code: SecondFactorCode::Wrong }) if reason.contains("wrong or expired")),
        "{stale:?}"
    );

    let recovery = codes[0].to_lowercase();
    second(
        &h,
        &c,
        SecondFactor::RecoveryCode(Secret::new(recovery.clone())),
    )
    .await
    .expect("recovery code login");
    let c = challenge(&h, "alice").await;
    let again = second(&h, &c, SecondFactor::RecoveryCode(Secret::new(recovery))).await;
    assert!(
        matches!(&again, Err(ApiError::SecondFactorRefused { .. })),
        "{again:?}"
    );

    assert!(
        audit_results(&h, "login_second_factor")
            .await
            .iter()
            .filter(|r| *r == "refused")
            .count()
            >= 3
    );
    assert_eq!(audit_results(&h, "recovery_code_used").await, ["ok"]);
}

#[tokio::test]
async fn the_sixth_failed_login_is_refused_and_the_limit_survives_a_restart() {
    let h = Harness::new().await;
    h.user("carol", "viewer", "all").await;
    for _ in 0..5 {
        assert!(matches!(
            h.login("carol", "wrong password!").await,
            Err(ApiError::BadCredentials)
        ));
    }
    let sixth = h.login("carol", PASSWORD).await;
    assert!(
        matches!(sixth, Err(ApiError::RateLimited { retry_after_s }) if retry_after_s > 0),
        "even the right password waits"
    );
    assert_eq!(
        audit_results(&h, "login")
            .await
            .iter()
            .filter(|r| *r == "rate_limited")
            .count(),
        1
    );

    let Harness { shared, dir, .. } = h;
    shared.store.close().await;
    drop(shared);
    let h = Harness::open(dir).await;
    assert!(
        matches!(
            h.login("carol", PASSWORD).await,
            Err(ApiError::RateLimited { .. })
        ),
        "limit kept across a restart"
    );
}

#[tokio::test]
async fn a_viewer_cannot_act_and_an_operator_on_a_room_acts_there_only() {
    let h = Harness::new().await;
    h.user("vic", "viewer", "all").await;
    h.user("otto", "operator", "room:lab-a").await;
    let vic = h.session("vic", SessionScope::Full).await;
    for req in [
        UpstraRequest::ServerPower {
            token: vic.clone(),
            server: "esx-a".into(),
            action: ServerPowerAction::Off,
        },
        UpstraRequest::VmMigrate {
            token: vic.clone(),
            vm: "vm-1".into(),
            to: "esx-b".into(),
        },
        UpstraRequest::UserAdd {
            token: vic.clone(),
            req: UserAddRequest {
                name: "x".into(),
                role: "viewer".into(),
                password: Secret::new(PASSWORD),
            },
        },
        UpstraRequest::AuditList {
            token: vic.clone(),
            query: AuditQuery::default(),
        },
    ] {
        let reply = h.call(req).await;
        assert!(
            matches!(error_of(&reply), Some(ApiError::Forbidden { .. })),
            "{reply:?}"
        );
    }
    let otto = h.session("otto", SessionScope::Full).await;
    let here = h
        .call(UpstraRequest::ServerPower {
            token: otto.clone(),
            server: "esx-a".into(),
            action: ServerPowerAction::On,
        })
        .await;
    assert!(
        !matches!(error_of(&here), Some(ApiError::Forbidden { .. })),
        "{here:?}"
    );
    let there = h
        .call(UpstraRequest::ServerPower {
            token: otto.clone(),
            server: "esx-b".into(),
            action: ServerPowerAction::On,
        })
        .await;
    assert!(
        matches!(error_of(&there), Some(ApiError::Forbidden { .. })),
        "{there:?}"
    );
    let vm_here = h
        .call(UpstraRequest::VmPower {
            token: otto.clone(),
            vm: "vm-1-name".into(),
            action: VmPowerRequest::On,
        })
        .await;
    assert!(
        !matches!(error_of(&vm_here), Some(ApiError::Forbidden { .. })),
        "{vm_here:?}"
    );
    let UpstraResponse::ListServers(Ok(servers)) = h
        .call(UpstraRequest::ListServers {
            token: otto.clone(),
        })
        .await
    else {
        panic!()
    };
    assert_eq!(
        servers.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["esx-a"],
        "lists show what one may read"
    );
    let UpstraResponse::ListVms(Ok(vms)) = h.call(UpstraRequest::ListVms { token: otto }).await
    else {
        panic!()
    };
    assert_eq!(
        vms.iter().map(|v| v.id.as_str()).collect::<Vec<_>>(),
        ["vm-1"]
    );
    assert!(
        audit_results(&h, "server_power")
            .await
            .contains(&"denied".to_owned())
    );
}

#[tokio::test]
async fn the_last_admin_stays_and_disabling_a_user_ends_their_sessions() {
    let h = Harness::new().await;
    h.user("root", "admin", "all").await;
    h.user("ann", "operator", "all").await;
    let root = h.session("root", SessionScope::Full).await;
    for req in [
        UpstraRequest::UserRemove {
            token: root.clone(),
            user: "root".into(),
        },
        UpstraRequest::UserSetDisabled {
            token: root.clone(),
            user: "root".into(),
            disabled: true,
        },
        UpstraRequest::UserSetRole {
            token: root.clone(),
            user: "root".into(),
            role: "viewer".into(),
        },
        UpstraRequest::GrantRemove {
            token: root.clone(),
            grant: GrantView {
                user: "root".into(),
                role: "admin".into(),
                resource: "all".into(),
            },
        },
    ] {
        let reply = h.call(req).await;
        assert!(
            matches!(error_of(&reply), Some(ApiError::Conflict { message, reason: ConflictReason::LastAdmin }) if message.contains("last admin")),
            "{reply:?}"
        );
    }
    let ann = h.session("ann", SessionScope::Full).await;
    let UpstraResponse::UserSetDisabled(Ok(())) = h
        .call(UpstraRequest::UserSetDisabled {
            token: root.clone(),
            user: "ann".into(),
            disabled: true,
        })
        .await
    else {
        panic!("disable failed")
    };
    let after = h.call(UpstraRequest::Whoami { token: ann }).await;
    assert!(matches!(error_of(&after), Some(ApiError::Unauthenticated)));
}

#[tokio::test]
async fn an_admin_reset_gives_one_password_change_then_a_normal_login() {
    let h = Harness::new().await;
    h.user("root", "admin", "all").await;
    h.user("dan", "viewer", "all").await;
    let root = h.session("root", SessionScope::Full).await;
    let UpstraResponse::UserResetPassword(Ok(reset)) = h
        .call(UpstraRequest::UserResetPassword {
            token: root,
            user: "dan".into(),
        })
        .await
    else {
        panic!("reset failed")
    };
    assert!(
        matches!(
            h.login("dan", PASSWORD).await,
            Err(ApiError::BadCredentials)
        ),
        "the old password stops working"
    );
    let Ok(LoginOutcome::Session(limited)) = h.login("dan", reset.secret.expose()).await else {
        panic!("reset login")
    };
    assert_eq!(limited.scope, SessionScope::ChangePassword);
    assert!(
        matches!(
            h.login("dan", reset.secret.expose()).await,
            Err(ApiError::BadCredentials)
        ),
        "single use"
    );
    let new = "a brand new passphrase";
    let UpstraResponse::ChangePassword(Ok(())) = h
        .call(UpstraRequest::ChangePassword {
            token: limited.token,
            current: Secret::new(""),
            new: Secret::new(new),
        })
        .await
    else {
        panic!("change failed")
    };
    let Ok(LoginOutcome::Session(full)) = h.login("dan", new).await else {
        panic!("normal login")
    };
    assert_eq!(full.scope, SessionScope::Full);
}

#[tokio::test]
async fn policy_can_require_two_factor_and_disabling_it_needs_a_code() {
    let h = Harness::new().await;
    h.user("root", "admin", "all").await;
    h.user("eve", "operator", "all").await;
    let root = h.session("root", SessionScope::Full).await;
    let settings = Settings {
        require_two_factor: TwoFactorRequirement::Roles(vec!["operator".into()]),
    };
    let UpstraResponse::SettingsSet(Ok(())) = h
        .call(UpstraRequest::SettingsSet {
            token: root,
            settings,
        })
        .await
    else {
        panic!()
    };
    let Ok(LoginOutcome::Session(limited)) = h.login("eve", PASSWORD).await else {
        panic!("login")
    };
    assert_eq!(limited.scope, SessionScope::EnrollTwoFactor);
    let (secret, _) = enroll(&h, &limited.token).await;
    let c = challenge(&h, "eve").await;
    let code = twofactor::code_at(&secret, now_s()).expect("code");
    let full = second(&h, &c, SecondFactor::Totp(Secret::new(code)))
        .await
        .expect("login");
    assert_eq!(full.scope, SessionScope::Full);
    let refused = h
        .call(UpstraRequest::TotpDisable {
            token: full.token,
            code: "000000".into(),
        })
        .await;
    assert!(
        matches!(error_of(&refused), Some(ApiError::Conflict { message, reason: ConflictReason::TwoFactorRequired }) if message.contains("policy")),
        "{refused:?}"
    );
}

#[tokio::test]
async fn turning_two_factor_off_needs_a_current_code() {
    let h = Harness::new().await;
    h.user("fay", "operator", "all").await;
    let token = h.session("fay", SessionScope::Full).await;
    let (secret, _) = enroll(&h, &token).await;
    let wrong = h
        .call(UpstraRequest::TotpDisable {
            token: token.clone(),
            code: "000000".into(),
        })
        .await;
    assert!(
        matches!(error_of(&wrong), Some(ApiError::SecondFactorRefused { .. })),
        "{wrong:?}"
    );
    let code = twofactor::code_at(&secret, now_s()).expect("code");
    let ok = h.call(UpstraRequest::TotpDisable { token, code }).await;
    assert!(error_of(&ok).is_none(), "{ok:?}");
    assert!(matches!(
        h.login("fay", PASSWORD).await,
        Ok(LoginOutcome::Session(_))
    ));
}

#[tokio::test]
async fn audit_verify_reports_an_edited_record() {
    let h = Harness::new().await;
    h.user("root", "admin", "all").await;
    let root = h.session("root", SessionScope::Full).await;
    let UpstraResponse::AuditVerify(Ok(v)) = h
        .call(UpstraRequest::AuditVerify {
            token: root.clone(),
        })
        .await
    else {
        panic!()
    };
    assert!(v.intact, "{v:?}");
    h.shared
        .store
        .call(|db| {
            db.raw_for_tests()
                .execute("UPDATE audit SET actor = 'someone-else' WHERE seq = 1", [])?;
            Ok(())
        })
        .await
        .expect("tampered");
    let UpstraResponse::AuditVerify(Ok(v)) =
        h.call(UpstraRequest::AuditVerify { token: root }).await
    else {
        panic!()
    };
    assert!(!v.intact);
    assert!(
        v.problem.as_deref().is_some_and(|p| p.contains("record 1")),
        "{v:?}"
    );
}

#[tokio::test]
async fn following_the_event_stream_never_spends_the_global_rate_limit() {
    let h = Harness::new().await;
    h.user("ops", "operator", "all").await;
    let token = h.session("ops", SessionScope::Full).await;
    // Far more polls than the limit allows calls: a console in an outage answers one a second.
    for _ in 0..1_100 {
        let r = h
            .call(UpstraRequest::EventsSince {
                token: token.clone(),
                cursor: 0,
                max_wait_ms: 0,
            })
            .await;
        assert_eq!(error_of(&r), None);
    }
    // Other calls still have their whole allowance, and no more than what refilled while
    // they ran (1000 per 15 min: about one a second, which a loaded machine can take).
    let started = std::time::Instant::now();
    for i in 0..1_000 {
        let r = h
            .call(UpstraRequest::Whoami {
                token: token.clone(),
            })
            .await;
        assert_eq!(error_of(&r), None, "call {i}");
    }
    let refilled = (started.elapsed().as_secs_f64() * 1_000.0 / 900.0).ceil() as usize;
    let mut extra = 0;
    loop {
        let r = h
            .call(UpstraRequest::Whoami {
                token: token.clone(),
            })
            .await;
        if matches!(error_of(&r), Some(ApiError::RateLimited { .. })) {
            break;
        }
        assert_eq!(error_of(&r), None, "{r:?}");
        extra += 1;
        assert!(
            extra <= refilled + 1,
            "{extra} calls past the allowance, {refilled} refilled"
        );
    }
}
