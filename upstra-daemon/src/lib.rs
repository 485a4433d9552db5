//! The Upstra daemon: owns the encrypted store, the live state of the lab and the API.
//!
//! Layout:
//! - [`config`]: layered configuration (defaults, file, `UPSTRA_*`, flags).
//! - [`store`]: the SQLCipher store behind its owner thread; the only user of rusqlite.
//! - [`auth`]: argon2id passwords and session tokens.
//! - [`server`]: the Unix socket, peer credentials, the v1 service and the access check.
//! - [`live`]: live state and the event log readers follow.
//! - [`metrics`]: the Prometheus `/metrics` endpoint (`[metrics] listen`).
//! - [`logline`]: the log writer that keeps one event on one line, with no escape sequence.
//! - [`monitor`]: polls the drivers and turns changes into events.
//! - [`refusals`]: peers that refused our credentials wait before the monitor tries again.
//! - [`notify`]: the notification outbox: events to messages, delivered per channel.
//! - [`outage`]: the outage orchestrator: triggers, runs, the journal, the Redis outbox.
//! - [`sim`]: the simulated lab (`upstra demo`).
//! - [`host_power`]: powering off the machine the daemon runs on (systemd, simulated, test).
//! - [`demo`]: starts a daemon in-process for `upstra demo`.
//! - [`watchdog`]: pings systemd's watchdog while the monitor and the conductor go round.
//! - [`reload`]: `SIGHUP` re-reads the config and applies what can change while running.
//! - [`backup`]: online backup copies of the store, waiting to be read; [`restore`] puts one back.
//!
//! [`run`] takes its listener and its shutdown signal as arguments, so tests and the demo
//! start a real server on a temporary socket.
#![forbid(unsafe_code)]

pub mod auth;
pub mod backup;
pub mod clock;
pub mod config;
pub mod demo;
pub mod drivers;
mod error;
pub mod host_power;
pub mod limits;
pub mod live;
pub mod logline;
pub mod man_page;
pub mod metrics;
pub mod monitor;
pub mod notify;
pub mod outage;
pub mod presence;
pub mod refusals;
pub mod reload;
pub mod restore;
pub mod run_marker;
mod self_wake;
pub mod server;
mod shared;
pub mod sim;
pub mod snmp_traps;
pub mod store;
#[cfg(test)]
mod test_lab;
pub mod twofactor;
pub mod ups_history;
pub mod ups_source;
pub mod watchdog;

use std::future::Future;
use std::sync::Arc;

use tokio::net::UnixListener;
use upstra_core::events::DomainEvent;

pub use error::{Error, exit};
pub use shared::Shared;
use store::Store;

/// Events kept in the store across restarts (and any not yet published to the bus).
const EVENTS_KEPT: u64 = 100_000;

/// Serves the API on `listener` until `shutdown` completes, then stops accepting, refuses new
/// requests, waits for the in-flight ones and returns.
pub async fn run(
    config: config::Config,
    store: Store,
    listener: UnixListener,
    shutdown: impl Future<Output = ()>,
) -> Result<(), Error> {
    run_reloadable(config, store, listener, shutdown, None).await
}

/// [`run`], reloading the config on each `SIGHUP` the `reloader` receives (`upstrad`; the
/// in-process daemon of `upstra demo` has none: a hang-up there is the terminal's).
pub async fn run_reloadable(
    config: config::Config,
    store: Store,
    listener: UnixListener,
    shutdown: impl Future<Output = ()>,
    reloader: Option<reload::Reloader>,
) -> Result<(), Error> {
    let no_channels = config.notify.channels.is_empty();
    let (inventory, recent, last_seq) = store
        .call(move |db| {
            // Without channels nothing follows the log for notifications: a cursor left by an
            // earlier configuration must not keep the log from being trimmed, and channels
            // added later start from then, not from old news.
            if no_channels {
                db.notify_forget_cursor()?;
            }
            db.trim_events(EVENTS_KEPT)?;
            let recent = db.last_events(u32::try_from(live::EVENT_RING).unwrap_or(u32::MAX))?;
            Ok((db.load_inventory()?, recent, db.last_event_seq()?))
        })
        .await?;
    let events = live::EventLog::persistent(store.clone(), recent, last_seq);
    let running = config.clone();
    // Bound before anything starts, so that a taken address stops the daemon at once.
    let metrics_listener = match config.metrics_listen {
        Some(addr) => Some(metrics::bind(addr).await?),
        None => None,
    };
    let trap_receiver = match config.snmp_trap_listen {
        Some(addr) => Some(snmp_traps::bind(addr).await?),
        None => None,
    };
    let (shared, inbox) = Shared::new(config, store, inventory, events);
    let shared = Arc::new(shared);
    backup::Backups::sweep(&shared.config.data_dir);
    shared.events.push(DomainEvent::DaemonStarted {
        version: env!("CARGO_PKG_VERSION").into(),
    });
    if let Some(previous_start) = run_marker::begin(&shared.config.data_dir, clock::now()) {
        shared
            .events
            .push(DomainEvent::DaemonUncleanStart { previous_start });
    }

    let conductor = tokio::spawn(outage::start(shared.clone(), inbox));
    let bus = outage::bus::start(&shared);
    let notify = notify::start(&shared);
    let monitor = tokio::spawn(monitor::run(shared.clone(), shared.stopping.clone()));
    let server = tokio::spawn(server::serve(listener, shared.clone()));
    let metrics = metrics_listener
        .map(|l| tokio::spawn(metrics::serve(l, shared.clone(), shared.stopping.clone())));
    let traps = trap_receiver.map(|r| {
        tokio::spawn(snmp_traps::serve(
            r,
            shared.clone(),
            shared.stopping.clone(),
        ))
    });
    let reloads = reloader.map(|r| {
        tokio::spawn(reload::serve(
            shared.clone(),
            r,
            running,
            shared.stopping.clone(),
        ))
    });
    #[cfg(feature = "test-doubles")]
    host_power::test_double::spawn_trigger(shared.clone());
    let ticks = tokio::spawn(watchdog::tick_conductor(
        shared.clone(),
        shared.stopping.clone(),
    ));
    let pings = shared.heartbeats.watchdog.map(|interval| {
        tokio::spawn(watchdog::run(
            shared.clone(),
            interval,
            shared.stopping.clone(),
        ))
    });
    // A signal, or this host's power-off cancelling `stopping` itself (the test build's
    // double; on a real host systemd's SIGTERM follows the poweroff).
    tokio::select! {
        () = shutdown => {}
        () = shared.stopping.cancelled() => {}
    }
    tracing::info!("shutting down: refusing new requests, finishing the ones in flight");
    shared.stopping.cancel();
    let _ = server.await;
    let _ = monitor.await;
    let _ = conductor.await;
    let _ = ticks.await;
    if let Some(metrics) = metrics {
        let _ = metrics.await;
    }
    if let Some(traps) = traps {
        let _ = traps.await;
    }
    if let Some(reloads) = reloads {
        let _ = reloads.await;
    }
    if let Some(pings) = pings {
        let _ = pings.await;
    }
    for task in bus {
        let _ = task.await;
    }
    for task in notify {
        let _ = task.await;
    }
    shared.drivers.close().await;
    // Every request has finished: the rate-limit buckets held in memory are final.
    shared.sessions.write_behind_now();
    shared.store.close().await;
    run_marker::end(&shared.config.data_dir);
    tracing::info!("stopped");
    Ok(())
}
