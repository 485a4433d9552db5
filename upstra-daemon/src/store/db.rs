//! Typed queries over the one connection. Everything here runs on the store thread.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use upstra_core::model::{Inventory, Room, Server, Ups, VCenter};

use super::StoreError;

/// The connection, with the queries the daemon needs.
pub struct Db {
    conn: Connection,
}

/// A user as stored.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub name: String,
    /// argon2id PHC string.
    pub password_hash: String,
    pub role: String,
    pub disabled: bool,
}

/// A session as stored. The token itself is never stored, only its SHA-256.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub user: String,
    pub role: String,
    pub peer_uid: u32,
    pub last_seen_at: i64,
    pub expires_at: i64,
}

/// One audit record to append.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub at: i64,
    pub actor: Option<&'a str>,
    pub peer_uid: Option<u32>,
    pub action: &'a str,
    pub target: Option<&'a str>,
    pub result: &'a str,
    pub detail: Option<String>,
}

fn to_doc<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_doc<T: DeserializeOwned>(table: &str, key: &str, doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("{table} `{key}`: {e}")))
}

impl Db {
    pub(super) fn new(conn: Connection) -> Self {
        Self { conn }
    }

    pub(super) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    pub fn user_count(&mut self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    /// Creates the first user, atomically refusing when any user exists.
    pub fn create_first_user(&mut self, user: &UserRow, now: i64) -> Result<bool, StoreError> {
        let tx = self.conn.transaction()?;
        let count: i64 = tx.query_row("SELECT count(*) FROM users", [], |r| r.get(0))?;
        if count > 0 {
            return Ok(false);
        }
        tx.execute(
            "INSERT INTO users (name, password_hash, role, disabled, created_at) VALUES (?1, ?2, ?3, 0, ?4)",
            params![user.name, user.password_hash, user.role, now],
        )?;
        tx.commit()?;
        Ok(true)
    }

    pub fn user(&mut self, name: &str) -> Result<Option<UserRow>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT name, password_hash, role, disabled FROM users WHERE name = ?1",
                [name],
                |r| {
                    Ok(UserRow {
                        name: r.get(0)?,
                        password_hash: r.get(1)?,
                        role: r.get(2)?,
                        disabled: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn create_session(
        &mut self,
        token_hash: &str,
        user: &str,
        peer_uid: u32,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO sessions (token_hash, user, peer_uid, created_at, last_seen_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
            params![token_hash, user, peer_uid, now, expires_at],
        )?;
        Ok(())
    }

    /// The live session for a token hash, touching its idle clock. Expired sessions (by
    /// absolute lifetime or idleness) are deleted and reported as absent.
    pub fn session(
        &mut self,
        token_hash: &str,
        now: i64,
        idle_ms: i64,
    ) -> Result<Option<SessionRow>, StoreError> {
        let row = self
            .conn
            .query_row(
                "SELECT s.user, u.role, s.peer_uid, s.last_seen_at, s.expires_at, u.disabled
                 FROM sessions s JOIN users u ON u.name = s.user WHERE s.token_hash = ?1",
                [token_hash],
                |r| {
                    Ok((
                        SessionRow {
                            user: r.get(0)?,
                            role: r.get(1)?,
                            peer_uid: r.get(2)?,
                            last_seen_at: r.get(3)?,
                            expires_at: r.get(4)?,
                        },
                        r.get::<_, bool>(5)?,
                    ))
                },
            )
            .optional()?;
        let Some((row, disabled)) = row else {
            return Ok(None);
        };
        if disabled || now >= row.expires_at || now - row.last_seen_at >= idle_ms {
            self.conn
                .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
            return Ok(None);
        }
        // Touch at most every few seconds: a write per call would make reads pay for fsyncs.
        if now - row.last_seen_at > 5_000 {
            self.conn.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE token_hash = ?1",
                params![token_hash, now],
            )?;
        }
        Ok(Some(row))
    }

    pub fn delete_session(&mut self, token_hash: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?
            > 0)
    }

    pub fn load_inventory(&mut self) -> Result<Inventory, StoreError> {
        let mut inv = Inventory::default();
        for (name, doc) in self.docs("rooms")? {
            let room: Room = from_doc("rooms", &name, &doc)?;
            inv.rooms.insert(room.id.clone(), room);
        }
        for (name, doc) in self.docs("ups")? {
            let ups: Ups = from_doc("ups", &name, &doc)?;
            inv.ups.insert(ups.id.clone(), ups);
        }
        for (name, doc) in self.docs("servers")? {
            let server: Server = from_doc("servers", &name, &doc)?;
            inv.servers.insert(server.id.clone(), server);
        }
        let vc: Option<String> = self
            .conn
            .query_row("SELECT doc FROM vcenter WHERE id = 1", [], |r| r.get(0))
            .optional()?;
        inv.vcenter = vc
            .map(|doc| from_doc::<VCenter>("vcenter", "vcenter", &doc))
            .transpose()?;
        Ok(inv)
    }

    fn docs(&mut self, table: &'static str) -> Result<Vec<(String, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT name, doc FROM {table} ORDER BY name"))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Writes the given objects (created or changed) and an audit record in one transaction:
    /// either all of an apply lands, or none of it.
    pub fn save_inventory(
        &mut self,
        rooms: &[&Room],
        ups: &[&Ups],
        servers: &[&Server],
        vcenter: Option<&VCenter>,
        audit: &AuditEntry<'_>,
    ) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let upsert = |table: &str, name: &str, doc: String| -> Result<(), StoreError> {
            tx.execute(
                &format!("INSERT INTO {table} (name, doc) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET doc = ?2"),
                params![name, doc],
            )?;
            Ok(())
        };
        for r in rooms {
            upsert("rooms", r.id.as_str(), to_doc(r)?)?;
        }
        for u in ups {
            upsert("ups", u.id.as_str(), to_doc(u)?)?;
        }
        for s in servers {
            upsert("servers", s.id.as_str(), to_doc(s)?)?;
        }
        if let Some(vc) = vcenter {
            tx.execute(
                "INSERT INTO vcenter (id, doc) VALUES (1, ?1) ON CONFLICT(id) DO UPDATE SET doc = ?1",
                [to_doc(vc)?],
            )?;
        }
        insert_audit(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    pub fn audit(&mut self, entry: &AuditEntry<'_>) -> Result<(), StoreError> {
        insert_audit(&self.conn, entry)
    }

    /// Audit records, oldest first (the audit viewer arrives with the identity work).
    pub fn audit_actions(&mut self) -> Result<Vec<(String, Option<String>, String)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT action, actor, result FROM audit ORDER BY seq")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn insert_audit(conn: &Connection, e: &AuditEntry<'_>) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO audit (at, actor, peer_uid, action, target, result, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.at, e.actor, e.peer_uid, e.action, e.target, e.result, e.detail],
    )?;
    Ok(())
}
