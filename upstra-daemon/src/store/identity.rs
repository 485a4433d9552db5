//! Users, roles, grants, sessions, login challenges, two-factor state, settings and rate-limit
//! buckets. Secrets are stored only as hashes (passwords, reset secrets, tokens, recovery codes)
//! or inside the encrypted store (TOTP seeds, which must be read back to check codes).

use rusqlite::{OptionalExtension, params};
use upstra_core::api::v1::SessionScope;
use upstra_core::rbac::Permissions;

use super::{Db, StoreError};

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub name: String,
    /// argon2id PHC string; empty after an admin reset (the old password stops working).
    pub password_hash: String,
    pub disabled: bool,
    pub must_change_password: bool,
    pub reset_hash: Option<String>,
    pub reset_expires_at: Option<i64>,
    /// Base32 TOTP seed once two-factor is confirmed.
    pub totp_secret: Option<String>,
    pub totp_pending: Option<String>,
    pub created_at: i64,
}

/// A session as stored. The token itself is never stored, only its SHA-256.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub public_id: String,
    pub user: String,
    pub scope: SessionScope,
    pub peer_uid: u32,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// A role with its permissions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleRow {
    pub name: String,
    pub permissions: Permissions,
    pub builtin: bool,
}

/// A grant: `role` for `user` on `resource` (`all`, `room:NAME`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub user: String,
    pub role: String,
    pub resource: String,
    pub permissions: Permissions,
}

const USER_COLUMNS: &str = "name, password_hash, disabled, must_change_password, reset_hash, reset_expires_at, \
                            totp_secret, totp_pending, created_at";

fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UserRow> {
    Ok(UserRow {
        name: r.get(0)?,
        password_hash: r.get(1)?,
        disabled: r.get(2)?,
        must_change_password: r.get(3)?,
        reset_hash: r.get(4)?,
        reset_expires_at: r.get(5)?,
        totp_secret: r.get(6)?,
        totp_pending: r.get(7)?,
        created_at: r.get(8)?,
    })
}

const SESSION_COLUMNS: &str =
    "public_id, user, scope, peer_uid, created_at, last_seen_at, expires_at";

fn session_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionRow> {
    let scope: String = r.get(2)?;
    Ok(SessionRow {
        public_id: r.get(0)?,
        user: r.get(1)?,
        // An unknown scope in the store is treated as the most limited one.
        scope: match SessionScope::parse(&scope) {
            SessionScope::Unknown => SessionScope::ChangePassword,
            known => known,
        },
        peer_uid: r.get(3)?,
        created_at: r.get(4)?,
        last_seen_at: r.get(5)?,
        expires_at: r.get(6)?,
    })
}

impl Db {
    pub fn user_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// Creates a user with `role` granted on everything. With `first_only`, refuses (returns
    /// false) when any user exists: that is `setup`, atomic against a concurrent one.
    pub fn create_user(
        &mut self,
        name: &str,
        password_hash: &str,
        role: &str,
        now: i64,
        first_only: bool,
    ) -> Result<bool, StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        let count: i64 = tx.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        let exists: bool =
            tx.query_row("SELECT count(*) FROM users WHERE name = ?1", [name], |r| {
                r.get(0)
            })?;
        if (first_only && count > 0) || exists {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO users (name, password_hash, role, disabled, created_at) VALUES (?1, ?2, ?3, 0, ?4)",
            params![name, password_hash, role, now],
        )?;
        tx.execute(
            "INSERT INTO grants (user, role, resource) VALUES (?1, ?2, 'all')",
            params![name, role],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn user(&mut self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE name = ?1"),
                [name],
                user_row,
            )
            .optional()?)
    }

    pub fn users(&mut self) -> Result<Vec<UserRow>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare(&format!("SELECT {USER_COLUMNS} FROM users ORDER BY name"))?;
        let rows = stmt.query_map([], user_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Disables or enables a user; disabling ends their sessions in the same transaction.
    pub fn set_disabled(&mut self, name: &str, disabled: bool) -> Result<bool, StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        let n = tx.execute(
            "UPDATE users SET disabled = ?2 WHERE name = ?1",
            params![name, disabled],
        )?;
        if disabled {
            tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
            tx.execute("DELETE FROM challenges WHERE user = ?1", [name])?;
        }
        tx.commit()?;
        Ok(n > 0)
    }

    /// Removes a user; their sessions, grants and recovery codes go with them (cascade).
    pub fn remove_user(&mut self, name: &str) -> Result<bool, StoreError> {
        self.identity_changed();
        Ok(self
            .conn()
            .execute("DELETE FROM users WHERE name = ?1", [name])?
            > 0)
    }

    /// Sets a new password hash and clears any pending reset.
    pub fn set_password(&mut self, name: &str, hash: &str) -> Result<(), StoreError> {
        self.identity_changed();
        self.conn().execute(
            "UPDATE users SET password_hash = ?2, must_change_password = 0, reset_hash = NULL,
             reset_expires_at = NULL WHERE name = ?1",
            params![name, hash],
        )?;
        Ok(())
    }

    /// An admin reset: the old password stops working, every session ends, and the one-time
    /// secret (hashed) works until `expires_at`.
    pub fn set_reset(
        &mut self,
        name: &str,
        reset_hash: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        tx.execute(
            "UPDATE users SET password_hash = '', must_change_password = 1, reset_hash = ?2,
             reset_expires_at = ?3 WHERE name = ?1",
            params![name, reset_hash, expires_at],
        )?;
        tx.execute("DELETE FROM sessions WHERE user = ?1", [name])?;
        tx.commit()?;
        Ok(())
    }

    /// The reset secret is single-use: consumed when it opens a session.
    pub fn consume_reset(&mut self, name: &str) -> Result<(), StoreError> {
        self.identity_changed();
        self.conn().execute(
            "UPDATE users SET reset_hash = NULL, reset_expires_at = NULL WHERE name = ?1",
            [name],
        )?;
        Ok(())
    }

    pub fn roles(&mut self) -> Result<Vec<RoleRow>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare("SELECT name, permissions, builtin FROM roles ORDER BY builtin DESC, name")?;
        let rows = stmt.query_map([], |r| {
            Ok(RoleRow {
                name: r.get(0)?,
                permissions: Permissions::from_bits_truncate(r.get(1)?),
                builtin: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn create_role(
        &mut self,
        name: &str,
        permissions: Permissions,
    ) -> Result<bool, StoreError> {
        self.identity_changed();
        Ok(self.conn().execute(
            "INSERT INTO roles (name, permissions, builtin) VALUES (?1, ?2, 0) ON CONFLICT(name) DO NOTHING",
            params![name, permissions.bits()],
        )? > 0)
    }

    /// Removes a custom role that no grant uses.
    pub fn remove_role(&mut self, name: &str) -> Result<RoleRemoval, StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        let role: Option<bool> = tx
            .query_row("SELECT builtin FROM roles WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let outcome = match role {
            None => RoleRemoval::NotFound,
            Some(true) => RoleRemoval::Builtin,
            Some(false) => {
                let used: i64 =
                    tx.query_row("SELECT count(*) FROM grants WHERE role = ?1", [name], |r| {
                        r.get(0)
                    })?;
                if used > 0 {
                    RoleRemoval::InUse(used.unsigned_abs())
                } else {
                    tx.execute("DELETE FROM roles WHERE name = ?1", [name])?;
                    RoleRemoval::Removed
                }
            }
        };
        tx.commit()?;
        Ok(outcome)
    }

    /// Every grant with its role's permissions, optionally for one user.
    pub fn grants(&mut self, user: Option<&str>) -> Result<Vec<GrantRow>, StoreError> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT g.user, g.role, g.resource, r.permissions FROM grants g JOIN roles r ON r.name = g.role
             WHERE ?1 IS NULL OR g.user = ?1 ORDER BY g.user, g.resource, g.role",
        )?;
        let rows = stmt.query_map([user], |r| {
            Ok(GrantRow {
                user: r.get(0)?,
                role: r.get(1)?,
                resource: r.get(2)?,
                permissions: Permissions::from_bits_truncate(r.get(3)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn add_grant(
        &mut self,
        user: &str,
        role: &str,
        resource: &str,
    ) -> Result<bool, StoreError> {
        self.identity_changed();
        Ok(self.conn().execute(
            "INSERT INTO grants (user, role, resource) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![user, role, resource],
        )? > 0)
    }

    pub fn remove_grant(
        &mut self,
        user: &str,
        role: &str,
        resource: &str,
    ) -> Result<bool, StoreError> {
        self.identity_changed();
        Ok(self.conn().execute(
            "DELETE FROM grants WHERE user = ?1 AND role = ?2 AND resource = ?3",
            params![user, role, resource],
        )? > 0)
    }

    /// Replaces the user's grants on everything with one of `role`.
    pub fn set_role_on_all(&mut self, user: &str, role: &str) -> Result<(), StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        tx.execute(
            "DELETE FROM grants WHERE user = ?1 AND resource = 'all'",
            [user],
        )?;
        tx.execute(
            "INSERT INTO grants (user, role, resource) VALUES (?1, ?2, 'all')",
            params![user, role],
        )?;
        tx.execute(
            "UPDATE users SET role = ?2 WHERE name = ?1",
            params![user, role],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Enabled users holding ADMIN on everything: the ones who can still administer.
    pub fn enabled_admins(&mut self) -> Result<Vec<String>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT DISTINCT u.name FROM users u JOIN grants g ON g.user = u.name JOIN roles r ON r.name = g.role
             WHERE u.disabled = 0 AND g.resource = 'all' AND (r.permissions & ?1) = ?1 ORDER BY u.name",
        )?;
        let rows = stmt.query_map([Permissions::ADMIN.bits()], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// The outcome of removing a role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoleRemoval {
    Removed,
    NotFound,
    Builtin,
    InUse(u64),
}

impl Db {
    #[allow(clippy::too_many_arguments)]
    pub fn create_session(
        &mut self,
        token_hash: &str,
        public_id: &str,
        user: &str,
        peer_uid: u32,
        scope: SessionScope,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.identity_changed();
        self.conn().execute(
            "INSERT INTO sessions (token_hash, public_id, user, peer_uid, scope, created_at, last_seen_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)",
            params![token_hash, public_id, user, peer_uid, scope.as_str(), now, expires_at],
        )?;
        Ok(())
    }

    /// The live session for a token hash, touching its idle clock when `caller_uid` is the
    /// Unix user that opened it (a copied token presented by anyone else must not keep the
    /// session alive). Expired sessions (by absolute lifetime or idleness) and those of
    /// disabled users are deleted and reported as absent.
    pub fn session(
        &mut self,
        token_hash: &str,
        caller_uid: u32,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT s.public_id, s.user, s.scope, s.peer_uid, s.created_at, s.last_seen_at, s.expires_at, u.disabled
                 FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash = ?1",
                [token_hash],
                |r| Ok((session_row(r)?, r.get::<_, bool>(7)?)),
            )
            .optional()?;
        let Some((row, disabled)) = row else {
            return Ok(None);
        };
        if disabled || now >= row.expires_at || now - row.last_seen_at >= idle_ms {
            self.identity_changed();
            self.conn()
                .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            return Ok(None);
        }
        // Touch at most every few seconds: a write per call would make reads pay for it.
        if row.peer_uid == caller_uid && now - row.last_seen_at > 5_000 {
            self.conn().execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                params![token_hash, now],
            )?;
        }
        Ok(Some(row))
    }

    /// Records when a session was last used. Changes no one's rights, so it leaves the
    /// identity generation alone: the session check writes it behind its own in-memory clock.
    pub fn touch_session(&mut self, token_hash: &str, at: i64) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1 AND last_seen_at < ?2",
            )?
            .execute(params![token_hash, at])?;
        Ok(())
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError> {
        self.identity_changed();
        Ok(self
            .conn()
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?
            > 0)
    }

    pub fn sessions_of(&mut self, user: &str) -> Result<Vec<SessionRow>, StoreError> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {SESSION_COLUMNS} FROM sessions WHERE user = ?1 ORDER BY created_at"
        ))?;
        let rows = stmt.query_map([user], session_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    pub fn delete_session_by_id(
        &mut self,
        user: &str,
        public_id: &str,
    ) -> Result<bool, StoreError> {
        self.identity_changed();
        Ok(self.conn().execute(
            "DELETE FROM sessions WHERE user = ?1 AND public_id = ?2",
            params![user, public_id],
        )? > 0)
    }

    pub fn delete_sessions_of(&mut self, user: &str) -> Result<u64, StoreError> {
        self.identity_changed();
        let n = self
            .conn()
            .execute("DELETE FROM sessions WHERE user = ?1", [user])?;
        Ok(n as u64)
    }

    pub fn create_challenge(
        &mut self,
        token_hash: &str,
        user: &str,
        peer_uid: u32,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO challenges (token_hash, user, peer_uid, expires_at) VALUES (?1, ?2, ?3, ?4)",
            params![token_hash, user, peer_uid, expires_at],
        )?;
        Ok(())
    }

    /// The user a live challenge belongs to and the Unix uid that received it (expired ones
    /// are deleted).
    pub fn challenge(
        &mut self,
        token_hash: &str,
        now: i64,
    ) -> Result<Option<(String, u32)>, StoreError> {
        let row: Option<(String, u32, i64)> = self
            .conn()
            .query_row(
                "SELECT user, peer_uid, expires_at FROM challenges WHERE token_hash = ?1",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match row {
            Some((user, uid, expires_at)) if now < expires_at => Ok(Some((user, uid))),
            Some(_) => {
                self.delete_challenge(token_hash)?;
                Ok(None)
            }
            None => Ok(None),
        }
    }

    pub fn delete_challenge(&mut self, token_hash: &str) -> Result<(), StoreError> {
        self.conn()
            .execute("DELETE FROM challenges WHERE token_hash = ?1", [token_hash])?;
        Ok(())
    }

    pub fn set_totp_pending(&mut self, user: &str, secret: Option<&str>) -> Result<(), StoreError> {
        self.identity_changed();
        self.conn().execute(
            "UPDATE users SET totp_pending = ?2 WHERE name = ?1",
            params![user, secret],
        )?;
        Ok(())
    }

    /// Activates the pending secret, records the step of the code that confirmed it, and
    /// replaces the recovery codes, atomically.
    pub fn confirm_totp(
        &mut self,
        user: &str,
        step: u64,
        code_hashes: &[String],
    ) -> Result<(), StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        tx.execute(
            "UPDATE users SET totp_secret = totp_pending, totp_pending = NULL, totp_last_step = ?2 WHERE name = ?1",
            params![user, i64::try_from(step).unwrap_or(i64::MAX)],
        )?;
        tx.execute("DELETE FROM recovery_codes WHERE user = ?1", [user])?;
        for hash in code_hashes {
            tx.execute(
                "INSERT INTO recovery_codes (user, code_hash) VALUES (?1, ?2)",
                params![user, hash],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    pub fn disable_totp(&mut self, user: &str) -> Result<(), StoreError> {
        self.identity_changed();
        let tx = self.conn().transaction()?;
        tx.execute(
            "UPDATE users SET totp_secret = NULL, totp_pending = NULL, totp_last_step = NULL WHERE name = ?1",
            [user],
        )?;
        tx.execute("DELETE FROM recovery_codes WHERE user = ?1", [user])?;
        tx.commit()?;
        Ok(())
    }

    /// Accepts a TOTP time step only if it is later than every step accepted before: a code is
    /// never good twice (replay), and this check-and-set is one statement, so two concurrent
    /// logins with the same code cannot both win.
    pub fn accept_totp_step(&mut self, user: &str, step: u64) -> Result<bool, StoreError> {
        self.identity_changed();
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        Ok(self.conn().execute(
            "UPDATE users SET totp_last_step = ?2 WHERE name = ?1 AND (totp_last_step IS NULL OR totp_last_step < ?2)",
            params![user, step],
        )? == 1)
    }

    /// The unused recovery codes: (row id, hash).
    pub fn recovery_codes(&mut self, user: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = self.conn().prepare(
            "SELECT rowid, code_hash FROM recovery_codes WHERE user = ?1 AND used_at IS NULL",
        )?;
        let rows = stmt.query_map([user], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a recovery code used; false when it already was (a concurrent use won).
    pub fn use_recovery_code(&mut self, rowid: i64, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE recovery_codes SET used_at = ?2 WHERE rowid = ?1 AND used_at IS NULL",
            params![rowid, now],
        )? == 1)
    }

    pub fn setting(&mut self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn()
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    pub fn set_setting(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }

    /// A rate-limit bucket: (tokens, updated_at).
    pub fn bucket(&mut self, key: &str) -> Result<Option<(f64, i64)>, StoreError> {
        Ok(self
            .conn()
            .prepare_cached("SELECT tokens, updated_at FROM rate_limits WHERE key = ?1")?
            .query_row([key], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    pub fn put_bucket(
        &mut self,
        key: &str,
        tokens: f64,
        updated_at: i64,
    ) -> Result<(), StoreError> {
        self.conn()
            .prepare_cached(
                "INSERT INTO rate_limits (key, tokens, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO UPDATE SET tokens = ?2, updated_at = ?3",
            )?
            .execute(params![key, tokens, updated_at])?;
        Ok(())
    }
}
