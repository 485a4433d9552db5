//! Detection latency and idle CPU (issues 4 and 15), the daemon's status checks off (the
//! behaviour before them: a UPS's status seen only at its full read, every
//! `ups_poll_interval`) and on (`ups_status_interval`), side by side in one run:
//! - the daemon's share of a NUT flip: from the moment `upsd` answers the new `ups.status`
//!   (asked every millisecond on a connection of the bench's own) to the `UpsStatusChanged`
//!   event reaching a client that follows the event log (`upstra events --follow`), over
//!   [`FLIPS`] flips of one UPS; the dummy driver's own poll, before upsd has the status, is
//!   not the daemon's and is not counted;
//! - the daemon's idle CPU, from `/proc/PID/stat` of the real `upstrad` in its own process,
//!   with the lab: 1,000 servers with their BMCs on a vcsim of 10 clusters × 100 hosts
//!   and 10,000 VMs (an [`OwnLab`]) and 10 NUT UPS on a NUT of the bench's own. It is measured
//!   in two parts that do not depend on where the syncs fall in the window: between syncs over
//!   [`IDLE`] (the daemon's sync interval set to an hour), and the CPU of one sync (the median
//!   of [`SYNCS_TIMED`] syncs asked for), then added up as at the default sync interval:
//!   between + one sync's CPU / 60 s. A 60 s window with the default interval held zero, one or
//!   two syncs depending on alignment, and its figure moved from 0.6 to 2 % between runs of one
//!   build;
//! - the daemon's CPU between syncs over [`ON_BATTERY`] with the five UPS on the dummy `ups2`
//!   on battery, within their grace: the runtime trigger weighs each of their readings
//!   against the shed plan's duration.
//!
//! No assertion: figures to read. Start the peers (tests/peers/start.sh, UPSTRA_PEERS_ENV), then
//! `cargo bench -p upstra-daemon --bench detection`; `-- --flips N` (or
//! `UPSTRA_BENCH_FLIPS=N`) for another count of flips; `UPSTRA_BENCH_IDLE=SECONDS` for a longer
//! window between syncs; `UPSTRA_BENCH_BASELINE=PATH` measures that build of the daemon
//! too, with its status checks every 100 ms, in a row of its own; `UPSTRA_BENCH_UPSTRAD=PATH`
//! replaces this build's, as in the other benches.
#![allow(clippy::unwrap_used)]

mod support;

use support::process::{DaemonProcess, admin, cpu_seconds, spawn_upstrad};

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use upstra_core::api::v1::{LabSpec, SessionToken, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::lab::{LabFile, OwnLab, Size};
use upstra_tests::nut::DevFile;
use upstra_tests::own_nut::OwnNut;

/// The lab of the figures.
const SIZE: Size = Size {
    clusters: 10,
    hosts_per_cluster: 100,
    vms_per_cluster: 1_000,
};
/// The count of NUT UPS: the lab file's two, and eight more on the same two dummy UPS.
const NUT_UPS: usize = 10;
/// Flips per mode by default: enough for a p99 that is not just the maximum.
const FLIPS: usize = 100;
/// How long the idle CPU between syncs is measured, after the first sync has settled.
const IDLE: Duration = Duration::from_secs(60);
/// How long the CPU is measured with ups2's UPS on battery (within their grace).
const ON_BATTERY: Duration = Duration::from_secs(30);
/// Syncs timed for their CPU; the median is kept.
const SYNCS_TIMED: usize = 3;
/// How often the bench asks upsd for the status it waits for: the error on the daemon's share.
const UPSD_ASKED_EVERY: Duration = Duration::from_millis(1);
/// Longest a flip may take to reach upsd (the dummy driver notices its file within a second
/// or two) or the daemon's event to follow (a full read of 1 s, on a loaded machine).
const FLIP_DEADLINE: Duration = Duration::from_secs(30);
/// The VMs of [`SIZE`].
const VMS: usize = (SIZE.clusters * SIZE.vms_per_cluster) as usize;
/// Syncs tried until one sees every VM.
const SYNC_TRIES: usize = 5;
/// A sync of 10,000 VMs and 1,000 BMCs on a loaded 2-core machine.
const CALL_DEADLINE: Duration = Duration::from_secs(300);

/// The two modes compared: the file's `ups_status_interval`, and how it is printed.
const MODES: [(&str, &str); 2] = [
    ("off", "status checks off (before)"),
    ("100ms", "status checks every 100 ms (after)"),
];

fn flips() -> usize {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--flips")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| std::env::var("UPSTRA_BENCH_FLIPS").ok())
        .and_then(|s| s.parse().ok())
        .unwrap_or(FLIPS)
}

fn long() -> tarpc::context::Context {
    let mut c = tarpc::context::current();
    c.deadline = Instant::now() + CALL_DEADLINE;
    c
}

/// How long the idle CPU is measured: [`IDLE`], or `UPSTRA_BENCH_IDLE` seconds.
fn idle_window() -> Duration {
    std::env::var("UPSTRA_BENCH_IDLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(IDLE, Duration::from_secs)
}

fn start_daemon(dir: &Path, upstrad: &str, status_interval: &str) -> DaemonProcess {
    // No sync falls in the window between syncs: each is asked for and timed apart.
    spawn_upstrad(
        dir,
        Command::new(upstrad),
        &format!("ups_status_interval = \"{status_interval}\"\nsync_interval = \"1h\"\n"),
    )
}

/// The daemon's CPU, in % of a core.
struct Cpu {
    between_syncs: f64,
    /// CPU seconds of one sync of the whole lab.
    sync_cpu_s: f64,
    /// Between syncs, with the five UPS on ups2 on battery and within their grace: the
    /// runtime trigger weighs each reading against the plan's duration.
    on_battery: f64,
}

impl Cpu {
    /// As with the default sync interval: between syncs, plus one sync's CPU spread over it.
    fn at_default_sync(&self) -> f64 {
        let interval = upstra_daemon::config::Config::default().sync_interval;
        self.between_syncs + 100.0 * self.sync_cpu_s / interval.as_secs_f64()
    }
}

/// Follows the event log as `upstra events --follow` does, sending the arrival time of each
/// status change of `ups` with its new status.
fn follow(
    c: UpstraClient,
    token: SessionToken,
    ups: &'static str,
    mut cursor: u64,
) -> mpsc::UnboundedReceiver<(Instant, String)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        loop {
            let mut wait = tarpc::context::current();
            wait.deadline = Instant::now() + Duration::from_secs(15);
            let Ok(Ok(page)) = c.events_since(wait, token.clone(), cursor, 10_000).await else {
                return;
            };
            let now = Instant::now();
            cursor = page.next_cursor;
            for e in page.events {
                if let DomainEvent::UpsStatusChanged { ups: u, to, .. } = e.event
                    && u.as_str() == ups
                    && tx.send((now, to)).is_err()
                {
                    return;
                }
            }
        }
    });
    rx
}

/// When upsd first answers `status` for `ups`, asked every [`UPSD_ASKED_EVERY`].
async fn upsd_has(upsd: &mut BufReader<TcpStream>, ups: &str, status: &str) -> Instant {
    let deadline = Instant::now() + FLIP_DEADLINE;
    let ask = format!("GET VAR {ups} ups.status\n");
    let want = format!("VAR {ups} ups.status \"{status}\"");
    let mut line = String::new();
    loop {
        upsd.get_mut().write_all(ask.as_bytes()).await.unwrap();
        line.clear();
        upsd.read_line(&mut line).await.unwrap();
        if line.trim_end() == want {
            return Instant::now();
        }
        assert!(Instant::now() < deadline, "upsd never had {status}: {line}");
        tokio::time::sleep(UPSD_ASKED_EVERY).await;
    }
}

/// p50, p99 and max of `samples`, in ms.
fn percentiles(mut samples: Vec<Duration>) -> (f64, f64, f64) {
    samples.sort();
    let pick = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (
        ms(pick(0.5)),
        ms(pick(0.99)),
        ms(samples[samples.len() - 1]),
    )
}

/// One mode: the daemon's idle CPU, the latencies of `flips` flips, then its CPU on battery.
async fn measure(
    upstrad: &str,
    lab: &LabSpec,
    nut: &OwnNut,
    status_interval: &str,
    flips: usize,
) -> (Cpu, Vec<Duration>) {
    let dir = tempfile::tempdir().unwrap();
    let daemon = start_daemon(dir.path(), upstrad, status_interval);
    let pid = daemon.0.id();
    let c = support::process::client_when_up(&dir.path().join("upstra.sock")).await;
    let token = admin(&c).await;
    // The daemon admits a large frame (the lab) only on a connection that has already made
    // an authenticated call.
    c.list_ups(tarpc::context::current(), token.clone())
        .await
        .unwrap()
        .unwrap();
    c.apply(long(), token.clone(), lab.clone(), false)
        .await
        .unwrap()
        .unwrap();
    // The first sync that sees every VM (the one the apply starts may still be running).
    let mut sync = c.sync(long(), token.clone()).await.unwrap().unwrap();
    for _ in 0..SYNC_TRIES {
        if sync.vms as usize >= VMS {
            break;
        }
        sync = c.sync(long(), token.clone()).await.unwrap().unwrap();
    }
    println!(
        "  [{status_interval}] lab: {} UPS, {} BMCs, {} VMs read; {} problems {:?}",
        sync.ups_read,
        sync.servers_read,
        sync.vms,
        sync.problems.len(),
        sync.problems.first()
    );

    // Between syncs: full UPS reads every 1 s and the status checks, nothing else.
    let (cpu0, wall0) = (cpu_seconds(pid), Instant::now());
    tokio::time::sleep(idle_window()).await;
    let between_syncs = 100.0 * (cpu_seconds(pid) - cpu0) / wall0.elapsed().as_secs_f64();
    let mut syncs = Vec::with_capacity(SYNCS_TIMED);
    let mut bmcs_read = Vec::with_capacity(SYNCS_TIMED);
    for _ in 0..SYNCS_TIMED {
        let before = cpu_seconds(pid);
        let report = c.sync(long(), token.clone()).await.unwrap().unwrap();
        syncs.push(cpu_seconds(pid) - before);
        // A BMC that timed out costs less than one read: a short count makes the figure low.
        bmcs_read.push(report.servers_read);
    }
    println!("  [{status_interval}] timed syncs read {bmcs_read:?} BMCs");
    syncs.sort_by(f64::total_cmp);

    let cursor = c
        .events_since(tarpc::context::current(), token.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;
    let mut events = follow(c.clone(), token.clone(), "ups-two", cursor);
    let stream = TcpStream::connect(("127.0.0.1", nut.port)).await.unwrap();
    stream.set_nodelay(true).unwrap();
    let mut upsd = BufReader::new(stream);
    let dev = DevFile::open(&nut.dir, "ups2");
    let mut latencies = Vec::with_capacity(flips);
    for i in 0..flips {
        let status = if i % 2 == 0 { "OB DISCHRG" } else { "OL" };
        dev.set(&[("ups.status", status)]);
        let upsd_has = upsd_has(&mut upsd, "ups2", status).await;
        let event_at = loop {
            let (at, to) = tokio::time::timeout(FLIP_DEADLINE, events.recv())
                .await
                .expect("the daemon's event within the deadline")
                .expect("the event follower");
            if to == status {
                break at;
            }
        };
        // The daemon may see it between two of the bench's asks: that counts as no time.
        latencies.push(event_at.saturating_duration_since(upsd_has));
    }

    if flips.is_multiple_of(2) {
        dev.set(&[("ups.status", "OB DISCHRG")]);
        loop {
            let (_, to) = tokio::time::timeout(FLIP_DEADLINE, events.recv())
                .await
                .expect("the daemon's event within the deadline")
                .expect("the event follower");
            if to == "OB DISCHRG" {
                break;
            }
        }
    }
    let (cpu0, wall0) = (cpu_seconds(pid), Instant::now());
    tokio::time::sleep(ON_BATTERY).await;
    let on_battery = 100.0 * (cpu_seconds(pid) - cpu0) / wall0.elapsed().as_secs_f64();
    dev.set(&[("ups.status", "OL")]);
    drop(dev);
    drop(daemon);
    let cpu = Cpu {
        between_syncs,
        sync_cpu_s: syncs[SYNCS_TIMED / 2],
        on_battery,
    };
    (cpu, latencies)
}

#[tokio::main]
async fn main() {
    let Some(peers) = support::peers("detection") else {
        return;
    };
    let flips = flips();
    let started = Instant::now();
    let own = OwnLab::start(&peers, SIZE);
    let nut = OwnNut::start(&peers);
    println!(
        "lab: {} hosts, {} VMs, {} BMCs, {NUT_UPS} NUT UPS (up in {:.1} s); {flips} flips and {} s idle per mode",
        own.hosts.iter().map(Vec::len).sum::<usize>(),
        own.vms.len(),
        own.systems.len(),
        started.elapsed().as_secs_f64(),
        idle_window().as_secs()
    );
    let mut text = own.lab_file(&LabFile {
        nut: &format!("127.0.0.1:{}", nut.port),
        // Never a shed while ups2 flips.
        grace_s: 24 * 3600,
        restore_after_s: 60,
        pinned: None,
        tiered: false,
        plan: "",
    });
    for i in 2..NUT_UPS {
        text.push_str(&format!(
            "[[ups]]\nname = \"ups-{i}\"\nroom = \"lab\"\nnut = \"ups{}@127.0.0.1:{}\"\n",
            1 + i % 2,
            nut.port
        ));
    }
    let mut doc = parse(&text, &KnownNames::default()).unwrap();
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
    let lab = LabSpec::from(&doc.inventory);

    let mut rows = Vec::new();
    if let Ok(baseline) = std::env::var("UPSTRA_BENCH_BASELINE") {
        let (cpu, latencies) = measure(&baseline, &lab, &nut, "100ms", flips).await;
        rows.push((
            "baseline build, checks every 100 ms",
            cpu,
            percentiles(latencies),
        ));
    }
    let upstrad = support::process::upstrad_under_test();
    for (interval, what) in MODES {
        let (cpu, latencies) = measure(&upstrad, &lab, &nut, interval, flips).await;
        rows.push((what, cpu, percentiles(latencies)));
    }
    println!(
        "\ndaemon's share of a NUT flip (upsd has it -> event to a follower), {flips} flips; idle CPU \
         between syncs over {} s, a sync's CPU the median of {SYNCS_TIMED}:",
        idle_window().as_secs()
    );
    println!(
        "  {:<36} {:>10} {:>10} {:>10}   {:>13} {:>10} {:>16} {:>12}",
        "", "p50", "p99", "max", "between syncs", "one sync", "at a 60 s sync", "on battery"
    );
    for (what, cpu, (p50, p99, max)) in rows {
        println!(
            "  {what:<36} {p50:>7.1} ms {p99:>7.1} ms {max:>7.1} ms   {:>11.2} % {:>8.2} s {:>14.2} % {:>10.2} %",
            cpu.between_syncs,
            cpu.sync_cpu_s,
            cpu.at_default_sync(),
            cpu.on_battery
        );
    }
    println!("target: p99 ≤ 250 ms, idle CPU ≤ 0.5 % of a core (% of one core throughout)");
}
