//! `upstra demo`: a daemon on a temporary store and socket, driving the simulated lab.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::RngCore;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use upstra_core::lab::{self, KnownNames};
use upstra_core::rbac::BuiltinRole;
use upstra_core::secret::Secret;

use crate::config::{Config, Drivers};
use crate::store::{AuditEntry, KeySource, Store};
use crate::{Error, auth, clock, server};

/// The demo lab, also shipped as `config/demo-lab.toml`.
pub const DEMO_LAB: &str = include_str!("../../config/demo-lab.toml");
/// The demo's admin user.
pub const DEMO_USER: &str = "demo";

/// A running demo daemon. Dropping it without [`DemoDaemon::shutdown`] stops it too, without
/// waiting.
pub struct DemoDaemon {
    /// The socket to connect to.
    pub socket: PathBuf,
    /// The demo login.
    pub user: String,
    pub password: String,
    /// Where a console embedding the demo should write its log (it owns the terminal).
    pub log_file: PathBuf,
    stop: CancellationToken,
    task: Option<JoinHandle<Result<(), Error>>>,
}

impl DemoDaemon {
    /// Stops the daemon and waits for it to finish.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for DemoDaemon {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts a daemon in this process with its store, socket and log under `dir`, applies the
/// demo lab and creates the demo admin with a fresh random password.
pub async fn start(dir: &Path) -> Result<DemoDaemon, Error> {
    start_with(dir, |_| {}).await
}

/// [`start`], with the configuration changed by `adjust` first (a test's notification
/// channels, say).
pub async fn start_with(dir: &Path, adjust: impl FnOnce(&mut Config)) -> Result<DemoDaemon, Error> {
    let mut config = Config {
        socket: dir.join("upstra.sock"),
        data_dir: dir.join("data"),
        drivers: Drivers::Simulated,
        ups_poll_interval: Duration::from_secs(1),
        sync_interval: Duration::from_secs(2),
        ..Config::default()
    };
    adjust(&mut config);
    let store = Store::open(&config.data_dir, &KeySource::locate(&config.data_dir, None))?;
    let mut bytes = [0u8; 9];
    rand::rng().fill_bytes(&mut bytes);
    let password = format!("demo-{}", hex::encode(bytes));
    seed(&store, &password).await?;
    let listener = server::bind(&config.socket, None)?;
    let stop = CancellationToken::new();
    let socket = config.socket.clone();
    let task = tokio::spawn(crate::run(
        config,
        store,
        listener,
        stop.clone().cancelled_owned(),
    ));
    Ok(DemoDaemon {
        socket,
        user: DEMO_USER.into(),
        password,
        log_file: dir.join("upstra.log"),
        stop,
        task: Some(task),
    })
}

async fn seed(store: &Store, password: &str) -> Result<(), Error> {
    let hash = auth::hash_password(Secret::new(password))
        .await
        .map_err(|e| {
            crate::store::StoreError::Corrupt(format!("hashing the demo password: {e}"))
        })?;
    let inventory = lab::parse(DEMO_LAB, &KnownNames::default())
        .map_err(|e| {
            crate::store::StoreError::Corrupt(format!("the built-in demo lab is invalid: {e:?}"))
        })?
        .inventory;
    let inventory = Arc::new(inventory);
    store
        .call(move |db| {
            let now = clock::now().millis();
            db.create_user(DEMO_USER, &hash, BuiltinRole::Admin.as_str(), now, true)?;
            db.save_declaration(
                &inventory,
                &AuditEntry::new("apply", "ok")
                    .at(now)
                    .actor(DEMO_USER)
                    .target("demo lab"),
            )
        })
        .await?;
    Ok(())
}
