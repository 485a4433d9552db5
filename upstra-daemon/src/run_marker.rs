//! Whether the daemon's last run ended cleanly: a file in the data directory exists while it
//! runs, holding when the run started. Found at start, it means the last run ended without
//! finishing (killed, crashed, the machine lost power), which is told
//! (`DaemonUncleanStart`): whatever it was doing may be half done.

use std::path::{Path, PathBuf};

use upstra_core::state::Timestamp;

/// The marker's name in the data directory.
pub const MARKER: &str = "upstrad.running";

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(MARKER)
}

/// Marks this run as started at `now`. `Some` when the last run left its marker: with its
/// start time when the marker could be read.
pub fn begin(data_dir: &Path, now: Timestamp) -> Option<Option<Timestamp>> {
    let p = path(data_dir);
    let previous = std::fs::read_to_string(&p)
        .ok()
        .map(|t| t.trim().parse::<i64>().ok().map(Timestamp));
    if let Err(e) = std::fs::write(&p, format!("{}\n", now.millis())) {
        tracing::warn!(path = %p.display(), error = %e, "cannot write the run marker; an unclean stop will not be told");
    }
    previous
}

/// Marks this run as ended cleanly.
pub fn end(data_dir: &Path) {
    let p = path(data_dir);
    if let Err(e) = std::fs::remove_file(&p)
        && e.kind() != std::io::ErrorKind::NotFound
    {
        tracing::warn!(path = %p.display(), error = %e, "cannot remove the run marker; the next start will say this stop was unclean");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_marker_left_behind_is_an_unclean_stop() {
        let dir = tempfile::tempdir().expect("dir");
        assert_eq!(begin(dir.path(), Timestamp(5)), None);
        end(dir.path());
        assert_eq!(begin(dir.path(), Timestamp(6)), None, "a clean stop");
        // No `end`: killed.
        assert_eq!(begin(dir.path(), Timestamp(7)), Some(Some(Timestamp(6))));
    }
}
