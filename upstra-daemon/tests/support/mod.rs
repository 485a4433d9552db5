//! Starts the real `upstrad` binary on a temporary socket and data directory, and connects to
//! it over the socket. Waiting is always polling with a deadline, never a fixed sleep.

#![allow(dead_code, clippy::unwrap_used)]

use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use upstra_core::api::v1::ClientFormat;
use upstra_core::api::v1::{LoginOutcome, LoginRequest, SessionToken, SetupRequest, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::secret::Secret;

pub const ADMIN: &str = "admin";
pub const PASSWORD: &str = "correct horse battery staple";

/// A daemon process; killed on drop if still running.
pub struct Daemon {
    pub child: Option<Child>,
    pub socket: PathBuf,
    pub data_dir: PathBuf,
    pub stderr_log: PathBuf,
}

pub fn upstrad() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_upstrad"));
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("UPSTRA_") || k == "NOTIFY_SOCKET")
    {
        cmd.env_remove(k);
    }
    cmd
}

impl Daemon {
    /// Starts `upstrad` in `dir` (socket `dir/upstra.sock`, data `dir/data`) and waits until
    /// it answers.
    pub async fn start(dir: &Path) -> Self {
        Self::start_with_log(dir, "info").await
    }

    /// Starts with `UPSTRA_LOG` set to `filter`.
    pub async fn start_with_log(dir: &Path, filter: &str) -> Self {
        Self::start_with_env(dir, &[("UPSTRA_LOG", filter)]).await
    }

    /// Starts with extra environment variables (config keys as `UPSTRA_*`).
    pub async fn start_with_env(dir: &Path, env: &[(&str, &str)]) -> Self {
        let socket = dir.join("upstra.sock");
        let data_dir = dir.join("data");
        let stderr_log = dir.join(format!(
            "upstrad-{}.log",
            Instant::now().elapsed().as_nanos()
        ));
        let log = std::fs::File::create(&stderr_log).unwrap();
        // This host's power-off is always the test build's double, which records to a file in
        // `dir` and stops the daemon: a shed that reaches it must never power the machine off.
        // A test may name another file, or pass "" for the real driver (never to be called).
        let poweroff = dir.join("host-poweroff.log");
        let child = upstrad()
            .env("UPSTRA_TEST_HOST_POWEROFF", &poweroff)
            .envs(env.iter().copied())
            .arg("--socket")
            .arg(&socket)
            .arg("--data-dir")
            .arg(&data_dir)
            .arg("--config")
            .arg(empty_config(dir))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut daemon = Self {
            child: Some(child),
            socket,
            data_dir,
            stderr_log,
        };
        daemon.wait_ready().await;
        daemon
    }

    async fn wait_ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("upstrad exited early ({status}): {}", self.log());
            }
            if let Ok(c) = connect(&self.socket).await
                && c.health(tarpc::context::current()).await.is_ok()
            {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "upstrad did not answer within 20 s: {}",
                self.log()
            );
            tokio::task::yield_now().await;
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr_log).unwrap_or_default()
    }

    pub fn pid(&self) -> i32 {
        self.child.as_ref().map(|c| c.id() as i32).unwrap()
    }

    pub fn signal(&self, sig: nix::sys::signal::Signal) {
        nix::sys::signal::kill(nix::unistd::Pid::from_raw(self.pid()), sig).unwrap();
    }

    /// Waits for the process to exit (deadline 30 s) and returns its status.
    pub fn wait(&mut self) -> ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        let child = self.child.as_mut().unwrap();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "upstrad did not exit within 30 s"
            );
            std::thread::park_timeout(Duration::from_millis(20));
        }
    }

    /// SIGTERM, then wait; asserts a clean exit.
    pub fn stop(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
        let status = self.wait();
        assert_eq!(
            status.code(),
            Some(0),
            "exit after SIGTERM: {status:?} {}",
            self.log()
        );
    }

    pub fn kill(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
        let status = self.wait();
        assert_eq!(status.signal(), Some(9));
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An empty config file, so a config in /etc on the test machine cannot leak in.
pub fn empty_config(dir: &Path) -> PathBuf {
    let path = dir.join("upstrad.toml");
    if !path.exists() {
        std::fs::write(&path, "# test config: defaults only\n").unwrap();
    }
    path
}

/// Runs `upstrad` to completion with extra arguments.
pub fn run_upstrad(args: &[&std::ffi::OsStr]) -> Output {
    upstrad().args(args).stdin(Stdio::null()).output().unwrap()
}

pub async fn connect(socket: &Path) -> std::io::Result<UpstraClient> {
    let transport = tarpc::serde_transport::unix::connect(socket, ClientFormat::default).await?;
    Ok(UpstraClient::new(tarpc::client::Config::default(), transport).spawn())
}

pub fn ctx() -> tarpc::context::Context {
    tarpc::context::current()
}

/// Runs setup for the standard admin and logs in.
pub async fn setup_and_login(client: &UpstraClient) -> SessionToken {
    client
        .setup(
            ctx(),
            SetupRequest {
                user: ADMIN.into(),
                password: Secret::new(PASSWORD),
            },
        )
        .await
        .unwrap()
        .unwrap();
    login(client).await
}

pub async fn login(client: &UpstraClient) -> SessionToken {
    login_as(client, ADMIN, PASSWORD).await
}

/// Logs in with a password only; panics if the account needs a second factor.
pub async fn login_as(client: &UpstraClient, user: &str, password: &str) -> SessionToken {
    let outcome = client
        .login(
            ctx(),
            LoginRequest {
                user: user.into(),
                password: Secret::new(password),
            },
        )
        .await
        .unwrap()
        .unwrap();
    match outcome {
        LoginOutcome::Session(reply) => reply.token,
        LoginOutcome::SecondFactorRequired { .. } => panic!("{user} needs a second factor"),
    }
}

pub fn sha256(path: &Path) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
}

/// Polls `f` every 200 ms until it returns `Some`, for at most `limit`.
pub async fn until<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    limit: Duration,
    mut f: impl FnMut() -> F,
) -> T {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Follows the event log from `cursor` until an event matches; returns it with its time.
pub async fn wait_event(
    c: &UpstraClient,
    t: &SessionToken,
    cursor: &mut u64,
    what: &str,
    limit: Duration,
    pred: impl Fn(&DomainEvent) -> bool,
) -> upstra_core::events::EventRecord {
    let deadline = Instant::now() + limit;
    loop {
        let mut long = ctx();
        long.deadline = Instant::now() + Duration::from_secs(15);
        let page = c
            .events_since(long, t.clone(), *cursor, 2000)
            .await
            .unwrap()
            .unwrap();
        for e in page.events {
            *cursor = e.seq;
            if pred(&e.event) {
                return e;
            }
        }
        *cursor = (*cursor).max(page.next_cursor);
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
    }
}
