//! `SIGHUP` (`systemctl reload upstrad`) re-reads the config file the daemon started with,
//! through the same layers as at start (defaults, file, `UPSTRA_*`, flags), and applies what a
//! running daemon can change without dropping anyone: the log filter, the poll and sync
//! intervals, the action timeout, the session timeouts and the rate limits. Keys that size or
//! open something at start keep their running value, and the log says which need a restart.
//!
//! A file that does not parse changes nothing: the log names its line and says the running
//! config is unchanged. Connections, sessions and a run in progress are never touched.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::config::{self, Config, ConfigError, Overrides, SessionConfig};
use crate::shared::Shared;
use crate::store::AuditEntry;
use crate::store::audit_detail::ConfigReloaded;

mod changes;
pub use changes::{Change, Comparison, compare, running_after};

/// The settings a reload changes in a running daemon, read where they are used each time
/// (`Shared::settings`): the config's `Config` fields of the same names hold their values at
/// start only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tunables {
    pub ups_poll_interval: Duration,
    pub ups_status_interval: Option<Duration>,
    pub sync_interval: Duration,
    pub action_timeout: Duration,
    /// The idle timeout applies to every session from now on; the absolute lifetime to the
    /// sessions opened from now on (an open session keeps the end it was given at login).
    pub sessions: SessionConfig,
    pub limits: crate::limits::Limits,
}

impl From<&Config> for Tunables {
    fn from(c: &Config) -> Self {
        Self {
            ups_poll_interval: c.ups_poll_interval,
            ups_status_interval: c.ups_status_interval,
            sync_interval: c.sync_interval,
            action_timeout: c.action_timeout,
            sessions: c.sessions.clone(),
            limits: c.limits,
        }
    }
}

/// The [`Tunables`] in force; the monitor follows their changes to reset its timers.
#[derive(Debug)]
pub struct Settings(watch::Sender<Tunables>);

impl Settings {
    pub fn new(config: &Config) -> Self {
        Self(watch::Sender::new(Tunables::from(config)))
    }

    /// The settings in force now.
    pub fn get(&self) -> Tunables {
        self.0.borrow().clone()
    }

    /// A receiver that wakes when a reload changes them.
    pub fn subscribe(&self) -> watch::Receiver<Tunables> {
        self.0.subscribe()
    }

    fn set(&self, tunables: Tunables) {
        self.0.send_if_modified(|now| {
            let changed = *now != tunables;
            *now = tunables;
            changed
        });
    }
}

/// Where the config came from at start, so that a reload layers it the same way.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// The file read at start (`--config`, or the default file if it existed then).
    pub file: Option<PathBuf>,
    /// The `UPSTRA_*` variables of the process.
    pub env: Vec<(String, String)>,
    /// The command-line flags.
    pub overrides: Overrides,
}

impl Source {
    fn load(&self) -> Result<Config, ConfigError> {
        config::load(self.file.as_deref(), &self.env, &self.overrides)
    }
}

/// Puts a new log filter in force (tracing's reload handle, held by `upstrad`'s `main`).
pub type LogFilter = Box<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// What `upstrad` hands [`crate::run_reloadable`]: the signal that asks for a reload, where
/// the config came from, and how to change the log filter.
pub struct Reloader {
    /// `SIGHUP`, registered before the daemon said it was ready, so that an early reload is
    /// never taken for the default action (which ends the process).
    pub hangups: tokio::signal::unix::Signal,
    pub source: Source,
    pub log: LogFilter,
}

/// Reloads the config at each `SIGHUP` until `stop` fires.
pub async fn serve(
    shared: Arc<Shared>,
    mut reloader: Reloader,
    running: Config,
    stop: CancellationToken,
) {
    let mut running = running;
    loop {
        tokio::select! {
            () = stop.cancelled() => break,
            got = reloader.hangups.recv() => {
                if got.is_none() {
                    break;
                }
                tracing::info!("SIGHUP received: reloading the config");
                notify_reloading();
                let status = reload(&shared, &reloader, &mut running).await;
                notify_ready(&status);
            }
        }
    }
}

/// Tells systemd the reload started, when it is listening. systemd 253 and later end a
/// service whose `RELOADING=1` comes without the time it started, so without a clock reading
/// nothing is sent: the reload then simply goes unannounced.
fn notify_reloading() {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    match sd_notify::NotifyState::monotonic_usec_now() {
        Ok(now) => send(&[sd_notify::NotifyState::Reloading, now]),
        Err(e) => tracing::warn!(error = %e, "cannot read the monotonic clock for systemd"),
    }
}

/// Tells systemd the reload is over (`READY=1`), with its outcome as the unit's status.
fn notify_ready(status: &str) {
    if std::env::var_os("NOTIFY_SOCKET").is_some() {
        send(&[
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status(status),
        ]);
    }
}

fn send(states: &[sd_notify::NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "cannot notify systemd of the reload");
    }
}

/// One reload; returns the status line for systemd.
async fn reload(shared: &Shared, reloader: &Reloader, running: &mut Config) -> String {
    // Off the runtime's threads: reading a file blocks, and the file may sit on a slow disk.
    let source = reloader.source.clone();
    let loaded = tokio::task::spawn_blocking(move || source.load()).await;
    let new = match loaded {
        Ok(Ok(new)) => new,
        Err(e) => {
            tracing::error!(error = %e, "config reload failed: reading the file did not finish. The running config is unchanged");
            audit(shared, "failed", ConfigReloaded::failed()).await;
            return "config reload failed: running config unchanged (see the log)".into();
        }
        Ok(Err(e)) => {
            tracing::error!(
                "config reload failed: {e}. The running config is unchanged: fix the file, \
                 then reload again (systemctl reload upstrad, or SIGHUP)"
            );
            let line = match &e {
                ConfigError::Invalid { line, .. } => Some(*line),
                ConfigError::Read { .. } | ConfigError::Env { .. } => None,
            };
            audit(shared, "invalid", ConfigReloaded::invalid(line)).await;
            return "config reload failed: running config unchanged (see the log)".into();
        }
    };
    let seen = compare(running, &new);
    if seen.applied.iter().any(|c| c.key == "log")
        && let Err(e) = (reloader.log)(&new.log)
    {
        tracing::error!(
            "config reload failed: the log filter `{}` cannot be put in force ({e}). The \
             running config is unchanged",
            new.log
        );
        audit(shared, "failed", ConfigReloaded::failed()).await;
        return "config reload failed: running config unchanged (see the log)".into();
    }
    *running = running_after(running, &new);
    shared.settings.set(Tunables::from(&*running));
    let applied: Vec<String> = seen.applied.iter().map(ToString::to_string).collect();
    if applied.is_empty() {
        tracing::info!(
            "config reloaded: nothing the daemon can change live changed{}",
            overridden(&reloader.source)
        );
    } else {
        tracing::info!("config reloaded: {}", applied.join(", "));
    }
    for change in &seen.needs_restart {
        tracing::warn!(
            key = change.key,
            "config reload: {} changed ({} -> {}) but takes effect only at a restart \
             (systemctl restart upstrad); the daemon keeps {} until then",
            change.key,
            change.from,
            change.to,
            change.from
        );
    }
    let keys = |c: &[Change]| c.iter().map(|c| c.key).collect::<Vec<_>>();
    audit(
        shared,
        "ok",
        ConfigReloaded::done(keys(&seen.applied), keys(&seen.needs_restart)),
    )
    .await;
    match seen.needs_restart.len() {
        0 => "config reloaded".into(),
        n => format!("config reloaded; {n} change(s) wait for a restart (see the log)"),
    }
}

/// Why an edit of the file may have changed nothing: the environment and the flags win over
/// it, as at start.
fn overridden(source: &Source) -> String {
    let mut names: Vec<&str> = source
        .env
        .iter()
        .map(|(k, _)| k.as_str())
        .filter(|k| config::ENV_KEYS.contains(k))
        .collect();
    if source.overrides.socket.is_some() {
        names.push("--socket");
    }
    if source.overrides.data_dir.is_some() {
        names.push("--data-dir");
    }
    if names.is_empty() {
        String::new()
    } else {
        format!(" ({} win over the file, as at start)", names.join(", "))
    }
}

/// Records the reload: no user asked for it, a signal did (`detail.by`); keys only, never
/// values, so that no secret reaches the trail.
async fn audit(shared: &Shared, result: &'static str, detail: ConfigReloaded) {
    let now = crate::clock::now().millis();
    let written = shared
        .store
        .call(move |db| {
            db.audit(
                &AuditEntry::new("config_reload", result)
                    .at(now)
                    .target("config")
                    .detail(&detail),
            )
            .map(|_| ())
        })
        .await;
    if let Err(e) = written {
        tracing::error!(error = %e, "cannot audit the config reload");
    }
}
