//! The session part of the access check: who is calling, from memory when the session has been
//! seen since the store last changed an identity, else from the store in one trip
//! (`auth/sessions.rs` says what is held and why it cannot be stale).

use std::sync::Arc;

use upstra_core::access::{Grant, Resource};
use upstra_core::api::v1::{ApiError, Method, SessionToken};
use upstra_core::ratelimit::{Bucket, Limit};
use upstra_core::state::Timestamp;

use super::service::{Connection, Principal};
use crate::auth::sessions::{Lookup, SessionRecord, global_bucket_key};
use crate::clock;
use crate::store::audit_detail::SessionOfAnotherUid;
use crate::store::{AuditEntry, GrantRow, SessionRow};

/// A session another Unix user opened, as the refusal records it.
struct Foreign {
    user: String,
    public_id: String,
    opened_by: u32,
}

/// What one trip to the store found for a token.
enum Loaded {
    Unknown,
    Foreign(Foreign),
    Session {
        row: SessionRow,
        grants: Vec<GrantRow>,
        two_factor: bool,
        bucket: Option<Bucket>,
        generation: u64,
    },
}

impl Connection {
    /// Looks the session up, refuses it from any Unix user but the one that opened it, and
    /// counts the call against the caller's global rate limit (when `count`).
    pub(super) async fn session_of(
        &self,
        token: &SessionToken,
        method: Method,
        count: bool,
    ) -> Result<Arc<Principal>, ApiError> {
        let hash = crate::auth::token_hash(token);
        let now = clock::now();
        let settings = self.shared.settings.get();
        let idle = i64::try_from(settings.sessions.idle_timeout.as_millis()).unwrap_or(i64::MAX);
        let global = settings.limits.global;
        let cache = &self.shared.sessions;
        let principal = match cache.check(&hash, self.peer_uid, now.millis(), idle) {
            Lookup::Live(principal) => principal,
            Lookup::Ended => return Err(ApiError::Unauthenticated),
            Lookup::Foreign {
                user,
                public_id,
                opened_by,
            } => {
                let foreign = Foreign {
                    user,
                    public_id,
                    opened_by,
                };
                return Err(self.refuse_foreign(foreign, method).await);
            }
            Lookup::Unknown => match self.load(hash.clone(), now, idle).await? {
                Loaded::Unknown => return Err(ApiError::Unauthenticated),
                Loaded::Foreign(foreign) => return Err(self.refuse_foreign(foreign, method).await),
                Loaded::Session {
                    row,
                    grants,
                    two_factor,
                    bucket,
                    generation,
                } => {
                    cache.hold_bucket(&row.user, bucket, global, now);
                    let principal = Arc::new(principal_of(&row, &grants, two_factor));
                    let record = SessionRecord {
                        principal: principal.clone(),
                        user: row.user,
                        public_id: row.public_id,
                        peer_uid: row.peer_uid,
                        expires_at: row.expires_at,
                        last_seen_at: row.last_seen_at.max(now.millis()),
                    };
                    cache.remember(hash, record, generation);
                    principal
                }
            },
        };
        if count {
            self.take_global(&principal.user, global, now).await?;
        }
        Ok(principal)
    }

    /// One trip to the store: the session (expired ones are deleted there), the user's grants
    /// and second factor, and their global bucket, read at one identity generation.
    async fn load(&self, hash: String, now: Timestamp, idle: i64) -> Result<Loaded, ApiError> {
        let caller_uid = self.peer_uid;
        let generation = self.shared.store.identity_generation();
        self.shared
            .store
            .call(move |db| {
                let Some(row) = db.session(&hash, caller_uid, now.millis(), idle)? else {
                    return Ok(Loaded::Unknown);
                };
                if row.peer_uid != caller_uid {
                    return Ok(Loaded::Foreign(Foreign {
                        user: row.user,
                        public_id: row.public_id,
                        opened_by: row.peer_uid,
                    }));
                }
                // Read on the store thread, between jobs: no write can come in between.
                let generation = generation.now();
                let grants = db.grants(Some(&row.user))?;
                let two_factor = db.user(&row.user)?.is_some_and(|u| u.totp_secret.is_some());
                let bucket = db
                    .bucket(&global_bucket_key(&row.user))?
                    .map(|(tokens, updated)| Bucket {
                        tokens,
                        updated: Timestamp(updated),
                    });
                Ok(Loaded::Session {
                    row,
                    grants,
                    two_factor,
                    bucket,
                    generation,
                })
            })
            .await
            .map_err(ApiError::from)
    }

    /// Takes the call's token from the user's global bucket, in memory; the bucket is loaded
    /// first if memory had to let it go.
    async fn take_global(&self, user: &str, limit: Limit, now: Timestamp) -> Result<(), ApiError> {
        let cache = &self.shared.sessions;
        if !cache.holds_bucket(user) {
            let key = global_bucket_key(user);
            let stored = self.shared.store.call(move |db| db.bucket(&key)).await?;
            let stored = stored.map(|(tokens, updated)| Bucket {
                tokens,
                updated: Timestamp(updated),
            });
            cache.hold_bucket(user, stored, limit, now);
        }
        match cache.take_global(user, limit, now) {
            Some(Ok(())) => Ok(()),
            Some(Err(retry_after_s)) => Err(ApiError::RateLimited { retry_after_s }),
            // Let go again between the two steps above: only under a flood of thousands of
            // users; refuse this call rather than count it nowhere.
            None => Err(ApiError::RateLimited { retry_after_s: 1 }),
        }
    }

    /// A token copied to another Unix user: refused like a token that does not exist (its
    /// holder learns nothing), and recorded for whoever owns it.
    async fn refuse_foreign(&self, foreign: Foreign, method: Method) -> ApiError {
        let caller_uid = self.peer_uid;
        tracing::warn!(user = %foreign.user, session = %foreign.public_id, opened_by = foreign.opened_by, caller_uid, method = method.name(), "session presented by another Unix user");
        self.audit(
            AuditEntry::new(method.name(), "denied")
                .actor(&foreign.user)
                .target(format!("session:{}", foreign.public_id))
                .detail(&SessionOfAnotherUid {
                    reason: "session opened by another Unix user",
                    opened_by_uid: foreign.opened_by,
                }),
        )
        .await;
        ApiError::Unauthenticated
    }
}

/// The caller a session stands for, with its grants resolved to resources once, when loaded.
fn principal_of(row: &SessionRow, grants: &[GrantRow], two_factor: bool) -> Principal {
    let role = grants
        .iter()
        .find(|g| g.resource == "all")
        .map(|g| g.role.clone());
    let grants = grants
        .iter()
        .filter_map(|g| {
            Resource::parse(&g.resource).ok().map(|resource| Grant {
                permissions: g.permissions,
                resource,
            })
        })
        .collect();
    Principal {
        user: row.user.clone(),
        role: role.unwrap_or_else(|| "custom".into()),
        scope: row.scope,
        session_id: row.public_id.clone(),
        expires_at: row.expires_at,
        two_factor,
        grants,
    }
}
