//! The receiver's own SNMPv3 engine (RFC 3414): its ID and boots counter, kept in a file so
//! they survive restarts. A v3 inform is localized to the receiver's engine ID, and its
//! boots counter must grow at each start, or a recorded inform could be replayed.

use std::io::Write;
use std::path::{Path, PathBuf};

pub use async_snmp::AuthoritativeEngine;
use async_snmp::PersistedAuthoritativeEngine;
use tracing::warn;

use crate::SnmpError;

/// The engine state file is one short line; anything longer is not ours.
const MAX_ENGINE_FILE: u64 = 1024;

/// The engine stored in `file` restarted (its boots counter one higher, written before use),
/// or a new engine when there is none or it cannot be read (said in the log: senders that
/// pinned the old engine ID must learn the new one).
pub fn load_or_install(file: &Path) -> Result<AuthoritativeEngine, SnmpError> {
    let persist = {
        let file = file.to_path_buf();
        move |state: &PersistedAuthoritativeEngine| write(&file, state)
    };
    let stored = match std::fs::metadata(file) {
        Ok(m) if m.len() <= MAX_ENGINE_FILE => std::fs::read_to_string(file).ok(),
        Ok(_) => None,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            warn!(file = %file.display(), error = %e, "cannot read the SNMP engine state: a new engine ID is made");
            None
        }
    };
    let previous = stored.as_deref().and_then(parse);
    if stored.is_some() && previous.is_none() {
        warn!(file = %file.display(), "the SNMP engine state is not readable: a new engine ID is made");
    }
    let engine = match previous {
        Some(previous) => AuthoritativeEngine::restart(previous, persist),
        None => {
            let id =
                async_snmp::generate_engine_id().map_err(|e| SnmpError::Protocol(e.to_string()))?;
            AuthoritativeEngine::install(id, persist)
        }
    };
    engine.map_err(|e| SnmpError::Protocol(format!("the SNMP engine state cannot be kept: {e}")))
}

fn parse(text: &str) -> Option<PersistedAuthoritativeEngine> {
    let mut words = text.split_whitespace();
    let id = hex::decode(words.next()?).ok()?;
    let boots = words.next()?.parse().ok()?;
    PersistedAuthoritativeEngine::new(id, boots).ok()
}

/// Writes the state whole or not at all (a temporary file renamed over it), synced, so a
/// crash never leaves a boots counter lower than one already used.
fn write(file: &Path, state: &PersistedAuthoritativeEngine) -> Result<(), std::io::Error> {
    let tmp = PathBuf::from(format!("{}.tmp", file.display()));
    let mut f = std::fs::File::create(&tmp)?;
    writeln!(
        f,
        "{} {}",
        hex::encode(state.engine_id()),
        state.engine_boots()
    )?;
    f.sync_all()?;
    std::fs::rename(&tmp, file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boots_grow_at_each_start_and_the_id_stays() {
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("snmp-engine");
        let first = load_or_install(&file).expect("installs");
        assert_eq!(first.engine_boots(), 1);
        let second = load_or_install(&file).expect("restarts");
        assert_eq!(second.engine_id(), first.engine_id());
        assert_eq!(second.engine_boots(), 2);
        std::fs::write(&file, "not hex at all").expect("write");
        let fresh = load_or_install(&file).expect("a new one");
        assert_ne!(fresh.engine_id(), first.engine_id());
        assert_eq!(fresh.engine_boots(), 1);
    }
}
