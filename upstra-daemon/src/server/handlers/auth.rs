//! Setup, the two login steps, password changes and two-factor enrollment.

use upstra_core::api::v1::{
    self, ApiError, Health, LoginOutcome, LoginReply, LoginRequest, SecondFactor, SessionScope,
    SessionToken, Settings, SetupRequest, TotpEnrollment, TwoFactorRequirement,
};
use upstra_core::api::v1::{ConflictReason, SecondFactorCode};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UserName;
use upstra_core::rbac::BuiltinRole;
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;

use crate::server::service::Connection;
use crate::store::AuditEntry;
use crate::store::UserRow;
use crate::store::audit_detail::{ChallengeOfAnotherUid, LoginsRateLimited};
use crate::{auth, clock, limits, twofactor};

/// How long the challenge of a two-factor login lives.
pub const CHALLENGE_LIFETIME_MS: i64 = 5 * 60 * 1000;

pub async fn health(c: &Connection) -> Health {
    let has_users = c
        .shared
        .store
        .call(|db| db.user_count())
        .await
        .map(|n| n > 0)
        .unwrap_or(false);
    Health {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        api_version: v1::API_VERSION,
        has_users,
        simulated: c.shared.simulated,
    }
}

pub async fn setup(c: &Connection, req: SetupRequest) -> Result<(), ApiError> {
    // "Already done" first: once users exist, nothing else about the request matters.
    if c.shared.store.call(|db| db.user_count()).await? > 0 {
        return Err(setup_refused());
    }
    let name = UserName::new(req.user.clone()).map_err(|e| ApiError::invalid(e.to_string()))?;
    auth::check_policy(name.as_str(), &req.password).map_err(ApiError::invalid)?;
    let hash = hash(req.password).await?;
    let user = name.to_string();
    let now = clock::now().millis();
    let created = c
        .shared
        .store
        .call(move |db| db.create_user(&user, &hash, BuiltinRole::Admin.as_str(), now, true))
        .await?;
    if !created {
        return Err(setup_refused());
    }
    tracing::info!(user = %name, peer_uid = c.peer_uid, "first admin created");
    c.audit(
        AuditEntry::new("setup", "ok")
            .actor(name.as_str())
            .target(name.as_str()),
    )
    .await;
    Ok(())
}

fn setup_refused() -> ApiError {
    ApiError::Conflict {
        reason: ConflictReason::SetupDone,
        message: "setup has already been done: this store has users; log in with `upstra login`"
            .into(),
    }
}

pub(super) async fn hash(password: Secret) -> Result<String, ApiError> {
    auth::hash_password(password).await.map_err(|e| match e {
        auth::PoolError::Busy(busy) => busy_refusal(busy),
        auth::PoolError::Failed(e) => {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::Internal {
                reference: "password-hash".into(),
            }
        }
    })
}

/// The refusal when every password worker is taken and the queue is full.
pub(super) fn busy_refusal(_: auth::Busy) -> ApiError {
    tracing::warn!("password checks saturated: refusing a login until the queue drains");
    ApiError::Busy {
        retry_after_s: auth::pool::BUSY_RETRY_AFTER_S,
    }
}

/// The rate-limit key for failed logins: per user name and calling Unix user.
fn login_key(user: &str, peer_uid: u32) -> String {
    format!("login:{user}:{peer_uid}")
}

/// Takes one attempt's slot before the secret is checked, in one trip to the store thread, so
/// that attempts sent all at once cannot all pass a check made before any of them was counted.
/// Refuses when the caller already used up its attempts.
async fn take_attempt(c: &Connection, user: &str) -> Result<(), ApiError> {
    let (key, limit, now) = (
        login_key(user, c.peer_uid),
        c.shared.settings.get().limits.login,
        clock::now(),
    );
    let verdict = c
        .shared
        .store
        .call(move |db| {
            Ok(match limits::take(db, &key, limit, now)? {
                Ok(()) => Ok(()),
                Err(retry_after_s) => Err((
                    retry_after_s,
                    limits::refusal_to_record(db, &key, limit.window_ms, now)?,
                )),
            })
        })
        .await?;
    if let Err((retry_after_s, to_record)) = verdict {
        // Refusals by the limit are audited once per window, with their count: a flood of
        // them must not become a flood of records.
        if let Some(refusals) = to_record {
            let window_s = limit.window_ms / 1000;
            let detail = LoginsRateLimited { refusals, window_s };
            c.audit(
                AuditEntry::new("login", "rate_limited")
                    .actor(user)
                    .detail(&detail),
            )
            .await;
        }
        return Err(ApiError::RateLimited { retry_after_s });
    }
    Ok(())
}

/// Gives the slot of a successful attempt back: only failures count against the limit.
async fn give_back_attempt(c: &Connection, user: &str) {
    let (key, limit, now) = (
        login_key(user, c.peer_uid),
        c.shared.settings.get().limits.login,
        clock::now(),
    );
    if let Err(e) = c
        .shared
        .store
        .call(move |db| limits::give_back(db, &key, limit, now))
        .await
    {
        tracing::error!(error = %e, "cannot give back the slot of a successful login");
    }
}

/// Records a failed attempt; its slot was taken before the check.
async fn login_failed(c: &Connection, user: &str, action: &str) {
    tracing::info!(%user, peer_uid = c.peer_uid, action, "login refused");
    c.audit(AuditEntry::new(action, "refused").actor(user))
        .await;
    if let Some(burst) = c
        .shared
        .notify
        .logins
        .failed(user, std::time::Instant::now())
    {
        c.shared.events.push(burst);
    }
}

pub async fn login(c: &Connection, req: LoginRequest) -> Result<LoginOutcome, ApiError> {
    take_attempt(c, &req.user).await?;
    let name = req.user.clone();
    let row = c.shared.store.call(move |db| db.user(&name)).await?;
    let now = clock::now().millis();
    let usable = row.as_ref().filter(|r| !r.disabled);
    let (verified, by_reset) = match usable {
        Some(r) if !r.password_hash.is_empty() => (
            auth::verify_password(req.password.clone(), Some(r.password_hash.clone())).await,
            false,
        ),
        Some(r) if r.reset_expires_at.is_some_and(|t| now < t) => (
            auth::verify_password(req.password.clone(), r.reset_hash.clone()).await,
            true,
        ),
        _ => (
            auth::verify_password(req.password.clone(), None).await,
            false,
        ),
    };
    // A password never checked is no failed attempt: a flood that keeps the workers busy must
    // not spend the slots of the name it uses.
    let password_ok = match verified {
        Ok(ok) => ok,
        Err(busy) => {
            give_back_attempt(c, &req.user).await;
            return Err(busy_refusal(busy));
        }
    };
    let Some(user) = usable.filter(|_| password_ok) else {
        login_failed(c, &req.user, "login").await;
        return Err(ApiError::BadCredentials);
    };
    give_back_attempt(c, &req.user).await;
    if user.totp_secret.is_some() && !by_reset {
        let (challenge, hash) = auth::new_token();
        let expires_at = now + CHALLENGE_LIFETIME_MS;
        let (name, uid) = (user.name.clone(), c.peer_uid);
        c.shared
            .store
            .call(move |db| db.create_challenge(&hash, &name, uid, expires_at))
            .await?;
        c.audit(AuditEntry::new("login", "second_factor_required").actor(&user.name))
            .await;
        return Ok(LoginOutcome::SecondFactorRequired {
            challenge,
            expires_at: Timestamp(expires_at),
        });
    }
    if by_reset {
        let name = user.name.clone();
        c.shared
            .store
            .call(move |db| db.consume_reset(&name))
            .await?;
    }
    let scope = scope_for(c, user).await?;
    open_session(c, user, scope)
        .await
        .map(LoginOutcome::Session)
}

pub async fn second_factor(
    c: &Connection,
    challenge: SessionToken,
    factor: SecondFactor,
) -> Result<LoginReply, ApiError> {
    let hash = auth::token_hash(&challenge);
    let now = clock::now();
    let lookup = hash.clone();
    let (user, received_by) = c
        .shared
        .store
        .call(move |db| db.challenge(&lookup, now.millis()))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    // Like a session, a challenge is good only for the Unix user it was handed to: a copy
    // taken by someone else (with the code read over a shoulder) opens nothing.
    if received_by != c.peer_uid {
        tracing::warn!(%user, received_by, caller_uid = c.peer_uid, "login challenge presented by another Unix user");
        c.audit(
            AuditEntry::new("login_second_factor", "denied")
                .actor(&user)
                .detail(&ChallengeOfAnotherUid {
                    reason: "challenge received by another Unix user",
                    received_by_uid: received_by,
                }),
        )
        .await;
        return Err(ApiError::Unauthenticated);
    }
    take_attempt(c, &user).await?;
    let name = user.clone();
    let row = c
        .shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .filter(|r| !r.disabled)
        .ok_or(ApiError::Unauthenticated)?;
    let outcome = match factor {
        SecondFactor::Totp(code) => check_totp(c, &row, code.expose(), now.millis()).await?,
        SecondFactor::RecoveryCode(code) => use_recovery_code(c, &row, code.expose()).await?,
    };
    if let Err(refused) = outcome {
        login_failed(c, &user, "login_second_factor").await;
        return Err(refused);
    }
    give_back_attempt(c, &user).await;
    c.shared
        .store
        .call(move |db| db.delete_challenge(&hash))
        .await?;
    let scope = scope_for(c, &row).await?;
    open_session(c, &row, scope).await
}

/// Checks a TOTP code and burns its time step. `Ok(Err(refusal))` for a refused code: a
/// `SecondFactorRefused`, to send as it is.
async fn check_totp(
    c: &Connection,
    row: &UserRow,
    code: &str,
    now_ms: i64,
) -> Result<Result<(), ApiError>, ApiError> {
    let Some(secret) = row.totp_secret.clone() else {
        return Ok(Err(ApiError::code_refused(
            SecondFactorCode::NotEnabled,
            "two-factor is not on for this user",
        )));
    };
    let now_s = u64::try_from(now_ms / 1000).unwrap_or(0);
    let step = twofactor::check(&secret, code, now_s).map_err(|e| {
        tracing::error!(user = %row.name, error = %e, "cannot check a TOTP code");
        ApiError::Internal {
            reference: "totp".into(),
        }
    })?;
    let Some(step) = step else {
        return Ok(Err(ApiError::code_refused(
            SecondFactorCode::Wrong,
            "wrong or expired code: use the code your authenticator shows now",
        )));
    };
    let name = row.name.clone();
    let fresh = c
        .shared
        .store
        .call(move |db| db.accept_totp_step(&name, step))
        .await?;
    Ok(if fresh {
        Ok(())
    } else {
        Err(ApiError::code_refused(
            SecondFactorCode::Replayed,
            "this code was already used: wait for the next one (codes change every 30 s)",
        ))
    })
}

/// Checks a recovery code and marks it used. Counts against the sensitive-operations limit.
/// `Ok(Err(refusal))` for a refused code, as `check_totp`.
async fn use_recovery_code(
    c: &Connection,
    row: &UserRow,
    typed: &str,
) -> Result<Result<(), ApiError>, ApiError> {
    let (key, limit, now) = (
        format!("sensitive:{}", row.name),
        c.shared.settings.get().limits.sensitive,
        clock::now(),
    );
    let verdict = c
        .shared
        .store
        .call(move |db| limits::take(db, &key, limit, now))
        .await?;
    if let Err(retry_after_s) = verdict {
        return Err(ApiError::RateLimited { retry_after_s });
    }
    let Some(code) = twofactor::normalize_recovery_code(typed) else {
        return Ok(Err(ApiError::code_refused(
            SecondFactorCode::NotRecoveryCode,
            "not a recovery code: they look like ABCD-EFGH",
        )));
    };
    let name = row.name.clone();
    let unused = c
        .shared
        .store
        .call(move |db| db.recovery_codes(&name))
        .await?;
    for (rowid, hash) in unused {
        if auth::verify_password(Secret::new(code.clone()), Some(hash))
            .await
            .map_err(busy_refusal)?
        {
            let now = clock::now().millis();
            let won = c
                .shared
                .store
                .call(move |db| db.use_recovery_code(rowid, now))
                .await?;
            c.audit(
                AuditEntry::new("recovery_code_used", if won { "ok" } else { "refused" })
                    .actor(&row.name),
            )
            .await;
            return Ok(if won {
                Ok(())
            } else {
                Err(ApiError::code_refused(
                    SecondFactorCode::RecoveryUsed,
                    "this recovery code was already used",
                ))
            });
        }
    }
    Ok(Err(ApiError::code_refused(
        SecondFactorCode::RecoveryWrong,
        "wrong or already used recovery code",
    )))
}

/// What a fresh session of `row` may do.
async fn scope_for(c: &Connection, row: &UserRow) -> Result<SessionScope, ApiError> {
    if row.must_change_password {
        return Ok(SessionScope::ChangePassword);
    }
    if row.totp_secret.is_none() && must_use_two_factor(c, &row.name).await? {
        return Ok(SessionScope::EnrollTwoFactor);
    }
    Ok(SessionScope::Full)
}

/// Whether policy requires two-factor for `user`.
pub(super) async fn must_use_two_factor(c: &Connection, user: &str) -> Result<bool, ApiError> {
    let name = user.to_owned();
    let (settings, roles) = c
        .shared
        .store
        .call(move |db| Ok((db.setting("settings")?, db.grants(Some(&name))?)))
        .await?;
    let settings: Settings = settings
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    Ok(match settings.require_two_factor {
        TwoFactorRequirement::Nobody => false,
        TwoFactorRequirement::Everyone => true,
        TwoFactorRequirement::Roles(required) => roles.iter().any(|g| required.contains(&g.role)),
    })
}

async fn open_session(
    c: &Connection,
    row: &UserRow,
    scope: SessionScope,
) -> Result<LoginReply, ApiError> {
    let (token, hash) = auth::new_token();
    let public_id = hash[..12].to_owned();
    let now = clock::now().millis();
    let lifetime = i64::try_from(
        c.shared
            .settings
            .get()
            .sessions
            .absolute_lifetime
            .as_millis(),
    )
    .unwrap_or(i64::MAX);
    let expires_at = now.saturating_add(lifetime);
    let (user, uid) = (row.name.clone(), c.peer_uid);
    let grants = c
        .shared
        .store
        .call(move |db| {
            db.create_session(&hash, &public_id, &user, uid, scope, now, expires_at)?;
            db.grants(Some(&user))
        })
        .await?;
    c.audit(
        AuditEntry::new("login", "ok")
            .actor(&row.name)
            .target(scope.as_str()),
    )
    .await;
    if let Ok(user) = UserName::new(row.name.clone()) {
        c.shared.events.push(DomainEvent::UserLoggedIn { user });
    }
    let role = grants
        .iter()
        .find(|g| g.resource == "all")
        .map_or_else(|| "custom".to_owned(), |g| g.role.clone());
    Ok(LoginReply {
        token,
        user: row.name.clone(),
        role,
        scope,
        expires_at: Timestamp(expires_at),
    })
}

pub async fn change_password(c: &Connection, current: Secret, new: Secret) -> Result<(), ApiError> {
    let who = c.who()?;
    let name = who.user.clone();
    let row = c
        .shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    // A session opened with a reset secret proved the user just now; any other needs the
    // current password, guessed no faster than at login (a stolen session must not turn into
    // an unlimited password oracle).
    if who.scope != SessionScope::ChangePassword {
        take_attempt(c, &who.user).await?;
        let verified = auth::verify_password(current, Some(row.password_hash.clone())).await;
        let password_ok = match verified {
            Ok(ok) => ok,
            Err(busy) => {
                give_back_attempt(c, &who.user).await;
                return Err(busy_refusal(busy));
            }
        };
        if !password_ok {
            c.audit(AuditEntry::new("change_password", "refused").actor(&who.user))
                .await;
            return Err(ApiError::BadCredentials);
        }
        give_back_attempt(c, &who.user).await;
    }
    auth::check_policy(&who.user, &new).map_err(ApiError::invalid)?;
    let hash = hash(new).await?;
    let name = who.user.clone();
    c.shared
        .store
        .call(move |db| {
            db.set_password(&name, &hash)?;
            db.delete_sessions_of(&name)
        })
        .await?;
    c.audit(AuditEntry::new("change_password", "ok").actor(&who.user))
        .await;
    Ok(())
}

pub async fn totp_enroll(c: &Connection) -> Result<TotpEnrollment, ApiError> {
    let who = c.who()?;
    if who.two_factor {
        return Err(ApiError::Conflict {
            reason: ConflictReason::TwoFactorOn,
            message: "two-factor is already on; turn it off first with `upstra 2fa disable`".into(),
        });
    }
    let secret = twofactor::new_secret();
    let uri = twofactor::enrollment_uri(&secret, &who.user).map_err(|e| {
        tracing::error!(error = %e, "cannot build an enrollment URI");
        ApiError::Internal {
            reference: "totp-uri".into(),
        }
    })?;
    let (name, pending) = (who.user.clone(), secret.clone());
    c.shared
        .store
        .call(move |db| db.set_totp_pending(&name, Some(&pending)))
        .await?;
    c.audit(AuditEntry::new("2fa_enroll", "ok").actor(&who.user))
        .await;
    Ok(TotpEnrollment {
        uri: Secret::new(uri),
        secret: Secret::new(secret),
    })
}

pub async fn totp_confirm(c: &Connection, code: String) -> Result<Vec<String>, ApiError> {
    let who = c.who()?;
    let name = who.user.clone();
    let row = c
        .shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let Some(pending) = row.totp_pending.clone() else {
        return Err(ApiError::Conflict {
            reason: ConflictReason::NothingToConfirm,
            message: "nothing to confirm: run `upstra 2fa enroll` first".into(),
        });
    };
    let now_s = u64::try_from(clock::now().millis() / 1000).unwrap_or(0);
    let step = twofactor::check(&pending, &code, now_s)
        .map_err(|_| ApiError::Internal {
            reference: "totp".into(),
        })?
        .ok_or_else(|| {
            ApiError::code_refused(
                SecondFactorCode::Wrong,
                "wrong code: type the code your authenticator shows now",
            )
        })?;
    let codes = twofactor::new_recovery_codes();
    let mut hashes = Vec::with_capacity(codes.len());
    for code in &codes {
        hashes.push(hash(Secret::new(code.clone())).await?);
    }
    let name = who.user.clone();
    let limited = who.scope == SessionScope::EnrollTwoFactor;
    let session = who.session_id.clone();
    c.shared
        .store
        .call(move |db| {
            db.confirm_totp(&name, step, &hashes)?;
            // An enrollment-only session has done its job: the next login gets a full one.
            if limited {
                db.delete_session_by_id(&name, &session)?;
            }
            Ok(())
        })
        .await?;
    c.audit(AuditEntry::new("2fa_confirm", "ok").actor(&who.user))
        .await;
    Ok(codes)
}

pub async fn totp_disable(c: &Connection, code: String) -> Result<(), ApiError> {
    let who = c.who()?;
    if must_use_two_factor(c, &who.user).await? {
        return Err(ApiError::Conflict {
            reason: ConflictReason::TwoFactorRequired,
            message: "policy requires two-factor for your account; an admin can change that".into(),
        });
    }
    let name = who.user.clone();
    let row = c
        .shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    if let Err(refused) = check_totp(c, &row, &code, clock::now().millis()).await? {
        c.audit(AuditEntry::new("2fa_disable", "refused").actor(&who.user))
            .await;
        return Err(refused);
    }
    let name = who.user.clone();
    c.shared
        .store
        .call(move |db| db.disable_totp(&name))
        .await?;
    c.audit(AuditEntry::new("2fa_disable", "ok").actor(&who.user))
        .await;
    Ok(())
}
