//! The encrypted store: SQLite with SQLCipher, owned by one thread.
//!
//! rusqlite blocks, and a connection must not be shared across threads without a lock, so one
//! dedicated thread owns the only connection and runs requests sent to it over a channel. A
//! request is a closure over [`Db`]'s typed methods; the caller awaits its reply on a oneshot.
//! This keeps every query off the async runtime and serialises writes without a mutex.
//!
//! Only this module touches rusqlite.

mod api_error;
mod audit;
pub mod audit_detail;
pub mod audit_detail_outage;
mod audit_entry;
mod backup;
mod db;
mod identity;
pub mod key;
mod last_out;
mod notify;
mod outage;
mod ssh;

use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, mpsc};
use std::thread::JoinHandle;

use rusqlite::{Connection, ErrorCode, OpenFlags};
use tokio::sync::oneshot;

pub use audit::{AuditEntry, AuditFilter};
pub use backup::{BackupSummary, check_backup, prepare_restored, rekey_from_passphrase};
pub use db::Db;
pub use identity::{GrantRow, RoleRemoval, RoleRow, SessionRow, UserRow};
pub use key::{KeySource, StoreKey};
pub use notify::{NewOutboxRow, OutboxRow, OutboxState};
pub use outage::{LearnedDurations, RunInfo, RunRecord, RunState, StepRecord};
pub use ssh::CloseRefusal;

/// The database file's name inside the data directory.
pub const DB_FILE: &str = "upstra.db";

/// The numbered migrations, in order. Append only: an applied migration is never edited.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (1, "initial", include_str!("migrations/0001_initial.sql")),
    (2, "identity", include_str!("migrations/0002_identity.sql")),
    (3, "outage", include_str!("migrations/0003_outage.sql")),
    (
        4,
        "step_acted",
        include_str!("migrations/0004_step_acted.sql"),
    ),
    (5, "notify", include_str!("migrations/0005_notify.sql")),
];

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store key {path} is missing, so the existing store cannot be opened; restore the key file (or the systemd credential) from your backup"
    )]
    KeyMissing { path: PathBuf },
    #[error("cannot read the store key {path}: {source}")]
    KeyUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the store key {path} is not 32 bytes or 64 hex digits")]
    KeyMalformed { path: PathBuf },
    #[error(
        "the store {path} cannot be decrypted with this key: wrong key, or the file is not an Upstra store"
    )]
    WrongKey { path: PathBuf },
    #[error("cannot prepare the data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "the store was written by a newer upstrad (schema {found}, this one knows up to {known}); upgrade upstrad"
    )]
    TooNew { found: u32, known: u32 },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    #[error("the store thread has stopped")]
    Closed,
    #[error("cannot start the store thread: {0}; the system is out of threads or memory")]
    Thread(std::io::Error),
}

impl StoreError {
    /// True for the errors that mean "this key does not open this store", which the daemon
    /// reports with its own exit code.
    pub fn is_key_problem(&self) -> bool {
        matches!(
            self,
            Self::KeyMissing { .. }
                | Self::KeyUnreadable { .. }
                | Self::KeyMalformed { .. }
                | Self::WrongKey { .. }
        )
    }
}

type Job = Box<dyn FnOnce(&mut Db) + Send>;

enum Msg {
    Job(Job),
    /// Close the connection (checkpointing the WAL into the database file) and stop.
    Close(oneshot::Sender<()>),
}

/// A cheap, clonable handle to the store thread.
///
/// The thread is joined when the last handle goes (or on [`Store::close`]): SQLCipher frees
/// its OpenSSL state as the connection closes, and a process that runs its exit handlers
/// (OpenSSL's among them) while that thread is still closing can crash on the way out.
#[derive(Clone)]
pub struct Store {
    // Declared before `thread`: the last handle drops its sender first, which is what lets the
    // thread see the channel close and stop before `StoreThread::drop` joins it.
    jobs: mpsc::Sender<Msg>,
    thread: Arc<StoreThread>,
    identity_generation: IdentityGeneration,
}

/// How many writes to users, roles, grants and sessions the store has made. Read without a
/// trip to the store thread: a copy of identity data made at generation `g` is current while
/// the generation is still `g`. The store thread moves it inside the writing job, so a caller
/// that awaited a write sees the new generation.
#[derive(Debug, Clone)]
pub struct IdentityGeneration(Arc<std::sync::atomic::AtomicU64>);

impl IdentityGeneration {
    pub fn now(&self) -> u64 {
        self.0.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// The store thread, joined by whoever holds it last.
struct StoreThread {
    handle: Mutex<Option<JoinHandle<()>>>,
}

impl StoreThread {
    /// Waits for the thread to end. Every job already queued runs first, so writes sent
    /// without waiting (the event log) reach the file too.
    fn join(&self) {
        let handle = self
            .handle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(handle) = handle else { return };
        // A job that dropped the last handle runs on the store thread itself, which cannot
        // wait for itself; it ends right after that job anyway, the channel being closed.
        if handle.thread().id() == std::thread::current().id() {
            return;
        }
        if handle.join().is_err() {
            tracing::error!("the store thread panicked; the last writes may be missing");
        }
    }
}

impl Drop for StoreThread {
    fn drop(&mut self) {
        self.join();
    }
}

impl Store {
    /// Opens (or on first start creates) the store in `data_dir`, keyed from `key_source`.
    ///
    /// With a wrong or missing key nothing is written: the key is checked with a read before
    /// the journal mode or any migration touches the file.
    pub fn open(data_dir: &Path, key_source: &KeySource) -> Result<Self, StoreError> {
        let dir_err = |source| StoreError::DataDir {
            path: data_dir.to_path_buf(),
            source,
        };
        if !data_dir.exists() {
            fs::DirBuilder::new()
                .recursive(true)
                .mode(0o700)
                .create(data_dir)
                .map_err(dir_err)?;
        }
        let path = data_dir.join(DB_FILE);
        let exists = path.exists();
        let key = key_source.load(!exists)?;
        let conn = open_keyed(&path, &key, exists)?;
        if !exists {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(dir_err)?;
        }
        let mut db = Db::new(conn);
        migrate(&mut db)?;
        db.backfill_audit_chain()?;
        db.keep_key(key);
        Self::spawn(db)
    }

    fn spawn(mut db: Db) -> Result<Self, StoreError> {
        let identity_generation = IdentityGeneration(db.identity_generation());
        let (jobs, rx) = mpsc::channel::<Msg>();
        let handle = std::thread::Builder::new()
            .name("upstra-store".into())
            .spawn(move || {
                // Ends on Close, or when every Store handle is dropped.
                while let Ok(msg) = rx.recv() {
                    match msg {
                        Msg::Job(job) => job(&mut db),
                        Msg::Close(done) => {
                            drop(db);
                            let _ = done.send(());
                            return;
                        }
                    }
                }
            })
            .map_err(StoreError::Thread)?;
        Ok(Self {
            jobs,
            thread: Arc::new(StoreThread {
                handle: Mutex::new(Some(handle)),
            }),
            identity_generation,
        })
    }

    /// The count of identity writes so far (see [`IdentityGeneration`]).
    pub fn identity_generation(&self) -> IdentityGeneration {
        self.identity_generation.clone()
    }

    /// Runs `f` on the store thread and returns its result.
    pub async fn call<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Db) -> Result<T, StoreError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |db| {
            let _ = tx.send(f(db));
        });
        self.jobs
            .send(Msg::Job(job))
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Queues `f` on the store thread without waiting for it: for writes whose order matters
    /// but whose caller must not block (the event log). Failures are logged.
    pub fn send<F>(&self, what: &'static str, f: F)
    where
        F: FnOnce(&mut Db) -> Result<(), StoreError> + Send + 'static,
    {
        let job: Job = Box::new(move |db| {
            if let Err(e) = f(db) {
                tracing::error!(error = %e, "store: {what} failed");
            }
        });
        if self.jobs.send(Msg::Job(job)).is_err() {
            tracing::warn!("store closed: {what} not written");
        }
    }

    /// Closes the connection, waits until the database file is complete on its own (the WAL
    /// checkpointed into it) and the thread has ended. Later calls on any handle fail with
    /// [`StoreError::Closed`].
    pub async fn close(&self) {
        let (tx, rx) = oneshot::channel();
        if self.jobs.send(Msg::Close(tx)).is_ok() {
            let _ = rx.await;
        }
        // The thread has dropped the connection and is returning: this wait is short.
        self.thread.join();
    }
}

pub(super) fn open_keyed(
    path: &Path,
    key: &StoreKey,
    exists: bool,
) -> Result<Connection, StoreError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if !exists {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags)?;
    // SQLCipher logs to stderr by default, which would corrupt the console of `upstra demo`.
    conn.query_row("PRAGMA cipher_log_level = NONE", [], |_| Ok(()))?;
    conn.execute_batch(&key.pragma())?;
    // The key is checked lazily: this first read is what fails on a wrong key.
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => {}
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::NotADatabase => {
            return Err(StoreError::WrongKey {
                path: path.to_path_buf(),
            });
        }
        Err(e) => return Err(e.into()),
    }
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // In WAL mode NORMAL is durable across application crashes; only a power cut can lose the
    // last transactions, and the daemon is on a UPS by definition.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    Ok(conn)
}

fn migrate(db: &mut Db) -> Result<(), StoreError> {
    let conn = db.conn();
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )?;
    let current: u32 = conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(StoreError::TooNew {
            found: current,
            known,
        });
    }
    for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, crate::clock::now().millis()],
        )?;
        tx.commit()?;
        tracing::info!(version, name, "applied store migration");
    }
    Ok(())
}

#[cfg(test)]
mod audit_format_tests;
#[cfg(test)]
mod events_tests;
#[cfg(test)]
mod learned_tests;
#[cfg(test)]
mod tests;
