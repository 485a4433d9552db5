//! `shed_plan()` and `restore_plan()` on a big site: 1,000 hypervisors on 4 UPS (one at risk) and
//! 10,000 VMs. Goal: `shed_plan()` within 20 ms. Prints min / median / max over the runs.
//!
//! `cargo bench -p upstra-core --bench plan`
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use upstra_core::ids::{RoomId, ServerId, UpsId, VmId};
use upstra_core::model::{Inventory, NutEndpoint, Room, Server, ServerKind, Ups, Vm, VmPower};
use upstra_core::outage::{
    Before, FeedHealth, JournalEntry, LabState, StepAction, StepEstimates, StepState, restore_plan,
    shed_plan,
};
use upstra_core::state::{PowerState, ServerLive};
use upstra_core::traits::{HostCapacity, HostInfo};

const HOSTS: usize = 1_000;
const VMS: usize = 10_000;
const UPS_COUNT: usize = 4;
const RUNS: usize = 30;

fn lab() -> (Inventory, LabState) {
    let mut inv = Inventory::default();
    let mut state = LabState::default();
    let room = RoomId::new("hall").unwrap();
    inv.rooms.insert(room.clone(), Room::new(room.clone()));
    let ups: Vec<UpsId> = (0..UPS_COUNT)
        .map(|i| UpsId::new(format!("ups-{i}")).unwrap())
        .collect();
    for (i, u) in ups.iter().enumerate() {
        inv.ups.insert(
            u.clone(),
            Ups {
                id: u.clone(),
                room: room.clone(),
                source: upstra_core::model::UpsSource::Nut(
                    NutEndpoint::parse(&format!("ups{i}@nut")).unwrap(),
                ),
                login: None,
                policy: Default::default(),
            },
        );
        let health = if i == 0 {
            FeedHealth::AtRisk
        } else {
            FeedHealth::Healthy
        };
        state.feeds.insert(u.clone(), health);
    }
    for h in 0..HOSTS {
        let name = format!("esx-{h:04}");
        let id = ServerId::new(&name).unwrap();
        inv.servers.insert(
            id.clone(),
            Server {
                id: id.clone(),
                room: room.clone(),
                kind: ServerKind::Hypervisor,
                feeds: vec![ups[h % UPS_COUNT].clone()],
                feeds_required: 1,
                tier: 1 + (h % 3) as u32,
                depends_on: Vec::new(),
                migrate_to: Vec::new(),
                vsphere_host: Some(name.clone()),
                bmc: None,
                ssh: None,
                this_host: false,
            },
        );
        state.servers.insert(
            id,
            ServerLive {
                power: PowerState::On,
                in_maintenance: Some(false),
                connected: Some(true),
                ..Default::default()
            },
        );
        state.hosts.push(HostInfo {
            name,
            cluster: Some(format!("cluster-{}", h % 10)),
            connected: true,
            in_maintenance: false,
            capacity: Some(HostCapacity {
                cpu_threads: 64,
                memory_mib: 512 * 1024,
            }),
        });
    }
    for v in 0..VMS {
        state.vms.push(Vm {
            id: VmId::new(format!("vm-{v}")).unwrap(),
            name: format!("guest-{v:05}"),
            host: Some(format!("esx-{:04}", v % HOSTS)),
            power: if v % 10 == 0 {
                VmPower::PoweredOff
            } else {
                VmPower::PoweredOn
            },
            cpus: 1 + (v % 8) as u32,
            memory_mib: 1024 * (1 + (v % 32) as u64),
        });
    }
    (inv, state)
}

fn report(what: &str, mut times: Vec<Duration>) {
    times.sort();
    println!(
        "{what}: min {:.2} ms  median {:.2} ms  max {:.2} ms  ({RUNS} runs)",
        times[0].as_secs_f64() * 1e3,
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let (inv, state) = lab();
    let estimates = StepEstimates::default();
    let mut shed_times = Vec::new();
    let mut shed = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        let p = shed_plan(&inv, &state, &estimates);
        shed_times.push(t.elapsed());
        shed = Some(p);
    }
    let shed = shed.unwrap();
    let count = |k: &str| shed.steps.iter().filter(|s| s.action.kind() == k).count();
    println!(
        "shed plan: {} steps ({} migrations, {} guest shutdowns, {} server shutdowns); predicted {} s, critical path {} s",
        shed.steps.len(),
        count("migrate_vm"),
        count("stop_vm"),
        count("shutdown_server"),
        shed.schedule.makespan_s,
        shed.schedule.critical_path_s
    );
    report(
        &format!("plan() for {HOSTS} hosts and {VMS} VMs"),
        shed_times,
    );

    let journal: Vec<JournalEntry> = shed
        .steps
        .iter()
        .map(|s| JournalEntry {
            step: s.clone(),
            state: StepState::Done,
            before: Some(match &s.action {
                StepAction::MigrateVm { from, .. } | StepAction::StopVm { host: from, .. } => {
                    Before::Vm {
                        host: Some(from.clone()),
                        power: VmPower::PoweredOn,
                    }
                }
                _ => Before::Server {
                    power: PowerState::On,
                    in_maintenance: Some(false),
                },
            }),
        })
        .collect();
    let mut restore_times = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let r = restore_plan(&journal, &inv, &estimates);
        restore_times.push(t.elapsed());
        std::hint::black_box(r);
    }
    report("restore_plan() of that shed", restore_times);
}
