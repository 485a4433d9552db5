//! An `upstrad` in a process of its own, for the benchmarks that measure the daemon alone (its
//! memory, its CPU, its share of a detection): in this process the benchmark's own work would
//! count too.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use upstra_core::api::v1::{
    ClientFormat, LoginOutcome, LoginRequest, SessionToken, SetupRequest, UpstraClient,
};
use upstra_core::secret::Secret;

/// The daemon's process, killed when dropped.
pub struct DaemonProcess(pub Child);

impl Drop for DaemonProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The `Environment=` settings of the shipped systemd unit (`MIMALLOC_PURGE_DELAY`...): the
/// daemon is measured as the service runs it.
pub fn service_environment() -> Vec<(String, String)> {
    let unit = Path::new(env!("CARGO_MANIFEST_DIR")).join("../packaging/systemd/upstrad.service");
    std::fs::read_to_string(unit)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Environment="))
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Runs `cmd` (an `upstrad`, or a profiler wrapping one) on a socket, data dir and config of
/// its own under `dir`, its log in `dir/upstrad.log`, with the service's environment
/// ([`service_environment`]; a variable the bench's own environment sets wins, for
/// experiments). The benchmark's `UPSTRA_*` variables are not passed on, so only `config`
/// configures it.
pub fn spawn_upstrad(dir: &Path, mut cmd: Command, config: &str) -> DaemonProcess {
    let config_file = dir.join("upstrad.toml");
    std::fs::write(&config_file, config).unwrap();
    let log = std::fs::File::create(dir.join("upstrad.log")).unwrap();
    for (k, _) in std::env::vars().filter(|(k, _)| k.starts_with("UPSTRA_")) {
        cmd.env_remove(k);
    }
    for (k, v) in service_environment() {
        if std::env::var_os(&k).is_none() {
            cmd.env(k, v);
        }
    }
    let child = cmd
        // The bench binary is built with the test doubles: never this host's power-off.
        .env("UPSTRA_TEST_HOST_POWEROFF", dir.join("host-poweroff.log"))
        .env("UPSTRA_LOG", "warn")
        .arg("--socket")
        .arg(dir.join("upstra.sock"))
        .arg("--data-dir")
        .arg(dir.join("data"))
        .arg("--config")
        .arg(&config_file)
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    DaemonProcess(child)
}

/// A client of the daemon on `socket`, once it answers `health` (within a minute).
pub async fn client_when_up(socket: &Path) -> UpstraClient {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Ok(t) = tarpc::serde_transport::unix::connect(socket, ClientFormat::default).await {
            let c = UpstraClient::new(tarpc::client::Config::default(), t).spawn();
            if c.health(tarpc::context::current()).await.is_ok() {
                return c;
            }
        }
        assert!(Instant::now() < deadline, "upstrad did not answer in 60 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The daemon a bench measures as "this build": `UPSTRA_BENCH_UPSTRAD`, else the `upstrad`
/// cargo built beside the bench.
pub fn upstrad_under_test() -> String {
    std::env::var("UPSTRA_BENCH_UPSTRAD").unwrap_or_else(|_| env!("CARGO_BIN_EXE_upstrad").into())
}

/// CPU seconds (user + system) `pid` has used.
pub fn cpu_seconds(pid: u32) -> f64 {
    upstra_tests::cpu_seconds(&format!("/proc/{pid}/stat"))
}

/// Sets up the bench's admin on a fresh daemon and logs in: its session token.
pub async fn admin(c: &UpstraClient) -> SessionToken {
    let password = Secret::new(super::PASSWORD);
    let user = super::USER.to_owned();
    c.setup(
        tarpc::context::current(),
        SetupRequest {
            user: user.clone(),
            password: password.clone(),
        },
    )
    .await
    .unwrap()
    .unwrap();
    match c
        .login(tarpc::context::current(), LoginRequest { user, password })
        .await
        .unwrap()
        .unwrap()
    {
        LoginOutcome::Session(reply) => reply.token,
        LoginOutcome::SecondFactorRequired { .. } => panic!("the bench user has no 2FA"),
    }
}
