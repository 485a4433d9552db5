//! Support for the end-to-end suite: the real peers' endpoints, as written by
//! `tests/peers/start.sh` into the env file named by `UPSTRA_PEERS_ENV`.
//!
//! A test asks for [`peers`]; without the env file it is skipped with a note on stderr, except
//! under `CI=true`, where a missing peer set fails the test: CI must never pass by skipping.
#![forbid(unsafe_code)]

use std::collections::HashMap;

/// The endpoints of one harness run.
pub struct Peers {
    /// The env file they were read from.
    pub path: String,
    pub vars: HashMap<String, String>,
}

impl Peers {
    /// The value of `key`; panics naming the file when the harness did not write it.
    pub fn get(&self, key: &str) -> &str {
        match self.vars.get(key) {
            Some(v) => v,
            None => panic!("{} has no {}", self.path, key),
        }
    }
}

/// Parses `KEY=value` lines; strips one pair of surrounding double or single quotes.
pub fn parse_env(text: &str) -> HashMap<String, String> {
    let mut vars = HashMap::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        if let Some((key, value)) = line.split_once('=') {
            let value = value.trim();
            let unquoted = if value.len() >= 2
                && ((value.starts_with('"') && value.ends_with('"'))
                    || (value.starts_with('\'') && value.ends_with('\'')))
            {
                &value[1..value.len() - 1]
            } else {
                value
            };
            vars.insert(key.trim().to_string(), unquoted.to_string());
        }
    }
    vars
}

/// The peers, or `None` (test skipped) when `UPSTRA_PEERS_ENV` is not set and `CI` is not `true`.
pub fn peers(test: &str) -> Option<Peers> {
    let path = match std::env::var("UPSTRA_PEERS_ENV") {
        Ok(p) if !p.trim().is_empty() => p,
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!(
                    "real peers missing: UPSTRA_PEERS_ENV is not set but CI=true; start them with \
                     `tests/peers/install.sh && tests/peers/start.sh` and export \
                     UPSTRA_PEERS_ENV=<dir>/peers.env"
                );
            }
            eprintln!(
                "skipping {}: UPSTRA_PEERS_ENV not set (start the peers with tests/peers/start.sh)",
                test
            );
            return None;
        }
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read UPSTRA_PEERS_ENV={}: {}", path, e));
    Some(Peers {
        vars: parse_env(&text),
        path,
    })
}
/// User plus system CPU seconds from a `/proc/.../stat` file (`/proc/PID/stat`,
/// `/proc/self/stat`, `/proc/thread-self/stat`), for the benchmarks that print what a process
/// or a thread spent. Panics on a file that is not one: a benchmark has nothing to print then.
#[allow(clippy::unwrap_used)]
pub fn cpu_seconds(stat_path: &str) -> f64 {
    let stat = std::fs::read_to_string(stat_path).unwrap();
    // The fields after the command name, which may itself hold spaces and parentheses.
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    // utime and stime, in clock ticks (100 a second on Linux).
    let ticks = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

pub mod forward;
pub mod lab;
pub mod nut;
pub mod own_nut;
pub mod postgres;
pub mod predecessor;
pub mod redis;
pub mod smtp;
pub mod snmp;
pub mod webhook;
