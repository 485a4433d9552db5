//! Logs go to a file, never to the terminal: the console owns the screen, and a stray line
//! would corrupt it. The filter is `UPSTRA_LOG` (tracing's env-filter syntax), `info` by
//! default. A log that cannot be opened is not fatal: the console runs without one.

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use tracing_subscriber::EnvFilter;

/// `$XDG_STATE_HOME/upstra/upstra.log`, else `~/.local/state/upstra/upstra.log`.
pub fn default_log_file() -> Option<PathBuf> {
    let var = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let state = var("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(state.join("upstra").join("upstra.log"))
}

/// Sends this process's tracing output to `path` (appending). Returns false when the file
/// cannot be opened or a subscriber is already installed (the demo daemon may have one).
pub fn to_file(path: &Path) -> bool {
    if let Some(dir) = path.parent()
        && fs::create_dir_all(dir).is_err()
    {
        return false;
    }
    let Ok(file) = OpenOptions::new().create(true).append(true).open(path) else {
        return false;
    };
    let filter = EnvFilter::try_from_env("UPSTRA_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .try_init()
        .is_ok()
}
