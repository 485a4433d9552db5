//! Typed queries over the one connection. Everything here runs on the store thread.

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;

use upstra_core::model::{Inventory, Room, Server, Ups, VCenter};
use upstra_core::outage::{PlanSettings, VmPolicy};

use super::StoreError;
use super::audit::AuditEntry;

/// The connection, with the queries the daemon needs.
pub struct Db {
    conn: Connection,
    /// The key the connection was opened with, for the backup copy, which must be encrypted
    /// under the same key (`backup.rs`). `None` only for a store not opened from a key.
    key: Option<super::StoreKey>,
    /// Moves on at every write to users, roles, grants or sessions (`identity.rs`), so that
    /// copies of those kept in memory (the session check's, `auth/sessions.rs`) know they are
    /// stale before the write's caller gets its answer.
    identity_generation: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

fn to_doc<T: Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_doc<T: DeserializeOwned>(table: &str, key: &str, doc: &str) -> Result<T, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Corrupt(format!("{table} `{key}`: {e}")))
}

impl Db {
    pub(super) fn new(conn: Connection) -> Self {
        Self {
            conn,
            key: None,
            identity_generation: std::sync::Arc::default(),
        }
    }

    /// Called by every write that changes who may call, with which rights.
    pub(super) fn identity_changed(&self) {
        self.identity_generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// The counter [`Db::identity_changed`] moves, for the store handle to publish.
    pub(super) fn identity_generation(&self) -> std::sync::Arc<std::sync::atomic::AtomicU64> {
        self.identity_generation.clone()
    }

    /// Keeps the key the connection was opened with, for backups.
    pub(super) fn keep_key(&mut self, key: super::StoreKey) {
        self.key = Some(key);
    }

    pub(super) fn key(&self) -> Option<&super::StoreKey> {
        self.key.as_ref()
    }

    pub(super) fn conn(&mut self) -> &mut Connection {
        &mut self.conn
    }

    /// The raw connection, for tests that tamper with the store behind the daemon's back.
    #[cfg(test)]
    pub(crate) fn raw_for_tests(&mut self) -> &mut Connection {
        &mut self.conn
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
        let plan: Option<String> = self
            .conn
            .query_row("SELECT doc FROM plan_settings WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        inv.plan = plan
            .map(|doc| from_doc::<PlanSettings>("plan_settings", "plan", &doc))
            .transpose()?;
        for (name, doc) in self.docs("vm_policies")? {
            let policy: VmPolicy = from_doc("vm_policies", &name, &doc)?;
            inv.vm_policies.insert(name, policy);
        }
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
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.write_inventory(rooms, ups, servers, vcenter, None, audit)
    }

    fn write_inventory(
        &mut self,
        rooms: &[&Room],
        ups: &[&Ups],
        servers: &[&Server],
        vcenter: Option<&VCenter>,
        outage: Option<(Option<&PlanSettings>, &BTreeMap<String, VmPolicy>)>,
        audit: &AuditEntry,
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
        if let Some((plan, vms)) = outage {
            if let Some(plan) = plan {
                tx.execute(
                    "INSERT INTO plan_settings (id, doc) VALUES (1, ?1) ON CONFLICT(id) DO UPDATE SET doc = ?1",
                    [to_doc(plan)?],
                )?;
            }
            for (name, policy) in vms {
                upsert("vm_policies", name, to_doc(policy)?)?;
            }
        }
        super::audit::append(&tx, audit)?;
        tx.commit()?;
        Ok(())
    }

    /// Writes everything a lab file declared (outage settings included) and its audit record
    /// in one transaction.
    pub fn save_declaration(
        &mut self,
        desired: &Inventory,
        audit: &AuditEntry,
    ) -> Result<(), StoreError> {
        self.write_inventory(
            &desired.rooms.values().collect::<Vec<_>>(),
            &desired.ups.values().collect::<Vec<_>>(),
            &desired.servers.values().collect::<Vec<_>>(),
            desired.vcenter.as_ref(),
            Some((desired.plan.as_ref(), &desired.vm_policies)),
            audit,
        )
    }
}
