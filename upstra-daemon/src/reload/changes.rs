//! What a new config file changes, key by key, and which of those changes the running daemon
//! takes on at once. Pure: the reload task logs and audits what this returns.

use std::time::Duration;

use crate::config::{Config, Drivers, redact_url};

/// One key whose value differs between the running config and the file just read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The key as the config file writes it (`limits.login`, `sessions.idle_timeout`).
    pub key: &'static str,
    /// The value in force, as the file would write it; a URL's password is never shown.
    pub from: String,
    /// The value read from the file, likewise.
    pub to: String,
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} -> {}", self.key, self.from, self.to)
    }
}

/// A new file compared with the running config.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Comparison {
    /// Changes the daemon applies now.
    pub applied: Vec<Change>,
    /// Changes that take effect only at a restart: the daemon keeps the running value.
    pub needs_restart: Vec<Change>,
}

fn duration(d: Duration) -> String {
    humantime::format_duration(d).to_string()
}

fn limit(l: upstra_core::ratelimit::Limit) -> String {
    crate::limits::format_limit(l)
}

fn optional(v: Option<&str>) -> String {
    v.map_or_else(|| "(not set)".to_owned(), str::to_owned)
}

fn drivers(d: Drivers) -> String {
    match d {
        Drivers::Peers => "peers".into(),
        Drivers::Simulated => "simulated".into(),
    }
}

/// The keys a running daemon can take on, each with its value as the file writes it. The
/// log filter goes through tracing's reload handle; the others are read where they are used,
/// each time ([`crate::reload::Tunables`]).
fn live_keys(c: &Config) -> [(&'static str, String); 11] {
    [
        ("log", c.log.clone()),
        ("ups_poll_interval", duration(c.ups_poll_interval)),
        (
            "ups_status_interval",
            c.ups_status_interval
                .map_or_else(|| "off".to_owned(), duration),
        ),
        ("sync_interval", duration(c.sync_interval)),
        ("action_timeout", duration(c.action_timeout)),
        ("sessions.idle_timeout", duration(c.sessions.idle_timeout)),
        (
            "sessions.absolute_lifetime",
            duration(c.sessions.absolute_lifetime),
        ),
        ("limits.global", limit(c.limits.global)),
        ("limits.login", limit(c.limits.login)),
        ("limits.sensitive", limit(c.limits.sensitive)),
        ("limits.expensive_read", limit(c.limits.expensive_read)),
    ]
}

/// The keys that size or open something once, at start: the socket and its group, the store,
/// the drivers and what they read, the connection cap, the bus's connection, and the UPS dead
/// time each UPS's comms tracker is built with, the metrics listener's address, the
/// notification channels (their workers and clients are built at start), and the SNMP trap
/// receiver's address.
fn restart_keys(c: &Config) -> [(&'static str, String); 13] {
    [
        ("socket", c.socket.display().to_string()),
        ("socket_group", optional(c.socket_group.as_deref())),
        ("data_dir", c.data_dir.display().to_string()),
        ("drivers", drivers(c.drivers)),
        ("ups_dead_time", duration(c.ups_dead_time)),
        ("limits.max_connections", c.max_connections.to_string()),
        (
            "bus.redis",
            optional(c.bus.redis.as_deref().map(redact_url).as_deref()),
        ),
        ("bus.site", c.bus.site.clone()),
        ("bus.follow", c.bus.follow.join(", ")),
        ("nut.users_file", c.nut.users_file.display().to_string()),
        (
            "metrics.listen",
            optional(c.metrics_listen.map(|a| a.to_string()).as_deref()),
        ),
        ("notify", c.notify.summary()),
        (
            "snmp_trap_listen",
            optional(c.snmp_trap_listen.map(|a| a.to_string()).as_deref()),
        ),
    ]
}

fn differences<const N: usize>(
    old: [(&'static str, String); N],
    new: [(&'static str, String); N],
) -> Vec<Change> {
    old.into_iter()
        .zip(new)
        .filter(|((_, from), (_, to))| from != to)
        .map(|((key, from), (_, to))| Change { key, from, to })
        .collect()
}

/// Compares `new` with the `running` config, key by key.
pub fn compare(running: &Config, new: &Config) -> Comparison {
    let applied = differences(live_keys(running), live_keys(new));
    let mut needs_restart = differences(restart_keys(running), restart_keys(new));
    // A Redis password changed alone shows the same redacted URL: still a change to report.
    if running.bus.redis != new.bus.redis && !needs_restart.iter().any(|c| c.key == "bus.redis") {
        needs_restart.push(Change {
            key: "bus.redis",
            from: "(password not shown)".into(),
            to: "(password not shown)".into(),
        });
    }
    Comparison {
        applied,
        needs_restart,
    }
}

/// The config the daemon runs with after a reload: the live keys from `new`, every other key
/// as it was at start.
pub fn running_after(running: &Config, new: &Config) -> Config {
    Config {
        log: new.log.clone(),
        ups_poll_interval: new.ups_poll_interval,
        ups_status_interval: new.ups_status_interval,
        sync_interval: new.sync_interval,
        action_timeout: new.action_timeout,
        sessions: new.sessions.clone(),
        limits: new.limits,
        ..running.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    #[test]
    fn live_changes_apply_and_the_others_wait_for_a_restart() {
        let running = Config::default();
        let mut new = Config {
            log: "debug".into(),
            ups_poll_interval: Duration::from_secs(2),
            socket: PathBuf::from("/elsewhere.sock"),
            ..Config::default()
        };
        new.limits.login.capacity = 2;
        let seen = compare(&running, &new);
        let keys = |c: &[Change]| c.iter().map(|c| c.key).collect::<Vec<_>>();
        assert_eq!(
            keys(&seen.applied),
            ["log", "ups_poll_interval", "limits.login"]
        );
        assert_eq!(seen.applied[1].to_string(), "ups_poll_interval 1s -> 2s");
        assert_eq!(keys(&seen.needs_restart), ["socket"]);

        let after = running_after(&running, &new);
        assert_eq!(after.log, "debug");
        assert_eq!(after.limits.login.capacity, 2);
        assert_eq!(after.socket, running.socket, "kept until a restart");
        assert!(compare(&after, &after).applied.is_empty());
    }

    #[test]
    fn the_metrics_listener_waits_for_a_restart() {
        let running = Config::default();
        let new = Config {
            metrics_listen: Some("127.0.0.1:9464".parse().expect("address")),
            ..Config::default()
        };
        let seen = compare(&running, &new);
        assert!(seen.applied.is_empty());
        assert_eq!(
            seen.needs_restart[0].to_string(),
            "metrics.listen (not set) -> 127.0.0.1:9464"
        );
        assert_eq!(running_after(&running, &new).metrics_listen, None);
    }

    #[test]
    fn a_redis_password_is_never_shown() {
        let running = Config::default();
        let mut new = Config::default();
        new.bus.redis = Some("redis://u:HUNTER2@127.0.0.1:6379".into());
        let mut again = new.clone();
        again.bus.redis = Some("redis://u:OTHER@127.0.0.1:6379".into());
        for (a, b) in [(&running, &new), (&new, &again)] {
            let seen = compare(a, b);
            assert_eq!(seen.needs_restart.len(), 1, "{seen:?}");
            let shown = format!("{seen:?}");
            assert!(
                !shown.contains("HUNTER2") && !shown.contains("OTHER"),
                "{shown}"
            );
        }
    }
}
