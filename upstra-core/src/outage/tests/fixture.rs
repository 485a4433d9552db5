//! A small lab builder for the tests: rooms, UPS, hypervisors with capacity, VMs.

use std::collections::BTreeMap;

use crate::ids::{RoomId, ServerId, UpsId, VmId};
use crate::model::{
    BmcEndpoint, Credentials, HttpUrl, Inventory, NutEndpoint, Room, Server, ServerKind, TlsTrust,
    Ups, Vm, VmPower,
};
use crate::outage::{
    Before, FeedHealth, JournalEntry, LabState, Plan, StepAction, StepEstimates, StepState,
    VmPolicy,
};
use crate::state::{PowerState, ServerLive};
use crate::traits::{HostCapacity, HostInfo};

pub struct Lab {
    pub inventory: Inventory,
    pub state: LabState,
}

pub fn ups(name: &str) -> UpsId {
    UpsId::new(name).expect("ups name")
}

pub fn sid(name: &str) -> ServerId {
    ServerId::new(name).expect("server name")
}

impl Lab {
    /// The journal of `shed` with every step in `state`, and the before-states this lab had.
    pub fn journal(&self, shed: &Plan, state: impl Fn(usize) -> StepState) -> Vec<JournalEntry> {
        shed.steps
            .iter()
            .enumerate()
            .map(|(i, step)| {
                let before = match &step.action {
                    StepAction::MigrateVm { vm, .. } | StepAction::StopVm { vm, .. } => self
                        .state
                        .vms
                        .iter()
                        .find(|v| &v.id == vm)
                        .map(|v| Before::Vm {
                            host: v.host.clone(),
                            power: v.power,
                        }),
                    StepAction::EnterMaintenance { server, .. }
                    | StepAction::ShutdownServer { server, .. } => {
                        self.state.servers.get(server).map(|s| Before::Server {
                            power: s.power,
                            in_maintenance: s.in_maintenance,
                        })
                    }
                    _ => None,
                };
                JournalEntry {
                    step: step.clone(),
                    state: state(i),
                    before,
                }
            })
            .collect()
    }

    pub fn new(ups_names: &[&str]) -> Self {
        let mut inventory = Inventory::default();
        let room = RoomId::new("room").expect("room");
        inventory
            .rooms
            .insert(room.clone(), Room::new(room.clone()));
        let mut state = LabState::default();
        for u in ups_names {
            inventory.ups.insert(
                ups(u),
                Ups {
                    id: ups(u),
                    room: room.clone(),
                    source: crate::model::UpsSource::Nut(
                        NutEndpoint::parse(&format!("{u}@127.0.0.1")).expect("nut"),
                    ),
                    login: None,
                    policy: Default::default(),
                },
            );
            state.feeds.insert(ups(u), FeedHealth::Healthy);
        }
        Self { inventory, state }
    }

    /// A hypervisor `name` (vSphere host `name`) fed by `feeds`, with `memory_gib` and 8 threads.
    pub fn host(&mut self, name: &str, feeds: &[&str], memory_gib: u64) -> &mut Self {
        self.server(name, ServerKind::Hypervisor, feeds, 1);
        self.state.hosts.push(HostInfo {
            name: name.to_owned(),
            cluster: Some("c1".into()),
            connected: true,
            in_maintenance: false,
            capacity: Some(HostCapacity {
                cpu_threads: 8,
                memory_mib: memory_gib * 1024,
            }),
        });
        self
    }

    pub fn server(&mut self, name: &str, kind: ServerKind, feeds: &[&str], tier: u32) -> &mut Self {
        let id = sid(name);
        let room = RoomId::new("room").expect("room");
        self.inventory.servers.insert(
            id.clone(),
            Server {
                id: id.clone(),
                room,
                kind,
                feeds: feeds.iter().map(|f| ups(f)).collect(),
                feeds_required: 1,
                tier,
                depends_on: Vec::new(),
                migrate_to: Vec::new(),
                vsphere_host: (kind == ServerKind::Hypervisor).then(|| name.to_owned()),
                bmc: Some(BmcEndpoint {
                    url: HttpUrl::parse("https://bmc/redfish/v1/Systems/1").expect("url"),
                    login: Credentials {
                        user: "admin".into(),
                        password: None,
                    },
                    tls: TlsTrust::Unpinned,
                }),
                ssh: None,
                this_host: false,
            },
        );
        self.state.servers.insert(
            id,
            ServerLive {
                power: PowerState::On,
                in_maintenance: Some(false),
                connected: Some(true),
                ..ServerLive::default()
            },
        );
        self
    }

    /// Declares how many feeds `server` needs.
    pub fn feeds_required(&mut self, server: &str, n: u8) -> &mut Self {
        if let Some(s) = self.inventory.servers.get_mut(&sid(server)) {
            s.feeds_required = n;
        }
        self
    }

    /// Marks `server` as the machine the daemon runs on.
    pub fn this_host(&mut self, server: &str) -> &mut Self {
        if let Some(s) = self.inventory.servers.get_mut(&sid(server)) {
            s.this_host = true;
        }
        self
    }

    /// Declares `server`'s preferred migration targets, in order.
    pub fn prefers(&mut self, server: &str, targets: &[&str]) -> &mut Self {
        if let Some(s) = self.inventory.servers.get_mut(&sid(server)) {
            s.migrate_to = targets.iter().map(|t| sid(t)).collect();
        }
        self
    }

    pub fn depends(&mut self, server: &str, on: &str) -> &mut Self {
        if let Some(s) = self.inventory.servers.get_mut(&sid(server)) {
            s.depends_on.push(sid(on));
        }
        self
    }

    pub fn vm(&mut self, name: &str, host: &str, memory_gib: u64) -> &mut Self {
        self.vm_with(name, host, memory_gib, VmPower::PoweredOn)
    }

    pub fn vm_with(
        &mut self,
        name: &str,
        host: &str,
        memory_gib: u64,
        power: VmPower,
    ) -> &mut Self {
        let n = self.state.vms.len();
        self.state.vms.push(Vm {
            id: VmId::new(format!("vm-{n}")).expect("vm id"),
            name: name.to_owned(),
            host: Some(host.to_owned()),
            power,
            cpus: 2,
            memory_mib: memory_gib * 1024,
        });
        self
    }

    pub fn policy(&mut self, vm: &str, priority: i32, migrate: bool) -> &mut Self {
        self.inventory
            .vm_policies
            .insert(vm.to_owned(), VmPolicy { priority, migrate });
        self
    }

    pub fn at_risk(&mut self, names: &[&str]) -> &mut Self {
        for n in names {
            self.state.feeds.insert(ups(n), FeedHealth::AtRisk);
        }
        self
    }

    pub fn plan(&self) -> Plan {
        let plan =
            crate::outage::shed_plan(&self.inventory, &self.state, &StepEstimates::default());
        plan.check().expect("well-formed plan");
        plan
    }
}

/// The steps as `kind target` lines, for readable table tests.
pub fn lines(plan: &Plan) -> Vec<String> {
    plan.steps
        .iter()
        .map(|s| {
            let deps: Vec<String> = s.deps.iter().map(|d| d.step.to_string()).collect();
            let what = match &s.action {
                StepAction::MigrateVm { name, to, .. } => format!("migrate {name} -> {to}"),
                other => other.to_string(),
            };
            if deps.is_empty() {
                format!("{} {what}", s.id)
            } else {
                format!("{} {what} after {}", s.id, deps.join(","))
            }
        })
        .collect()
}

/// Memory moved onto each host by a plan's migrations.
pub fn moved_in(plan: &Plan, lab: &Lab) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for s in &plan.steps {
        if let StepAction::MigrateVm { vm, to, .. } = &s.action
            && let Some(v) = lab.state.vms.iter().find(|v| &v.id == vm)
        {
            *out.entry(to.clone()).or_default() += v.memory_mib;
        }
    }
    out
}
