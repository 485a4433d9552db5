//! The wire types of an online backup: `backup_start` copies the store into the daemon's own
//! data directory and answers how big the copy is and its hash; `backup_chunk` hands it out in
//! bounded pieces. The client names no path the daemon writes to: the daemon is root, the
//! client an operator.

use serde::{Deserialize, Serialize};

/// The most bytes of the copy one `backup_chunk` answer carries. Hex doubles them on the wire:
/// half a MiB of JSON per answer, far under the 8 MiB frame, and a store of a few MiB still
/// comes over in a handful of calls.
pub const BACKUP_CHUNK_BYTES: u32 = 256 * 1024;

/// A backup copy ready to be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupStarted {
    /// Names this copy in `backup_chunk`; only the admin who started it may read it.
    pub id: String,
    /// The copy's size in bytes.
    pub size: u64,
    /// The copy's SHA-256, lowercase hex: the client checks what it wrote against it.
    pub sha256: String,
    /// The most bytes one chunk carries (see [`BACKUP_CHUNK_BYTES`]).
    pub chunk_bytes: u32,
    /// How long the daemon keeps the copy without a chunk being read, in seconds.
    pub idle_timeout_secs: u64,
}

/// One piece of a backup copy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupChunk {
    /// Where the piece starts in the copy.
    pub offset: u64,
    /// The piece, lowercase hex; empty past the end.
    pub data_hex: String,
    /// True when this piece reaches the end of the copy: the daemon has removed its copy.
    pub last: bool,
}
