//! The entry point of the `nut_reply` fuzz target (`fuzz/`), compiled only under
//! `--cfg fuzzing`, which the fuzzer sets: everything a reply from upsd goes through once it
//! has been read off the socket, with no socket.

use std::collections::BTreeMap;

use crate::reading::{Seen, reading_from_vars};
use crate::reply;
use crate::wire::{quote, sendable, split_words};

/// The UPS name used when the reply does not name one itself.
const DEFAULT_UPS: &str = "ups1";

/// Feeds `bytes`, as upsd would send them, through the reply parsers the connection uses, and
/// checks that quoting a parsed word and splitting it again gives the same word back.
pub fn replies(bytes: &[u8]) {
    let lines = lines_as_read(bytes);
    let Some(first) = lines.first() else {
        return;
    };
    let _ = reply::expect_ok(first).map_err(|e| e.to_adapter_error("fuzz"));
    let _ = reply::parse_get_var(DEFAULT_UPS, "ups.status", first).map_err(|e| e.to_string());
    // A `BEGIN LIST VAR <ups>` header names the UPS: use it, so the body can be reached.
    let ups = split_words(first)
        .ok()
        .and_then(|w| w.get(3).cloned())
        .unwrap_or_else(|| DEFAULT_UPS.to_owned());
    let _ = reply::is_list_end(first, &["VAR", &ups]);
    if let Ok(entries) = reply::parse_list_ups(&lines) {
        for entry in entries {
            let _ = (entry.name.len(), entry.description.len());
        }
    }
    let vars = reply::parse_list_var(&ups, &lines).unwrap_or_default();
    read_vars(&vars);
    for line in &lines {
        round_trip_words(line);
    }
}

/// Splits as `Connection::read_line` does: lines end at `\n`, a `\r` before it is dropped, the
/// text is decoded lossily; a last line without `\n` is a closed connection, not a line.
fn lines_as_read(bytes: &[u8]) -> Vec<String> {
    let mut pieces: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    pieces.pop();
    pieces
        .into_iter()
        .map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            String::from_utf8_lossy(line).into_owned()
        })
        .collect()
}

fn read_vars(vars: &BTreeMap<String, String>) {
    let (reading, oddities) = reading_from_vars(vars);
    if let Some(charge) = reading.charge_pct {
        assert!(
            (0.0..=100.0).contains(&charge),
            "charge {charge} out of range"
        );
    }
    let mut seen = Seen::default();
    for odd in &oddities {
        let _ = (seen.first_time(odd), odd.to_string());
    }
}

fn round_trip_words(line: &str) {
    let Ok(words) = split_words(line) else {
        return;
    };
    for word in words.iter().filter(|w| sendable(w)) {
        let again = split_words(&quote(word));
        assert_eq!(again.as_deref(), Ok(std::slice::from_ref(word)), "{word:?}");
    }
}
