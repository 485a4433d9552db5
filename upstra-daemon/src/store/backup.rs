//! Copies of the store: the online backup (SQLite's backup API on the store thread) and the
//! checks a copy passes before `upstrad restore` puts it in place.
//!
//! Why the backup API and not `VACUUM INTO`: SQLCipher documents the backup API between two
//! connections keyed alike, so the copy is encrypted page for page under the store's own key;
//! `VACUUM INTO` rebuilds the file through the main connection's codec, and whether its output
//! is keyed depends on the SQLCipher version. The copy runs in one step on the store thread,
//! which owns the only connection: no write can land between two pages, so the copy is one
//! consistent moment of the store, even while an outage run is writing its journal.

use std::path::Path;

use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};

use upstra_core::secret::Secret;

use super::audit_detail::StoreRestored;
use super::{Db, MIGRATIONS, StoreError, StoreKey, audit::AuditEntry};

/// What a checked copy holds, for the operator's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupSummary {
    pub users: u64,
    pub runs: u64,
    pub audit_records: u64,
    /// Sessions the restore ended (zero from [`check_backup`]).
    pub sessions_ended: u64,
}

impl Db {
    /// Copies the whole database into `dest`, an empty file the caller created private, keyed
    /// with this store's key, or with `passphrase` (through SQLCipher's key derivation) for a
    /// copy kept where the key file is not.
    pub fn backup_into(
        &mut self,
        dest: &Path,
        passphrase: Option<&Secret>,
    ) -> Result<(), StoreError> {
        let key = self
            .key()
            .ok_or_else(|| StoreError::Corrupt("the store was opened without a key".into()))?;
        let mut copy = Connection::open_with_flags(
            dest,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        copy.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
        copy.execute_batch(&key.pragma())?;
        let backup = Backup::new(self.conn(), &mut copy)?;
        // -1: every page in one step, so nothing the daemon writes can interleave.
        match backup.step(-1)? {
            StepResult::Done => {}
            other => {
                return Err(StoreError::Corrupt(format!(
                    "the backup copy stopped before the end ({other:?}); try again"
                )));
            }
        }
        drop(backup);
        if let Some(passphrase) = passphrase {
            // Rekeying rewrites every page; a rollback journal keeps the copy whole if it
            // stops halfway (the copy inherited the store's WAL mode).
            copy.pragma_update(None, "journal_mode", "DELETE")?;
            copy.pragma_update(None, "rekey", passphrase.expose())?;
        }
        Ok(())
    }
}

/// Opens the copy at `path`, encrypted under `passphrase` by `backup_into`, and puts it under
/// `key`, the store key it will be restored with.
pub fn rekey_from_passphrase(
    path: &Path,
    passphrase: &Secret,
    key: &StoreKey,
) -> Result<(), StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
    conn.pragma_update(None, "key", passphrase.expose())?;
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            return Err(StoreError::WrongKey {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(e.into()),
    }
    conn.execute_batch(&key.rekey_pragma())?;
    Ok(())
}

/// Opens the copy at `path` with `key` and checks every page: the key opens it, each page's
/// authentication code holds (a truncated or edited file fails here), SQLite's own integrity
/// check passes, and its schema is one this upstrad knows.
pub fn check_backup(path: &Path, key: &StoreKey) -> Result<BackupSummary, StoreError> {
    let mut db = Db::new(super::open_keyed(path, key, true)?);
    check(&mut db)
}

fn check(db: &mut Db) -> Result<BackupSummary, StoreError> {
    let conn = db.conn();
    let damage = |what: &str, found: String| {
        StoreError::Corrupt(format!("the copy is damaged ({what}: {found})"))
    };
    let cipher: Vec<String> = {
        let mut stmt = conn.prepare("PRAGMA cipher_integrity_check")?;
        stmt.query_map([], |r| r.get::<_, String>(0))?
            .collect::<Result<_, _>>()?
    };
    if let Some(first) = cipher.first() {
        return Err(damage("page check", first.clone()));
    }
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    if integrity != "ok" {
        return Err(damage("integrity check", integrity));
    }
    let has_schema: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'schema_migrations'",
        [],
        |r| r.get(0),
    )?;
    if has_schema == 0 {
        return Err(StoreError::Corrupt(
            "the copy opens but holds no Upstra store".into(),
        ));
    }
    let version: u32 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if version > known {
        return Err(StoreError::TooNew {
            found: version,
            known,
        });
    }
    let count = |table: &str| -> Result<u64, StoreError> {
        // Tables of later migrations may be missing from an older copy.
        let exists: i64 = conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
            [table],
            |r| r.get(0),
        )?;
        if exists == 0 {
            return Ok(0);
        }
        let n: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    };
    Ok(BackupSummary {
        users: count("users")?,
        runs: count("runs")?,
        audit_records: count("audit")?,
        sessions_ended: 0,
    })
}

/// Checks the copy at `path` like [`check_backup`], then makes it ready to serve: every
/// session and pending login in it ends (a token stolen with the backup, or simply from
/// before, must not log anyone in to the restored daemon), and the restore is audited in
/// the copy's own chain.
pub fn prepare_restored(
    path: &Path,
    key: &StoreKey,
    peer_uid: u32,
    mut detail: StoreRestored,
) -> Result<BackupSummary, StoreError> {
    let mut db = Db::new(super::open_keyed(path, key, true)?);
    let mut summary = check(&mut db)?;
    let tx = db.conn().transaction()?;
    let ended = tx.execute("DELETE FROM sessions", [])?;
    let challenges: i64 = tx.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'challenges'",
        [],
        |r| r.get(0),
    )?;
    if challenges > 0 {
        tx.execute("DELETE FROM challenges", [])?;
    }
    tx.commit()?;
    summary.sessions_ended = ended as u64;
    detail.sessions_ended = summary.sessions_ended;
    db.audit(
        &AuditEntry::new("store_restored", "ok")
            .peer_uid(peer_uid)
            .detail(&detail),
    )?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{KeySource, Store};

    #[tokio::test]
    async fn a_backup_is_encrypted_under_the_store_key_and_opens_with_it_alone() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = KeySource::locate(dir.path(), None);
        let store = Store::open(dir.path(), &source).expect("store");
        store
            .call(|db| db.create_user("alice", "hash", "admin", 1, false))
            .await
            .expect("user");
        let dest = dir.path().join("copy.db");
        std::fs::write(&dest, b"").expect("empty");
        let copy = dest.clone();
        store
            .call(move |db| db.backup_into(&copy, None))
            .await
            .expect("backup");
        store.close().await;
        let bytes = std::fs::read(&dest).expect("read");
        assert!(!bytes.starts_with(b"SQLite format 3"), "the copy is plain");
        let key = source.load(false).expect("key");
        let summary = check_backup(&dest, &key).expect("checked");
        assert_eq!(summary.users, 1);

        let other = tempfile::tempdir().expect("temp dir");
        let wrong = KeySource::locate(other.path(), None)
            .load(true)
            .expect("other key");
        assert!(matches!(
            check_backup(&dest, &wrong),
            Err(StoreError::WrongKey { .. })
        ));
    }
}

#[cfg(test)]
mod passphrase_tests {
    use super::*;
    use crate::store::{KeySource, Store};

    #[tokio::test]
    async fn a_copy_under_a_passphrase_opens_with_it_and_is_put_back_under_a_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = KeySource::locate(dir.path(), None);
        let store = Store::open(dir.path(), &source).expect("store");
        let dest = dir.path().join("copy.db");
        std::fs::write(&dest, b"").expect("empty");
        let copy = dest.clone();
        store
            .call(move |db| db.backup_into(&copy, Some(&Secret::new("a long passphrase"))))
            .await
            .expect("backup");
        store.close().await;
        let key = source.load(false).expect("key");
        assert!(
            matches!(check_backup(&dest, &key), Err(StoreError::WrongKey { .. })),
            "the store key no longer opens it"
        );
        assert!(matches!(
            rekey_from_passphrase(&dest, &Secret::new("wrong"), &key),
            Err(StoreError::WrongKey { .. })
        ));
        let other = tempfile::tempdir().expect("temp dir");
        let new_key = KeySource::locate(other.path(), None)
            .load(true)
            .expect("new key");
        rekey_from_passphrase(&dest, &Secret::new("a long passphrase"), &new_key).expect("rekeyed");
        check_backup(&dest, &new_key).expect("opens under the new key");
    }
}
