//! `upstrad restore`: puts a backup in place of a stopped daemon's store.
//!
//! Nothing in the data directory changes until the backup has been copied next to the store,
//! opened with the key and checked page by page. Then the files it replaces are renamed aside
//! (never deleted: the operator removes them once the restored daemon runs), and the checked
//! copy is renamed in, which is atomic within one directory.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use upstra_core::secret::Secret;

use crate::error::exit;
use crate::store::audit_detail::StoreRestored;
use crate::store::{self, BackupSummary, DB_FILE, KeySource, StoreError, StoreKey, key::KEY_FILE};

/// The names the store uses in the data directory, besides the key.
const STORE_FILES: [&str; 3] = ["upstra.db", "upstra.db-wal", "upstra.db-shm"];
/// The checked copy, before it is renamed into place.
const STAGED: &str = ".restore-upstra.db.tmp";
/// The key given with `--key`, before it is renamed into place.
const STAGED_KEY: &str = ".restore-store.key.tmp";

/// What `upstrad restore` was asked.
#[derive(Debug, Clone)]
pub struct Restore {
    pub from: PathBuf,
    pub data_dir: PathBuf,
    /// The key to open the backup with; without it, the key the daemon would use.
    pub key: Option<PathBuf>,
    /// Replace a store that is already there.
    pub force: bool,
    /// The daemon's socket: a daemon answering there is still running.
    pub socket: PathBuf,
    /// `$CREDENTIALS_DIRECTORY`, where systemd may hold the key.
    pub credentials: Option<PathBuf>,
    /// The passphrase `upstra backup --passphrase-stdin` encrypted the backup under.
    pub passphrase: Option<Secret>,
}

/// Why a restore refused or failed. Nothing was replaced in any case.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(
        "an upstrad answers on {}: stop it first (systemctl stop upstrad upstrad.socket), then restore",
        socket.display()
    )]
    DaemonRunning { socket: PathBuf },
    #[error(
        "{} already holds {what}; nothing was changed. Restore into an empty directory, or add --force to replace it (the files replaced are kept beside it, renamed *.before-restore-*)",
        dir.display()
    )]
    NotEmpty { dir: PathBuf, what: String },
    #[error("cannot read the backup {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "no key to open the backup with: put the store.key you backed up into {}, or pass --key FILE",
        dir.display()
    )]
    NoKey { dir: PathBuf },
    #[error("the backup {} cannot be restored: {reason}; nothing was changed", path.display())]
    Refused { path: PathBuf, reason: String },
    #[error("{}: {source}; nothing was changed", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("putting the restored store in place in {}: {source}", dir.display())]
    Replace {
        dir: PathBuf,
        source: std::io::Error,
    },
}

impl RestoreError {
    /// The process exit code: a refusal is the operator's to fix (2), a key that does not
    /// open the backup is the daemon's own "store locked" (3), the rest a failure (1).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::DaemonRunning { .. } => exit::ALREADY_RUNNING,
            Self::NotEmpty { .. } => exit::CONFIG,
            Self::NoKey { .. } => exit::STORE_LOCKED,
            Self::Refused { .. } | Self::Unreadable { .. } => exit::FAILURE,
            Self::Io { .. } | Self::Replace { .. } => exit::FAILURE,
        }
    }
}

/// What was restored, for the operator.
#[derive(Debug, Clone)]
pub struct Restored {
    pub summary: BackupSummary,
    /// The files renamed aside, if any.
    pub kept: Vec<PathBuf>,
    pub data_dir: PathBuf,
}

impl std::fmt::Display for Restored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = &self.summary;
        writeln!(
            f,
            "restored the store in {}: {} users, {} outage runs, {} audit records",
            self.data_dir.display(),
            s.users,
            s.runs,
            s.audit_records
        )?;
        writeln!(
            f,
            "ended the {} sessions it held: everyone logs in again",
            s.sessions_ended
        )?;
        for kept in &self.kept {
            writeln!(
                f,
                "kept the replaced {}: delete it once the restored daemon runs",
                kept.display()
            )?;
        }
        writeln!(
            f,
            "next: start the daemon (systemctl start upstrad), then `upstra login` and `upstra audit verify`"
        )
    }
}

/// Restores `req.from` into `req.data_dir`.
pub fn run(req: &Restore) -> Result<Restored, RestoreError> {
    if std::os::unix::net::UnixStream::connect(&req.socket).is_ok() {
        return Err(RestoreError::DaemonRunning {
            socket: req.socket.clone(),
        });
    }
    let dir = &req.data_dir;
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| RestoreError::Io { path, source }
    };
    if !dir.exists() {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io(dir))?;
    }
    let present = present_files(dir).map_err(io(dir))?;
    if !present.is_empty() && !req.force {
        return Err(RestoreError::NotEmpty {
            dir: dir.clone(),
            what: present.join(", "),
        });
    }
    // A device or a pipe would be copied without end: only a file of known size is a backup.
    let meta = fs::metadata(&req.from).map_err(|source| RestoreError::Unreadable {
        path: req.from.clone(),
        source,
    })?;
    if !meta.is_file() {
        return Err(RestoreError::Refused {
            path: req.from.clone(),
            reason: "it is not a regular file; give the file `upstra backup --out` wrote".into(),
        });
    }
    let (key, staged_key) = restore_key(req)?;
    let staged = dir.join(STAGED);
    let sha256 = stage(&req.from, &staged, meta.len())?;
    // Whatever fails from here leaves the directory as it was: the staged files go.
    let discard = |e: &StoreError| {
        remove_staged(&staged);
        if let Some(k) = &staged_key {
            let _ = fs::remove_file(k);
        }
        match e {
            StoreError::WrongKey { .. } if req.passphrase.is_some() => RestoreError::Refused {
                path: req.from.clone(),
                reason: "this passphrase does not open it (or it was taken without one: leave out --passphrase-stdin)".into(),
            },
            other => refused(&req.from, other),
        }
    };
    if let Some(passphrase) = &req.passphrase {
        store::rekey_from_passphrase(&staged, passphrase, &key).map_err(|e| discard(&e))?;
    }
    let detail = StoreRestored {
        backup_sha256: sha256,
        passphrase: req.passphrase.is_some(),
        // Counted by the store as it ends them.
        sessions_ended: 0,
    };
    let peer_uid = nix::unistd::getuid().as_raw();
    let summary =
        store::prepare_restored(&staged, &key, peer_uid, detail).map_err(|e| discard(&e))?;

    let stamp = crate::clock::now().millis() / 1000;
    let mut kept = Vec::new();
    let replace = |source| RestoreError::Replace {
        dir: dir.clone(),
        source,
    };
    let mut aside: Vec<&str> = STORE_FILES.to_vec();
    if staged_key.is_some() {
        aside.push(KEY_FILE);
    }
    for name in aside {
        let path = dir.join(name);
        if path.exists() {
            let to = dir.join(format!("{name}.before-restore-{stamp}"));
            fs::rename(&path, &to).map_err(replace)?;
            kept.push(to);
        }
    }
    if let Some(staged_key) = staged_key {
        fs::rename(staged_key, dir.join(KEY_FILE)).map_err(replace)?;
    }
    fs::rename(&staged, dir.join(DB_FILE)).map_err(replace)?;
    fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(replace)?;
    Ok(Restored {
        summary,
        kept,
        data_dir: dir.clone(),
    })
}

/// The key the restored store is kept under, and the file it was staged in when it must be
/// installed as the directory's key: the one `--key` names (unless the directory holds that
/// key already), or the directory's own (or systemd's credential); for a backup under a
/// passphrase with no key anywhere, a new one.
fn restore_key(req: &Restore) -> Result<(StoreKey, Option<PathBuf>), RestoreError> {
    let dir = &req.data_dir;
    let staged_key = dir.join(STAGED_KEY);
    if let Some(path) = &req.key {
        let key = KeySource::File(path.clone())
            .load(false)
            .map_err(|e| refused(&req.from, &e))?;
        if same_file_contents(&dir.join(KEY_FILE), path) {
            return Ok((key, None));
        }
        return Ok((key, Some(stage_key(path, &staged_key)?)));
    }
    match KeySource::locate(dir, req.credentials.as_deref()).load(false) {
        Ok(key) => Ok((key, None)),
        Err(StoreError::KeyMissing { .. }) if req.passphrase.is_some() => {
            let _ = fs::remove_file(&staged_key);
            let key = KeySource::File(staged_key.clone())
                .load(true)
                .map_err(|e| refused(&req.from, &e))?;
            Ok((key, Some(staged_key)))
        }
        Err(StoreError::KeyMissing { .. }) => Err(RestoreError::NoKey { dir: dir.clone() }),
        Err(other) => Err(refused(&req.from, &other)),
    }
}

/// The store's files in `dir`, and anything else there but the key: what a restore would
/// replace or mix with. A key alone is how an operator prepares an empty directory.
fn present_files(dir: &Path) -> std::io::Result<Vec<String>> {
    let mut found = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name != KEY_FILE
            && name != STAGED
            && name != STAGED_KEY
            && name != crate::run_marker::MARKER
        {
            found.push(name);
        }
    }
    found.sort();
    Ok(found)
}

fn refused(path: &Path, e: &StoreError) -> RestoreError {
    let reason = match e {
        StoreError::WrongKey { .. } => {
            "this key does not open it: it was taken with another store's key, or it is not an Upstra backup".to_owned()
        }
        StoreError::Sqlite(inner) => format!("it is damaged or truncated ({inner})"),
        other => other.to_string(),
    };
    RestoreError::Refused {
        path: path.to_path_buf(),
        reason,
    }
}

/// Copies the backup to `staged` (private, new) and returns its SHA-256. At most `len`
/// bytes, the size the file had when it was looked at: one that grows meanwhile is not
/// followed.
fn stage(from: &Path, staged: &Path, len: u64) -> Result<String, RestoreError> {
    remove_staged(staged);
    let source = fs::File::open(from).map_err(|source| RestoreError::Unreadable {
        path: from.to_path_buf(),
        source,
    })?;
    let mut source = std::io::Read::take(source, len);
    let io = |source| RestoreError::Io {
        path: staged.to_path_buf(),
        source,
    };
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(staged)
        .map_err(io)?;
    let mut hashing = HashingWriter {
        file: &mut file,
        hasher: Sha256::new(),
    };
    std::io::copy(&mut source, &mut hashing).map_err(|source| RestoreError::Unreadable {
        path: from.to_path_buf(),
        source,
    })?;
    let sha256 = hex::encode(hashing.hasher.finalize());
    file.sync_all().map_err(io)?;
    Ok(sha256)
}

fn stage_key(from: &Path, staged: &Path) -> Result<PathBuf, RestoreError> {
    let _ = fs::remove_file(staged);
    let io = |source| RestoreError::Io {
        path: staged.to_path_buf(),
        source,
    };
    let bytes =
        zeroize::Zeroizing::new(fs::read(from).map_err(|source| RestoreError::Unreadable {
            path: from.to_path_buf(),
            source,
        })?);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(staged)
        .map_err(io)?;
    file.write_all(&bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(staged.to_path_buf())
}

/// True when both files can be read and hold the same bytes (key files: wiped after).
fn same_file_contents(a: &Path, b: &Path) -> bool {
    match (fs::read(a), fs::read(b)) {
        (Ok(a), Ok(b)) => zeroize::Zeroizing::new(a) == zeroize::Zeroizing::new(b),
        _ => false,
    }
}

/// The staged copy and the files SQLite may have left beside it.
fn remove_staged(staged: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = staged.as_os_str().to_owned();
        name.push(suffix);
        let _ = fs::remove_file(PathBuf::from(name));
    }
}

struct HashingWriter<'a> {
    file: &'a mut fs::File,
    hasher: Sha256,
}

impl Write for HashingWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}
