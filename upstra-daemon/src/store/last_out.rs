//! What the shed's last steps need from the journal: a run's facts changed while it runs
//! (it goes on after power returns, which side of the UPS-off command mains came back), and
//! the journal flushed to the disk before this host powers off.

use rusqlite::params;

use super::outage::RunInfo;
use super::{Db, StoreError};

impl Db {
    /// Replaces what a run is about, leaving its state and end as they are.
    pub fn set_run_info(&mut self, run: i64, info: &RunInfo) -> Result<(), StoreError> {
        let doc = serde_json::to_string(info).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.conn()
            .execute("UPDATE runs SET doc = ?2 WHERE id = ?1", params![run, doc])?;
        Ok(())
    }

    /// Writes the write-ahead log into the database file and syncs both. With
    /// `synchronous = NORMAL` a commit survives the daemon's crash but not always the
    /// machine's power loss; before this host powers itself off, nothing may be left behind.
    pub fn sync_to_disk(&mut self) -> Result<(), StoreError> {
        // The pragma answers one row (busy, log frames, checkpointed frames): read and dropped.
        self.conn()
            .query_row("PRAGMA wal_checkpoint(FULL)", [], |_| Ok(()))?;
        Ok(())
    }
}
