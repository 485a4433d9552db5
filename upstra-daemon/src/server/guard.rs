//! The access check at the connection edge. Every request passes through [`Guarded::serve`]
//! before any handler runs: the request's method is looked up in the access table
//! (`Method::access`), its session checked (scope, expiry), its rate limits counted and its
//! permissions authorized. Only then is a per-request [`Connection`] carrying the resolved
//! [`Principal`] handed the request. A refusal is answered in the method's own reply type.
//!
//! The two exhaustive matches below (request to method, method to refusal) mean a new RPC
//! method does not compile until it has a row here and in the access table.

use std::sync::Arc;

use tarpc::context::Context;
use tarpc::server::Serve;
use upstra_core::access::{self, Resource};
use upstra_core::api::v1::{
    Access, ApiError, Method, RateTier, SessionScope, SessionToken, Target, TargetKind, Upstra,
    UpstraRequest, UpstraResponse,
};
use upstra_core::rbac::{Decision, Permissions};

use super::resolve::{self, Resolved};
use super::service::{Connection, Principal};
use crate::clock;
use crate::limits;
use crate::store::AuditEntry;
use crate::store::audit_detail::NotDeclared;

/// The method a request calls, and the credential it carries.
pub fn method_of(req: &UpstraRequest) -> (Method, Option<&SessionToken>) {
    use UpstraRequest as R;
    match req {
        R::Health {} => (Method::Health, None),
        R::Setup { .. } => (Method::Setup, None),
        R::Login { .. } => (Method::Login, None),
        R::LoginSecondFactor { challenge, .. } => (Method::LoginSecondFactor, Some(challenge)),
        R::Logout { token } => (Method::Logout, Some(token)),
        R::Whoami { token } => (Method::WhoAmI, Some(token)),
        R::ChangePassword { token, .. } => (Method::ChangePassword, Some(token)),
        R::Apply { token, .. } => (Method::Apply, Some(token)),
        R::ListRooms { token } => (Method::ListRooms, Some(token)),
        R::ListUps { token } => (Method::ListUps, Some(token)),
        R::UpsHistory { token } => (Method::UpsHistory, Some(token)),
        R::ListServers { token } => (Method::ListServers, Some(token)),
        R::ListVms { token } => (Method::ListVms, Some(token)),
        R::EventsSince { token, .. } => (Method::EventsSince, Some(token)),
        R::UserAdd { token, .. } => (Method::UserAdd, Some(token)),
        R::UserList { token } => (Method::UserList, Some(token)),
        R::UserSetDisabled { token, .. } => (Method::UserSetDisabled, Some(token)),
        R::UserRemove { token, .. } => (Method::UserRemove, Some(token)),
        R::UserSetRole { token, .. } => (Method::UserSetRole, Some(token)),
        R::UserResetPassword { token, .. } => (Method::UserResetPassword, Some(token)),
        R::RoleList { token } => (Method::RoleList, Some(token)),
        R::RoleCreate { token, .. } => (Method::RoleCreate, Some(token)),
        R::RoleRemove { token, .. } => (Method::RoleRemove, Some(token)),
        R::GrantList { token } => (Method::GrantList, Some(token)),
        R::GrantAdd { token, .. } => (Method::GrantAdd, Some(token)),
        R::GrantRemove { token, .. } => (Method::GrantRemove, Some(token)),
        R::TotpEnroll { token } => (Method::TotpEnroll, Some(token)),
        R::TotpConfirm { token, .. } => (Method::TotpConfirm, Some(token)),
        R::TotpDisable { token, .. } => (Method::TotpDisable, Some(token)),
        R::SettingsGet { token } => (Method::SettingsGet, Some(token)),
        R::SettingsSet { token, .. } => (Method::SettingsSet, Some(token)),
        R::SessionList { token, .. } => (Method::SessionList, Some(token)),
        R::SessionRevoke { token, .. } => (Method::SessionRevoke, Some(token)),
        R::SessionRevokeUser { token, .. } => (Method::SessionRevokeUser, Some(token)),
        R::Presence { token } => (Method::Presence, Some(token)),
        R::Sync { token } => (Method::Sync, Some(token)),
        R::ExportLab { token } => (Method::ExportLab, Some(token)),
        R::ServerPower { token, .. } => (Method::ServerPower, Some(token)),
        R::VmPower { token, .. } => (Method::VmPower, Some(token)),
        R::VmMigrate { token, .. } => (Method::VmMigrate, Some(token)),
        R::TlsFingerprint { token, .. } => (Method::TlsFingerprint, Some(token)),
        R::TlsPin { token, .. } => (Method::TlsPin, Some(token)),
        R::PlanShow { token, .. } => (Method::PlanShow, Some(token)),
        R::PlanSimulate { token, .. } => (Method::PlanSimulate, Some(token)),
        R::PlanRun { token, .. } => (Method::PlanRun, Some(token)),
        R::PlanCancel { token } => (Method::PlanCancel, Some(token)),
        R::PlanRestore { token } => (Method::PlanRestore, Some(token)),
        R::PlanStatus { token } => (Method::PlanStatus, Some(token)),
        R::DemoPowerCut { token, .. } => (Method::DemoPowerCut, Some(token)),
        R::AuditList { token, .. } => (Method::AuditList, Some(token)),
        R::AuditVerify { token } => (Method::AuditVerify, Some(token)),
        R::SshOpen { token, .. } => (Method::SshOpen, Some(token)),
        R::SshClosed { token, .. } => (Method::SshClosed, Some(token)),
        R::SshPinHostKey { token, .. } => (Method::SshPinHostKey, Some(token)),
        R::BackupStart { token, .. } => (Method::BackupStart, Some(token)),
        R::BackupChunk { token, .. } => (Method::BackupChunk, Some(token)),
        R::NotifyTest { token, .. } => (Method::NotifyTest, Some(token)),
        R::NotifyList { token, .. } => (Method::NotifyList, Some(token)),
    }
}

/// A refusal in the reply type of `method`.
pub fn refusal(method: Method, e: ApiError) -> Option<UpstraResponse> {
    use UpstraResponse as R;
    Some(match method {
        // Health answers everyone, always.
        Method::Health => return None,
        Method::Setup => R::Setup(Err(e)),
        Method::Login => R::Login(Err(e)),
        Method::LoginSecondFactor => R::LoginSecondFactor(Err(e)),
        Method::Logout => R::Logout(Err(e)),
        Method::WhoAmI => R::Whoami(Err(e)),
        Method::ChangePassword => R::ChangePassword(Err(e)),
        Method::Apply => R::Apply(Err(e)),
        Method::ListRooms => R::ListRooms(Err(e)),
        Method::ListUps => R::ListUps(Err(e)),
        Method::UpsHistory => R::UpsHistory(Err(e)),
        Method::ListServers => R::ListServers(Err(e)),
        Method::ListVms => R::ListVms(Err(e)),
        Method::EventsSince => R::EventsSince(Err(e)),
        Method::UserAdd => R::UserAdd(Err(e)),
        Method::UserList => R::UserList(Err(e)),
        Method::UserSetDisabled => R::UserSetDisabled(Err(e)),
        Method::UserRemove => R::UserRemove(Err(e)),
        Method::UserSetRole => R::UserSetRole(Err(e)),
        Method::UserResetPassword => R::UserResetPassword(Err(e)),
        Method::RoleList => R::RoleList(Err(e)),
        Method::RoleCreate => R::RoleCreate(Err(e)),
        Method::RoleRemove => R::RoleRemove(Err(e)),
        Method::GrantList => R::GrantList(Err(e)),
        Method::GrantAdd => R::GrantAdd(Err(e)),
        Method::GrantRemove => R::GrantRemove(Err(e)),
        Method::TotpEnroll => R::TotpEnroll(Err(e)),
        Method::TotpConfirm => R::TotpConfirm(Err(e)),
        Method::TotpDisable => R::TotpDisable(Err(e)),
        Method::SettingsGet => R::SettingsGet(Err(e)),
        Method::SettingsSet => R::SettingsSet(Err(e)),
        Method::SessionList => R::SessionList(Err(e)),
        Method::SessionRevoke => R::SessionRevoke(Err(e)),
        Method::SessionRevokeUser => R::SessionRevokeUser(Err(e)),
        Method::Presence => R::Presence(Err(e)),
        Method::Sync => R::Sync(Err(e)),
        Method::ExportLab => R::ExportLab(Err(e)),
        Method::ServerPower => R::ServerPower(Err(e)),
        Method::VmPower => R::VmPower(Err(e)),
        Method::VmMigrate => R::VmMigrate(Err(e)),
        Method::TlsFingerprint => R::TlsFingerprint(Err(e)),
        Method::TlsPin => R::TlsPin(Err(e)),
        Method::PlanShow => R::PlanShow(Err(e)),
        Method::PlanSimulate => R::PlanSimulate(Err(e)),
        Method::PlanRun => R::PlanRun(Err(e)),
        Method::PlanCancel => R::PlanCancel(Err(e)),
        Method::PlanRestore => R::PlanRestore(Err(e)),
        Method::PlanStatus => R::PlanStatus(Err(e)),
        Method::DemoPowerCut => R::DemoPowerCut(Err(e)),
        Method::AuditList => R::AuditList(Err(e)),
        Method::AuditVerify => R::AuditVerify(Err(e)),
        Method::SshOpen => R::SshOpen(Err(e)),
        Method::SshClosed => R::SshClosed(Err(e)),
        Method::SshPinHostKey => R::SshPinHostKey(Err(e)),
        Method::BackupStart => R::BackupStart(Err(e)),
        Method::BackupChunk => R::BackupChunk(Err(e)),
        Method::NotifyTest => R::NotifyTest(Err(e)),
        Method::NotifyList => R::NotifyList(Err(e)),
    })
}

/// Extra requirements that depend on a request's arguments, beyond the static table.
fn raised_bar(req: &UpstraRequest, principal: &Principal) -> Option<Permissions> {
    match req {
        // Another user's sessions are an admin's business.
        UpstraRequest::SessionList {
            user: Some(other), ..
        } if *other != principal.user => Some(Permissions::ADMIN),
        _ => None,
    }
}

/// What a limited session may do, in words, for its refusal.
fn limited(scope: SessionScope) -> ApiError {
    match scope {
        SessionScope::EnrollTwoFactor => ApiError::SessionLimited {
            can: "set up two-factor authentication".into(),
            hint:
                "your account must use it; run `upstra 2fa enroll`, then `upstra 2fa confirm CODE`"
                    .into(),
        },
        SessionScope::ChangePassword => ApiError::SessionLimited {
            can: "change the password".into(),
            hint: "your password was reset; run `upstra passwd`".into(),
        },
        // A full session is never refused for its scope; a scope the daemon does not know
        // opens nothing (the store reads one as `ChangePassword`, so none reaches here).
        SessionScope::Full | SessionScope::Unknown => ApiError::Unauthenticated,
    }
}

/// The service with the access check in front of it.
#[derive(Clone)]
pub struct Guarded(pub Connection);

impl Serve for Guarded {
    type Req = UpstraRequest;
    type Resp = UpstraResponse;

    async fn serve(
        self,
        ctx: Context,
        req: UpstraRequest,
    ) -> Result<UpstraResponse, tarpc::ServerError> {
        // Every answer, refusals included, is counted and timed for `/metrics`.
        let started = std::time::Instant::now();
        let method = method_of(&req).0;
        let shared = self.0.shared.clone();
        let reply = self.admit_and_serve(ctx, req).await;
        if let Ok(r) = &reply {
            shared.metrics.rpc(
                method.name(),
                super::reply_error::error_of(r),
                started.elapsed(),
            );
        }
        reply
    }
}

impl Guarded {
    async fn admit_and_serve(
        self,
        ctx: Context,
        req: UpstraRequest,
    ) -> Result<UpstraResponse, tarpc::ServerError> {
        let conn = self.0;
        let (method, credential) = method_of(&req);
        tracing::debug!(method = method.name(), peer_uid = conn.peer_uid, "call");
        // Before anything else, so that nothing over a bound is hashed, counted, stored or
        // audited; the refusal names the field and the bound, never the value.
        if let Err(e) = upstra_core::bounds::check_request(&req) {
            tracing::info!(method = method.name(), peer_uid = conn.peer_uid, refusal = %e, "over a bound");
            if let Some(reply) = refusal(method, ApiError::invalid(e.to_string())) {
                return Ok(reply);
            }
        }
        match conn.admit(method, credential, &req).await {
            Ok((principal, resolved)) => {
                if principal.is_some() {
                    conn.authenticated();
                }
                conn.with_principal(principal, resolved)
                    .serve()
                    .serve(ctx, req)
                    .await
            }
            Err(e) => match refusal(method, e) {
                Some(reply) => Ok(reply),
                None => conn.serve().serve(ctx, req).await,
            },
        }
    }
}

impl Connection {
    /// Applies `method`'s row of the access table to this request: the session, its scope,
    /// the permissions on everything, then the request's target names resolved to declared
    /// objects and the permissions checked on what they resolved to. Returns the caller and
    /// those objects, which the handler then acts on.
    async fn admit(
        &self,
        method: Method,
        credential: Option<&SessionToken>,
        req: &UpstraRequest,
    ) -> Result<(Option<Arc<Principal>>, Arc<Resolved>), ApiError> {
        if method != Method::Health && self.shared.stopping.is_cancelled() {
            return Err(ApiError::Unavailable {
                message: "the daemon is shutting down".into(),
            });
        }
        let (scopes, needs, on) = match method.access() {
            // The handler checks the challenge: it is not a session and opens nothing else.
            Access::Public | Access::Challenge => return Ok((None, Arc::default())),
            Access::Session {
                scopes, needs, on, ..
            } => (scopes, needs, on),
        };
        let token = credential.ok_or(ApiError::Unauthenticated)?;
        let principal = self
            .session_of(token, method, method.counts_globally())
            .await?;
        self.shared
            .presence
            .seen(self.id, &principal.user, self.peer_uid, &self.shared.events);
        if !scopes.contains(&principal.scope) {
            return Err(limited(principal.scope));
        }
        // `Own` methods need nothing beyond the session; `EachItem` ones are filtered item by
        // item in the handler; `Everything` ones are checked here. A raised bar (another
        // user's data) is always checked on everything.
        let on_everything = if on == Target::Everything {
            needs
        } else {
            Permissions::NONE
        };
        let on_everything =
            raised_bar(req, &principal).map_or(on_everything, |extra| on_everything | extra);
        if on_everything != Permissions::NONE {
            // The whole installation has no parents: the tree is not needed to check it.
            let topology = access::Topology::default();
            if let Decision::Deny { missing } =
                access::authorize(&principal.grants, on_everything, &Resource::All, &topology)
            {
                tracing::info!(user = %principal.user, method = method.name(), %missing, "denied");
                self.audit(
                    AuditEntry::new(method.name(), "denied")
                        .actor(&principal.user)
                        .target("all"),
                )
                .await;
                return Err(ApiError::Forbidden {
                    needed: missing.to_string(),
                });
            }
        }
        // Resolved after the check on everything, so a caller without the permission learns
        // nothing about which names exist; before the check on the objects themselves, which
        // needs to know what they are.
        let resolved = match self.resolve_targets(req) {
            Ok(resolved) => resolved,
            Err(e) => {
                // Recorded with the names as they were asked: they are the caller's text, so
                // they go in as JSON values, never spliced into one.
                let asked: Vec<&str> = req.target_names().iter().map(|n| n.name).collect();
                self.audit(
                    AuditEntry::new(method.name(), "refused")
                        .actor(&principal.user)
                        .detail(&NotDeclared {
                            not_declared: asked,
                        }),
                )
                .await;
                return Err(e);
            }
        };
        if on == Target::Named {
            let topology = resolved.topology(&self.shared.inventory());
            for target in resolved.0.iter().map(|r| r.declared.resource()) {
                if let Decision::Deny { missing } =
                    access::authorize(&principal.grants, needs, &target, &topology)
                {
                    tracing::info!(user = %principal.user, method = method.name(), %target, %missing, "denied");
                    self.audit(
                        AuditEntry::new(method.name(), "denied")
                            .actor(&principal.user)
                            .target(target.to_string()),
                    )
                    .await;
                    return Err(ApiError::Forbidden {
                        needed: format!("{missing} (on {target})"),
                    });
                }
            }
        }
        if let Some(tier) = method.rate_tier() {
            self.count_tier(&principal, tier).await?;
        }
        Ok((Some(principal), resolved))
    }

    /// Counts an admitted call against its extra tier: sensitive operations per user,
    /// expensive reads per session. Counted only once the call passed the access check, so a
    /// refused attempt cannot lock its user out of the operations they may do.
    async fn count_tier(&self, principal: &Principal, tier: RateTier) -> Result<(), ApiError> {
        let limits = self.shared.settings.get().limits;
        let (key, limit) = match tier {
            RateTier::Sensitive => (format!("sensitive:{}", principal.user), limits.sensitive),
            RateTier::ExpensiveRead => (
                format!("read:{}", principal.session_id),
                limits.expensive_read,
            ),
        };
        let now = clock::now();
        let verdict = self
            .shared
            .store
            .call(move |db| limits::take(db, &key, limit, now))
            .await?;
        verdict.map_err(|retry_after_s| ApiError::RateLimited { retry_after_s })
    }

    /// Resolves every target name of the request against one snapshot of the inventory and
    /// the live VMs.
    fn resolve_targets(&self, req: &UpstraRequest) -> Result<Arc<Resolved>, ApiError> {
        let names = req.target_names();
        if names.is_empty() {
            return Ok(Arc::default());
        }
        let inventory = self.shared.inventory();
        let vms: Vec<_> = if names.iter().any(|n| n.kind == TargetKind::Vm) {
            self.shared.live.vms(|vms| vms.values().cloned().collect())
        } else {
            Vec::new()
        };
        resolve::resolve(&names, &inventory, &vms).map(Arc::new)
    }
}
