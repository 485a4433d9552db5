//! The daemon's configuration, layered: built-in defaults, then the config file, then
//! `UPSTRA_*` environment variables, then command-line flags. The file is strict: an unknown
//! key is an error naming the key and its line, so a typo never silently leaves a default on.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The config file read when `--config` is not given, if it exists.
pub const DEFAULT_CONFIG_PATH: &str = "/etc/upstra/upstrad.toml";
/// Where the daemon listens by default.
pub const DEFAULT_SOCKET: &str = "/run/upstra/upstra.sock";
/// Where the store lives by default.
pub const DEFAULT_DATA_DIR: &str = "/var/lib/upstra";

/// Which implementations of the adapter traits drive the lab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Drivers {
    /// The real peers (NUT, Redfish, vSphere) through the adapter crates.
    Peers,
    /// The built-in simulated lab: for `upstra demo` and dry runs, never a stand-in in tests
    /// of the adapters.
    Simulated,
}

/// Session lifetimes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// A session unused this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after login, used or not.
    pub absolute_lifetime: Duration,
}

/// The optional Redis event bus for multi-daemon sites.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct BusConfig {
    /// `redis://[user:password@]host:port`; `None`: no bus (the embedded default).
    pub redis: Option<String>,
    /// This daemon's name on the bus: its stream is `upstra:events:<site>`.
    pub site: String,
    /// Other sites whose streams this daemon follows.
    pub follow: Vec<String>,
}

impl std::fmt::Debug for BusConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BusConfig")
            .field("redis", &self.redis.as_deref().map(redact_url))
            .field("site", &self.site)
            .field("follow", &self.follow)
            .finish()
    }
}

/// Where NUT's own files are, for the checks the daemon can make on a NUT primary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NutSettings {
    /// upsd.users, read (never written) to check beforehand that a UPS's user may send the
    /// UPS-off command, when its upsd runs on this machine.
    pub users_file: PathBuf,
}

/// Where Debian, Ubuntu, Fedora and NUT's own packages put upsd.users.
pub const DEFAULT_NUT_USERS_FILE: &str = "/etc/nut/upsd.users";

/// The validated, effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub socket: PathBuf,
    /// Group owning the socket (members may use the console). `None` keeps the daemon's group.
    pub socket_group: Option<String>,
    pub data_dir: PathBuf,
    /// A tracing filter such as `info` or `upstra_daemon=debug`. `UPSTRA_LOG` overrides it.
    pub log: String,
    pub drivers: Drivers,
    /// How often each UPS is read.
    pub ups_poll_interval: Duration,
    /// How often each NUT UPS is asked for its status alone, between its full reads, so that
    /// a change is seen within this period instead of `ups_poll_interval`; `None` (`"off"`):
    /// only the full reads see it.
    pub ups_status_interval: Option<Duration>,
    /// How long a UPS may fail to answer before it shows as communication lost (its last
    /// reading is kept meanwhile: one odd poll is not an outage).
    pub ups_dead_time: Duration,
    /// How long an operator action (power, migrate) may take to reach its target state.
    pub action_timeout: Duration,
    /// How often BMCs and the hypervisor are read.
    pub sync_interval: Duration,
    pub sessions: SessionConfig,
    /// Rate limits of the four tiers.
    pub limits: crate::limits::Limits,
    /// Connections open at once (`[limits] max_connections`); see [`DEFAULT_MAX_CONNECTIONS`].
    pub max_connections: usize,
    pub bus: BusConfig,
    pub nut: NutSettings,
    /// Where `/metrics` is served (`[metrics] listen`); `None`: not served.
    pub metrics_listen: Option<std::net::SocketAddr>,
    /// `[notify]`: channels, routes and the outbox's knobs.
    pub notify: NotifyConfig,
    /// Where SNMP traps and informs from UPS cards are received (`snmp_trap_listen`); `None`:
    /// no receiver (UPS read over SNMP are then only polled).
    pub snmp_trap_listen: Option<std::net::SocketAddr>,
}

/// How often a NUT UPS is asked for its status by default. The daemon's share of detecting a
/// power cut is this period plus a full read and the event's delivery, which keeps it under
/// the 250 ms aimed at; ten such one-line queries a second per UPS cost upsd and the daemon
/// a few hundredths of a percent of a core.
pub const DEFAULT_UPS_STATUS_INTERVAL: Duration = Duration::from_millis(100);
/// The shortest status interval accepted: below it the queries would cost upsd more than they
/// gain, since its drivers themselves refresh a UPS's variables at best every few hundred
/// milliseconds.
pub const MIN_UPS_STATUS_INTERVAL: Duration = Duration::from_millis(10);

/// Connections open at once, by default. An operator has a console or two and scripts open a
/// connection per command; a few hundred is far above that, and keeps the descriptors and the
/// memory the daemon spends on connections small (each holds a few buffers of a few KiB).
pub const DEFAULT_MAX_CONNECTIONS: usize = 256;
/// The smallest cap accepted: below it the share reserved for root (see the server) would
/// leave nothing for the `upstra` group.
pub const MIN_MAX_CONNECTIONS: usize = 32;
/// The largest cap accepted: each connection costs a descriptor and a task, and a local
/// console never needs more.
pub const MAX_MAX_CONNECTIONS: usize = 65_536;

impl Default for Config {
    fn default() -> Self {
        Self {
            socket: PathBuf::from(DEFAULT_SOCKET),
            socket_group: None,
            data_dir: PathBuf::from(DEFAULT_DATA_DIR),
            log: "info".into(),
            drivers: Drivers::Peers,
            ups_poll_interval: Duration::from_secs(1),
            ups_status_interval: Some(DEFAULT_UPS_STATUS_INTERVAL),
            ups_dead_time: Duration::from_secs(5),
            action_timeout: Duration::from_secs(180),
            sync_interval: Duration::from_secs(60),
            sessions: SessionConfig {
                idle_timeout: Duration::from_secs(30 * 60),
                absolute_lifetime: Duration::from_secs(12 * 3600),
            },
            limits: crate::limits::Limits::default(),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            bus: BusConfig {
                site: "upstra".into(),
                ..BusConfig::default()
            },
            nut: NutSettings {
                users_file: PathBuf::from(DEFAULT_NUT_USERS_FILE),
            },
            metrics_listen: None,
            notify: NotifyConfig::default(),
            snmp_trap_listen: None,
        }
    }
}

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
}

/// The file as written; every field optional so that a file only lists what it changes.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    socket: Option<PathBuf>,
    socket_group: Option<String>,
    data_dir: Option<PathBuf>,
    log: Option<toml::Spanned<String>>,
    drivers: Option<Drivers>,
    ups_poll_interval: Option<toml::Spanned<String>>,
    ups_status_interval: Option<toml::Spanned<String>>,
    ups_dead_time: Option<toml::Spanned<String>>,
    action_timeout: Option<toml::Spanned<String>>,
    sync_interval: Option<toml::Spanned<String>>,
    sessions: Option<RawSessions>,
    limits: Option<RawLimits>,
    bus: Option<RawBus>,
    nut: Option<RawNut>,
    metrics: Option<RawMetrics>,
    notify: Option<notify::RawNotify>,
    snmp_trap_listen: Option<toml::Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMetrics {
    listen: Option<toml::Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNut {
    users_file: Option<toml::Spanned<PathBuf>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBus {
    redis: Option<toml::Spanned<String>>,
    site: Option<toml::Spanned<String>>,
    follow: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    global: Option<toml::Spanned<String>>,
    login: Option<toml::Spanned<String>>,
    sensitive: Option<toml::Spanned<String>>,
    expensive_read: Option<toml::Spanned<String>>,
    max_connections: Option<toml::Spanned<i64>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSessions {
    idle_timeout: Option<toml::Spanned<String>>,
    absolute_lifetime: Option<toml::Spanned<String>>,
}

/// Overrides from the command line; they win over everything else.
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub socket: Option<PathBuf>,
    pub data_dir: Option<PathBuf>,
}

/// Loads the effective configuration. `path` is `--config`; without it the default file is
/// read when it exists. `env` is the process environment (a parameter so tests stay hermetic).
pub fn load(
    path: Option<&Path>,
    env: &[(String, String)],
    overrides: &Overrides,
) -> Result<Config, ConfigError> {
    let mut config = Config::default();
    if let Some(file) = file_to_read(path) {
        let text = std::fs::read_to_string(&file).map_err(|source| ConfigError::Read {
            path: file.clone(),
            source,
        })?;
        apply_file(&mut config, &file, &text)?;
    }
    apply_env(&mut config, env)?;
    config.notify.check().map_err(|message| ConfigError::Env {
        var: "UPSTRA_NOTIFY__BACKOFF_MIN or UPSTRA_NOTIFY__BACKOFF_MAX".into(),
        message,
    })?;
    if let Some(s) = &overrides.socket {
        config.socket.clone_from(s);
    }
    if let Some(d) = &overrides.data_dir {
        config.data_dir.clone_from(d);
    }
    Ok(config)
}

/// The file [`load`] reads: `--config`, or the default file when it exists. A reload reads
/// the file the daemon started with, so the daemon resolves this once at start.
pub fn file_to_read(path: Option<&Path>) -> Option<PathBuf> {
    match path {
        Some(p) => Some(p.to_path_buf()),
        None => Some(PathBuf::from(DEFAULT_CONFIG_PATH)).filter(|p| p.exists()),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn apply_file(config: &mut Config, path: &Path, text: &str) -> Result<(), ConfigError> {
    let invalid = |offset: usize, message: String| ConfigError::Invalid {
        path: path.to_path_buf(),
        line: line_of(text, offset),
        message,
    };
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        invalid(
            e.span().map_or(0, |s| s.start),
            e.message().trim().to_owned(),
        )
    })?;
    let duration = |v: toml::Spanned<String>, key: &str| {
        parse_duration(v.get_ref()).map_err(|m| invalid(v.span().start, format!("{key}: {m}")))
    };
    if let Some(v) = raw.socket {
        config.socket = v;
    }
    if raw.socket_group.is_some() {
        config.socket_group = raw.socket_group;
    }
    if let Some(v) = raw.data_dir {
        config.data_dir = v;
    }
    if let Some(v) = raw.log {
        let span = v.span().start;
        config.log = parse_log_filter(v.into_inner()).map_err(|m| invalid(span, m))?;
    }
    if let Some(v) = raw.drivers {
        config.drivers = v;
    }
    if let Some(v) = raw.ups_poll_interval {
        config.ups_poll_interval = duration(v, "ups_poll_interval")?;
    }
    if let Some(v) = raw.ups_status_interval {
        config.ups_status_interval = parse_status_interval(v.get_ref())
            .map_err(|m| invalid(v.span().start, format!("ups_status_interval: {m}")))?;
    }
    if let Some(v) = raw.ups_dead_time {
        config.ups_dead_time = duration(v, "ups_dead_time")?;
    }
    if let Some(v) = raw.action_timeout {
        config.action_timeout = duration(v, "action_timeout")?;
    }
    if let Some(v) = raw.sync_interval {
        config.sync_interval = duration(v, "sync_interval")?;
    }
    if let Some(l) = raw.limits {
        let limit = |v: toml::Spanned<String>, key: &str| {
            crate::limits::parse_limit(v.get_ref())
                .map_err(|m| invalid(v.span().start, format!("limits.{key}: {m}")))
        };
        let set = [
            (l.global, "global", &mut config.limits.global),
            (l.login, "login", &mut config.limits.login),
            (l.sensitive, "sensitive", &mut config.limits.sensitive),
            (
                l.expensive_read,
                "expensive_read",
                &mut config.limits.expensive_read,
            ),
        ];
        for (value, key, slot) in set {
            if let Some(v) = value {
                *slot = limit(v, key)?;
            }
        }
        if let Some(v) = l.max_connections {
            config.max_connections = parse_max_connections(*v.get_ref())
                .map_err(|m| invalid(v.span().start, format!("limits.max_connections: {m}")))?;
        }
    }
    if let Some(b) = raw.bus {
        if let Some(url) = b.redis {
            if !url.get_ref().starts_with("redis://") {
                return Err(invalid(
                    url.span().start,
                    "bus.redis must be a redis:// URL, like \"redis://127.0.0.1:6379\"".into(),
                ));
            }
            config.bus.redis = Some(url.into_inner());
        }
        if let Some(site) = b.site {
            if upstra_core::ids::validate_name(site.get_ref()).is_err() {
                return Err(invalid(
                    site.span().start,
                    format!(
                        "bus.site `{}` must be a name of letters, digits, `.`, `_` or `-`",
                        site.get_ref()
                    ),
                ));
            }
            config.bus.site = site.into_inner();
        }
        if let Some(follow) = b.follow {
            config.bus.follow = follow;
        }
    }
    if let Some(n) = raw.nut
        && let Some(v) = n.users_file
    {
        let span = v.span().start;
        config.nut.users_file = parse_users_file(v.into_inner()).map_err(|m| invalid(span, m))?;
    }
    if let Some(m) = raw.metrics
        && let Some(v) = m.listen
    {
        config.metrics_listen =
            Some(parse_metrics_listen(v.get_ref()).map_err(|m| invalid(v.span().start, m))?);
    }
    if let Some(n) = raw.notify {
        notify::apply(&mut config.notify, n, &parse_duration).map_err(|(at, m)| invalid(at, m))?;
    }
    if let Some(v) = raw.snmp_trap_listen {
        config.snmp_trap_listen =
            Some(parse_snmp_trap_listen(v.get_ref()).map_err(|m| invalid(v.span().start, m))?);
    }
    if let Some(s) = raw.sessions {
        if let Some(v) = s.idle_timeout {
            config.sessions.idle_timeout = duration(v, "sessions.idle_timeout")?;
        }
        if let Some(v) = s.absolute_lifetime {
            config.sessions.absolute_lifetime = duration(v, "sessions.absolute_lifetime")?;
        }
    }
    Ok(())
}

/// The environment variables the daemon reads, and the key each one sets.
pub const ENV_KEYS: [&str; 18] = [
    "UPSTRA_SOCKET",
    "UPSTRA_SOCKET_GROUP",
    "UPSTRA_DATA_DIR",
    "UPSTRA_LOG",
    "UPSTRA_DRIVERS",
    "UPSTRA_UPS_POLL_INTERVAL",
    "UPSTRA_UPS_STATUS_INTERVAL",
    "UPSTRA_SYNC_INTERVAL",
    "UPSTRA_SESSIONS__IDLE_TIMEOUT",
    "UPSTRA_SESSIONS__ABSOLUTE_LIFETIME",
    "UPSTRA_LIMITS__MAX_CONNECTIONS",
    "UPSTRA_NUT__USERS_FILE",
    "UPSTRA_METRICS__LISTEN",
    "UPSTRA_NOTIFY__RETRY_FOR",
    "UPSTRA_NOTIFY__COALESCE_WINDOW",
    "UPSTRA_NOTIFY__BACKOFF_MIN",
    "UPSTRA_NOTIFY__BACKOFF_MAX",
    "UPSTRA_SNMP_TRAP_LISTEN",
];

fn apply_env(config: &mut Config, env: &[(String, String)]) -> Result<(), ConfigError> {
    for (var, value) in env {
        let bad = |message: String| ConfigError::Env {
            var: var.clone(),
            message,
        };
        match var.as_str() {
            "UPSTRA_SOCKET" => config.socket = PathBuf::from(value),
            "UPSTRA_SOCKET_GROUP" => config.socket_group = Some(value.clone()),
            "UPSTRA_DATA_DIR" => config.data_dir = PathBuf::from(value),
            "UPSTRA_LOG" => config.log = parse_log_filter(value.clone()).map_err(bad)?,
            "UPSTRA_DRIVERS" => {
                config.drivers = match value.as_str() {
                    "peers" => Drivers::Peers,
                    "simulated" => Drivers::Simulated,
                    other => return Err(bad(format!("`{other}` is not `peers` or `simulated`"))),
                }
            }
            "UPSTRA_UPS_POLL_INTERVAL" => {
                config.ups_poll_interval = parse_duration(value).map_err(bad)?
            }
            "UPSTRA_UPS_STATUS_INTERVAL" => {
                config.ups_status_interval = parse_status_interval(value).map_err(bad)?
            }
            "UPSTRA_SYNC_INTERVAL" => config.sync_interval = parse_duration(value).map_err(bad)?,
            "UPSTRA_SESSIONS__IDLE_TIMEOUT" => {
                config.sessions.idle_timeout = parse_duration(value).map_err(bad)?;
            }
            "UPSTRA_SESSIONS__ABSOLUTE_LIFETIME" => {
                config.sessions.absolute_lifetime = parse_duration(value).map_err(bad)?;
            }
            "UPSTRA_LIMITS__MAX_CONNECTIONS" => {
                let n = value
                    .parse::<i64>()
                    .map_err(|_| bad(format!("`{value}` is not a whole number")))?;
                config.max_connections = parse_max_connections(n).map_err(bad)?;
            }
            "UPSTRA_NUT__USERS_FILE" => {
                config.nut.users_file = parse_users_file(PathBuf::from(value)).map_err(bad)?;
            }
            "UPSTRA_METRICS__LISTEN" => {
                config.metrics_listen = Some(parse_metrics_listen(value).map_err(bad)?);
            }
            "UPSTRA_NOTIFY__RETRY_FOR" => {
                config.notify.retry_for = parse_duration(value).map_err(bad)?;
            }
            "UPSTRA_NOTIFY__COALESCE_WINDOW" => {
                config.notify.coalesce_window = parse_duration(value).map_err(bad)?;
            }
            "UPSTRA_NOTIFY__BACKOFF_MIN" => {
                config.notify.backoff_min = parse_duration(value).map_err(bad)?;
            }
            "UPSTRA_NOTIFY__BACKOFF_MAX" => {
                config.notify.backoff_max = parse_duration(value).map_err(bad)?;
            }
            "UPSTRA_SNMP_TRAP_LISTEN" => {
                config.snmp_trap_listen = Some(parse_snmp_trap_listen(value).map_err(bad)?);
            }
            // Other UPSTRA_* variables belong to the console or the test harness.
            _ => {}
        }
    }
    Ok(())
}

/// A log filter must parse as one: a typo in it would otherwise leave the daemon logging at
/// some other level than the operator asked for, and a reload must refuse it before it
/// changes anything (see `reload`).
fn parse_log_filter(filter: String) -> Result<String, String> {
    match tracing_subscriber::EnvFilter::try_new(&filter) {
        Ok(_) => Ok(filter),
        Err(e) => Err(format!(
            "log: `{filter}` is not a log filter ({e}); write a level like \"info\" or \
             \"debug\", or directives like \"info,upstra_daemon=debug\""
        )),
    }
}

/// Checks a connection cap against [`MIN_MAX_CONNECTIONS`] and [`MAX_MAX_CONNECTIONS`].
fn parse_max_connections(n: i64) -> Result<usize, String> {
    usize::try_from(n)
        .ok()
        .filter(|n| (MIN_MAX_CONNECTIONS..=MAX_MAX_CONNECTIONS).contains(n))
        .ok_or_else(|| {
            format!(
                "{n} is out of range: write a number of connections from \
                 {MIN_MAX_CONNECTIONS} to {MAX_MAX_CONNECTIONS} (default {DEFAULT_MAX_CONNECTIONS})"
            )
        })
}

/// upsd.users must be named by an absolute path: the daemon's working directory is no place
/// to look for NUT's files.
fn parse_users_file(path: PathBuf) -> Result<PathBuf, String> {
    if path.is_absolute() {
        Ok(path)
    } else {
        Err(format!(
            "nut.users_file `{}` must be an absolute path, like \"{DEFAULT_NUT_USERS_FILE}\"",
            path.display()
        ))
    }
}

/// `[metrics] listen` is an IP address and a port: a host name would be resolved once at
/// start to addresses the operator never wrote down, and a port of its own keeps the
/// unauthenticated endpoint from being mistaken for anything else.
fn parse_metrics_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    text.parse().map_err(|_| {
        format!(
            "metrics.listen `{text}` is not an address and port: write it like \
             \"127.0.0.1:9464\" (or \"[::1]:9464\")"
        )
    })
}

/// `snmp_trap_listen` is an IP address and a port, like `metrics.listen`, for the same reason:
/// what the daemon binds is what the operator wrote.
fn parse_snmp_trap_listen(text: &str) -> Result<std::net::SocketAddr, String> {
    text.parse().map_err(|_| {
        format!(
            "snmp_trap_listen `{text}` is not an address and port: write it like \
             \"0.0.0.0:162\" (or \"[::]:162\")"
        )
    })
}

/// Parses `"30m"`, `"1s"`, `"250ms"`, `"12h"`; zero is refused.
fn parse_duration(s: &str) -> Result<Duration, String> {
    let d = humantime::parse_duration(s).map_err(|e| {
        format!("`{s}` is not a duration ({e}); write it like \"30s\", \"5m\" or \"12h\"")
    })?;
    if d.is_zero() {
        return Err(format!("`{s}` must be longer than zero"));
    }
    Ok(d)
}

/// `"off"`, or a duration of at least [`MIN_UPS_STATUS_INTERVAL`].
fn parse_status_interval(s: &str) -> Result<Option<Duration>, String> {
    if s == "off" {
        return Ok(None);
    }
    let d = parse_duration(s).map_err(|m| format!("{m}, or \"off\""))?;
    if d < MIN_UPS_STATUS_INTERVAL {
        return Err(format!(
            "`{s}` is shorter than {} (the most often a UPS may be asked), or write \"off\"",
            humantime::format_duration(MIN_UPS_STATUS_INTERVAL)
        ));
    }
    Ok(Some(d))
}

impl Config {
    /// The effective configuration as TOML, for `upstrad check-config`. The daemon config holds
    /// no secret value itself: the store key lives in a file whose path is shown, never its
    /// content.
    pub fn to_toml(&self, key_source: &str) -> String {
        let h = |d: Duration| humantime::format_duration(d).to_string();
        let q = |s: &str| toml::Value::String(s.to_owned()).to_string();
        let mut out = String::new();
        out.push_str(&format!("socket = {}\n", q(&self.socket.to_string_lossy())));
        match &self.socket_group {
            Some(g) => out.push_str(&format!("socket_group = {}\n", q(g))),
            None => out.push_str("# socket_group: not set (the daemon's own group)\n"),
        }
        out.push_str(&format!(
            "data_dir = {}\n",
            q(&self.data_dir.to_string_lossy())
        ));
        out.push_str(&format!(
            "# store key: {key_source} (contents never shown)\n"
        ));
        out.push_str(&format!("log = {}\n", q(&self.log)));
        let drivers = match self.drivers {
            Drivers::Peers => "peers",
            Drivers::Simulated => "simulated",
        };
        out.push_str(&format!("drivers = {}\n", q(drivers)));
        out.push_str(&format!(
            "ups_poll_interval = {}\n",
            q(&h(self.ups_poll_interval))
        ));
        out.push_str(&format!(
            "ups_status_interval = {}\n",
            q(&self.ups_status_interval.map_or_else(|| "off".to_owned(), h))
        ));
        out.push_str(&format!("ups_dead_time = {}\n", q(&h(self.ups_dead_time))));
        out.push_str(&format!(
            "action_timeout = {}\n",
            q(&h(self.action_timeout))
        ));
        out.push_str(&format!("sync_interval = {}\n", q(&h(self.sync_interval))));
        match &self.snmp_trap_listen {
            Some(addr) => out.push_str(&format!("snmp_trap_listen = {}\n", q(&addr.to_string()))),
            None => out.push_str("# snmp_trap_listen: not set (no SNMP trap receiver)\n"),
        }
        out.push_str("\n[sessions]\n");
        out.push_str(&format!(
            "idle_timeout = {}\n",
            q(&h(self.sessions.idle_timeout))
        ));
        out.push_str(&format!(
            "absolute_lifetime = {}\n",
            q(&h(self.sessions.absolute_lifetime))
        ));
        let l = |limit| q(&crate::limits::format_limit(limit));
        out.push_str("\n[limits]\n");
        out.push_str(&format!("global = {}\n", l(self.limits.global)));
        out.push_str(&format!("login = {}\n", l(self.limits.login)));
        out.push_str(&format!("sensitive = {}\n", l(self.limits.sensitive)));
        out.push_str(&format!(
            "expensive_read = {}\n",
            l(self.limits.expensive_read)
        ));
        out.push_str(&format!("max_connections = {}\n", self.max_connections));
        out.push_str("\n[bus]\n");
        match &self.bus.redis {
            Some(url) => out.push_str(&format!("redis = {}\n", q(&redact_url(url)))),
            None => out.push_str("# redis: not set (no event bus)\n"),
        }
        out.push_str(&format!("site = {}\n", q(&self.bus.site)));
        let follow: Vec<String> = self.bus.follow.iter().map(|s| q(s)).collect();
        out.push_str(&format!("follow = [{}]\n", follow.join(", ")));
        out.push_str("\n[nut]\n");
        out.push_str(&format!(
            "users_file = {}\n",
            q(&self.nut.users_file.to_string_lossy())
        ));
        out.push_str("\n[metrics]\n");
        match &self.metrics_listen {
            Some(addr) => out.push_str(&format!("listen = {}\n", q(&addr.to_string()))),
            None => out.push_str("# listen: not set (no /metrics endpoint)\n"),
        }
        self.notify.to_toml(&mut out);
        out
    }
}

pub mod notify;
mod redact;
pub use notify::NotifyConfig;
pub use redact::redact_url;

#[cfg(fuzzing)]
pub mod fuzzing;

#[cfg(test)]
mod notify_tests;
#[cfg(test)]
mod tests;
