//! The session check's memory: the sessions callers have shown, with who they are, and each
//! user's bucket of the global rate limit, so that an ordinary call costs no trip to the store.
//!
//! The store stays the truth. A session is loaded from it the first time a token is seen, and
//! the copy is used only while the store's identity generation (`store::IdentityGeneration`)
//! has not moved: every write to users, roles, grants or sessions moves it inside the writing
//! job, before the writer gets its answer. So a logout, a revocation, a disabled or removed
//! user, a role or grant change, a password change or reset and a two-factor change all take
//! effect on the next call of any connection, whichever handler made them; nothing has to
//! remember to call this module. A restore replaces the store of a stopped daemon, whose memory
//! went with it.
//!
//! What must be durable still goes to the store: logins, logouts and revocations (they are the
//! writes above), an expired session's deletion, and two things written behind, bounded:
//! - the time a session was last used, at most every [`LAST_SEEN_WRITE_EVERY_MS`] per session
//!   (as before: the store never had the exact time), so a restart ends an idle session at
//!   most that much early, never late;
//! - the global rate-limit bucket, at most every [`BUCKET_WRITE_EVERY_MS`] per user, so a
//!   restart forgets at most that long of counted calls.
//!
//! Idleness and the absolute lifetime are checked here against the exact in-memory clock.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use upstra_core::ratelimit::{Bucket, Limit};
use upstra_core::state::Timestamp;

use crate::store::{IdentityGeneration, Store};

/// The most sessions held in memory. Each is a few hundred bytes; logins are slow and rate
/// limited, so a daemon rarely holds more than a few dozen. Past this the copies are dropped
/// and reloaded from the store on demand: a cost, never a wrong answer.
pub const MAX_CACHED_SESSIONS: usize = 4096;
/// The most users whose global bucket is held in memory; one per user who called. Past this
/// the buckets are written to the store and dropped (each reload reads what was written).
pub const MAX_CACHED_BUCKETS: usize = 4096;
/// How often a session's last use is written to the store at most: what `session list` shows
/// and what a restarted daemon starts its idle clock from.
pub const LAST_SEEN_WRITE_EVERY_MS: i64 = 5_000;
/// How often a user's global bucket is written to the store at most: the calls a crash or
/// restart can forget.
pub const BUCKET_WRITE_EVERY_MS: i64 = 1_000;

/// A session as the check holds it: the caller it stands for (`P`, built by the guard) and
/// what the check itself needs.
#[derive(Debug, Clone)]
pub struct SessionRecord<P> {
    pub principal: Arc<P>,
    pub user: String,
    pub public_id: String,
    /// The Unix uid that opened it: from any other the token is refused.
    pub peer_uid: u32,
    pub expires_at: i64,
    /// The last use as the store has it when loaded.
    pub last_seen_at: i64,
}

struct Held<P> {
    record: SessionRecord<P>,
    /// The exact last use by its owner.
    last_seen: i64,
    /// The last use the store has.
    last_seen_written: i64,
}

struct HeldBucket {
    bucket: Bucket,
    written_at: i64,
}

struct Inner<P> {
    /// The identity generation the sessions below were loaded at.
    generation: u64,
    /// By the token's SHA-256 (hex), as the store keys them.
    sessions: HashMap<String, Held<P>>,
    /// By user name.
    buckets: HashMap<String, HeldBucket>,
}

/// What the memory says about a token.
#[derive(Debug)]
pub enum Lookup<P> {
    /// A live session of the caller's own Unix user; its last use is now.
    Live(Arc<P>),
    /// A live session opened by another Unix user: refused, and not kept alive by this call.
    Foreign {
        user: String,
        public_id: String,
        opened_by: u32,
    },
    /// The session was held, and has expired (idle or past its lifetime): forgotten here and
    /// deleted from the store.
    Ended,
    /// Not held (never seen, or the store changed since): ask the store.
    Unknown,
}

/// The sessions and buckets in memory. Cheap to share: every method takes the one lock for
/// a few map operations, and never across an await.
pub struct SessionCache<P> {
    inner: Mutex<Inner<P>>,
    generation: IdentityGeneration,
    store: Store,
}

impl<P> SessionCache<P> {
    pub fn new(store: Store) -> Self {
        let generation = store.identity_generation();
        Self {
            inner: Mutex::new(Inner {
                generation: generation.now(),
                sessions: HashMap::new(),
                buckets: HashMap::new(),
            }),
            generation,
            store,
        }
    }

    /// The one poisoning policy: a panic while the lock was held may have left a session
    /// half-updated, so the sessions are dropped (they are copies, reloaded on demand); the
    /// buckets are plain values, each replaced whole, and are kept.
    fn lock(&self) -> MutexGuard<'_, Inner<P>> {
        self.inner.lock().unwrap_or_else(|poisoned| {
            tracing::error!("the session memory's lock was poisoned; its sessions are reloaded");
            let mut inner = poisoned.into_inner();
            inner.sessions.clear();
            self.inner.clear_poison();
            inner
        })
    }

    /// The locked memory, with sessions loaded before the store's last identity write
    /// dropped.
    fn current(&self) -> MutexGuard<'_, Inner<P>> {
        let mut inner = self.lock();
        let now = self.generation.now();
        if inner.generation != now {
            inner.sessions.clear();
            inner.generation = now;
        }
        inner
    }

    /// Checks a token's session in memory at `now` with the idle timeout in force.
    pub fn check(&self, token_hash: &str, caller_uid: u32, now: i64, idle_ms: i64) -> Lookup<P> {
        let mut inner = self.current();
        let Some(held) = inner.sessions.get_mut(token_hash) else {
            return Lookup::Unknown;
        };
        if now >= held.record.expires_at || now.saturating_sub(held.last_seen) >= idle_ms {
            inner.sessions.remove(token_hash);
            drop(inner);
            let hash = token_hash.to_owned();
            // Deleted when seen, as the store's own check does; the delete moves the
            // generation, which empties this memory once more: harmless.
            self.store.send("delete an expired session", move |db| {
                db.delete_session(&hash).map(|_| ())
            });
            return Lookup::Ended;
        }
        if held.record.peer_uid != caller_uid {
            return Lookup::Foreign {
                user: held.record.user.clone(),
                public_id: held.record.public_id.clone(),
                opened_by: held.record.peer_uid,
            };
        }
        held.last_seen = held.last_seen.max(now);
        let principal = held.record.principal.clone();
        if now - held.last_seen_written > LAST_SEEN_WRITE_EVERY_MS {
            held.last_seen_written = now;
            let hash = token_hash.to_owned();
            // Sent under the lock, so two writes of one session reach the store in order.
            self.store.send("record a session's last use", move |db| {
                db.touch_session(&hash, now)
            });
        }
        Lookup::Live(principal)
    }

    /// Keeps a session the store returned at identity generation `loaded_at`, unless the store
    /// changed since: then this call uses it (it was true when read, as a call racing a
    /// revocation always could) and the next one asks the store again.
    pub fn remember(&self, token_hash: String, record: SessionRecord<P>, loaded_at: u64) {
        let mut inner = self.current();
        if inner.generation != loaded_at {
            return;
        }
        if inner.sessions.len() >= MAX_CACHED_SESSIONS && !inner.sessions.contains_key(&token_hash)
        {
            inner.sessions.clear();
        }
        let last_seen = record.last_seen_at;
        inner.sessions.insert(
            token_hash,
            Held {
                record,
                last_seen,
                last_seen_written: last_seen,
            },
        );
    }

    /// Whether `user`'s global bucket is in memory; when it is not, the guard loads it with
    /// [`SessionCache::hold_bucket`].
    pub fn holds_bucket(&self, user: &str) -> bool {
        self.lock().buckets.contains_key(user)
    }

    /// Keeps the bucket the store had for `user` (written at `written_at`), unless memory has
    /// one already, which is newer.
    pub fn hold_bucket(&self, user: &str, stored: Option<Bucket>, limit: Limit, now: Timestamp) {
        let mut inner = self.lock();
        if inner.buckets.contains_key(user) {
            return;
        }
        if inner.buckets.len() >= MAX_CACHED_BUCKETS {
            for (user, held) in inner.buckets.drain() {
                self.write_bucket(&user, held.bucket);
            }
        }
        let bucket = stored.unwrap_or_else(|| Bucket::full(limit, now));
        inner.buckets.insert(
            user.to_owned(),
            HeldBucket {
                bucket,
                written_at: now.millis(),
            },
        );
    }

    /// Takes a token from `user`'s global bucket: `Some(Err(retry_after_s))` when it is empty,
    /// `None` when the bucket is not in memory.
    pub fn take_global(&self, user: &str, limit: Limit, now: Timestamp) -> Option<Result<(), u64>> {
        let mut inner = self.lock();
        let held = inner.buckets.get_mut(user)?;
        match held.bucket.take(limit, now) {
            Ok(next) => {
                held.bucket = next;
                if now.millis() - held.written_at >= BUCKET_WRITE_EVERY_MS {
                    held.written_at = now.millis();
                    // Under the lock: the writes of one bucket reach the store in order.
                    self.write_bucket(user, next);
                }
                Some(Ok(()))
            }
            Err(retry_after_s) => Some(Err(retry_after_s)),
        }
    }

    fn write_bucket(&self, user: &str, bucket: Bucket) {
        let key = global_bucket_key(user);
        self.store.send("record a rate-limit bucket", move |db| {
            db.put_bucket(&key, bucket.tokens, bucket.updated.millis())
        });
    }

    /// Writes every bucket held, for a clean stop.
    pub fn write_behind_now(&self) {
        let inner = self.lock();
        for (user, held) in &inner.buckets {
            self.write_bucket(user, held.bucket);
        }
    }
}

/// The store's key for a user's global bucket.
pub fn global_bucket_key(user: &str) -> String {
    format!("global:{user}")
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
