//! A daemon on the simulated lab with an empty store (no user, no inventory), in this
//! process on its own runtime and temporary directory, that can be stopped and started
//! again on the same store and socket: the setup wizard's first run, and a console that
//! must survive its daemon restarting.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use upstra_daemon::config::{Config, Drivers};
use upstra_daemon::store::{KeySource, Store};

pub struct Bare {
    /// A runtime per run: stopping drops it, which closes the connections the daemon still
    /// holds, as the end of the `upstrad` process would.
    runtime: Option<tokio::runtime::Runtime>,
    dir: tempfile::TempDir,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), upstra_daemon::Error>>>,
    /// Drives the real peers the lab declares (an SNMP agent of the test's own...) instead of
    /// the simulated lab.
    drivers: Drivers,
}

impl Bare {
    pub fn start() -> Self {
        Self::start_with(Drivers::Simulated)
    }

    /// An empty store whose lab, once declared, is read from the real peers it names.
    pub fn on_peers() -> Self {
        Self::start_with(Drivers::Peers)
    }

    fn start_with(drivers: Drivers) -> Self {
        let mut bare = Self {
            runtime: None,
            dir: tempfile::tempdir().expect("temp dir"),
            stop: None,
            task: None,
            drivers,
        };
        bare.run();
        bare
    }

    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("upstra.sock")
    }

    pub fn session_file(&self) -> PathBuf {
        self.dir.path().join("session")
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn config(&self) -> Config {
        Config {
            socket: self.socket(),
            data_dir: self.dir.path().join("data"),
            drivers: self.drivers,
            ups_poll_interval: Duration::from_secs(1),
            sync_interval: Duration::from_secs(2),
            ..Config::default()
        }
    }

    fn run(&mut self) {
        let config = self.config();
        let store = Store::open(&config.data_dir, &KeySource::locate(&config.data_dir, None))
            .expect("store opens");
        let (tx, rx) = oneshot::channel::<()>();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        // Binding needs the runtime's reactor; the daemon then runs on the runtime.
        let task = {
            let _inside = runtime.enter();
            let listener = upstra_daemon::server::bind(&config.socket, None).expect("binds");
            runtime.spawn(upstra_daemon::run(config, store, listener, async move {
                let _ = rx.await;
            }))
        };
        self.runtime = Some(runtime);
        self.stop = Some(tx);
        self.task = Some(task);
    }

    /// Stops the daemon and waits until it has: its socket goes away.
    pub fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let Some(runtime) = self.runtime.take() else {
            return;
        };
        if let Some(task) = self.task.take() {
            let _ = runtime.block_on(task);
        }
        runtime.shutdown_timeout(Duration::from_secs(5));
    }

    /// Starts a new one on the same store and socket, after [`Self::stop`].
    pub fn resume(&mut self) {
        if self.task.is_none() {
            self.run();
        }
    }

    /// The first admin, logged in with `session_file`, and the demo's lab applied: what
    /// `upstra setup`, `login` and `apply` do.
    pub fn seed(&self, user: &str, password: &str) {
        let cli = |args: &[&str], stdin: &str| {
            super::ok(super::upstra(
                &self.socket(),
                &self.session_file(),
                args,
                stdin,
            ))
        };
        cli(
            &["setup", "--user", user, "--password-stdin"],
            &format!("{password}\n"),
        );
        cli(
            &["login", "--user", user, "--password-stdin"],
            &format!("{password}\n"),
        );
        let lab = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/demo-lab.toml");
        cli(&["apply", "-f", lab], "");
    }
}

impl Drop for Bare {
    fn drop(&mut self) {
        self.stop();
    }
}
