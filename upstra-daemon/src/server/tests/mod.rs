//! The guard and the handlers in process: a real store in a temp dir, requests handed to
//! `Guarded::serve` exactly as tarpc would, no socket. Fast enough to walk every method ×
//! role × resource.

mod audit_names;
mod audit_pages;
mod flows;
mod matrix;
mod ssh;
mod unix_user;
mod ups_history;

use std::sync::Arc;

use tarpc::server::Serve;
use upstra_core::api::v1::*;
use upstra_core::lab::{KnownNames, parse};
use upstra_core::model::{Vm, VmPower};
use upstra_core::secret::Secret;

use super::{Connection, Guarded};
use crate::config::Config;
use crate::shared::Shared;
use crate::{auth, clock};

pub use crate::test_lab::TWO_ROOMS as LAB;

pub const PASSWORD: &str = "correct horse battery staple";

/// A daemon without a socket.
pub struct Harness {
    pub shared: Arc<Shared>,
    pub dir: tempfile::TempDir,
    next_id: std::sync::atomic::AtomicU64,
}

impl Harness {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        Self::open(dir).await
    }

    /// Opens (or reopens, for "after a restart") the store in `dir`.
    pub async fn open(dir: tempfile::TempDir) -> Self {
        let (data, store) = crate::test_lab::store_in(dir.path());
        let inventory = store
            .call(|db| db.load_inventory())
            .await
            .expect("inventory");
        let inventory = if inventory.is_empty() {
            let inv = parse(LAB, &KnownNames::default()).expect("lab").inventory;
            let save = inv.clone();
            store
                .call(move |db| {
                    db.save_inventory(
                        &save.rooms.values().collect::<Vec<_>>(),
                        &save.ups.values().collect::<Vec<_>>(),
                        &save.servers.values().collect::<Vec<_>>(),
                        None,
                        &crate::store::AuditEntry::new("apply", "ok"),
                    )
                })
                .await
                .expect("lab saved");
            inv
        } else {
            inventory
        };
        let config = Config {
            data_dir: data,
            ..Config::default()
        };
        let (shared, inbox) = Shared::new(config, store, inventory, Default::default());
        let shared = Arc::new(shared);
        tokio::spawn(crate::outage::start(shared.clone(), inbox));
        shared.live.vms_mut(|vms| {
            for (id, host) in [("vm-1", "esx-a.lab"), ("vm-2", "esx-b.lab")] {
                let vm = Vm {
                    id: upstra_core::ids::VmId::new(id).expect("id"),
                    name: format!("{id}-name"),
                    host: Some(host.into()),
                    power: VmPower::PoweredOn,
                    cpus: 2,
                    memory_mib: 2048,
                };
                vms.insert(vm.id.clone(), vm);
            }
        });
        Self {
            shared,
            dir,
            next_id: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// A request through the guard, as from a connection of Unix user `uid`.
    pub async fn call(&self, req: UpstraRequest) -> UpstraResponse {
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let conn = Guarded(Connection::new(self.shared.clone(), 1000, id));
        conn.serve(tarpc::context::current(), req)
            .await
            .expect("served")
    }

    /// Creates a user holding `role` on `resource`, directly in the store.
    pub async fn user(&self, name: &str, role: &str, resource: &str) {
        let hash = auth::hash_password(Secret::new(PASSWORD))
            .await
            .expect("hash");
        let (n, r, res) = (name.to_owned(), role.to_owned(), resource.to_owned());
        self.shared
            .store
            .call(move |db| {
                db.create_user(&n, &hash, &r, clock::now().millis(), false)?;
                if res != "all" {
                    db.remove_grant(&n, &r, "all")?;
                    db.add_grant(&n, &r, &res)?;
                }
                Ok(())
            })
            .await
            .expect("user created");
    }

    /// A full session for `name`, made directly in the store.
    pub async fn session(&self, name: &str, scope: SessionScope) -> SessionToken {
        let (token, hash) = auth::new_token();
        let (n, id) = (name.to_owned(), hash[..12].to_owned());
        let now = clock::now().millis();
        self.shared
            .store
            .call(move |db| db.create_session(&hash, &id, &n, 1000, scope, now, now + 3_600_000))
            .await
            .expect("session");
        token
    }

    pub async fn login(&self, user: &str, password: &str) -> Result<LoginOutcome, ApiError> {
        let req = LoginRequest {
            user: user.into(),
            password: Secret::new(password),
        };
        match self.call(UpstraRequest::Login { req }).await {
            UpstraResponse::Login(r) => r,
            other => panic!("unexpected reply {other:?}"),
        }
    }
}

pub use crate::server::reply_error::error_of;

/// A harmless request of each method, carrying `token`. Naming a method here is what makes
/// the matrix test cover it: the match is exhaustive, so a new method must be added.
pub fn sample(
    method: Method,
    token: &SessionToken,
    target_server: &str,
    target_vm: &str,
) -> UpstraRequest {
    use UpstraRequest as R;
    let token = token.clone();
    let grant = GrantView {
        user: "nobody-here".into(),
        role: "viewer".into(),
        resource: "all".into(),
    };
    match method {
        Method::Health => R::Health {},
        Method::Setup => R::Setup {
            req: SetupRequest {
                user: "x".into(),
                password: Secret::new(PASSWORD),
            },
        },
        Method::Login => R::Login {
            req: LoginRequest {
                user: "nobody-here".into(),
                password: Secret::new("x"),
            },
        },
        Method::LoginSecondFactor => R::LoginSecondFactor {
            challenge: token,
            factor: SecondFactor::Totp(Secret::new("000000")),
        },
        Method::Logout => R::Logout { token },
        Method::WhoAmI => R::Whoami { token },
        Method::ChangePassword => R::ChangePassword {
            token,
            current: Secret::new("wrong"),
            new: Secret::new("x"),
        },
        Method::Apply => R::Apply {
            token,
            spec: LabSpec::default(),
            dry_run: true,
        },
        Method::ListRooms => R::ListRooms { token },
        Method::ListUps => R::ListUps { token },
        Method::UpsHistory => R::UpsHistory { token },
        Method::ListServers => R::ListServers { token },
        Method::ListVms => R::ListVms { token },
        Method::EventsSince => R::EventsSince {
            token,
            cursor: 0,
            max_wait_ms: 0,
        },
        Method::UserAdd => R::UserAdd {
            token,
            req: UserAddRequest {
                name: "new-user".into(),
                role: "nope-role".into(),
                password: Secret::new("x"),
            },
        },
        Method::UserList => R::UserList { token },
        Method::UserSetDisabled => R::UserSetDisabled {
            token,
            user: "nobody-here".into(),
            disabled: false,
        },
        Method::UserRemove => R::UserRemove {
            token,
            user: "nobody-here".into(),
        },
        Method::UserSetRole => R::UserSetRole {
            token,
            user: "nobody-here".into(),
            role: "viewer".into(),
        },
        Method::UserResetPassword => R::UserResetPassword {
            token,
            user: "nobody-here".into(),
        },
        Method::RoleList => R::RoleList { token },
        Method::RoleCreate => R::RoleCreate {
            token,
            name: "bad name".into(),
            permissions: vec![],
        },
        Method::RoleRemove => R::RoleRemove {
            token,
            name: "nope-role".into(),
        },
        Method::GrantList => R::GrantList { token },
        Method::GrantAdd => R::GrantAdd { token, grant },
        Method::GrantRemove => R::GrantRemove { token, grant },
        Method::TotpEnroll => R::TotpEnroll { token },
        Method::TotpConfirm => R::TotpConfirm {
            token,
            code: "000000".into(),
        },
        Method::TotpDisable => R::TotpDisable {
            token,
            code: "000000".into(),
        },
        Method::SettingsGet => R::SettingsGet { token },
        Method::SettingsSet => R::SettingsSet {
            token,
            settings: Settings {
                require_two_factor: TwoFactorRequirement::Roles(vec!["nope-role".into()]),
            },
        },
        Method::SessionList => R::SessionList { token, user: None },
        Method::SessionRevoke => R::SessionRevoke {
            token,
            id: "nope".into(),
        },
        Method::SessionRevokeUser => R::SessionRevokeUser {
            token,
            user: "nobody-here".into(),
        },
        Method::Presence => R::Presence { token },
        Method::Sync => R::Sync { token },
        Method::ExportLab => R::ExportLab { token },
        Method::ServerPower => R::ServerPower {
            token,
            server: target_server.into(),
            action: ServerPowerAction::On,
        },
        Method::VmPower => R::VmPower {
            token,
            vm: target_vm.into(),
            action: VmPowerRequest::On,
        },
        Method::VmMigrate => R::VmMigrate {
            token,
            vm: target_vm.into(),
            to: target_server.into(),
        },
        // Harmless: the test lab declares no BMC, and the fingerprint is malformed.
        Method::TlsFingerprint => R::TlsFingerprint {
            token,
            peer: TlsPeer::Bmc(target_server.into()),
        },
        Method::TlsPin => R::TlsPin {
            token,
            peer: TlsPeer::Bmc(target_server.into()),
            fingerprint: "bad".into(),
        },
        // Harmless: an unknown UPS, and nothing running or shed to cancel or restore.
        Method::PlanShow => R::PlanShow {
            token,
            ups: Some("nobody-here".into()),
        },
        Method::PlanSimulate => R::PlanSimulate {
            token,
            ups: "nobody-here".into(),
        },
        Method::PlanRun => R::PlanRun {
            token,
            ups: "nobody-here".into(),
        },
        Method::PlanCancel => R::PlanCancel { token },
        Method::PlanRestore => R::PlanRestore { token },
        Method::PlanStatus => R::PlanStatus { token },
        // Harmless: an unknown UPS.
        Method::DemoPowerCut => R::DemoPowerCut {
            token,
            ups: "nobody-here".into(),
            cut: true,
        },
        Method::AuditList => R::AuditList {
            token,
            query: AuditQuery::default(),
        },
        Method::AuditVerify => R::AuditVerify { token },
        // Harmless: the test lab declares no SSH, so an admitted open is refused as invalid,
        // an unknown shell cannot be closed, and a malformed key is not pinned.
        Method::SshOpen => R::SshOpen {
            token,
            server: target_server.into(),
        },
        Method::SshClosed => R::SshClosed {
            token,
            session_id: "nope".into(),
            duration_ms: 0,
            reason: "test".into(),
        },
        Method::SshPinHostKey => R::SshPinHostKey {
            token,
            server: target_server.into(),
            host_key: "bad".into(),
        },
        // Harmless: a copy in the test's own data directory, removed when the daemon stops;
        // an unknown backup id is not found.
        Method::BackupStart => R::BackupStart {
            token,
            passphrase: None,
        },
        Method::BackupChunk => R::BackupChunk {
            token,
            id: "nope".into(),
            offset: 0,
        },
        // No channel is configured in these tests: a test send is not found, sends nothing.
        Method::NotifyTest => R::NotifyTest {
            token,
            channel: "nope".into(),
        },
        Method::NotifyList => R::NotifyList { token, limit: 10 },
    }
}
