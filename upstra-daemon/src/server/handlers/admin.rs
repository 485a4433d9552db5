//! Users, roles, grants and settings: the admin's side. The last admin can never be removed,
//! disabled or demoted, so an installation cannot lock itself out.

use rand::Rng;
use upstra_core::access::Resource;
use upstra_core::api::v1::ConflictReason;
use upstra_core::api::v1::{
    ApiError, GrantView, ResetSecret, RoleView, Settings, TwoFactorRequirement, UserAddRequest,
    UserView,
};
use upstra_core::ids::{NameError, UserName};
use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;

use super::auth::hash;
use crate::server::service::Connection;
use crate::store::AuditEntry;
use crate::store::RoleRemoval;
use crate::{auth, clock};

/// The audit detail of a record that gives a user a role (`user_add`, `user_set_role`).
#[derive(serde::Serialize)]
struct RoleDetail<'a> {
    role: &'a str,
}

/// The audit detail of `role_create`: the permissions, spelled as `role list` shows them.
#[derive(serde::Serialize)]
struct PermissionsDetail {
    permissions: String,
}

/// The audit detail of `grant_add` and `grant_remove`.
#[derive(serde::Serialize)]
struct GrantDetail<'a> {
    role: &'a str,
    resource: String,
}

/// How long a reset secret works.
pub const RESET_LIFETIME_MS: i64 = 15 * 60 * 1000;

fn invalid_name(e: NameError) -> ApiError {
    ApiError::invalid(e.to_string())
}

fn no_user(name: &str) -> ApiError {
    ApiError::NotFound {
        what: format!("user `{name}`"),
    }
}

/// Refuses when `user` is the last enabled admin, for `action` ("remove", "disable", ...).
async fn not_last_admin(c: &Connection, user: &str, action: &str) -> Result<(), ApiError> {
    let admins = c.shared.store.call(|db| db.enabled_admins()).await?;
    if admins.len() == 1 && admins[0] == user {
        return Err(ApiError::Conflict {
            reason: ConflictReason::LastAdmin,
            message: format!(
                "`{user}` is the last admin and cannot be {action}; make another user admin first"
            ),
        });
    }
    Ok(())
}

async fn role_exists(c: &Connection, role: &str) -> Result<(), ApiError> {
    let roles = c.shared.store.call(|db| db.roles()).await?;
    if roles.iter().any(|r| r.name == role) {
        Ok(())
    } else {
        let known: Vec<String> = roles.into_iter().map(|r| r.name).collect();
        Err(ApiError::invalid(format!(
            "role `{role}` does not exist; roles are {}",
            known.join(", ")
        )))
    }
}

pub async fn user_add(c: &Connection, req: UserAddRequest) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let name = UserName::new(req.name.clone()).map_err(invalid_name)?;
    role_exists(c, &req.role).await?;
    auth::check_policy(name.as_str(), &req.password).map_err(ApiError::invalid)?;
    let hash = hash(req.password).await?;
    let (user, role, now) = (name.to_string(), req.role.clone(), clock::now().millis());
    let created = c
        .shared
        .store
        .call(move |db| db.create_user(&user, &hash, &role, now, false))
        .await?;
    if !created {
        return Err(ApiError::Conflict {
            reason: ConflictReason::UserExists,
            message: format!("user `{name}` already exists"),
        });
    }
    c.audit(
        AuditEntry::new("user_add", "ok")
            .actor(&who)
            .target(name.as_str())
            .detail(&RoleDetail { role: &req.role }),
    )
    .await;
    Ok(())
}

pub async fn user_list(c: &Connection) -> Result<Vec<UserView>, ApiError> {
    let (users, grants) = c
        .shared
        .store
        .call(|db| Ok((db.users()?, db.grants(None)?)))
        .await?;
    Ok(users
        .into_iter()
        .map(|u| {
            let mine: Vec<_> = grants.iter().filter(|g| g.user == u.name).collect();
            UserView {
                role: mine
                    .iter()
                    .find(|g| g.resource == "all")
                    .map(|g| g.role.clone()),
                scoped_grants: u32::try_from(mine.iter().filter(|g| g.resource != "all").count())
                    .unwrap_or(u32::MAX),
                disabled: u.disabled,
                two_factor: u.totp_secret.is_some(),
                must_change_password: u.must_change_password,
                created_at: Timestamp(u.created_at),
                name: u.name,
            }
        })
        .collect())
}

pub async fn user_set_disabled(
    c: &Connection,
    user: String,
    disabled: bool,
) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    if disabled {
        not_last_admin(c, &user, "disabled").await?;
    }
    let name = user.clone();
    let found = c
        .shared
        .store
        .call(move |db| db.set_disabled(&name, disabled))
        .await?;
    if !found {
        return Err(no_user(&user));
    }
    let action = if disabled {
        "user_disable"
    } else {
        "user_enable"
    };
    c.audit(AuditEntry::new(action, "ok").actor(&who).target(&user))
        .await;
    Ok(())
}

pub async fn user_remove(c: &Connection, user: String) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    not_last_admin(c, &user, "removed").await?;
    let name = user.clone();
    if !c.shared.store.call(move |db| db.remove_user(&name)).await? {
        return Err(no_user(&user));
    }
    c.audit(
        AuditEntry::new("user_remove", "ok")
            .actor(&who)
            .target(&user),
    )
    .await;
    Ok(())
}

pub async fn user_set_role(c: &Connection, user: String, role: String) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    role_exists(c, &role).await?;
    let roles = c.shared.store.call(|db| db.roles()).await?;
    let keeps_admin = roles
        .iter()
        .any(|r| r.name == role && r.permissions.contains(Permissions::ADMIN));
    if !keeps_admin {
        not_last_admin(c, &user, "demoted").await?;
    }
    let name = user.clone();
    if c.shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .is_none()
    {
        return Err(no_user(&user));
    }
    let (name, r) = (user.clone(), role.clone());
    c.shared
        .store
        .call(move |db| db.set_role_on_all(&name, &r))
        .await?;
    c.audit(
        AuditEntry::new("user_set_role", "ok")
            .actor(&who)
            .target(&user)
            .detail(&RoleDetail { role: &role }),
    )
    .await;
    Ok(())
}

pub async fn user_reset_password(c: &Connection, user: String) -> Result<ResetSecret, ApiError> {
    let who = c.who()?.user.clone();
    let name = user.clone();
    if c.shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .is_none()
    {
        return Err(no_user(&user));
    }
    const CHARS: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let secret: String = {
        let mut rng = rand::rng();
        (0..20)
            .map(|_| char::from(CHARS[rng.random_range(0..CHARS.len())]))
            .collect()
    };
    let reset_hash = hash(Secret::new(secret.clone())).await?;
    let expires_at = clock::now().millis() + RESET_LIFETIME_MS;
    let name = user.clone();
    c.shared
        .store
        .call(move |db| db.set_reset(&name, &reset_hash, expires_at))
        .await?;
    c.audit(
        AuditEntry::new("user_reset_password", "ok")
            .actor(&who)
            .target(&user),
    )
    .await;
    Ok(ResetSecret {
        secret: Secret::new(secret),
        expires_at: Timestamp(expires_at),
    })
}

pub async fn role_list(c: &Connection) -> Result<Vec<RoleView>, ApiError> {
    let roles = c.shared.store.call(|db| db.roles()).await?;
    Ok(roles
        .into_iter()
        .map(|r| RoleView {
            name: r.name,
            permissions: r.permissions.names(),
            builtin: r.builtin,
        })
        .collect())
}

pub async fn role_create(
    c: &Connection,
    name: String,
    permissions: Vec<String>,
) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    UserName::new(name.clone()).map_err(|e| ApiError::invalid(format!("role name: {e}")))?;
    let bits = Permissions::parse_names(&permissions).map_err(ApiError::invalid)?;
    if bits == Permissions::NONE {
        return Err(ApiError::invalid("a role needs at least one permission"));
    }
    let role = name.clone();
    if !c
        .shared
        .store
        .call(move |db| db.create_role(&role, bits))
        .await?
    {
        return Err(ApiError::Conflict {
            reason: ConflictReason::RoleExists,
            message: format!("role `{name}` already exists"),
        });
    }
    c.audit(
        AuditEntry::new("role_create", "ok")
            .actor(&who)
            .target(&name)
            .detail(&PermissionsDetail {
                permissions: bits.to_string(),
            }),
    )
    .await;
    Ok(())
}

pub async fn role_remove(c: &Connection, name: String) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let role = name.clone();
    match c.shared.store.call(move |db| db.remove_role(&role)).await? {
        RoleRemoval::Removed => {}
        RoleRemoval::NotFound => {
            return Err(ApiError::NotFound {
                what: format!("role `{name}`"),
            });
        }
        RoleRemoval::Builtin => {
            return Err(ApiError::Conflict {
                reason: ConflictReason::BuiltinRole,
                message: format!("`{name}` is a built-in role and cannot be removed"),
            });
        }
        RoleRemoval::InUse(n) => {
            return Err(ApiError::Conflict {
                reason: ConflictReason::RoleInUse { grants: n },
                message: format!(
                    "role `{name}` is used by {n} grant(s); remove them first (`upstra grant list`)"
                ),
            });
        }
    }
    c.audit(
        AuditEntry::new("role_remove", "ok")
            .actor(&who)
            .target(&name),
    )
    .await;
    Ok(())
}

pub async fn grant_list(c: &Connection) -> Result<Vec<GrantView>, ApiError> {
    let grants = c.shared.store.call(|db| db.grants(None)).await?;
    Ok(grants
        .into_iter()
        .map(|g| GrantView {
            user: g.user,
            role: g.role,
            resource: g.resource,
        })
        .collect())
}

/// Checks a grant's parts: the user and role exist, the resource parses and is declared.
async fn check_grant(c: &Connection, g: &GrantView) -> Result<Resource, ApiError> {
    let resource = Resource::parse(&g.resource).map_err(ApiError::invalid)?;
    let name = g.user.clone();
    if c.shared
        .store
        .call(move |db| db.user(&name))
        .await?
        .is_none()
    {
        return Err(no_user(&g.user));
    }
    role_exists(c, &g.role).await?;
    let inv = c.shared.inventory();
    let declared = match &resource {
        Resource::All | Resource::Vm(_) => true,
        Resource::Room(id) => inv.rooms.contains_key(id),
        Resource::Ups(id) => inv.ups.contains_key(id),
        Resource::Server(id) => inv.servers.contains_key(id),
    };
    if !declared {
        return Err(ApiError::invalid(format!(
            "{resource} is not in the inventory (see `upstra room list`, `ups list`, `server list`)"
        )));
    }
    Ok(resource)
}

pub async fn grant_add(c: &Connection, g: GrantView) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let resource = check_grant(c, &g).await?.to_string();
    let (user, role, res) = (g.user.clone(), g.role.clone(), resource.clone());
    if !c
        .shared
        .store
        .call(move |db| db.add_grant(&user, &role, &res))
        .await?
    {
        return Err(ApiError::Conflict {
            reason: ConflictReason::GrantExists,
            message: format!("`{}` already has `{}` on {resource}", g.user, g.role),
        });
    }
    c.audit(
        AuditEntry::new("grant_add", "ok")
            .actor(&who)
            .target(&g.user)
            .detail(&GrantDetail {
                role: &g.role,
                resource: resource.to_string(),
            }),
    )
    .await;
    Ok(())
}

pub async fn grant_remove(c: &Connection, g: GrantView) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let resource = Resource::parse(&g.resource)
        .map_err(ApiError::invalid)?
        .to_string();
    if resource == "all" {
        let roles = c.shared.store.call(|db| db.roles()).await?;
        if roles
            .iter()
            .any(|r| r.name == g.role && r.permissions.contains(Permissions::ADMIN))
        {
            not_last_admin(c, &g.user, "demoted").await?;
        }
    }
    let (user, role, res) = (g.user.clone(), g.role.clone(), resource.clone());
    if !c
        .shared
        .store
        .call(move |db| db.remove_grant(&user, &role, &res))
        .await?
    {
        return Err(ApiError::NotFound {
            what: format!("grant of `{}` to `{}` on {resource}", g.role, g.user),
        });
    }
    c.audit(
        AuditEntry::new("grant_remove", "ok")
            .actor(&who)
            .target(&g.user)
            .detail(&GrantDetail {
                role: &g.role,
                resource: resource.to_string(),
            }),
    )
    .await;
    Ok(())
}

pub async fn settings_get(c: &Connection) -> Result<Settings, ApiError> {
    let raw = c.shared.store.call(|db| db.setting("settings")).await?;
    Ok(raw
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default())
}

pub async fn settings_set(c: &Connection, settings: Settings) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    if let TwoFactorRequirement::Roles(roles) = &settings.require_two_factor {
        for role in roles {
            role_exists(c, role).await?;
        }
    }
    let stored = serde_json::to_string(&settings).map_err(|e| ApiError::invalid(e.to_string()))?;
    c.shared
        .store
        .call(move |db| db.set_setting("settings", &stored))
        .await?;
    c.audit(
        AuditEntry::new("settings_set", "ok")
            .actor(&who)
            .detail(&&settings),
    )
    .await;
    Ok(())
}
