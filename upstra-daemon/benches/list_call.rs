//! Latency and throughput of an authorized list call over the Unix socket, end to end:
//! client serialization, the socket, the session check (in memory once a session was seen),
//! the handler, the reply.
//!
//! `cargo bench -p upstra-daemon --bench list_call` prints p50/p99 latency of sequential
//! calls and the calls per second of one and of several concurrent clients.
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use upstra_core::api::v1::{LabSpec, LoginOutcome, LoginRequest};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

const SEQUENTIAL: usize = 5_000;
const CONCURRENT_CLIENTS: usize = 8;
const PER_CLIENT: usize = 2_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[tokio::main]
async fn main() {
    // The benchmark makes tens of thousands of calls as one user: lift the per-user limit.
    let daemon = support::start(|config| {
        config.limits = upstra_daemon::limits::Limits {
            global: upstra_core::ratelimit::Limit::per_minutes(10_000_000, 15),
            ..Default::default()
        };
    })
    .await;
    let (c, token, socket) = (
        daemon.client.clone(),
        daemon.token.clone(),
        daemon.socket.clone(),
    );
    let ctx = tarpc::context::current;
    let lab = parse(upstra_daemon::demo::DEMO_LAB, &KnownNames::default())
        .unwrap()
        .inventory;
    c.apply(ctx(), token.clone(), LabSpec::from(&lab), false)
        .await
        .unwrap()
        .unwrap();

    // Login cost: argon2id verify (19 MiB, t=2) dominates.
    let mut logins = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        let r = c
            .login(
                ctx(),
                LoginRequest {
                    user: support::USER.into(),
                    password: Secret::new(support::PASSWORD),
                },
            )
            .await
            .unwrap()
            .unwrap();
        logins.push(t.elapsed());
        assert!(matches!(r, LoginOutcome::Session(_)));
    }
    logins.sort();
    println!(
        "login over the socket (argon2id verify + session), 20 calls: p50 {:?}  max {:?}",
        percentile(&logins, 0.5),
        logins[logins.len() - 1]
    );

    // The access check: `health` skips it, `whoami` does nothing but it (session lookup,
    // global rate-limit bucket, grants), so the difference is the guard's cost per call.
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
    let (h50, w50) = (percentile(&health, 0.5), percentile(&whoami, 0.5));
    println!(
        "access check: health p50 {h50:?} (no check; it counts users), whoami p50 {w50:?} (check only)"
    );

    // Warm up.
    for _ in 0..200 {
        c.list_servers(ctx(), token.clone()).await.unwrap().unwrap();
    }

    let mut samples = Vec::with_capacity(SEQUENTIAL);
    let start = Instant::now();
    for _ in 0..SEQUENTIAL {
        let t = Instant::now();
        let servers = c.list_servers(ctx(), token.clone()).await.unwrap().unwrap();
        samples.push(t.elapsed());
        assert_eq!(servers.len(), lab.servers.len());
    }
    let total = start.elapsed();
    samples.sort();
    println!(
        "list_servers ({} servers), one client, {SEQUENTIAL} sequential calls:",
        lab.servers.len()
    );
    println!(
        "  p50 {:?}  p99 {:?}  max {:?}",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99),
        samples[samples.len() - 1]
    );
    println!("  {:.0} calls/s", SEQUENTIAL as f64 / total.as_secs_f64());

    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENT_CLIENTS {
        let socket = socket.clone();
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let c = support::client(&socket).await;
            for _ in 0..PER_CLIENT {
                c.list_servers(tarpc::context::current(), token.clone())
                    .await
                    .unwrap()
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total = start.elapsed();
    let calls = CONCURRENT_CLIENTS * PER_CLIENT;
    println!("list_servers, {CONCURRENT_CLIENTS} concurrent clients, {calls} calls:");
    println!("  {:.0} calls/s", calls as f64 / total.as_secs_f64());

    daemon.stop().await;
}
