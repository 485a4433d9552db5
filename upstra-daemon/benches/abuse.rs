//! The daemon's size and root's `whoami` latency under each attack of findings 1 and 2, side
//! by side with an idle daemon. Runs the real `upstrad` with the simulated drivers; the
//! attacker is this benchmark re-executed as the non-root member of the socket's group.
//!
//! `cargo bench -p upstra-daemon --bench abuse` (as root, with the `upstra-probe` user that
//! `tests/run` creates) prints, per scenario: the daemon's largest RSS, and p50/p99/max of
//! root's `whoami` on a fresh connection.
#![allow(clippy::unwrap_used)]

#[path = "../tests/support/mod.rs"]
mod support;

#[path = "../tests/abuse/connections/attacker.rs"]
mod attacker;

use std::io::BufRead;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use attacker::{ATTACK_ENV, Attack, LAB, REPORT, SOCKET_ENV, rss_kb};
use support::*;
use upstra_core::api::v1::{LabSpec, SessionToken};
use upstra_core::lab::{KnownNames, parse};

/// `whoami` samples per scenario, for the percentiles.
const SAMPLES: usize = 200;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Starts the attacker; returns once it reports `ready` (and `cut`, for the attacks the
/// daemon answers by closing connections).
fn start_attacker(attack: Attack, socket: &Path) -> Child {
    let mut child = Command::new("setpriv")
        .args(["--reuid=upstra-probe", "--regid=upstra", "--init-groups"])
        .arg(std::env::current_exe().unwrap())
        .env(ATTACK_ENV, attack.name())
        .env(SOCKET_ENV, socket)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if let Some((_, fact)) = line.split_once(REPORT) {
                let _ = tx.send(fact.trim().to_owned());
            }
        }
    });
    let mut wanted = vec!["ready"];
    if matches!(attack, Attack::Idle | Attack::Slow) {
        wanted.push("cut");
    }
    for fact in wanted {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(f) if f == fact => break,
                Ok(_) => {}
                Err(e) => panic!("the {} attacker never reported {fact}: {e}", attack.name()),
            }
        }
    }
    child
}

async fn scenario(name: &str, attack: Option<Attack>, descriptors: &str) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_LOG", "error"),
            ("UPSTRA_DRIVERS", "simulated"),
            ("UPSTRA_SOCKET_GROUP", "upstra"),
        ],
    )
    .await;
    let status = Command::new("prlimit")
        .arg(format!("--pid={}", daemon.pid()))
        .arg(format!("--nofile={descriptors}"))
        .status()
        .unwrap();
    assert!(status.success());
    let client = connect(&daemon.socket).await.unwrap();
    let token: SessionToken = setup_and_login(&client).await;
    let spec = LabSpec::from(&parse(LAB, &KnownNames::default()).unwrap().inventory);
    client
        .apply(ctx(), token.clone(), spec, false)
        .await
        .unwrap()
        .unwrap();
    let mut attacker = attack.map(|a| start_attacker(a, &daemon.socket));
    let mut rss_max = rss_kb(daemon.pid());
    let mut latencies = Vec::with_capacity(SAMPLES);
    for _ in 0..SAMPLES {
        let started = Instant::now();
        let c = connect(&daemon.socket).await.unwrap();
        let mut call = ctx();
        call.deadline = Instant::now() + Duration::from_secs(60);
        c.whoami(call, token.clone()).await.unwrap().unwrap();
        latencies.push(started.elapsed());
        rss_max = rss_max.max(rss_kb(daemon.pid()));
    }
    latencies.sort();
    println!(
        "{name:<34} RSS max {:>7} KiB   whoami p50 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}",
        rss_max,
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies[latencies.len() - 1]
    );
    if let Some(child) = attacker.as_mut() {
        let _ = child.kill();
        let _ = child.wait();
    }
}

fn main() {
    if let (Ok(name), Ok(socket)) = (std::env::var(ATTACK_ENV), std::env::var(SOCKET_ENV)) {
        attacker::run(Attack::parse(&name).unwrap(), Path::new(&socket));
        return;
    }
    if !nix::unistd::getuid().is_root()
        || nix::unistd::User::from_name("upstra-probe")
            .ok()
            .flatten()
            .is_none()
    {
        eprintln!("skipped: needs root and the upstra-probe user (tests/run creates it)");
        return;
    }
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        scenario("idle daemon", None, "1024:1024").await;
        scenario("300 pipelined logins", Some(Attack::Logins), "1024:1024").await;
        scenario(
            "600,000 pipelined health",
            Some(Attack::Health),
            "1024:1024",
        )
        .await;
        scenario("1,100 idle connections", Some(Attack::Idle), "1024:1024").await;
        scenario("1,100 idle, 128 descriptors", Some(Attack::Idle), "128:128").await;
        scenario(
            "20 clients at a byte a second",
            Some(Attack::Slow),
            "1024:1024",
        )
        .await;
    });
}
