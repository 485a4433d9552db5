//! Issue 5's makespan benchmark, against the real peers (`tests/peers/start.sh`; set
//! UPSTRA_PEERS_ENV): a lab of 20 vcsim hosts in two clusters with 200 VMs, one Redfish BMC
//! per host, cluster 0 fed by the harness's ups1 and cluster 1 by ups2. ups1 goes on battery;
//! the shed moves its 100 VMs and shuts its 10 hosts down; mains returns and the restore puts
//! everything back. For both runs it prints the makespan, the critical path of the steps as
//! they actually ran (the longest chain of dependencies, with each step's measured duration),
//! their ratio (goal ≤ 1.25), and the sum of the step durations: what running the same steps
//! one at a time would take.
//!
//! `cargo bench -p upstra-daemon --bench outage`
#![allow(clippy::unwrap_used)]

mod support;

use std::time::{Duration, Instant};

use upstra_core::api::v1::{LabSpec, RunView, SessionToken, UpstraClient};
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::lab::{LabFile, OwnLab, Size};
use upstra_tests::nut::DevFile;

/// The longest chain of dependencies with the measured durations, in ms.
fn critical_path_ms(run: &RunView) -> u64 {
    let mut finish: Vec<u64> = Vec::with_capacity(run.plan.steps.len());
    for s in &run.plan.steps {
        let start = s
            .after
            .iter()
            .map(|n| finish[(*n - 1) as usize])
            .max()
            .unwrap_or(0);
        finish.push(start + s.took_ms.unwrap_or(0));
    }
    finish.into_iter().max().unwrap_or(0)
}

fn report(what: &str, run: &RunView) {
    let makespan = run
        .ended_at
        .map(|e| e.millis() - run.started_at.millis())
        .unwrap() as u64;
    let critical = critical_path_ms(run);
    let serial: u64 = run.plan.steps.iter().filter_map(|s| s.took_ms).sum();
    let kinds = |k: &str| {
        run.plan
            .steps
            .iter()
            .filter(|s| s.kind.as_str() == k)
            .count()
    };
    println!(
        "{what}: {} steps ({} migrations, {} hosts), {}; makespan {:.1} s, critical path {:.1} s \
         (ratio {:.2}), one at a time {:.1} s ({:.1}x the makespan); predicted {} s",
        run.plan.steps.len(),
        kinds("migrate_vm"),
        kinds("shutdown_server") + kinds("power_on_server"),
        run.summary(),
        makespan as f64 / 1000.0,
        critical as f64 / 1000.0,
        makespan as f64 / critical.max(1) as f64,
        serial as f64 / 1000.0,
        serial as f64 / makespan.max(1) as f64,
        run.plan.makespan_s,
    );
}

async fn wait_run(c: &UpstraClient, t: &SessionToken, cursor: &mut u64, kind: &str) -> RunView {
    loop {
        let mut long = tarpc::context::current();
        long.deadline = Instant::now() + Duration::from_secs(15);
        let page = c
            .events_since(long, t.clone(), *cursor, 10_000)
            .await
            .unwrap()
            .unwrap();
        *cursor = page.next_cursor;
        if page.events.iter().any(
            |e| matches!(&e.event, DomainEvent::RunEnded { plan, .. } if plan.as_str() == kind),
        ) {
            let status = c
                .plan_status(tarpc::context::current(), t.clone())
                .await
                .unwrap()
                .unwrap();
            return status
                .recent
                .into_iter()
                .find(|r| r.plan.kind.as_str() == kind)
                .unwrap();
        }
    }
}

#[tokio::main]
async fn main() {
    let Some(peers) = support::peers("outage") else {
        return;
    };
    let started = Instant::now();
    let own = OwnLab::start(
        &peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 10,
            vms_per_cluster: 100,
        },
    );
    println!(
        "lab: {} hosts, {} VMs, {} BMCs (up in {:.1} s)",
        own.hosts.iter().map(Vec::len).sum::<usize>(),
        own.vms.len(),
        own.systems.len(),
        started.elapsed().as_secs_f64()
    );
    let nut = format!(
        "{}:{}",
        peers.get("UPSTRA_PEER_NUT_HOST"),
        peers.get("UPSTRA_PEER_NUT_PORT")
    );
    let mut doc = parse(
        &own.lab_file(&LabFile {
            nut: &nut,
            grace_s: 2,
            restore_after_s: 2,
            pinned: None,
            tiered: false,
            // vcsim's hosts have 2 threads: allow enough vCPUs for its 1-vCPU VMs to move.
            plan: "vcpus_per_thread = 64",
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

    let daemon = support::start(|config| {
        config.ups_poll_interval = Duration::from_millis(250);
        config.sync_interval = Duration::from_secs(5);
        config.log = "warn".into();
    })
    .await;
    let (c, token) = (daemon.client.clone(), daemon.token.clone());
    let ctx = tarpc::context::current;
    let mut long = ctx();
    long.deadline = Instant::now() + Duration::from_secs(120);
    c.apply(long, token.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();
    loop {
        let mut long = ctx();
        long.deadline = Instant::now() + Duration::from_secs(120);
        let sync = c.sync(long, token.clone()).await.unwrap().unwrap();
        let ups = c.list_ups(ctx(), token.clone()).await.unwrap().unwrap();
        if sync.problems.is_empty()
            && sync.vms as usize >= own.vms.len()
            && ups
                .iter()
                .all(|u| u.status.as_deref().is_some_and(|s| !s.contains("OB")))
        {
            break;
        }
    }
    let mut cursor = 0;
    let shed = {
        let dev = DevFile::open(peers.get("UPSTRA_PEER_NUT_DIR").as_ref(), "ups1");
        dev.set(&[("ups.status", "OB DISCHRG")]);
        wait_run(&c, &token, &mut cursor, "shed").await
    };
    report("shed", &shed);
    let restore = wait_run(&c, &token, &mut cursor, "restore").await;
    report("restore", &restore);
    daemon.stop().await;
}
