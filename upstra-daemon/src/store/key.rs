//! The store key: 32 random bytes, created on first start in a root-only file, or supplied by
//! systemd as a credential.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use super::StoreError;

/// The key file's name inside the data directory.
pub const KEY_FILE: &str = "store.key";
/// The systemd credential name (`LoadCredential=upstra-store-key:...`).
pub const CREDENTIAL_NAME: &str = "upstra-store-key";

/// The raw key. Wiped on drop; never printed.
pub struct StoreKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StoreKey([redacted])")
    }
}

impl StoreKey {
    /// The `PRAGMA key` argument for a raw key: SQLCipher skips its own KDF, because the key
    /// is already 256 random bits.
    pub(super) fn pragma(&self) -> Zeroizing<String> {
        let mut hex = hex::encode(*self.0);
        let pragma = Zeroizing::new(format!("PRAGMA key = \"x'{hex}'\";"));
        hex.zeroize();
        pragma
    }

    /// The `PRAGMA rekey` that puts a database opened under another key under this one.
    pub(super) fn rekey_pragma(&self) -> Zeroizing<String> {
        let mut hex = hex::encode(*self.0);
        let pragma = Zeroizing::new(format!("PRAGMA rekey = \"x'{hex}'\";"));
        hex.zeroize();
        pragma
    }
}

/// Where the key comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// A file the daemon may create on first start.
    File(PathBuf),
    /// A systemd credential: read only, never created.
    Credential(PathBuf),
}

impl KeySource {
    /// The credential when `$CREDENTIALS_DIRECTORY` holds one, else the data dir's key file.
    pub fn locate(data_dir: &Path, credentials_dir: Option<&Path>) -> Self {
        match credentials_dir.map(|d| d.join(CREDENTIAL_NAME)) {
            Some(p) if p.exists() => Self::Credential(p),
            _ => Self::File(data_dir.join(KEY_FILE)),
        }
    }

    pub fn path(&self) -> &Path {
        match self {
            Self::File(p) | Self::Credential(p) => p,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Self::File(p) => format!("key file {}", p.display()),
            Self::Credential(p) => format!("systemd credential {}", p.display()),
        }
    }

    /// Reads the key. `may_create` is true only when no database exists yet: creating a fresh
    /// key for an existing database would make it unreadable for good.
    pub fn load(&self, may_create: bool) -> Result<StoreKey, StoreError> {
        let path = self.path();
        match fs::read(path) {
            Ok(bytes) => parse(Zeroizing::new(bytes), path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => match self {
                Self::File(p) if may_create => create(p),
                _ => Err(StoreError::KeyMissing {
                    path: path.to_path_buf(),
                }),
            },
            Err(source) => Err(StoreError::KeyUnreadable {
                path: path.to_path_buf(),
                source,
            }),
        }
    }
}

/// Accepts 32 raw bytes or 64 hex digits (with an optional trailing newline).
fn parse(bytes: Zeroizing<Vec<u8>>, path: &Path) -> Result<StoreKey, StoreError> {
    let mut key = Zeroizing::new([0u8; 32]);
    if bytes.len() == 32 {
        key.copy_from_slice(&bytes);
        return Ok(StoreKey(key));
    }
    let text = bytes.strip_suffix(b"\n").unwrap_or(&bytes);
    if text.len() == 64 && hex::decode_to_slice(text, &mut key[..]).is_ok() {
        return Ok(StoreKey(key));
    }
    Err(StoreError::KeyMalformed {
        path: path.to_path_buf(),
    })
}

fn create(path: &Path) -> Result<StoreKey, StoreError> {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rng().fill_bytes(&mut key[..]);
    let mut hex = Zeroizing::new(hex::encode(*key));
    hex.push('\n');
    let io = |source| StoreError::KeyUnreadable {
        path: path.to_path_buf(),
        source,
    };
    // create_new: never overwrite a key that appeared meanwhile; mode 0600 from the start.
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    file.write_all(hex.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io)?;
    Ok(StoreKey(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn creates_a_private_key_once_and_reads_it_back() {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = KeySource::locate(dir.path(), None);
        let created = source.load(true).expect("created");
        let mode = fs::metadata(source.path())
            .expect("exists")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        let again = source.load(false).expect("read");
        assert_eq!(*created.0, *again.0);
    }

    #[test]
    fn a_missing_key_is_not_created_for_an_existing_store() {
        let dir = tempfile::tempdir().expect("temp dir");
        let err = KeySource::locate(dir.path(), None)
            .load(false)
            .expect_err("missing");
        assert!(matches!(err, StoreError::KeyMissing { .. }));
    }

    #[test]
    fn prefers_the_systemd_credential() {
        let dir = tempfile::tempdir().expect("temp dir");
        let creds = tempfile::tempdir().expect("temp dir");
        fs::write(creds.path().join(CREDENTIAL_NAME), [7u8; 32]).expect("write");
        let source = KeySource::locate(dir.path(), Some(creds.path()));
        assert!(matches!(source, KeySource::Credential(_)));
        assert_eq!(*source.load(false).expect("read").0, [7u8; 32]);
    }

    #[test]
    fn refuses_a_malformed_key() {
        let dir = tempfile::tempdir().expect("temp dir");
        fs::write(dir.path().join(KEY_FILE), b"short").expect("write");
        let err = KeySource::locate(dir.path(), None)
            .load(false)
            .expect_err("malformed");
        assert!(matches!(err, StoreError::KeyMalformed { .. }));
    }
}
