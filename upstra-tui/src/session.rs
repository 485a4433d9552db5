//! Where the session token from `upstra login` is kept between commands.
//!
//! One file per Unix user and per daemon socket, so that several daemons (tests, the demo, a
//! production one) never share a token. In order of preference:
//! 1. `UPSTRA_SESSION_FILE`, used as given (tests and unusual setups);
//! 2. `$XDG_RUNTIME_DIR/upstra/session-<key>`;
//! 3. `<temp dir>/upstra-<uid>/session-<key>`, a directory this module creates with mode 0700
//!    and refuses to use when it is not a real directory, belongs to someone else, or is open
//!    to the group or others: the temp dir is shared, so someone could have planted it.
//!
//! `<key>` is 16 hex digits of the SHA-256 of the canonical socket path. Files are written to a
//! temporary file in the same directory with mode 0600 and renamed into place, so a reader
//! never sees half a token.

use std::fs::{self, DirBuilder};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use upstra_core::api::v1::SessionToken;
use upstra_core::state::Timestamp;

/// What is kept for one session. The token is secret; the rest is for display.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub token: SessionToken,
    pub user: String,
    pub expires_at: Timestamp,
}

/// Why the session file could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    #[error(
        "refusing to keep the session in {}: it {reason}; remove it, or set XDG_RUNTIME_DIR \
         or UPSTRA_SESSION_FILE", dir.display()
    )]
    UnsafeDir { dir: PathBuf, reason: String },
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("the session file {} is damaged: run `upstra login` again", path.display())]
    Damaged { path: PathBuf },
}

impl SessionError {
    fn io(action: &'static str, path: &Path) -> impl FnOnce(io::Error) -> Self {
        let path = path.to_owned();
        move |source| Self::Io {
            action,
            path,
            source,
        }
    }
}

/// The parts of the environment that decide where the file goes; a value so tests can vary it.
#[derive(Debug, Clone)]
pub struct SessionEnv {
    /// `UPSTRA_SESSION_FILE`.
    pub explicit: Option<PathBuf>,
    /// `XDG_RUNTIME_DIR`.
    pub runtime_dir: Option<PathBuf>,
    /// The system temp directory, for the fallback.
    pub temp_dir: PathBuf,
    /// The caller's uid: the owner the fallback directory must have.
    pub uid: u32,
}

impl SessionEnv {
    /// Reads the process environment.
    pub fn from_process() -> Self {
        let non_empty = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        Self {
            explicit: non_empty("UPSTRA_SESSION_FILE"),
            runtime_dir: non_empty("XDG_RUNTIME_DIR"),
            temp_dir: std::env::temp_dir(),
            uid: nix::unistd::getuid().as_raw(),
        }
    }
}

/// The socket path as the daemon sees it, so `./x.sock` and `/abs/x.sock` share a session.
/// A socket that does not exist yet is resolved through its directory.
pub fn canonical_socket(socket: &Path) -> PathBuf {
    if let Ok(path) = fs::canonicalize(socket) {
        return path;
    }
    let parent = socket.parent().filter(|p| !p.as_os_str().is_empty());
    let dir = parent.map_or_else(|| fs::canonicalize("."), fs::canonicalize);
    match (dir, socket.file_name()) {
        (Ok(dir), Some(name)) => dir.join(name),
        _ => socket.to_owned(),
    }
}

/// 16 hex digits naming the session file of `socket`.
pub fn socket_key(socket: &Path) -> String {
    let digest = Sha256::digest(canonical_socket(socket).as_os_str().as_bytes());
    hex::encode(&digest[..8])
}

/// The session file for one socket.
#[derive(Debug, Clone)]
pub struct SessionStore {
    path: PathBuf,
}

impl SessionStore {
    /// Picks the file for `socket`, creating and checking its directory when it is ours to
    /// manage.
    pub fn locate(env: &SessionEnv, socket: &Path) -> Result<Self, SessionError> {
        if let Some(path) = &env.explicit {
            return Ok(Self { path: path.clone() });
        }
        let dir = match &env.runtime_dir {
            Some(runtime) => runtime.join("upstra"),
            None => env.temp_dir.join(format!("upstra-{}", env.uid)),
        };
        ensure_private_dir(&dir, env.uid)?;
        let path = dir.join(format!("session-{}", socket_key(socket)));
        Ok(Self { path })
    }

    /// Uses exactly `path`.
    pub fn at(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The stored session, or `None` when there is no file.
    pub fn load(&self) -> Result<Option<StoredSession>, SessionError> {
        let text = match fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(SessionError::io("read", &self.path)(e)),
        };
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|_| SessionError::Damaged {
                path: self.path.clone(),
            })
    }

    /// Writes the session atomically with mode 0600.
    pub fn save(&self, session: &StoredSession) -> Result<(), SessionError> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let err = SessionError::io;
        let json = serde_json::to_vec(session)
            .map_err(|e| err("write", &self.path)(io::Error::other(e)))?;
        // tempfile creates the file with mode 0600 and a random name in `dir`.
        let mut tmp = tempfile::Builder::new()
            .prefix(".session-")
            .tempfile_in(dir)
            .map_err(err("create a file in", dir))?;
        tmp.as_file()
            .set_permissions(fs::Permissions::from_mode(0o600))
            .map_err(err("write", tmp.path()))?;
        tmp.write_all(&json).map_err(err("write", tmp.path()))?;
        tmp.as_file().sync_all().map_err(err("write", tmp.path()))?;
        tmp.persist(&self.path)
            .map_err(|e| err("write", &self.path)(e.error))?;
        Ok(())
    }

    /// Deletes the file; `false` when there was none.
    pub fn remove(&self) -> Result<bool, SessionError> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(SessionError::io("remove", &self.path)(e)),
        }
    }
}

/// Creates `dir` with mode 0700 if needed, then checks that only `uid` can use it.
pub fn ensure_private_dir(dir: &Path, uid: u32) -> Result<(), SessionError> {
    match DirBuilder::new().mode(0o700).create(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(SessionError::io("create the directory", dir)(e)),
    }
    // symlink_metadata: a planted symlink must not lead us elsewhere.
    let meta = fs::symlink_metadata(dir).map_err(SessionError::io("inspect", dir))?;
    let unsafe_dir = |reason: String| SessionError::UnsafeDir {
        dir: dir.to_owned(),
        reason,
    };
    if !meta.file_type().is_dir() {
        return Err(unsafe_dir("is not a directory".into()));
    }
    if meta.uid() != uid {
        return Err(unsafe_dir(format!(
            "belongs to uid {}, not to you (uid {uid})",
            meta.uid()
        )));
    }
    let mode = meta.mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(unsafe_dir(format!(
            "is open to other users (mode {mode:03o}, expected 700)"
        )));
    }
    Ok(())
}
