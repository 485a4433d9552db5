//! The cost of a `/metrics` scrape on a large lab: 1,000 servers, 10,000 VMs on their hosts
//! and 10 UPS declared, every server and UPS read, and the counters and histograms a day of
//! calls, peer reads and an outage leave behind.
//!
//! The lab is the daemon's in-memory state, filled directly (as the monitor would after a
//! sync): what a scrape costs does not depend on where the readings came from. Printed: the
//! exposition's size and series count, the time to render it (p50 and max of repeated
//! renders), and the time of a whole scrape over HTTP through the daemon's own listener.
//! Targets (issue 13): under 50 ms and under 2 MB. No assertion: figures to read.
//!
//! `cargo bench -p upstra-daemon --bench metrics`
#![allow(clippy::unwrap_used)]

use std::io::{Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use upstra_core::api::v1::Method;
use upstra_core::ids::{ServerId, UpsId, VmId};
use upstra_core::lab::{KnownNames, parse};
use upstra_core::model::{Vm, VmPower};
use upstra_core::state::{Health, PowerState, ServerLive, UpsFlag, UpsLive, UpsReading};
use upstra_daemon::config::Config;
use upstra_daemon::metrics::PeerKind;
use upstra_daemon::store::{KeySource, Store};

const UPS: usize = 10;
const SERVERS: usize = 1_000;
const VMS_PER_SERVER: usize = 10;
const RENDERS: usize = 30;
const SCRAPES: usize = 10;

/// A lab file of `SERVERS` hypervisors over `UPS` UPS in 10 rooms. Nothing in it is contacted.
fn lab_file() -> String {
    let mut t = String::new();
    for r in 0..10 {
        t.push_str(&format!("[[room]]\nname = \"room-{r}\"\n"));
    }
    for u in 0..UPS {
        t.push_str(&format!(
            "[[ups]]\nname = \"ups-{u:02}\"\nroom = \"room-{u}\"\nnut = \"ups{u}@127.0.0.1:9\"\n"
        ));
    }
    t.push_str("[vcenter]\nurl = \"https://127.0.0.1:9/sdk\"\nuser = \"bench\"\n");
    for s in 0..SERVERS {
        t.push_str(&format!(
            "[[server]]\nname = \"esx-{s:04}\"\nroom = \"room-{}\"\nkind = \"hypervisor\"\n\
             feeds = [\"ups-{:02}\"]\nvsphere_host = \"host-{s:04}.lab\"\n\
             bmc = {{ url = \"http://127.0.0.1:9/redfish/v1/Systems/{s}\", user = \"admin\" }}\n",
            s % 10,
            s % UPS
        ));
    }
    t
}

fn fill(shared: &upstra_daemon::Shared) {
    let now = upstra_daemon::clock::now();
    shared.live().ups_mut(|ups| {
        for u in 0..UPS {
            ups.insert(
                UpsId::new(format!("ups-{u:02}")).unwrap(),
                UpsLive::Reading {
                    reading: UpsReading {
                        flags: vec![UpsFlag::Ol, UpsFlag::Chrg],
                        charge_pct: Some(97.0),
                        runtime_s: Some(1800),
                        load_pct: Some(41.0),
                        input_voltage: Some(230.5),
                    },
                    at: now,
                },
            );
        }
    });
    shared.live().servers_mut(|servers| {
        for s in 0..SERVERS {
            servers.insert(
                ServerId::new(format!("esx-{s:04}")).unwrap(),
                ServerLive {
                    power: PowerState::On,
                    health: if s % 50 == 0 {
                        Health::Warning
                    } else {
                        Health::Ok
                    },
                    watts: Some(180.0 + (s % 120) as f32),
                    in_maintenance: Some(false),
                    connected: Some(true),
                },
            );
        }
    });
    shared.live().vms_mut(|vms| {
        for s in 0..SERVERS {
            for v in 0..VMS_PER_SERVER {
                let id = VmId::new(format!("vm-{s:04}-{v}")).unwrap();
                vms.insert(
                    id.clone(),
                    Vm {
                        id,
                        name: format!("guest {s}/{v}"),
                        host: Some(format!("host-{s:04}.lab")),
                        power: match v % 5 {
                            0 => VmPower::PoweredOff,
                            4 => VmPower::Suspended,
                            _ => VmPower::PoweredOn,
                        },
                        cpus: 2,
                        memory_mib: 4096,
                    },
                );
            }
        }
    });
}

/// The counters and histograms: every method called, every peer read, a shed's steps.
fn events(shared: &upstra_daemon::Shared) {
    let m = shared.metrics();
    for method in Method::ALL {
        m.rpc(method.name(), None, Duration::from_micros(150));
    }
    m.rpc(
        "login",
        Some(&upstra_core::api::v1::ApiError::BadCredentials),
        Duration::from_millis(80),
    );
    for u in 0..UPS {
        m.peer_read(
            PeerKind::Ups,
            &format!("ups-{u:02}"),
            true,
            Duration::from_millis(2),
        );
    }
    for s in 0..SERVERS {
        m.peer_read(
            PeerKind::Bmc,
            &format!("esx-{s:04}"),
            s % 100 != 0,
            Duration::from_millis(30),
        );
    }
    m.peer_read(
        PeerKind::Vcenter,
        "vcenter",
        true,
        Duration::from_millis(400),
    );
    for kind in [
        "migrate_vm",
        "stop_vm",
        "enter_maintenance",
        "shutdown_server",
        "power_on_server",
    ] {
        for outcome in ["done", "failed"] {
            m.step_ended(kind, outcome, Duration::from_secs(20));
        }
    }
    m.run_ended("shed", "finished");
    m.run_ended("restore", "finished");
}

fn scrape(port: u16) -> (Duration, usize) {
    let started = Instant::now();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: bench\r\n\r\n")
        .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    (started.elapsed(), raw.len())
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();
    let config = Config {
        data_dir: dir.path().join("data"),
        ..Config::default()
    };
    let store = Store::open(&config.data_dir, &KeySource::locate(&config.data_dir, None)).unwrap();
    let inventory = parse(&lab_file(), &KnownNames::default())
        .unwrap()
        .inventory;
    let (shared, _inbox) = upstra_daemon::Shared::new(
        config,
        store.clone(),
        inventory,
        upstra_daemon::live::EventLog::default(),
    );
    let shared = Arc::new(shared);
    fill(&shared);
    events(&shared);

    let body = shared.metrics().render(&shared);
    let series = body.lines().filter(|l| !l.starts_with('#')).count();
    println!(
        "lab: {SERVERS} servers, {} VMs, {UPS} UPS; exposition {:.2} MB ({} bytes), {series} series (target < 2 MB)",
        SERVERS * VMS_PER_SERVER,
        body.len() as f64 / 1e6,
        body.len()
    );
    let mut took: Vec<Duration> = (0..RENDERS)
        .map(|_| {
            let t = Instant::now();
            std::hint::black_box(shared.metrics().render(&shared));
            t.elapsed()
        })
        .collect();
    took.sort();
    println!(
        "render, {RENDERS} times: p50 {:.1} ms  max {:.1} ms (target < 50 ms)",
        took[RENDERS / 2].as_secs_f64() * 1e3,
        took[RENDERS - 1].as_secs_f64() * 1e3
    );

    let listener = upstra_daemon::metrics::bind("127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let stop = tokio_util::sync::CancellationToken::new();
    let server = tokio::spawn(upstra_daemon::metrics::serve(
        listener,
        shared.clone(),
        stop.clone(),
    ));
    let mut scrapes =
        tokio::task::spawn_blocking(move || (0..SCRAPES).map(|_| scrape(port)).collect::<Vec<_>>())
            .await
            .unwrap();
    scrapes.sort();
    println!(
        "scrape over HTTP, {SCRAPES} times: p50 {:.1} ms  max {:.1} ms, {} bytes on the wire (target < 50 ms)",
        scrapes[SCRAPES / 2].0.as_secs_f64() * 1e3,
        scrapes[SCRAPES - 1].0.as_secs_f64() * 1e3,
        scrapes[0].1
    );
    stop.cancel();
    let _ = server.await;
    drop(shared);
    store.close().await;
}
