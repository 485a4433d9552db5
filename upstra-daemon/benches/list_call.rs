//! Latency and throughput of an authorized list call over the Unix socket, end to end: client
//! serialization, the socket, the session check (in memory once a session was seen), the
//! handler, the reply.
//!
//! The daemon is the real `upstrad` in a process of its own, as an operator runs it; the
//! client is one task on a single-threaded runtime, as a script's call is. Before the
//! daemon's figures the bench prints what a bare Unix-socket round trip costs on this machine
//! (two threads echoing a short message), the floor under any call: on a virtual machine a
//! thread's wake-up alone can cost tens of microseconds.
//!
//! The last row runs this build again with the daemon and the client held to one processor:
//! a call then wakes no thread on another processor, so the row shows what the daemon's and
//! the client's own work cost, apart from what this machine charges for a wake-up.
//!
//! `cargo bench -p upstra-daemon --bench list_call` prints, per daemon, the cost of a login,
//! of the access check alone, p50/p99 latency of sequential list calls, and the calls per
//! second of one client calling one at a time, of several clients each on its connection, and
//! of one connection with several calls in flight. `UPSTRA_BENCH_BASELINE=PATH` measures
//! that build of `upstrad` too, in a row of its own; `UPSTRA_BENCH_UPSTRAD=PATH` replaces this
//! build's.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::process::{admin, client_when_up, cpu_seconds, spawn_upstrad};
use upstra_core::api::v1::{LabSpec, LoginOutcome, LoginRequest, SessionToken, UpstraClient};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

const SEQUENTIAL: usize = 5_000;
const CONCURRENT_CLIENTS: usize = 8;
const PER_CLIENT: usize = 2_000;
const ECHOES: usize = 20_000;

/// The daemon's settings: the per-user limit lifted (the bench makes tens of thousands of calls
/// as one user), and no peer read during the measurement (the demo lab's peers do not exist).
const CONFIG: &str = r#"ups_poll_interval = "1h"
ups_status_interval = "off"
sync_interval = "1h"
[limits]
global = "10000000/15m"
"#;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// p50 of a round trip of 64 bytes between two threads over a Unix socket pair.
fn bare_round_trip() -> Duration {
    let (mut a, mut b) = UnixStream::pair().unwrap();
    let echo = std::thread::spawn(move || {
        let mut buf = [0u8; 64];
        for _ in 0..ECHOES {
            b.read_exact(&mut buf).unwrap();
            b.write_all(&buf).unwrap();
        }
    });
    let mut samples = Vec::with_capacity(ECHOES);
    let mut buf = [0u8; 64];
    for _ in 0..ECHOES {
        let t = Instant::now();
        a.write_all(&buf).unwrap();
        a.read_exact(&mut buf).unwrap();
        samples.push(t.elapsed());
    }
    echo.join().unwrap();
    samples.sort();
    percentile(&samples, 0.5)
}

/// What one daemon build did.
struct Figures {
    login: Duration,
    health: Duration,
    whoami: Duration,
    p50: Duration,
    p99: Duration,
    per_second: f64,
    /// The daemon's CPU time per sequential list call (user + system).
    daemon_cpu: Duration,
    /// This client's, for the same calls: the other half of a call's path.
    client_cpu: Duration,
    concurrent_per_second: f64,
    pipelined_per_second: f64,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let floor = bare_round_trip();
    println!("bare Unix-socket round trip between two threads on this machine: p50 {floor:?}");
    let upstrad = support::process::upstrad_under_test();
    let mut runs = Vec::new();
    if let Ok(baseline) = std::env::var("UPSTRA_BENCH_BASELINE") {
        println!("--- baseline: {baseline}");
        runs.push(("baseline", measure(&baseline).await));
    }
    println!("--- this build: {upstrad}");
    runs.push(("this build", measure(&upstrad).await));
    println!("--- this build, the daemon and this client on one processor");
    let whole = one_processor();
    let floor_on_one = bare_round_trip();
    println!("bare Unix-socket round trip on one processor: p50 {floor_on_one:?}");
    runs.push(("one CPU", measure(&upstrad).await));
    nix::sched::sched_setaffinity(nix::unistd::Pid::from_raw(0), &whole).unwrap();
    println!(
        "\n{:<11} {:>9} {:>11} {:>11} {:>12} {:>12} {:>10} {:>12} {:>12} {:>16} {:>16}",
        "daemon",
        "login",
        "health",
        "whoami",
        "list p50",
        "list p99",
        "calls/s",
        "daemon CPU",
        "client CPU",
        format!("{CONCURRENT_CLIENTS} clients/s"),
        format!("{CONCURRENT_CLIENTS} in flight/s"),
    );
    for (label, f) in &runs {
        println!(
            "{label:<11} {:>9.1?} {:>11.1?} {:>11.1?} {:>12.1?} {:>12.1?} {:>10.0} {:>12.1?} {:>12.1?} {:>16.0} {:>16.0}",
            f.login,
            f.health,
            f.whoami,
            f.p50,
            f.p99,
            f.per_second,
            f.daemon_cpu,
            f.client_cpu,
            f.concurrent_per_second,
            f.pipelined_per_second
        );
    }
    println!(
        "targets: list p50 ≤ 100 µs and ≥ 10,000 calls/s on one connection; floor on this machine {floor:?}, on one processor {floor_on_one:?}"
    );
}

/// Holds this thread, and the daemon it starts next (a child inherits the mask), to the last
/// processor it may run on: the mask it had before.
fn one_processor() -> nix::sched::CpuSet {
    use nix::sched::{CpuSet, sched_getaffinity, sched_setaffinity};
    let me = nix::unistd::Pid::from_raw(0);
    let whole = sched_getaffinity(me).unwrap();
    let last = (0..CpuSet::count())
        .rev()
        .find(|&c| whole.is_set(c).unwrap())
        .unwrap();
    let mut one = CpuSet::new();
    one.set(last).unwrap();
    sched_setaffinity(me, &one).unwrap();
    whole
}

async fn measure(upstrad: &str) -> Figures {
    let dir = tempfile::tempdir().unwrap();
    let daemon = spawn_upstrad(dir.path(), Command::new(upstrad), CONFIG);
    let pid = daemon.0.id();
    let socket = dir.path().join("upstra.sock");
    let c = client_when_up(&socket).await;
    let ctx = tarpc::context::current;
    let token = admin(&c).await;
    let password = Secret::new(support::PASSWORD);
    let login = || {
        c.login(
            ctx(),
            LoginRequest {
                user: support::USER.into(),
                password: password.clone(),
            },
        )
    };
    let lab = parse(upstra_daemon::demo::DEMO_LAB, &KnownNames::default())
        .unwrap()
        .inventory;
    // The daemon admits a large frame (the lab) only on a connection that has already made
    // an authenticated call.
    c.list_ups(ctx(), token.clone()).await.unwrap().unwrap();
    c.apply(ctx(), token.clone(), LabSpec::from(&lab), false)
        .await
        .unwrap()
        .unwrap();

    // Login cost: argon2id verify (19 MiB, t=2) dominates.
    let mut logins = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = login().await.unwrap().unwrap();
        logins.push(t.elapsed());
        assert!(matches!(r, LoginOutcome::Session(_)));
    }
    logins.sort();

    // The access check: `health` skips it (it counts users in the store), `whoami` does
    // nothing but it (session, global rate-limit bucket, grants, all in memory).
    let mut health = Vec::new();
    let mut whoami = Vec::new();
    for _ in 0..3_000 {
        let t = Instant::now();
        c.health(ctx()).await.unwrap();
        health.push(t.elapsed());
        let t = Instant::now();
        c.whoami(ctx(), token.clone()).await.unwrap().unwrap();
        whoami.push(t.elapsed());
    }
    health.sort();
    whoami.sort();

    // Warm up.
    for _ in 0..200 {
        c.list_servers(ctx(), token.clone()).await.unwrap().unwrap();
    }
    let mut samples = Vec::with_capacity(SEQUENTIAL);
    let cpu_before = cpu_seconds(pid);
    let client_before = upstra_tests::cpu_seconds("/proc/thread-self/stat");
    let start = Instant::now();
    for _ in 0..SEQUENTIAL {
        let t = Instant::now();
        let servers = c.list_servers(ctx(), token.clone()).await.unwrap().unwrap();
        samples.push(t.elapsed());
        assert_eq!(servers.len(), lab.servers.len());
    }
    let per_second = SEQUENTIAL as f64 / start.elapsed().as_secs_f64();
    let daemon_cpu = Duration::from_secs_f64((cpu_seconds(pid) - cpu_before) / SEQUENTIAL as f64);
    let client_cpu = Duration::from_secs_f64(
        (upstra_tests::cpu_seconds("/proc/thread-self/stat") - client_before) / SEQUENTIAL as f64,
    );
    samples.sort();

    let concurrent_per_second = concurrent(&socket, &token).await;
    let pipelined_per_second = pipelined(&c, &token).await;
    let f = Figures {
        login: percentile(&logins, 0.5),
        health: percentile(&health, 0.5),
        whoami: percentile(&whoami, 0.5),
        p50: percentile(&samples, 0.5),
        p99: percentile(&samples, 0.99),
        per_second,
        daemon_cpu,
        client_cpu,
        concurrent_per_second,
        pipelined_per_second,
    };
    println!(
        "login p50 {:?}; access check: health p50 {:?} (no check), whoami p50 {:?} (check only)",
        f.login, f.health, f.whoami
    );
    println!(
        "list_servers ({} servers), {SEQUENTIAL} sequential calls on one connection: p50 {:?}  p99 {:?}  max {:?}  {:.0} calls/s; CPU a call: daemon {:?}, client {:?}",
        lab.servers.len(),
        f.p50,
        f.p99,
        samples[samples.len() - 1],
        f.per_second,
        f.daemon_cpu,
        f.client_cpu
    );
    println!(
        "list_servers, {CONCURRENT_CLIENTS} concurrent clients: {:.0} calls/s; {CONCURRENT_CLIENTS} calls in flight on one connection: {:.0} calls/s",
        f.concurrent_per_second, f.pipelined_per_second
    );
    f
}

/// Calls per second of [`CONCURRENT_CLIENTS`] clients, each on its connection, all in this
/// one thread.
async fn concurrent(socket: &Path, token: &SessionToken) -> f64 {
    let mut clients = Vec::new();
    for _ in 0..CONCURRENT_CLIENTS {
        clients.push(support::client(socket).await);
    }
    calls_per_second(clients.iter(), token).await
}

/// Calls per second of one connection with [`CONCURRENT_CLIENTS`] calls in flight at once, as a
/// console refreshing several panes sends them: the daemon runs a connection's requests side by
/// side (up to 16), so the connection is not bound by one round trip at a time.
async fn pipelined(c: &UpstraClient, token: &SessionToken) -> f64 {
    calls_per_second(std::iter::repeat_n(c, CONCURRENT_CLIENTS), token).await
}

/// Calls per second of [`PER_CLIENT`] sequential list calls on each of `callers`, all at once.
async fn calls_per_second<'c>(
    callers: impl Iterator<Item = &'c UpstraClient>,
    token: &SessionToken,
) -> f64 {
    let start = Instant::now();
    let mut n = 0;
    let calls: Vec<_> = callers
        .map(|c| {
            n += PER_CLIENT;
            async move {
                for _ in 0..PER_CLIENT {
                    c.list_servers(tarpc::context::current(), token.clone())
                        .await
                        .unwrap()
                        .unwrap();
                }
            }
        })
        .collect();
    futures::future::join_all(calls).await;
    n as f64 / start.elapsed().as_secs_f64()
}
