//! `backup_start` and `backup_chunk`: an online copy of the store, read out in pieces.

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::RngCore;
use sha2::{Digest, Sha256};
use upstra_core::api::v1::{ApiError, BACKUP_CHUNK_BYTES, BackupChunk, BackupStarted};
use upstra_core::secret::Secret;

use crate::backup::{self, IDLE_TIMEOUT};
use crate::server::service::Connection;
use crate::store::audit_detail::{BackupRead, BackupTaken};
use crate::store::{AuditEntry, StoreError};

/// The shortest passphrase a copy is encrypted under. The copy is meant to be kept where the
/// key file is not, so anyone holding it may guess offline; SQLCipher's key derivation slows
/// each guess, but a short passphrase still falls.
pub const MIN_PASSPHRASE_BYTES: usize = 12;

pub async fn start(c: &Connection, passphrase: Option<Secret>) -> Result<BackupStarted, ApiError> {
    let who = c.who()?.user.clone();
    if let Some(p) = &passphrase
        && p.expose().len() < MIN_PASSPHRASE_BYTES
    {
        return Err(ApiError::invalid(format!(
            "the passphrase is {} bytes; a backup kept apart from its key needs at least {MIN_PASSPHRASE_BYTES}",
            p.expose().len()
        )));
    }
    let with_passphrase = passphrase.is_some();
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    let id = hex::encode(bytes);
    let path = backup::copy_path(&c.shared.config.data_dir, &id);
    c.shared.backups.reserve(&who, &id, path.clone())?;
    match copy(c, path, passphrase).await {
        Ok((size, sha256)) => {
            c.shared.backups.ready(&id, size);
            backup::watch(Arc::clone(&c.shared), id.clone());
            c.audit(
                AuditEntry::new("backup", "ok")
                    .actor(&who)
                    .detail(&BackupTaken {
                        id: &id,
                        size,
                        sha256: &sha256,
                        passphrase: with_passphrase,
                    }),
            )
            .await;
            Ok(BackupStarted {
                id,
                size,
                sha256,
                chunk_bytes: BACKUP_CHUNK_BYTES,
                idle_timeout_secs: IDLE_TIMEOUT.as_secs(),
            })
        }
        Err(e) => {
            c.shared.backups.finish(&id);
            c.audit(AuditEntry::new("backup", "failed").actor(&who))
                .await;
            Err(e.into())
        }
    }
}

/// Copies the store into `path` (created here, 0600, never an existing file) and returns the
/// copy's size and SHA-256.
async fn copy(
    c: &Connection,
    path: PathBuf,
    passphrase: Option<Secret>,
) -> Result<(u64, String), StoreError> {
    let io = |source| StoreError::DataDir {
        path: path.clone(),
        source,
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io)?;
    let dest = path.clone();
    c.shared
        .store
        .call(move |db| db.backup_into(&dest, passphrase.as_ref()))
        .await?;
    let hashed = path.clone();
    tokio::task::spawn_blocking(move || hash_file(&hashed))
        .await
        .map_err(|e| StoreError::Corrupt(format!("hashing the backup copy: {e}")))?
        .map_err(io)
}

fn hash_file(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let size = std::io::copy(&mut file, &mut hasher)?;
    Ok((size, hex::encode(hasher.finalize())))
}

pub async fn chunk(c: &Connection, id: String, offset: u64) -> Result<BackupChunk, ApiError> {
    let who = c.who()?.user.clone();
    let ready = c.shared.backups.touch(&id, &who)?;
    if offset > ready.size {
        return Err(ApiError::invalid(format!(
            "offset {offset} is past the end of the backup ({} bytes)",
            ready.size
        )));
    }
    let len = (ready.size - offset).min(u64::from(BACKUP_CHUNK_BYTES));
    let path = ready.path.clone();
    let data = tokio::task::spawn_blocking(move || read_at(&path, offset, len))
        .await
        .map_err(|e| ApiError::from(StoreError::Corrupt(format!("reading the backup copy: {e}"))))?
        .map_err(|source| {
            ApiError::from(StoreError::DataDir {
                path: ready.path.clone(),
                source,
            })
        })?;
    let last = offset + len == ready.size;
    if last && c.shared.backups.finish(&id) {
        c.audit(
            AuditEntry::new("backup_read", "ok")
                .actor(&who)
                .detail(&BackupRead {
                    id: &id,
                    size: ready.size,
                }),
        )
        .await;
    }
    Ok(BackupChunk {
        offset,
        data_hex: hex::encode(data),
        last,
    })
}

fn read_at(path: &Path, offset: u64, len: u64) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut data = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(len).read_to_end(&mut data)?;
    Ok(data)
}
