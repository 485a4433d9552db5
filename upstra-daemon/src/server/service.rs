//! The implementation of API v1: one [`Connection`] value per client connection, cloned per
//! request with the caller's [`Principal`] once the guard (`guard.rs`) has admitted it. Handlers
//! live in `handlers/`, by area; this file only routes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tarpc::context::Context;
use upstra_core::access::{self, Grant, Resource, Topology};
use upstra_core::api::v1::*;
use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;

use super::handlers::{
    admin, audit, auth, backup, demo, inventory, operations, plan, sessions, ssh,
};
use super::resolve::Resolved;
use crate::shared::Shared;
use crate::store::AuditEntry;

/// The caller of a request, once the guard has checked its session.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: String,
    /// The role on everything, or `custom`.
    pub role: String,
    pub scope: SessionScope,
    /// The session's public id.
    pub session_id: String,
    pub expires_at: i64,
    pub two_factor: bool,
    pub grants: Vec<Grant>,
}

/// One client connection's service value.
#[derive(Clone)]
pub struct Connection {
    pub(super) shared: Arc<Shared>,
    /// The Unix uid of the peer process, from SO_PEERCRED.
    pub(super) peer_uid: u32,
    /// This connection's id, for presence.
    pub(super) id: u64,
    /// Set by the guard for methods that need a session.
    principal: Option<Arc<Principal>>,
    /// What the request's target names resolved to, set by the guard before it authorized on
    /// them; handlers act on these, never on a name looked up again.
    pub(super) resolved: Arc<Resolved>,
    /// Shared with the connection's framing and its place in the admission registry: once a
    /// request carried a valid session, the connection gets the full frame size, may idle,
    /// and is no longer shed to make room for others.
    authenticated: Arc<AtomicBool>,
}

impl Connection {
    pub fn new(shared: Arc<Shared>, peer_uid: u32, id: u64) -> Self {
        Self {
            shared,
            peer_uid,
            id,
            principal: None,
            resolved: Arc::default(),
            authenticated: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Reports a valid session on this connection through `flag`.
    pub(super) fn watching(mut self, flag: Arc<AtomicBool>) -> Self {
        self.authenticated = flag;
        self
    }

    /// Marks the connection as having shown a valid session.
    pub(super) fn authenticated(&self) {
        self.authenticated.store(true, Ordering::Relaxed);
    }

    pub(super) fn with_principal(
        mut self,
        principal: Option<Arc<Principal>>,
        resolved: Arc<Resolved>,
    ) -> Self {
        self.principal = principal;
        self.resolved = resolved;
        self
    }

    /// The caller. Handlers of session methods only run after the guard set it.
    pub(super) fn who(&self) -> Result<&Principal, ApiError> {
        self.principal.as_deref().ok_or(ApiError::Unauthenticated)
    }

    /// The tree grants flow down, for checking what the caller may read: the inventory and
    /// where each VM runs. A caller who may read everything needs no tree for that (a grant on
    /// everything reaches every object), so where the VMs run is left out for them: it cloned
    /// every VM's and server's id on each list and each page of events. Checking any other
    /// permission against this tree would refuse VM targets, never allow more.
    pub(super) fn topology_for_reading(&self) -> Topology {
        let inv = self.shared.inventory();
        let reads_everything = self.principal.as_deref().is_some_and(|who| {
            access::permissions_on(&who.grants, &Resource::All, &Topology::default())
                .contains(Permissions::READ)
        });
        if reads_everything {
            return Topology::new(&inv, []);
        }
        let hosts = super::resolve::ServersByHost::new(&inv);
        let vms = self.shared.live.vms(|vms| {
            vms.values()
                .filter_map(|vm| {
                    let server = hosts.host_of(vm)?;
                    Some((vm.id.clone(), server.id.clone()))
                })
                .collect::<Vec<_>>()
        });
        Topology::new(&inv, vms)
    }

    /// Appends an audit record stamped with the caller's uid: the one way handlers write
    /// one. A failure is logged, never hidden from the operator's log, and never fails the
    /// request that was already carried out.
    pub(super) async fn audit(&self, entry: AuditEntry) {
        let entry = entry.peer_uid(self.peer_uid);
        let action = entry.action().to_owned();
        let res = self.shared.store.call(move |db| db.audit(&entry)).await;
        if let Err(e) = res {
            tracing::error!(error = %e, action, "cannot write an audit record");
        }
    }
}

impl Upstra for Connection {
    async fn health(self, _: Context) -> Health {
        auth::health(&self).await
    }
    async fn setup(self, _: Context, req: SetupRequest) -> Result<(), ApiError> {
        auth::setup(&self, req).await
    }
    async fn login(self, _: Context, req: LoginRequest) -> Result<LoginOutcome, ApiError> {
        auth::login(&self, req).await
    }
    async fn login_second_factor(
        self,
        _: Context,
        challenge: SessionToken,
        factor: SecondFactor,
    ) -> Result<LoginReply, ApiError> {
        auth::second_factor(&self, challenge, factor).await
    }
    async fn logout(self, _: Context, token: SessionToken) -> Result<(), ApiError> {
        sessions::logout(&self, token).await
    }
    async fn whoami(self, _: Context, _: SessionToken) -> Result<WhoAmI, ApiError> {
        sessions::whoami(&self)
    }
    async fn change_password(
        self,
        _: Context,
        _: SessionToken,
        current: Secret,
        new: Secret,
    ) -> Result<(), ApiError> {
        auth::change_password(&self, current, new).await
    }
    async fn apply(
        self,
        _: Context,
        _: SessionToken,
        spec: LabSpec,
        dry_run: bool,
    ) -> Result<ApplyReport, ApiError> {
        inventory::apply(&self, spec, dry_run).await
    }
    async fn list_rooms(self, _: Context, _: SessionToken) -> Result<Vec<RoomView>, ApiError> {
        inventory::list_rooms(&self)
    }
    async fn list_ups(self, _: Context, _: SessionToken) -> Result<Vec<UpsView>, ApiError> {
        inventory::list_ups(&self)
    }
    async fn ups_history(self, _: Context, _: SessionToken) -> Result<Vec<UpsHistory>, ApiError> {
        super::handlers::ups_history::ups_history(&self)
    }
    async fn list_servers(self, _: Context, _: SessionToken) -> Result<Vec<ServerView>, ApiError> {
        inventory::list_servers(&self)
    }
    async fn list_vms(self, _: Context, _: SessionToken) -> Result<Vec<VmView>, ApiError> {
        inventory::list_vms(&self)
    }
    async fn events_since(
        self,
        _: Context,
        _: SessionToken,
        cursor: u64,
        max_wait_ms: u64,
    ) -> Result<EventPage, ApiError> {
        inventory::events_since(&self, cursor, max_wait_ms).await
    }
    async fn user_add(
        self,
        _: Context,
        _: SessionToken,
        req: UserAddRequest,
    ) -> Result<(), ApiError> {
        admin::user_add(&self, req).await
    }
    async fn user_list(self, _: Context, _: SessionToken) -> Result<Vec<UserView>, ApiError> {
        admin::user_list(&self).await
    }
    async fn user_set_disabled(
        self,
        _: Context,
        _: SessionToken,
        user: String,
        disabled: bool,
    ) -> Result<(), ApiError> {
        admin::user_set_disabled(&self, user, disabled).await
    }
    async fn user_remove(self, _: Context, _: SessionToken, user: String) -> Result<(), ApiError> {
        admin::user_remove(&self, user).await
    }
    async fn user_set_role(
        self,
        _: Context,
        _: SessionToken,
        user: String,
        role: String,
    ) -> Result<(), ApiError> {
        admin::user_set_role(&self, user, role).await
    }
    async fn user_reset_password(
        self,
        _: Context,
        _: SessionToken,
        user: String,
    ) -> Result<ResetSecret, ApiError> {
        admin::user_reset_password(&self, user).await
    }
    async fn role_list(self, _: Context, _: SessionToken) -> Result<Vec<RoleView>, ApiError> {
        admin::role_list(&self).await
    }
    async fn role_create(
        self,
        _: Context,
        _: SessionToken,
        name: String,
        permissions: Vec<String>,
    ) -> Result<(), ApiError> {
        admin::role_create(&self, name, permissions).await
    }
    async fn role_remove(self, _: Context, _: SessionToken, name: String) -> Result<(), ApiError> {
        admin::role_remove(&self, name).await
    }
    async fn grant_list(self, _: Context, _: SessionToken) -> Result<Vec<GrantView>, ApiError> {
        admin::grant_list(&self).await
    }
    async fn grant_add(
        self,
        _: Context,
        _: SessionToken,
        grant: GrantView,
    ) -> Result<(), ApiError> {
        admin::grant_add(&self, grant).await
    }
    async fn grant_remove(
        self,
        _: Context,
        _: SessionToken,
        grant: GrantView,
    ) -> Result<(), ApiError> {
        admin::grant_remove(&self, grant).await
    }
    async fn totp_enroll(self, _: Context, _: SessionToken) -> Result<TotpEnrollment, ApiError> {
        auth::totp_enroll(&self).await
    }
    async fn totp_confirm(
        self,
        _: Context,
        _: SessionToken,
        code: String,
    ) -> Result<Vec<String>, ApiError> {
        auth::totp_confirm(&self, code).await
    }
    async fn totp_disable(self, _: Context, _: SessionToken, code: String) -> Result<(), ApiError> {
        auth::totp_disable(&self, code).await
    }
    async fn settings_get(self, _: Context, _: SessionToken) -> Result<Settings, ApiError> {
        admin::settings_get(&self).await
    }
    async fn settings_set(
        self,
        _: Context,
        _: SessionToken,
        settings: Settings,
    ) -> Result<(), ApiError> {
        admin::settings_set(&self, settings).await
    }
    async fn session_list(
        self,
        _: Context,
        _: SessionToken,
        user: Option<String>,
    ) -> Result<Vec<SessionView>, ApiError> {
        sessions::list(&self, user).await
    }
    async fn session_revoke(self, _: Context, _: SessionToken, id: String) -> Result<(), ApiError> {
        sessions::revoke(&self, id).await
    }
    async fn session_revoke_user(
        self,
        _: Context,
        _: SessionToken,
        user: String,
    ) -> Result<u32, ApiError> {
        sessions::revoke_user(&self, user).await
    }
    async fn presence(self, _: Context, _: SessionToken) -> Result<Vec<PresenceView>, ApiError> {
        Ok(self.shared.presence.list())
    }
    async fn sync(self, _: Context, _: SessionToken) -> Result<SyncReport, ApiError> {
        operations::sync(&self).await
    }
    async fn export_lab(self, _: Context, _: SessionToken) -> Result<LabExport, ApiError> {
        super::handlers::export::export_lab(&self).await
    }
    async fn server_power(
        self,
        _: Context,
        _: SessionToken,
        server: String,
        action: ServerPowerAction,
    ) -> Result<ActionReport, ApiError> {
        operations::server_power(&self, server, action).await
    }
    async fn vm_power(
        self,
        _: Context,
        _: SessionToken,
        vm: String,
        action: VmPowerRequest,
    ) -> Result<ActionReport, ApiError> {
        operations::vm_power(&self, vm, action).await
    }
    async fn vm_migrate(
        self,
        _: Context,
        _: SessionToken,
        vm: String,
        to: String,
    ) -> Result<ActionReport, ApiError> {
        operations::vm_migrate(&self, vm, to).await
    }
    async fn tls_fingerprint(
        self,
        _: Context,
        _: SessionToken,
        peer: TlsPeer,
    ) -> Result<String, ApiError> {
        operations::tls_fingerprint(&self, peer).await
    }
    async fn tls_pin(
        self,
        _: Context,
        _: SessionToken,
        peer: TlsPeer,
        fingerprint: String,
    ) -> Result<(), ApiError> {
        operations::tls_pin(&self, peer, fingerprint).await
    }
    async fn plan_show(
        self,
        _: Context,
        _: SessionToken,
        ups: Option<String>,
    ) -> Result<PlanView, ApiError> {
        plan::show(&self, ups).await
    }
    async fn plan_simulate(
        self,
        _: Context,
        _: SessionToken,
        ups: String,
    ) -> Result<SimulationReport, ApiError> {
        plan::simulate(&self, ups).await
    }
    async fn plan_run(
        self,
        _: Context,
        _: SessionToken,
        ups: PlanRunRequest,
    ) -> Result<RunView, ApiError> {
        plan::run(&self, ups).await
    }
    async fn plan_cancel(self, _: Context, _: SessionToken) -> Result<RunView, ApiError> {
        plan::cancel(&self).await
    }
    async fn plan_restore(self, _: Context, _: SessionToken) -> Result<RunView, ApiError> {
        plan::restore(&self).await
    }
    async fn plan_status(self, _: Context, _: SessionToken) -> Result<PlanStatus, ApiError> {
        plan::status(&self).await
    }
    async fn demo_power_cut(
        self,
        _: Context,
        _: SessionToken,
        ups: String,
        cut: bool,
    ) -> Result<(), ApiError> {
        demo::power_cut(&self, ups, cut).await
    }
    async fn audit_list(
        self,
        _: Context,
        _: SessionToken,
        query: AuditQuery,
    ) -> Result<AuditPage, ApiError> {
        audit::list(&self, query).await
    }
    async fn audit_verify(
        self,
        _: Context,
        _: SessionToken,
    ) -> Result<AuditVerification, ApiError> {
        audit::verify(&self).await
    }
    async fn backup_start(
        self,
        _: Context,
        _: SessionToken,
        passphrase: Option<Secret>,
    ) -> Result<BackupStarted, ApiError> {
        backup::start(&self, passphrase).await
    }
    async fn backup_chunk(
        self,
        _: Context,
        _: SessionToken,
        id: String,
        offset: u64,
    ) -> Result<BackupChunk, ApiError> {
        backup::chunk(&self, id, offset).await
    }
    async fn notify_test(
        self,
        _: Context,
        _: SessionToken,
        channel: String,
    ) -> Result<NotifyTestResult, ApiError> {
        super::handlers::notify::test(&self, channel).await
    }
    async fn notify_list(
        self,
        _: Context,
        _: SessionToken,
        limit: u32,
    ) -> Result<Vec<NotifyDelivery>, ApiError> {
        super::handlers::notify::list(&self, limit).await
    }
    async fn ssh_open(
        self,
        _: Context,
        _: SessionToken,
        server: String,
    ) -> Result<SshTarget, ApiError> {
        ssh::open(&self, server).await
    }
    async fn ssh_closed(
        self,
        _: Context,
        _: SessionToken,
        session_id: String,
        duration_ms: u64,
        reason: String,
    ) -> Result<(), ApiError> {
        ssh::closed(&self, session_id, duration_ms, reason).await
    }
    async fn ssh_pin_host_key(
        self,
        _: Context,
        _: SessionToken,
        server: String,
        host_key: String,
    ) -> Result<(), ApiError> {
        ssh::pin_host_key(&self, server, host_key).await
    }
}
