//! The caller's own session: logout, whoami, listing and revoking sessions.

use upstra_core::access::{self, Resource, Topology};
use upstra_core::api::v1::{ApiError, SessionToken, SessionView, WhoAmI};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UserName;
use upstra_core::state::Timestamp;

use crate::auth;
use crate::server::service::Connection;
use crate::store::AuditEntry;

pub async fn logout(c: &Connection, token: SessionToken) -> Result<(), ApiError> {
    let who = c.who()?;
    let hash = auth::token_hash(&token);
    c.shared
        .store
        .call(move |db| db.delete_session(&hash))
        .await?;
    c.audit(AuditEntry::new("logout", "ok").actor(&who.user))
        .await;
    if let Ok(user) = UserName::new(who.user.clone()) {
        c.shared.events.push(DomainEvent::UserLoggedOut { user });
    }
    Ok(())
}

pub fn whoami(c: &Connection) -> Result<WhoAmI, ApiError> {
    let who = c.who()?;
    let on_everything = access::permissions_on(&who.grants, &Resource::All, &Topology::default());
    Ok(WhoAmI {
        user: who.user.clone(),
        role: who.role.clone(),
        permissions: on_everything.to_string(),
        scope: who.scope,
        two_factor: who.two_factor,
        peer_uid: c.peer_uid,
        session_expires_at: Timestamp(who.expires_at),
    })
}

pub async fn list(c: &Connection, user: Option<String>) -> Result<Vec<SessionView>, ApiError> {
    let who = c.who()?;
    // The guard already required ADMIN when `user` names someone else.
    let name = user.unwrap_or_else(|| who.user.clone());
    let rows = c.shared.store.call(move |db| db.sessions_of(&name)).await?;
    Ok(rows
        .into_iter()
        .map(|s| SessionView {
            current: s.public_id == who.session_id,
            id: s.public_id,
            user: s.user,
            scope: s.scope,
            peer_uid: s.peer_uid,
            created_at: Timestamp(s.created_at),
            last_seen_at: Timestamp(s.last_seen_at),
            expires_at: Timestamp(s.expires_at),
        })
        .collect())
}

pub async fn revoke(c: &Connection, id: String) -> Result<(), ApiError> {
    let who = c.who()?;
    let (name, target) = (who.user.clone(), id.clone());
    let found = c
        .shared
        .store
        .call(move |db| db.delete_session_by_id(&name, &target))
        .await?;
    if !found {
        return Err(ApiError::NotFound {
            what: format!("session {id} (see `upstra session list`)"),
        });
    }
    c.audit(
        AuditEntry::new("session_revoke", "ok")
            .actor(&who.user)
            .target(&id),
    )
    .await;
    Ok(())
}

pub async fn revoke_user(c: &Connection, user: String) -> Result<u32, ApiError> {
    let who = c.who()?;
    let name = user.clone();
    let n = c
        .shared
        .store
        .call(move |db| db.delete_sessions_of(&name))
        .await?;
    c.audit(
        AuditEntry::new("session_revoke_user", "ok")
            .actor(&who.user)
            .target(&user),
    )
    .await;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}
