//! The implementation of API v1, one value per connection.
//!
//! Every handler starts with [`Connection::enter`], which applies the method's row of the
//! access table (`Method::access`): refuse while shutting down, check the session, check the
//! permissions. Nothing below that line runs for a caller who may not run it.

use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use tarpc::context::Context;
use upstra_core::api::v1::{
    self, Access, ApiError, ApplyReport, EventPage, LabSpec, LoginReply, LoginRequest, Method,
    RoomView, ServerView, SessionToken, SetupRequest, UpsView, Upstra, VmView, WhoAmI,
};
use upstra_core::diff::{self, ChangeKind};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UserName;
use upstra_core::model::{Inventory, TlsTrust};
use upstra_core::rbac::{self, BuiltinRole, Decision, Permissions};
use upstra_core::state::Timestamp;

use crate::auth;
use crate::clock;
use crate::shared::Shared;
use crate::store::{AuditEntry, StoreError, UserRow};

/// The longest a client may ask `events_since` to wait.
const MAX_EVENT_WAIT: Duration = Duration::from_secs(30);

/// The caller of a request, once its session is checked.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: String,
    pub role: String,
    pub permissions: Permissions,
    pub expires_at: i64,
}

/// One client connection's service value.
#[derive(Clone)]
pub struct Connection {
    shared: Arc<Shared>,
    /// The Unix uid of the peer process, from SO_PEERCRED.
    peer_uid: u32,
}

impl Connection {
    pub fn new(shared: Arc<Shared>, peer_uid: u32) -> Self {
        Self { shared, peer_uid }
    }

    /// The access check every handler runs first.
    async fn enter(
        &self,
        method: Method,
        token: Option<&SessionToken>,
    ) -> Result<Option<Principal>, ApiError> {
        if self.shared.stopping.is_cancelled() {
            return Err(ApiError::Unavailable {
                message: "the daemon is shutting down".into(),
            });
        }
        let needed = match method.access() {
            Access::Public => return Ok(None),
            Access::Session(needed) => needed,
        };
        let token = token.ok_or(ApiError::Unauthenticated)?;
        let hash = auth::token_hash(token);
        let now = clock::now().millis();
        let idle =
            i64::try_from(self.shared.config.sessions.idle_timeout.as_millis()).unwrap_or(i64::MAX);
        let row = self
            .shared
            .store
            .call(move |db| db.session(&hash, now, idle))
            .await
            .map_err(|e| internal(&e))?
            .ok_or(ApiError::Unauthenticated)?;
        let permissions =
            BuiltinRole::parse(&row.role).map_or(Permissions::NONE, BuiltinRole::permissions);
        if let Decision::Deny { missing } = rbac::authorize(permissions, needed) {
            tracing::info!(user = %row.user, method = method.name(), %missing, "denied");
            return Err(ApiError::Forbidden {
                needed: missing.to_string(),
            });
        }
        Ok(Some(Principal {
            user: row.user,
            role: row.role,
            permissions,
            expires_at: row.expires_at,
        }))
    }

    /// For methods whose table row requires a session: the principal is always there.
    async fn principal(&self, method: Method, token: &SessionToken) -> Result<Principal, ApiError> {
        self.enter(method, Some(token))
            .await?
            .ok_or(ApiError::Unauthenticated)
    }

    async fn audit(&self, actor: Option<&str>, action: &str, target: Option<&str>, result: &str) {
        let entry_actor = actor.map(str::to_owned);
        let target = target.map(str::to_owned);
        let action = action.to_owned();
        let result = result.to_owned();
        let uid = self.peer_uid;
        let res = self
            .shared
            .store
            .call(move |db| {
                db.audit(&AuditEntry {
                    at: clock::now().millis(),
                    actor: entry_actor.as_deref(),
                    peer_uid: Some(uid),
                    action: &action,
                    target: target.as_deref(),
                    result: &result,
                    detail: None,
                })
            })
            .await;
        if let Err(e) = res {
            tracing::error!(error = %e, "cannot write an audit record");
        }
    }
}

/// Logs the full error under a fresh reference and returns only the reference to the client.
fn internal(e: &StoreError) -> ApiError {
    let mut bytes = [0u8; 4];
    rand::rng().fill_bytes(&mut bytes);
    let reference = hex::encode(bytes);
    tracing::error!(%reference, error = %e, "internal error");
    ApiError::Internal { reference }
}

impl Upstra for Connection {
    async fn health(self, _: Context) -> v1::Health {
        let has_users = self
            .shared
            .store
            .call(|db| db.user_count())
            .await
            .map(|n| n > 0)
            .unwrap_or(false);
        v1::Health {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            api_version: v1::API_VERSION,
            has_users,
            simulated: self.shared.simulated,
        }
    }

    async fn setup(self, _: Context, req: SetupRequest) -> Result<(), ApiError> {
        self.enter(Method::Setup, None).await?;
        // "Already done" first: once users exist, nothing else about the request matters.
        if self
            .shared
            .store
            .call(|db| db.user_count())
            .await
            .map_err(|e| internal(&e))?
            > 0
        {
            return Err(setup_refused());
        }
        let name = UserName::new(req.user.clone()).map_err(|e| ApiError::invalid(e.to_string()))?;
        auth::check_policy(name.as_str(), &req.password).map_err(ApiError::invalid)?;
        let hash = auth::hash_password(req.password).await.map_err(|e| {
            tracing::error!(error = %e, "password hashing failed");
            ApiError::Internal {
                reference: "hash".into(),
            }
        })?;
        let row = UserRow {
            name: name.to_string(),
            password_hash: hash,
            role: BuiltinRole::Admin.as_str().into(),
            disabled: false,
        };
        let now = clock::now().millis();
        let created = self
            .shared
            .store
            .call(move |db| db.create_first_user(&row, now))
            .await
            .map_err(|e| internal(&e))?;
        if !created {
            return Err(setup_refused());
        }
        tracing::info!(user = %name, peer_uid = self.peer_uid, "first admin created");
        self.audit(Some(name.as_str()), "setup", Some(name.as_str()), "ok")
            .await;
        Ok(())
    }

    async fn login(self, _: Context, req: LoginRequest) -> Result<LoginReply, ApiError> {
        self.enter(Method::Login, None).await?;
        let user = req.user.clone();
        let row = self
            .shared
            .store
            .call(move |db| db.user(&user))
            .await
            .map_err(|e| internal(&e))?;
        let usable = row.as_ref().is_some_and(|r| !r.disabled);
        let ok = auth::verify_password(req.password, row.as_ref().map(|r| r.password_hash.clone()))
            .await;
        let (Some(row), true, true) = (row, usable, ok) else {
            tracing::info!(user = %req.user, peer_uid = self.peer_uid, "login refused");
            self.audit(Some(&req.user), "login", None, "refused").await;
            return Err(ApiError::BadCredentials);
        };
        let (token, hash) = auth::new_token();
        let now = clock::now().millis();
        let lifetime = i64::try_from(self.shared.config.sessions.absolute_lifetime.as_millis())
            .unwrap_or(i64::MAX);
        let expires_at = now.saturating_add(lifetime);
        let (user, uid) = (row.name.clone(), self.peer_uid);
        self.shared
            .store
            .call(move |db| db.create_session(&hash, &user, uid, now, expires_at))
            .await
            .map_err(|e| internal(&e))?;
        self.audit(Some(&row.name), "login", None, "ok").await;
        if let Ok(user) = UserName::new(row.name.clone()) {
            self.shared.events.push(DomainEvent::UserLoggedIn { user });
        }
        Ok(LoginReply {
            token,
            user: row.name,
            role: row.role,
            expires_at: Timestamp(expires_at),
        })
    }

    async fn logout(self, _: Context, token: SessionToken) -> Result<(), ApiError> {
        let who = self.principal(Method::Logout, &token).await?;
        let hash = auth::token_hash(&token);
        self.shared
            .store
            .call(move |db| db.delete_session(&hash))
            .await
            .map_err(|e| internal(&e))?;
        self.audit(Some(&who.user), "logout", None, "ok").await;
        if let Ok(user) = UserName::new(who.user) {
            self.shared.events.push(DomainEvent::UserLoggedOut { user });
        }
        Ok(())
    }

    async fn whoami(self, _: Context, token: SessionToken) -> Result<WhoAmI, ApiError> {
        let who = self.principal(Method::WhoAmI, &token).await?;
        Ok(WhoAmI {
            user: who.user,
            role: who.role,
            permissions: who.permissions.to_string(),
            peer_uid: self.peer_uid,
            session_expires_at: Timestamp(who.expires_at),
        })
    }

    async fn apply(
        self,
        _: Context,
        token: SessionToken,
        spec: LabSpec,
        dry_run: bool,
    ) -> Result<ApplyReport, ApiError> {
        let who = self.principal(Method::Apply, &token).await?;
        let current = self.shared.inventory();
        let desired = spec
            .into_inventory(&current)
            .map_err(|problems| ApiError::Invalid { problems })?;
        let changes = diff::diff(&current, &desired);
        let warnings = apply_warnings(&desired, self.shared.simulated).await;
        if dry_run || diff::is_noop(&changes) {
            return Ok(ApplyReport {
                dry_run,
                changes,
                warnings,
            });
        }
        let created = changes
            .iter()
            .filter(|c| c.kind == ChangeKind::Create)
            .count();
        let updated = changes
            .iter()
            .filter(|c| matches!(c.kind, ChangeKind::Update { .. }))
            .count();
        let merged = diff::merge(&current, &desired);
        let detail = serde_json::to_string(&changes).ok();
        let actor = who.user.clone();
        let uid = self.peer_uid;
        let to_save = desired.clone();
        self.shared
            .store
            .call(move |db| {
                db.save_inventory(
                    &to_save.rooms.values().collect::<Vec<_>>(),
                    &to_save.ups.values().collect::<Vec<_>>(),
                    &to_save.servers.values().collect::<Vec<_>>(),
                    to_save.vcenter.as_ref(),
                    &AuditEntry {
                        at: clock::now().millis(),
                        actor: Some(&actor),
                        peer_uid: Some(uid),
                        action: "apply",
                        target: None,
                        result: "ok",
                        detail,
                    },
                )
            })
            .await
            .map_err(|e| internal(&e))?;
        self.shared.set_inventory(merged);
        if let Ok(by) = UserName::new(who.user) {
            let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            self.shared.events.push(DomainEvent::InventoryApplied {
                by,
                created: count(created),
                updated: count(updated),
            });
        }
        Ok(ApplyReport {
            dry_run,
            changes,
            warnings,
        })
    }

    async fn list_rooms(self, _: Context, token: SessionToken) -> Result<Vec<RoomView>, ApiError> {
        self.principal(Method::ListRooms, &token).await?;
        let inv = self.shared.inventory();
        Ok(inv
            .rooms
            .keys()
            .map(|room| RoomView {
                name: room.to_string(),
                ups: inv
                    .ups
                    .values()
                    .filter(|u| &u.room == room)
                    .map(|u| u.id.to_string())
                    .collect(),
                servers: inv
                    .servers
                    .values()
                    .filter(|s| &s.room == room)
                    .map(|s| s.id.to_string())
                    .collect(),
            })
            .collect())
    }

    async fn list_ups(self, _: Context, token: SessionToken) -> Result<Vec<UpsView>, ApiError> {
        self.principal(Method::ListUps, &token).await?;
        let inv = self.shared.inventory();
        let live = self.shared.live.ups.read().map_err(|_| poisoned())?;
        Ok(inv
            .ups
            .values()
            .map(|u| UpsView::new(u, &live.get(&u.id).cloned().unwrap_or_default()))
            .collect())
    }

    async fn list_servers(
        self,
        _: Context,
        token: SessionToken,
    ) -> Result<Vec<ServerView>, ApiError> {
        self.principal(Method::ListServers, &token).await?;
        let inv = self.shared.inventory();
        let live = self.shared.live.servers.read().map_err(|_| poisoned())?;
        Ok(inv
            .servers
            .values()
            .map(|s| ServerView::new(s, &live.get(&s.id).cloned().unwrap_or_default()))
            .collect())
    }

    async fn list_vms(self, _: Context, token: SessionToken) -> Result<Vec<VmView>, ApiError> {
        self.principal(Method::ListVms, &token).await?;
        let inv = self.shared.inventory();
        let vms = self.shared.live.vms.read().map_err(|_| poisoned())?;
        Ok(vms
            .values()
            .map(|vm| {
                let server = inv
                    .servers
                    .values()
                    .find(|s| s.vsphere_host.is_some() && s.vsphere_host == vm.host)
                    .map(|s| &s.id);
                VmView::new(vm, server)
            })
            .collect())
    }

    async fn events_since(
        self,
        _: Context,
        token: SessionToken,
        cursor: u64,
        max_wait_ms: u64,
    ) -> Result<EventPage, ApiError> {
        self.principal(Method::EventsSince, &token).await?;
        let wait = Duration::from_millis(max_wait_ms).min(MAX_EVENT_WAIT);
        let page = self
            .shared
            .events
            .since(cursor, wait, &self.shared.stopping)
            .await;
        Ok(EventPage {
            events: page.events,
            next_cursor: page.next_cursor,
            gap: page.gap,
        })
    }
}

fn setup_refused() -> ApiError {
    ApiError::Conflict {
        message: "setup has already been done: this store has users; log in with `upstra login`"
            .into(),
    }
}

fn poisoned() -> ApiError {
    tracing::error!("live state lock poisoned");
    ApiError::Internal {
        reference: "live-state".into(),
    }
}

/// Warnings for an apply: unpinned TLS peers, and peers that do not answer. Neither stops the
/// apply: the declaration is stored and the operator is told what needs attention.
async fn apply_warnings(desired: &Inventory, simulated: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut probes: Vec<(String, String)> = Vec::new();
    for s in desired.servers.values() {
        if let Some(bmc) = &s.bmc {
            if bmc.url.is_https() && bmc.tls == TlsTrust::Unpinned {
                warnings.push(format!(
                    "server `{}`: the BMC certificate is not pinned, so Upstra will not talk to it until you add tls_fingerprint or ca_file",
                    s.id
                ));
            }
            if let Some(addr) = authority(bmc.url.as_str()) {
                probes.push((format!("server `{}` BMC", s.id), addr));
            }
        }
    }
    for u in desired.ups.values() {
        probes.push((
            format!("UPS `{}`", u.id),
            format!("{}:{}", u.nut.host, u.nut.port),
        ));
    }
    if let Some(vc) = &desired.vcenter {
        if vc.url.is_https() && vc.tls == TlsTrust::Unpinned {
            warnings.push(
                "vcenter: the certificate is not pinned; add tls_fingerprint or ca_file".into(),
            );
        }
        if let Some(addr) = authority(vc.url.as_str()) {
            probes.push(("vcenter".into(), addr));
        }
    }
    if !simulated {
        let checks = probes.into_iter().map(|(what, addr)| async move {
            let connect = tokio::net::TcpStream::connect(addr.clone());
            match tokio::time::timeout(Duration::from_secs(2), connect).await {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(format!("{what}: cannot reach {addr} ({e}); stored anyway")),
                Err(_) => Some(format!(
                    "{what}: no answer from {addr} within 2 s; stored anyway"
                )),
            }
        });
        warnings.extend(
            futures::future::join_all(checks)
                .await
                .into_iter()
                .flatten(),
        );
    }
    warnings
}

/// `host:port` of an http(s) URL, with the scheme's default port.
fn authority(url: &str) -> Option<String> {
    let (default, rest) = if let Some(r) = url.strip_prefix("https://") {
        (443, r)
    } else {
        (80, url.strip_prefix("http://")?)
    };
    let auth = rest.split(['/', '?', '#']).next()?;
    let has_port = auth
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()));
    Some(if has_port {
        auth.to_owned()
    } else {
        format!("{auth}:{default}")
    })
}
