//! Issue 4's benchmark, against the real peers (`tests/peers/start.sh`; set UPSTRA_PEERS_ENV):
//! - detection latency: from the moment `upsd` reports a new `ups.status` (polled directly
//!   every 5 ms) to the daemon's `UpsStatusChanged` event, over 20 flips, default settings;
//! - the daemon's idle CPU while polling 2 UPS, 10 BMCs and a vCenter.
//!
//! `cargo bench -p upstra-daemon --bench detection` prints the figures.
#![allow(clippy::unwrap_used)]

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use upstra_core::api::v1::LabSpec;
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::nut::DevFile;

const FLIPS: usize = 20;
const IDLE: Duration = Duration::from_secs(30);

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    let ticks: f64 = fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn upsd_status(conn: &mut (BufReader<TcpStream>, TcpStream)) -> String {
    conn.1.write_all(b"GET VAR ups2 ups.status\n").unwrap();
    let mut line = String::new();
    conn.0.read_line(&mut line).unwrap();
    line.split('"').nth(1).unwrap_or_default().to_owned()
}

#[tokio::main]
async fn main() {
    let Some(peers) = support::peers("detection") else {
        return;
    };
    let g = |k: &str| peers.get(k).to_owned();
    let nut = format!(
        "{}:{}",
        g("UPSTRA_PEER_NUT_HOST"),
        g("UPSTRA_PEER_NUT_PORT")
    );
    let fleet: Vec<String> = g("UPSTRA_PEER_REDFISH_FLEET_SYSTEMS")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let mut lab = format!(
        "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"u1\"\nroom = \"lab\"\nnut = \"ups1@{nut}\"\n\
         [[ups]]\nname = \"u2\"\nroom = \"lab\"\nnut = \"ups2@{nut}\"\n\
         [vcenter]\nurl = \"{}\"\nuser = \"{}\"\ntls_fingerprint = \"{}\"\n\
         [[server]]\nname = \"ilo\"\nroom = \"lab\"\nfeeds = [\"u1\"]\nbmc = {{ url = \"{}/redfish/v1/Systems/1\", user = \"{}\", tls_fingerprint = \"{}\" }}\n",
        g("UPSTRA_PEER_VCSIM_URL"),
        g("UPSTRA_PEER_VCSIM_USER"),
        g("UPSTRA_PEER_VCSIM_TLS_FINGERPRINT"),
        g("UPSTRA_PEER_REDFISH_HTTPS_URL"),
        g("UPSTRA_PEER_REDFISH_USER"),
        g("UPSTRA_PEER_REDFISH_TLS_FINGERPRINT"),
    );
    // Nine more BMCs: the eight fleet systems, one of them twice.
    for i in 0..9 {
        lab.push_str(&format!(
            "[[server]]\nname = \"srv-{i}\"\nroom = \"lab\"\nfeeds = [\"u2\"]\nbmc = {{ url = \"{}/redfish/v1/Systems/{}\", user = \"{}\" }}\n",
            g("UPSTRA_PEER_REDFISH_HTTP_URL"), fleet[i % fleet.len()], g("UPSTRA_PEER_REDFISH_USER")
        ));
    }
    let mut doc = parse(&lab, &KnownNames::default()).unwrap();
    let rf = Secret::new(g("UPSTRA_PEER_REDFISH_PASSWORD"));
    let servers: Vec<_> = doc.inventory.servers.keys().cloned().collect();
    for s in servers {
        doc.fill_secret(&SecretSlot::Bmc(s), rf.clone());
    }
    doc.fill_secret(
        &SecretSlot::VCenter,
        Secret::new(g("UPSTRA_PEER_VCSIM_PASSWORD")),
    );

    let daemon = support::start(|_| {}).await;
    let (c, token) = (daemon.client.clone(), daemon.token.clone());
    let ctx = tarpc::context::current;
    c.apply(ctx(), token.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();
    let sync = c.sync(ctx(), token.clone()).await.unwrap().unwrap();
    println!(
        "lab: {} UPS, {} BMCs read, {} VMs; problems: {:?}",
        sync.ups_read, sync.servers_read, sync.vms, sync.problems
    );

    // Idle CPU, with the default intervals (UPS every 1 s, BMCs and vCenter every 60 s).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (cpu0, wall0) = (cpu_seconds(), Instant::now());
    tokio::time::sleep(IDLE).await;
    let cpu = cpu_seconds() - cpu0;
    let wall = wall0.elapsed().as_secs_f64();
    println!(
        "idle CPU over {:.0} s: {:.3} s of CPU = {:.2} % of one core",
        wall,
        cpu,
        100.0 * cpu / wall
    );

    // Detection latency.
    let stream = TcpStream::connect(&nut).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .unwrap();
    let mut upsd = (BufReader::new(stream.try_clone().unwrap()), stream);
    let dev = DevFile::open(g("UPSTRA_PEER_NUT_DIR").as_ref(), "ups2");
    let mut cursor = c
        .events_since(ctx(), token.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap()
        .next_cursor;
    let mut latencies = Vec::new();
    for i in 0..FLIPS {
        let status = if i % 2 == 0 { "OB DISCHRG" } else { "OL" };
        dev.set(&[("ups.status", status)]);
        let upsd_saw = loop {
            if upsd_status(&mut upsd) == status {
                break Instant::now();
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let event_at = loop {
            let mut long = ctx();
            long.deadline = std::time::Instant::now() + Duration::from_secs(15);
            let page = c
                .events_since(long, token.clone(), cursor, 10_000)
                .await
                .unwrap()
                .unwrap();
            let now = Instant::now();
            cursor = page.next_cursor;
            if page.events.iter().any(|e| matches!(&e.event, DomainEvent::UpsStatusChanged { ups, to, .. } if ups.as_str() == "u2" && to == status)) {
                break now;
            }
        };
        latencies.push(event_at.saturating_duration_since(upsd_saw));
    }
    drop(dev);
    latencies.sort();
    let pick = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize];
    println!(
        "detection latency, upsd report -> daemon event, {FLIPS} flips: median {:?}  p99 {:?}  max {:?}",
        pick(0.5),
        pick(0.99),
        latencies[latencies.len() - 1]
    );
    daemon.stop().await;
}
