//! The daemon's memory on a large lab (issue 15): a vcsim of 10 clusters × 100 hosts with
//! 10,000 VMs and one Redfish BMC per host (an [`OwnLab`]), the harness's NUT, and the real
//! `upstrad` binary in its own process, so its RSS is the daemon's alone. A 1,000-server lab
//! is applied; the RSS (VmRSS) and its peak (VmHWM) are printed after the first sync, after
//! each of a few forced syncs, then every [`SAMPLE_EVERY`] while the daemon syncs on its own
//! default interval for the soak time.
//!
//! Target: ≤ 64 MB after the first sync, flat within 10 % over a one-hour soak. No
//! assertion: figures to read. Start the peers (tests/peers/start.sh, UPSTRA_PEERS_ENV).
//!
//! `cargo bench -p upstra-daemon --bench memory` (a short soak), or with `-- --soak 3600`
//! (or `UPSTRA_BENCH_SOAK=3600`) for the hour. Environment variables the daemon reads from
//! the C library (`MALLOC_ARENA_MAX`, ...) pass through to it, for allocator experiments;
//! `UPSTRA_BENCH_UPSTRAD=PATH` measures another build of the daemon;
//! `UPSTRA_BENCH_BASELINE=PATH` measures that build first, on the same lab, and prints its
//! figures beside this build's at the end (a baseline and a change in one run), with
//! `UPSTRA_BENCH_BASELINE_ENV="K=V ..."` added to its environment (an older unit's settings);
//! `UPSTRA_BENCH_HEAPTRACK=FILE` runs the daemon under heaptrack (its RSS figures then
//! include the profiler's own) and leaves the profile in `FILE.zst` for `heaptrack_print`.
#![allow(clippy::unwrap_used)]

mod support;

use support::process::{DaemonProcess, spawn_upstrad};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use upstra_core::api::v1::LabSpec;
use upstra_core::lab::{KnownNames, LabDoc, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::lab::{LabFile, OwnLab, Size};

/// The lab of the figures.
const SIZE: Size = Size {
    clusters: 10,
    hosts_per_cluster: 100,
    vms_per_cluster: 1_000,
};
/// Forced syncs right after the first one: what repeated syncs leave behind, without waiting
/// for the default interval.
const FORCED_SYNCS: usize = 5;
/// The default soak: short enough for a CI run if ever wanted, long enough for two syncs at
/// the default 60 s interval.
const DEFAULT_SOAK: Duration = Duration::from_secs(150);
const SAMPLE_EVERY: Duration = Duration::from_secs(15);
/// A sync of 10,000 VMs and 1,000 BMCs on a loaded 2-core machine.
const CALL_DEADLINE: Duration = Duration::from_secs(300);

/// A `/proc/PID/status` figure (`VmRSS:`, `RssAnon:`...) of `pid`, in MB; 0 when absent.
fn status_mb(status: &str, key: &str) -> f64 {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn proc_status(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default()
}

/// VmRSS and VmHWM of `pid`, in MB.
fn rss(pid: u32) -> (f64, f64) {
    let status = proc_status(pid);
    (status_mb(&status, "VmRSS:"), status_mb(&status, "VmHWM:"))
}

/// The mappings holding the most resident memory, from `/proc/PID/smaps`: where RSS is, when
/// the heap profile (the live allocations) accounts for less of it.
fn print_largest_mappings(pid: u32) {
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut mappings: Vec<(String, f64)> = Vec::new();
    for line in smaps.lines() {
        let first = line.split_whitespace().next().unwrap_or_default();
        if first.contains('-') && !first.ends_with(':') {
            // A mapping's header: "start-end perms offset dev inode [path]".
            let name = line
                .split_whitespace()
                .nth(5)
                .unwrap_or("[anon]")
                .to_owned();
            mappings.push((name, 0.0));
        } else if let Some(kb) = line.strip_prefix("Rss:")
            && let Some(last) = mappings.last_mut()
        {
            last.1 = kb
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .unwrap_or(0.0)
                / 1024.0;
        }
    }
    let mut single = mappings.clone();
    single.sort_by(|a, b| b.1.total_cmp(&a.1));
    let single: Vec<String> = single
        .iter()
        .take(6)
        .map(|(name, mb)| format!("{mb:.1} {name}"))
        .collect();
    println!("    largest single mappings (MB): {}", single.join(", "));
    let huge: f64 = smaps
        .lines()
        .filter_map(|l| l.strip_prefix("AnonHugePages:"))
        .filter_map(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .sum();
    println!("    in transparent huge pages: {:.1} MB", huge / 1024.0);
    let mut by_name: std::collections::BTreeMap<String, (f64, usize)> = Default::default();
    for (name, mb) in mappings {
        let e = by_name.entry(name).or_default();
        e.0 += mb;
        e.1 += 1;
    }
    let mut largest: Vec<_> = by_name.into_iter().collect();
    largest.sort_by(|a, b| b.1.0.total_cmp(&a.1.0));
    for (name, (mb, count)) in largest.into_iter().take(8) {
        println!("    {mb:>6.1} MB in {count:>4} mapping(s): {name}");
    }
}

/// `UPSTRA_BENCH_BASELINE_ENV="K=V K=V"`: what the baseline's daemon runs with besides the
/// service's environment, e.g. the older unit's allocator settings.
fn baseline_env() -> Vec<(String, String)> {
    let env = std::env::var("UPSTRA_BENCH_BASELINE_ENV").unwrap_or_default();
    let pairs: Vec<(String, String)> = env
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    if !pairs.is_empty() {
        println!("baseline's own environment: {pairs:?}");
    }
    pairs
}

fn soak() -> Duration {
    let args: Vec<String> = std::env::args().collect();
    let from_arg = args
        .iter()
        .position(|a| a == "--soak")
        .and_then(|i| args.get(i + 1).cloned());
    from_arg
        .or_else(|| std::env::var("UPSTRA_BENCH_SOAK").ok())
        .and_then(|s| s.parse().ok())
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_SOAK)
}

fn long() -> tarpc::context::Context {
    let mut c = tarpc::context::current();
    c.deadline = Instant::now() + CALL_DEADLINE;
    c
}

fn start_daemon(dir: &Path, upstrad: &str, env: &[(String, String)]) -> DaemonProcess {
    let cmd = match std::env::var("UPSTRA_BENCH_HEAPTRACK") {
        Ok(out) => {
            // The RSS printed is then heaptrack's script's, not the daemon's: read the profile.
            let mut c = Command::new("heaptrack");
            c.args(["-o", &out, upstrad]);
            c
        }
        Err(_) => Command::new(upstrad),
    };
    let mut cmd = cmd;
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    spawn_upstrad(dir, cmd, "# bench config: defaults only\n")
}

/// RssAnon and RssFile of `pid`, in MB: the heap and stacks apart from the program's own
/// mapped pages, which count in RSS but are shared and given back under pressure.
fn rss_split(pid: u32) -> (f64, f64) {
    let status = proc_status(pid);
    (
        status_mb(&status, "RssAnon:"),
        status_mb(&status, "RssFile:"),
    )
}

fn print(what: &str, pid: u32, since: Instant) {
    let (now, peak) = rss(pid);
    let (anon, file) = rss_split(pid);
    println!(
        "{:>6.0} s  {what:<28} RSS {now:>6.1} MB  peak {peak:>6.1} MB  (anon {anon:>6.1}, file {file:>5.1})",
        since.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let Some(peers) = support::peers("memory") else {
        return;
    };
    let soak = soak();
    let started = Instant::now();
    let own = OwnLab::start(&peers, SIZE);
    println!(
        "lab: {} hosts, {} VMs, {} BMCs (up in {:.1} s); soak {} s",
        own.hosts.iter().map(Vec::len).sum::<usize>(),
        own.vms.len(),
        own.systems.len(),
        started.elapsed().as_secs_f64(),
        soak.as_secs()
    );
    let nut = format!(
        "{}:{}",
        peers.get("UPSTRA_PEER_NUT_HOST"),
        peers.get("UPSTRA_PEER_NUT_PORT")
    );
    let mut doc = parse(
        &own.lab_file(&LabFile {
            nut: &nut,
            grace_s: 60,
            restore_after_s: 60,
            pinned: None,
            tiered: false,
            plan: "",
        }),
        &KnownNames::default(),
    )
    .unwrap();
    let servers: Vec<_> = doc.inventory.servers.keys().cloned().collect();
    for s in servers {
        doc.fill_secret(
            &SecretSlot::Bmc(s),
            Secret::new(own.redfish_password.clone()),
        );
    }
    doc.fill_secret(
        &SecretSlot::VCenter,
        Secret::new(own.vcsim_password.clone()),
    );

    // Another build of the daemon may be measured by the same bench (an allocator compared).
    let upstrad = support::process::upstrad_under_test();
    println!(
        "daemon environment (the service's): {:?}",
        support::process::service_environment()
    );
    let mut runs = Vec::new();
    if let Ok(baseline) = std::env::var("UPSTRA_BENCH_BASELINE") {
        println!("--- baseline: {baseline}");
        runs.push((
            "baseline",
            measure(&baseline, &baseline_env(), &doc, own.vms.len(), soak).await,
        ));
    }
    println!("--- this build: {upstrad}");
    runs.push((
        "this build",
        measure(&upstrad, &[], &doc, own.vms.len(), soak).await,
    ));
    println!(
        "\n{:<12} {:>16} {:>18} {:>22} {:>10}",
        "daemon", "after 1st sync", "peak (all syncs)", "soak min..max RSS", "soak"
    );
    for (label, f) in &runs {
        println!(
            "{label:<12} {:>13.1} MB {:>15.1} MB {:>10.1}..{:<6.1} MB {:>8} s",
            f.first_sync, f.peak, f.soak_min, f.soak_max, f.soak_secs
        );
    }
    println!("target: ≤ 64 MB after the first sync, flat within 10 % over the soak");
}

/// What one daemon build did on the lab, in MB.
struct Figures {
    first_sync: f64,
    peak: f64,
    soak_min: f64,
    soak_max: f64,
    soak_secs: u64,
}

/// Starts `upstrad` on a fresh store, applies the lab, syncs until every VM is seen, forces a
/// few syncs, then samples while it syncs on its own default interval for `soak`.
async fn measure(
    upstrad: &str,
    env: &[(String, String)],
    doc: &LabDoc,
    vms: usize,
    soak: Duration,
) -> Figures {
    let started = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let daemon = start_daemon(dir.path(), upstrad, env);
    let pid = daemon.0.id();
    let c = support::process::client_when_up(&dir.path().join("upstra.sock")).await;
    let ctx = tarpc::context::current;
    let token = support::process::admin(&c).await;
    // The daemon admits a large frame (the lab) only on a connection that has already made
    // an authenticated call.
    c.list_ups(ctx(), token.clone()).await.unwrap().unwrap();
    print("started", pid, started);
    c.apply(long(), token.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();
    print("applied", pid, started);

    // The first sync that sees every VM.
    loop {
        let sync = c.sync(long(), token.clone()).await.unwrap().unwrap();
        if sync.vms as usize >= vms {
            if !sync.problems.is_empty() {
                println!(
                    "sync problems ({}): {:?}",
                    sync.problems.len(),
                    sync.problems.first()
                );
            }
            break;
        }
    }
    print("first full sync", pid, started);
    let first_sync = rss(pid).0;
    for n in 1..=FORCED_SYNCS {
        c.sync(long(), token.clone()).await.unwrap().unwrap();
        print(&format!("forced sync {n}"), pid, started);
    }
    let soak_from = Instant::now();
    let (mut soak_min, mut soak_max) = (f64::MAX, 0.0_f64);
    while soak_from.elapsed() < soak {
        tokio::time::sleep(SAMPLE_EVERY).await;
        print("soak (default interval)", pid, started);
        let now = rss(pid).0;
        (soak_min, soak_max) = (soak_min.min(now), soak_max.max(now));
    }
    let (now, peak) = rss(pid);
    println!("end: RSS {now:.1} MB, peak {peak:.1} MB");
    print_largest_mappings(pid);
    drop(daemon);
    Figures {
        first_sync,
        peak,
        soak_min: soak_min.min(now),
        soak_max: soak_max.max(now),
        soak_secs: soak_from.elapsed().as_secs(),
    }
}
