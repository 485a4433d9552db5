//! `upstra backup --out FILE [--force] [--json]`: an online copy of the daemon's encrypted
//! store, read from the daemon in pieces and written here with mode 0600. The daemon writes
//! only into its own data directory; this client writes FILE, checking the size and SHA-256
//! the daemon announced before FILE appears. `--json` prints the API's `BackupStarted`.

use std::io::Write;
use std::path::Path;

use sha2::{Digest, Sha256};
use upstra_core::api::v1::BackupStarted;

use super::{out, out_json, read_secret_line, shown, signed_in};
use crate::cli::BackupArgs;
use crate::client::timeouts;
use crate::error::CliError;

pub async fn run(socket: &Path, args: &BackupArgs) -> Result<(), CliError> {
    let target = &args.out;
    if !args.force && target.exists() {
        return Err(CliError::Usage(format!(
            "{} exists: choose another --out, or add --force to replace it",
            shown(&target.display().to_string())
        )));
    }
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    // Written beside FILE (tempfile makes it 0600) and renamed over it once checked, so a
    // failed backup never leaves a partial FILE behind.
    let mut partial = tempfile::Builder::new()
        .prefix(".upstra-backup-")
        .tempfile_in(&dir)
        .map_err(|e| write_failed(&dir, &e))?;
    let passphrase = if args.passphrase_stdin {
        Some(read_secret_line(std::io::stdin().lock(), "the passphrase")?)
    } else {
        None
    };
    let (conn, token) = signed_in(socket).await?;
    let started = conn
        .call(timeouts::APPLY, |c, ctx| {
            let token = token.clone();
            async move { c.backup_start(ctx, token, passphrase).await }
        })
        .await?;
    let mut hasher = Sha256::new();
    let mut offset = 0u64;
    // The daemon's answer bounds the loop: one chunk per `chunk_bytes` of `size`, plus the
    // last; a chunk that does not advance is an error, never a retry.
    loop {
        let id = started.id.clone();
        let chunk = conn
            .call(timeouts::CALL, |c, ctx| {
                let token = token.clone();
                async move { c.backup_chunk(ctx, token, id, offset).await }
            })
            .await?;
        let data = hex::decode(&chunk.data_hex).map_err(|e| {
            CliError::Failed(format!(
                "the daemon sent a damaged piece of the backup: {e}"
            ))
        })?;
        if chunk.offset != offset
            || data.len() > started.chunk_bytes as usize
            || (data.is_empty() && !chunk.last)
        {
            return Err(CliError::Failed(format!(
                "the daemon sent a piece of the backup at {} ({} bytes) when {offset} was asked; run `upstra backup` again",
                chunk.offset,
                data.len()
            )));
        }
        hasher.update(&data);
        partial
            .write_all(&data)
            .map_err(|e| write_failed(partial.path(), &e))?;
        offset += data.len() as u64;
        if offset > started.size {
            return Err(mismatch(&started, offset, "longer than announced"));
        }
        if chunk.last {
            break;
        }
    }
    let sha256 = hex::encode(hasher.finalize());
    if offset != started.size {
        return Err(mismatch(&started, offset, "shorter than announced"));
    }
    if sha256 != started.sha256 {
        return Err(mismatch(&started, offset, "its SHA-256 differs"));
    }
    partial
        .as_file()
        .sync_all()
        .map_err(|e| write_failed(partial.path(), &e))?;
    let persisted = if args.force {
        partial.persist(target).map(|_| ())
    } else {
        partial.persist_noclobber(target).map(|_| ())
    };
    persisted.map_err(|e| write_failed(target, &e.error))?;
    if args.json {
        return out_json(&started);
    }
    if args.passphrase_stdin {
        return out(&format!(
            "wrote {}: {} bytes, sha256 {}\n\
             It is encrypted under your passphrase, not the store key: keep the passphrase\n\
             safe, it is the only way in. Restore with\n\
             `upstrad restore --from FILE --passphrase-stdin` on a stopped daemon.\n",
            target.display(),
            started.size,
            started.sha256
        ));
    }
    out(&format!(
        "wrote {}: {} bytes, sha256 {}\n\
         It is encrypted under the daemon's store key, which is not in it: keep a copy of the\n\
         data directory's store.key too, stored apart from this file. Restore with\n\
         `upstrad restore --from FILE` on a stopped daemon.\n",
        target.display(),
        started.size,
        started.sha256
    ))
}

fn mismatch(started: &BackupStarted, got: u64, what: &str) -> CliError {
    CliError::Failed(format!(
        "the backup read from the daemon is damaged ({what}: {got} of {} bytes); nothing was written, run `upstra backup` again",
        started.size
    ))
}

fn write_failed(path: &Path, e: &std::io::Error) -> CliError {
    CliError::Failed(format!(
        "cannot write the backup to {}: {e}",
        shown(&path.display().to_string())
    ))
}
