//! Version 1 of the daemon's API: the tarpc service, its wire types and its errors.
//!
//! Transport: tarpc over a Unix socket (optionally TCP+TLS later) with the JSON codec. The
//! transport code lives in the daemon (listen) and the console (connect); this module is only
//! the contract both compile against.
//!
//! Authentication: every method but [`Method::is_public`] ones takes the caller's
//! [`SessionToken`] as its first argument and answers [`ApiError::Unauthenticated`] without it.

#[macro_use]
pub(crate) mod wire_enum;

mod backup;
mod client_format;
mod convert;
mod convert_migrate;
mod error;
mod export;
mod history;
mod identity;
mod method;
mod naming;
mod notify;
mod operations;
mod outage;
mod plan_run;
mod refusal;
mod ssh;
mod states;
mod types;

pub use backup::{BACKUP_CHUNK_BYTES, BackupChunk, BackupStarted};
pub use client_format::ClientFormat;
pub use error::ApiError;
pub use export::{LabExport, secret_slot_name};
pub use history::{UpsHistory, UpsSample};
pub use identity::*;
pub use method::{Access, Method, RateTier, Target};
pub use naming::{TargetKind, TargetName};
pub use notify::{NOTIFY_LIST_MAX, NotifyDelivery, NotifyTestResult};
pub use operations::*;
pub use outage::*;
pub use plan_run::PlanRunRequest;
pub use refusal::{ConflictReason, SecondFactorCode};
pub use ssh::*;
pub use states::*;
pub use types::*;

use crate::events::EventRecord;
use crate::secret::Secret;

/// The API version this module describes.
pub const API_VERSION: u32 = 1;

/// The daemon's service.
///
/// Every method has a row in [`Method::access`]; the daemon checks it at the connection edge
/// before the handler runs. Methods taking a `token` need a session (or, for
/// `login_second_factor`, the challenge from `login`).
#[tarpc::service]
pub trait Upstra {
    /// Version and readiness; needs no session.
    async fn health() -> Health;
    /// Creates the first admin. Refused once any user exists.
    async fn setup(req: SetupRequest) -> Result<(), ApiError>;
    /// Checks a password: a session, or a challenge when the user has two-factor on.
    async fn login(req: LoginRequest) -> Result<LoginOutcome, ApiError>;
    /// The second step of a two-factor login: trades the challenge and a code for a session.
    async fn login_second_factor(
        challenge: SessionToken,
        factor: SecondFactor,
    ) -> Result<LoginReply, ApiError>;
    /// Ends the caller's session.
    async fn logout(token: SessionToken) -> Result<(), ApiError>;
    /// Who the session belongs to.
    async fn whoami(token: SessionToken) -> Result<WhoAmI, ApiError>;
    /// Changes the caller's own password; needs the current one (or the reset secret).
    async fn change_password(
        token: SessionToken,
        current: Secret,
        new: Secret,
    ) -> Result<(), ApiError>;

    /// Declares rooms, UPS, servers and the vCenter. With `dry_run`, only reports the changes.
    async fn apply(
        token: SessionToken,
        spec: LabSpec,
        dry_run: bool,
    ) -> Result<ApplyReport, ApiError>;
    async fn list_rooms(token: SessionToken) -> Result<Vec<RoomView>, ApiError>;
    async fn list_ups(token: SessionToken) -> Result<Vec<UpsView>, ApiError>;
    /// The last hour of every UPS the caller may read, in samples (see [`UpsHistory`]).
    async fn ups_history(token: SessionToken) -> Result<Vec<UpsHistory>, ApiError>;
    async fn list_servers(token: SessionToken) -> Result<Vec<ServerView>, ApiError>;
    async fn list_vms(token: SessionToken) -> Result<Vec<VmView>, ApiError>;
    /// Events after `cursor` (0 for the oldest kept). Waits up to `max_wait_ms` (capped by the
    /// daemon) when there is none yet, so a console follows the log with one call in flight.
    async fn events_since(
        token: SessionToken,
        cursor: u64,
        max_wait_ms: u64,
    ) -> Result<EventPage, ApiError>;

    async fn user_add(token: SessionToken, req: UserAddRequest) -> Result<(), ApiError>;
    async fn user_list(token: SessionToken) -> Result<Vec<UserView>, ApiError>;
    /// Disabling a user ends their sessions at once.
    async fn user_set_disabled(
        token: SessionToken,
        user: String,
        disabled: bool,
    ) -> Result<(), ApiError>;
    async fn user_remove(token: SessionToken, user: String) -> Result<(), ApiError>;
    /// Replaces the user's grant on everything with `role`.
    async fn user_set_role(token: SessionToken, user: String, role: String)
    -> Result<(), ApiError>;
    /// A one-time secret, valid 15 minutes, that logs the user in to change their password.
    async fn user_reset_password(
        token: SessionToken,
        user: String,
    ) -> Result<ResetSecret, ApiError>;

    async fn role_list(token: SessionToken) -> Result<Vec<RoleView>, ApiError>;
    async fn role_create(
        token: SessionToken,
        name: String,
        permissions: Vec<String>,
    ) -> Result<(), ApiError>;
    async fn role_remove(token: SessionToken, name: String) -> Result<(), ApiError>;
    async fn grant_list(token: SessionToken) -> Result<Vec<GrantView>, ApiError>;
    /// Grants `role` to `user` on `resource` (`all`, `room:NAME`, `ups:NAME`, `server:NAME`, `vm:ID`).
    async fn grant_add(token: SessionToken, grant: GrantView) -> Result<(), ApiError>;
    async fn grant_remove(token: SessionToken, grant: GrantView) -> Result<(), ApiError>;

    /// Starts two-factor enrollment: a new secret, shown once, active after `totp_confirm`.
    async fn totp_enroll(token: SessionToken) -> Result<TotpEnrollment, ApiError>;
    /// Activates two-factor with a first code; returns the recovery codes, shown only now.
    async fn totp_confirm(token: SessionToken, code: String) -> Result<Vec<String>, ApiError>;
    /// Turns two-factor off; needs a current code.
    async fn totp_disable(token: SessionToken, code: String) -> Result<(), ApiError>;
    async fn settings_get(token: SessionToken) -> Result<Settings, ApiError>;
    async fn settings_set(token: SessionToken, settings: Settings) -> Result<(), ApiError>;

    /// The caller's sessions (an admin may name another user).
    async fn session_list(
        token: SessionToken,
        user: Option<String>,
    ) -> Result<Vec<SessionView>, ApiError>;
    /// Ends one of the caller's sessions by its id.
    async fn session_revoke(token: SessionToken, id: String) -> Result<(), ApiError>;
    /// Ends every session of a user (admin).
    async fn session_revoke_user(token: SessionToken, user: String) -> Result<u32, ApiError>;
    /// Who is connected right now.
    async fn presence(token: SessionToken) -> Result<Vec<PresenceView>, ApiError>;

    /// Reads every peer now instead of waiting for the next poll.
    async fn sync(token: SessionToken) -> Result<SyncReport, ApiError>;
    /// The stored declaration, without its secrets, for `upstra export` (audited).
    async fn export_lab(token: SessionToken) -> Result<LabExport, ApiError>;
    /// Powers a server on, off (hard), shuts it down (graceful) or cycles it, through its BMC,
    /// and waits for the result.
    async fn server_power(
        token: SessionToken,
        server: String,
        action: ServerPowerAction,
    ) -> Result<ActionReport, ApiError>;
    /// Powers a VM (by name or id) on, off, or shuts its guest down, and waits for the result.
    async fn vm_power(
        token: SessionToken,
        vm: String,
        action: VmPowerRequest,
    ) -> Result<ActionReport, ApiError>;
    /// Live-migrates a VM to a host: an inventory server name or a vSphere host name.
    async fn vm_migrate(
        token: SessionToken,
        vm: String,
        to: String,
    ) -> Result<ActionReport, ApiError>;
    /// Connects to a TLS peer and reads its certificate's fingerprint, trusting nothing: the
    /// first step of pinning it.
    async fn tls_fingerprint(token: SessionToken, peer: TlsPeer) -> Result<String, ApiError>;
    /// Pins a fingerprint an operator checked, in the stored inventory.
    async fn tls_pin(
        token: SessionToken,
        peer: TlsPeer,
        fingerprint: String,
    ) -> Result<(), ApiError>;

    /// The plan that would run now (or for `ups` failing), with its timeline.
    async fn plan_show(token: SessionToken, ups: Option<String>) -> Result<PlanView, ApiError>;
    /// Runs the trigger and the planner for `ups` against the real lab, read-only: checks
    /// credentials, reachability and capacity, and predicts the timeline.
    async fn plan_simulate(token: SessionToken, ups: String) -> Result<SimulationReport, ApiError>;
    /// Sheds the load `ups` feeds now, without waiting for a trigger. The shed waits for
    /// `plan_restore` unless the request asks for `auto_restore`.
    async fn plan_run(token: SessionToken, ups: PlanRunRequest) -> Result<RunView, ApiError>;
    /// Stops the running plan: no new step starts; the ones in flight finish.
    async fn plan_cancel(token: SessionToken) -> Result<RunView, ApiError>;
    /// Undoes the sheds not restored yet, now.
    async fn plan_restore(token: SessionToken) -> Result<RunView, ApiError>;
    /// The watches, the run going on and the last runs.
    async fn plan_status(token: SessionToken) -> Result<PlanStatus, ApiError>;
    /// Demo only: cuts (`cut`) or brings back the mains of a UPS of the simulated lab, so that
    /// `upstra demo` can show an outage. A daemon on the real peers answers `Unavailable`:
    /// there, `plan_simulate` is the read-only check.
    async fn demo_power_cut(token: SessionToken, ups: String, cut: bool) -> Result<(), ApiError>;

    /// Authorizes a shell on `server` (SSH permission on it) and records its opening: where to
    /// connect, the pinned host key, and the id that names this shell in the audit log.
    async fn ssh_open(token: SessionToken, server: String) -> Result<SshTarget, ApiError>;
    /// Records how a shell opened with `ssh_open` ended: after how long, and why.
    async fn ssh_closed(
        token: SessionToken,
        session_id: String,
        duration_ms: u64,
        reason: String,
    ) -> Result<(), ApiError>;
    /// Pins a server's SSH host key an admin checked, in the stored inventory.
    async fn ssh_pin_host_key(
        token: SessionToken,
        server: String,
        host_key: String,
    ) -> Result<(), ApiError>;

    async fn audit_list(token: SessionToken, query: AuditQuery) -> Result<AuditPage, ApiError>;
    /// Walks the audit hash chain and reports the first record that was edited, inserted or
    /// deleted.
    async fn audit_verify(token: SessionToken) -> Result<AuditVerification, ApiError>;

    /// Copies the encrypted store while the daemon runs (admin): the copy stays in the
    /// daemon's data directory, encrypted under the store's key (or under `passphrase`, for a
    /// copy stored apart from the key), until `backup_chunk` has handed out its last piece or
    /// it sat unread for the idle timeout.
    async fn backup_start(
        token: SessionToken,
        passphrase: Option<Secret>,
    ) -> Result<BackupStarted, ApiError>;
    /// The piece of backup `id` at `offset`, at most [`BACKUP_CHUNK_BYTES`] long.
    async fn backup_chunk(
        token: SessionToken,
        id: String,
        offset: u64,
    ) -> Result<BackupChunk, ApiError>;

    /// Sends a test message to notification channel `channel` now (admin), and answers what
    /// its server said or why it failed. Audited: it reaches the outside world.
    async fn notify_test(
        token: SessionToken,
        channel: String,
    ) -> Result<NotifyTestResult, ApiError>;
    /// The newest notification deliveries and failures, newest first, at most `limit`
    /// (capped at [`NOTIFY_LIST_MAX`]) (admin).
    async fn notify_list(token: SessionToken, limit: u32) -> Result<Vec<NotifyDelivery>, ApiError>;
}

/// A page of the event log.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    /// Pass this back as `cursor` to continue.
    pub next_cursor: u64,
    /// True when events between `cursor` and the first returned were dropped from the
    /// daemon's memory: the reader should refresh its lists.
    pub gap: bool,
}
