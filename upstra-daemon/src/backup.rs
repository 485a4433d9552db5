//! Backup copies waiting to be read by the admin who asked for them.
//!
//! `backup_start` copies the store into a private file in the data directory (the daemon never
//! writes where a client names) and registers it here; `backup_chunk` reads it out. A copy is
//! removed once its last piece has been handed out, or when nobody read it for
//! [`IDLE_TIMEOUT`], or when the daemon stops; one left behind by a crash is removed at the
//! next start.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use upstra_core::api::v1::ApiError;
use upstra_core::api::v1::ConflictReason;

use crate::shared::Shared;
use crate::store::audit_detail::BackupExpired;

/// How long a copy waits for its next chunk to be read. A client reads chunks back to back;
/// two minutes of silence means it is gone, and a copy of the whole store (password hashes
/// and all) should not linger on disk.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Copies in the data directory are named `.backup-<id>.tmp`: hidden, and never a name the
/// store uses.
const PREFIX: &str = ".backup-";
const SUFFIX: &str = ".tmp";

/// One copy, from its start to its removal. At most one exists at a time: each is a whole
/// copy of the store on the daemon's disk, and backups are rare.
#[derive(Debug, Clone)]
struct Pending {
    id: String,
    owner: String,
    path: PathBuf,
    /// Zero until the copy is complete.
    size: u64,
    touched: Instant,
}

/// The copy being read, if any.
#[derive(Debug, Default)]
pub struct Backups {
    pending: Mutex<Option<Pending>>,
}

/// A copy ready to be read: where it is and how big.
#[derive(Debug, Clone)]
pub struct Ready {
    pub path: PathBuf,
    pub size: u64,
}

/// The file of copy `id` in `data_dir`.
pub fn copy_path(data_dir: &Path, id: &str) -> PathBuf {
    data_dir.join(format!("{PREFIX}{id}{SUFFIX}"))
}

impl Backups {
    /// Removes the copies a crashed daemon left in `data_dir`.
    pub fn sweep(data_dir: &Path) {
        let Ok(entries) = std::fs::read_dir(data_dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.starts_with(PREFIX) && name.contains(SUFFIX) {
                match std::fs::remove_file(entry.path()) {
                    Ok(()) => {
                        tracing::info!(file = %name, "removed a backup copy left by an earlier run")
                    }
                    Err(e) => {
                        tracing::warn!(file = %name, error = %e, "cannot remove an old backup copy")
                    }
                }
            }
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Pending>> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims the one place for a new copy by `owner`. A copy of the same admin is replaced
    /// (its client gave up); another admin's is refused until it is read or idle.
    pub fn reserve(&self, owner: &str, id: &str, path: PathBuf) -> Result<(), ApiError> {
        let mut pending = self.lock();
        if let Some(p) = pending.as_ref() {
            let idle = p.touched.elapsed();
            if p.owner != owner && idle < IDLE_TIMEOUT {
                let wait = IDLE_TIMEOUT.saturating_sub(idle).as_secs().max(1);
                return Err(ApiError::Conflict {
                    reason: ConflictReason::BackupInProgress {
                        retry_after_s: wait,
                    },
                    message: format!(
                        "{} is taking a backup right now; try again when it is done (at most {wait} s)",
                        p.owner
                    ),
                });
            }
            remove(&p.path);
        }
        *pending = Some(Pending {
            id: id.to_owned(),
            owner: owner.to_owned(),
            path,
            size: 0,
            touched: Instant::now(),
        });
        Ok(())
    }

    /// Marks copy `id` complete at `size` bytes.
    pub fn ready(&self, id: &str, size: u64) {
        if let Some(p) = self.lock().as_mut().filter(|p| p.id == id) {
            p.size = size;
            p.touched = Instant::now();
        }
    }

    /// Copy `id` of `owner`, ready, its idle clock reset. Anyone else's, or an unknown id, is
    /// not found: an id is not a secret, but a backup belongs to whoever started it.
    pub fn touch(&self, id: &str, owner: &str) -> Result<Ready, ApiError> {
        let mut pending = self.lock();
        match pending
            .as_mut()
            .filter(|p| p.id == id && p.owner == owner && p.size > 0)
        {
            Some(p) => {
                p.touched = Instant::now();
                Ok(Ready {
                    path: p.path.clone(),
                    size: p.size,
                })
            }
            None => Err(ApiError::NotFound {
                what: format!(
                    "backup {}: it was read to the end, sat unread for {} s, or the daemon restarted; run `upstra backup` again",
                    upstra_core::text::escape(id),
                    IDLE_TIMEOUT.as_secs()
                ),
            }),
        }
    }

    /// Removes copy `id` (read in full, or failed). True if it was still there.
    pub fn finish(&self, id: &str) -> bool {
        let mut pending = self.lock();
        match pending.take() {
            Some(p) if p.id == id => {
                remove(&p.path);
                true
            }
            other => {
                *pending = other;
                false
            }
        }
    }

    /// Removes copy `id` if it sat unread for the idle timeout.
    fn expire(&self, id: &str) -> Expiry {
        let mut pending = self.lock();
        let Some(p) = pending.as_ref().filter(|p| p.id == id) else {
            return Expiry::Gone;
        };
        let idle = p.touched.elapsed();
        if idle < IDLE_TIMEOUT {
            return Expiry::LookAgainIn(IDLE_TIMEOUT - idle);
        }
        remove(&p.path);
        let owner = p.owner.clone();
        *pending = None;
        Expiry::Removed { owner }
    }
}

fn remove(path: &Path) {
    if let Err(e) = std::fs::remove_file(path)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(file = %path.display(), error = %e, "cannot remove a backup copy");
    }
}

/// What [`Backups::expire`] found.
#[derive(Debug, PartialEq, Eq)]
enum Expiry {
    /// Still read: look again after this long.
    LookAgainIn(Duration),
    /// Idle too long: removed now.
    Removed { owner: String },
    /// Read to the end or replaced already.
    Gone,
}

/// Watches copy `id` until it is read, idle too long, or the daemon stops.
pub fn watch(shared: Arc<Shared>, id: String) {
    tokio::spawn(async move {
        let mut wait = IDLE_TIMEOUT;
        loop {
            tokio::select! {
                () = tokio::time::sleep(wait) => {}
                () = shared.stopping.cancelled() => {
                    shared.backups.finish(&id);
                    return;
                }
            }
            match shared.backups.expire(&id) {
                Expiry::LookAgainIn(next) => wait = next,
                Expiry::Gone => return,
                Expiry::Removed { owner } => {
                    tracing::info!(backup = %id, %owner, "removed a backup copy nobody finished reading");
                    let detail = BackupExpired {
                        id: id.clone(),
                        idle_timeout_s: IDLE_TIMEOUT.as_secs(),
                    };
                    shared.store.send("audit the expired backup", move |db| {
                        db.audit(
                            &crate::store::AuditEntry::new("backup_expired", "removed")
                                .actor(&owner)
                                .detail(&detail),
                        )
                        .map(|_| ())
                    });
                    return;
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn copy(dir: &Path, id: &str) -> PathBuf {
        let path = copy_path(dir, id);
        std::fs::write(&path, b"copy").expect("write");
        path
    }

    #[test]
    fn a_copy_is_read_by_its_owner_only_and_removed_once_read() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backups = Backups::default();
        let path = copy(dir.path(), "one");
        backups.reserve("alice", "one", path.clone()).expect("free");
        assert!(
            backups.touch("one", "alice").is_err(),
            "not ready while copying"
        );
        backups.ready("one", 4);
        assert!(matches!(
            backups.touch("one", "bob"),
            Err(ApiError::NotFound { .. })
        ));
        assert!(matches!(
            backups.reserve("bob", "two", copy_path(dir.path(), "two")),
            Err(ApiError::Conflict { .. })
        ));
        assert_eq!(backups.touch("one", "alice").expect("hers").size, 4);
        assert!(backups.finish("one"));
        assert!(!path.exists());
        assert!(backups.touch("one", "alice").is_err());
    }

    #[test]
    fn an_idle_copy_is_removed_and_another_admin_may_start() {
        let dir = tempfile::tempdir().expect("temp dir");
        let backups = Backups::default();
        let path = copy(dir.path(), "one");
        backups.reserve("alice", "one", path.clone()).expect("free");
        backups.ready("one", 4);
        assert!(
            matches!(backups.expire("one"), Expiry::LookAgainIn(_)),
            "fresh: kept"
        );
        if let Some(p) = backups.lock().as_mut() {
            p.touched = Instant::now()
                .checked_sub(IDLE_TIMEOUT)
                .expect("the clock is past the timeout");
        }
        assert_eq!(
            backups.expire("one"),
            Expiry::Removed {
                owner: "alice".into()
            }
        );
        assert!(!path.exists());
        assert_eq!(backups.expire("one"), Expiry::Gone);
        backups
            .reserve("bob", "two", copy_path(dir.path(), "two"))
            .expect("free again");
    }

    #[test]
    fn the_sweep_removes_copies_left_by_a_crash_and_nothing_else() {
        let dir = tempfile::tempdir().expect("temp dir");
        let left = copy(dir.path(), "crashed");
        let store = dir.path().join("upstra.db");
        std::fs::write(&store, b"db").expect("write");
        Backups::sweep(dir.path());
        assert!(!left.exists());
        assert!(store.exists());
    }
}
