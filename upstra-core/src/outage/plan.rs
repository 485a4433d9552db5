//! A plan: steps with dependencies, estimated durations and the schedule they predict.
//!
//! Steps are numbered in an order where every dependency comes first (`dep < id`), so one pass
//! in index order is a topological walk; [`Plan::check`] enforces it and the property tests
//! lean on it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ids::{RoomId, ServerId, UpsId, VmId};

use super::schedule::Schedule;

/// A step's place in its plan.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct StepId(pub u32);

impl StepId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for StepId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0 + 1)
    }
}

/// What a step does. Each names its target the way operators do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum StepAction {
    /// Live-migrate (vMotion) a VM.
    MigrateVm {
        vm: VmId,
        name: String,
        from: String,
        to: String,
        priority: i32,
    },
    /// Shut the guest down cleanly; power it off when it has not stopped within the timeout.
    StopVm {
        vm: VmId,
        name: String,
        host: String,
        priority: i32,
        guest_timeout_s: u64,
    },
    /// Put a hypervisor host into maintenance mode.
    EnterMaintenance {
        server: ServerId,
        host: String,
    },
    /// Shut a server down (vSphere when it can, else the BMC's GracefulShutdown), wait for Off,
    /// and force it off after the timeout when `force_off`.
    ShutdownServer {
        server: ServerId,
        host: Option<String>,
        off_timeout_s: u64,
        force_off: bool,
    },
    /// Power a server on through its BMC and wait for On. Power-on commands to servers of
    /// one room go out at least `stagger_s` apart (inrush current).
    PowerOnServer {
        server: ServerId,
        on_timeout_s: u64,
        /// The room whose power-on commands are spaced; absent from plans journaled before.
        #[serde(default)]
        room: Option<RoomId>,
        #[serde(default)]
        stagger_s: u64,
    },
    /// Wait until vCenter shows the host connected again.
    WaitConnected {
        server: ServerId,
        host: String,
        timeout_s: u64,
    },
    ExitMaintenance {
        server: ServerId,
        host: String,
    },
    /// Power a VM on, on `host` (moving it there first if it is elsewhere).
    StartVm {
        vm: VmId,
        name: String,
        host: String,
        priority: i32,
    },
    /// Ask a UPS to cut its output after `delay_s` and to restore it when mains returns: one
    /// of the shed's last steps, once every server it feeds is down. Sent once, never again.
    UpsOff {
        ups: UpsId,
        delay_s: u64,
    },
    /// Shut the daemon's own machine down (systemd), after everything else: the run goes on
    /// when the daemon starts again.
    ShutdownThisHost {
        server: ServerId,
    },
}

impl StepAction {
    /// A short, stable name for logs, estimates and filters.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::MigrateVm { .. } => "migrate_vm",
            Self::StopVm { .. } => "stop_vm",
            Self::EnterMaintenance { .. } => "enter_maintenance",
            Self::ShutdownServer { .. } => "shutdown_server",
            Self::PowerOnServer { .. } => "power_on_server",
            Self::WaitConnected { .. } => "wait_connected",
            Self::ExitMaintenance { .. } => "exit_maintenance",
            Self::StartVm { .. } => "start_vm",
            Self::UpsOff { .. } => "ups_off",
            Self::ShutdownThisHost { .. } => "shutdown_this_host",
        }
    }

    /// `server:NAME` or `vm:NAME`, as audit records name targets.
    pub fn target(&self) -> String {
        match self {
            Self::MigrateVm { name, .. }
            | Self::StopVm { name, .. }
            | Self::StartVm { name, .. } => {
                format!("vm:{name}")
            }
            Self::EnterMaintenance { server, .. }
            | Self::ShutdownServer { server, .. }
            | Self::PowerOnServer { server, .. }
            | Self::WaitConnected { server, .. }
            | Self::ExitMaintenance { server, .. }
            | Self::ShutdownThisHost { server } => format!("server:{server}"),
            Self::UpsOff { ups, .. } => format!("ups:{ups}"),
        }
    }

    /// The room whose power-on commands this step's must be spaced from, and by how much.
    pub fn power_on_stagger(&self) -> Option<(&RoomId, u64)> {
        match self {
            Self::PowerOnServer {
                room: Some(room),
                stagger_s,
                ..
            } if *stagger_s > 0 => Some((room, *stagger_s)),
            _ => None,
        }
    }

    /// The hosts whose migration slots the step takes (source and target of a vMotion).
    pub fn migration_hosts(&self) -> Option<[&str; 2]> {
        match self {
            Self::MigrateVm { from, to, .. } => Some([from.as_str(), to.as_str()]),
            _ => None,
        }
    }

    /// True for steps that stop something that runs: the ones a second send must never repeat.
    pub fn is_destructive(&self) -> bool {
        matches!(
            self,
            Self::StopVm { .. }
                | Self::ShutdownServer { .. }
                | Self::EnterMaintenance { .. }
                | Self::UpsOff { .. }
                | Self::ShutdownThisHost { .. }
        )
    }

    /// The steps that end a shed for the daemon's own machine and its UPS: they power the
    /// daemon off, so they come last and an operator's shed on mains leaves them out unless
    /// asked ([`Plan::without_last_out`]).
    pub fn is_last_out(&self) -> bool {
        matches!(self, Self::UpsOff { .. } | Self::ShutdownThisHost { .. })
    }
}

impl fmt::Display for StepAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MigrateVm { name, from, to, .. } => {
                write!(f, "migrate VM {name} from {from} to {to}")
            }
            Self::StopVm { name, host, .. } => write!(f, "shut down VM {name} on {host}"),
            Self::EnterMaintenance { server, .. } => {
                write!(f, "put {server} into maintenance mode")
            }
            Self::ShutdownServer { server, .. } => write!(f, "shut down server {server}"),
            Self::PowerOnServer { server, .. } => write!(f, "power on server {server}"),
            Self::WaitConnected { server, .. } => {
                write!(f, "wait for {server} to reconnect to vCenter")
            }
            Self::ExitMaintenance { server, .. } => {
                write!(f, "take {server} out of maintenance mode")
            }
            Self::StartVm { name, host, .. } => write!(f, "start VM {name} on {host}"),
            Self::UpsOff { ups, delay_s } => write!(
                f,
                "ask UPS {ups} to cut its output in {delay_s} s and restore it when mains returns"
            ),
            Self::ShutdownThisHost { server } => {
                write!(f, "shut down this host ({server}), where the daemon runs")
            }
        }
    }
}

/// A dependency: `step` must have finished first. With `needs`, a failed or skipped `step`
/// means this one is skipped too (a VM cannot go back to a host that did not come up);
/// without it, only the order matters (a host is shut down even when one of its VMs refused
/// to stop: the battery will not wait).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dep {
    pub step: StepId,
    pub needs: bool,
}

/// One step of a plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: StepId,
    pub action: StepAction,
    pub deps: Vec<Dep>,
    /// Expected duration, from the settings or earlier runs.
    pub estimate_s: u64,
    /// `estimate_s` was learned from earlier runs that did real work (otherwise configured
    /// or a default). Absent from plans journaled before it existed.
    #[serde(default)]
    pub estimate_learned: bool,
}

/// Shedding load before the batteries run out, or bringing it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    Shed,
    Restore,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shed => "shed",
            Self::Restore => "restore",
        }
    }
}

/// Something the planner left out, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanNote {
    /// `server:NAME`, `vm:NAME` or `ups:NAME`.
    pub target: String,
    pub message: String,
}

/// A plan and what it is expected to take.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub kind: PlanKind,
    pub steps: Vec<Step>,
    /// Live migrations at once per host.
    pub migrations_per_host: u32,
    pub schedule: Schedule,
    pub notes: Vec<PlanNote>,
    /// How the VMs of servers with preferred targets (`migrate_to`) were placed, and why a
    /// preferred host was passed over. Absent from plans journaled before it existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preferred: Vec<super::preferred::PreferredChoice>,
}

/// Why a plan is not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("step {0} is numbered {1}")]
    Misnumbered(usize, StepId),
    #[error("step {step} depends on {dep}, which does not come before it")]
    ForwardDependency { step: StepId, dep: StepId },
}

impl Plan {
    pub fn empty(kind: PlanKind, migrations_per_host: u32) -> Self {
        Self {
            kind,
            steps: Vec::new(),
            migrations_per_host,
            schedule: Schedule::default(),
            notes: Vec::new(),
            preferred: Vec::new(),
        }
    }

    pub fn step(&self, id: StepId) -> Option<&Step> {
        self.steps.get(id.index())
    }

    /// When the first UPS cuts its output, in seconds from the start of the run, as the
    /// schedule predicts: its command's start plus its delay. `None` without such a step.
    pub fn output_cut_s(&self) -> Option<u64> {
        self.steps
            .iter()
            .filter_map(|s| match s.action {
                StepAction::UpsOff { delay_s, .. } => Some(
                    self.schedule
                        .start_s
                        .get(s.id.index())
                        .copied()
                        .unwrap_or(0)
                        .saturating_add(delay_s),
                ),
                _ => None,
            })
            .min()
    }

    /// How long the battery must last for this plan: until its last step ends, or until the
    /// UPS cuts its output when that comes later.
    pub fn needs_battery_s(&self) -> u64 {
        self.output_cut_s().map_or(self.schedule.makespan_s, |cut| {
            cut.max(self.schedule.makespan_s)
        })
    }

    /// The plan without this host's shutdown and the UPS-off commands (an operator's shed on
    /// mains that did not ask for them), saying so in a note. They are the plan's last steps
    /// and nothing else depends on them, so the numbering stays valid.
    pub fn without_last_out(mut self, note: &str) -> Self {
        let before = self.steps.len();
        self.steps.retain(|s| !s.action.is_last_out());
        if self.steps.len() != before {
            self.schedule = super::schedule::schedule(&self.steps, self.migrations_per_host);
            self.notes.push(PlanNote {
                target: "this_host".into(),
                message: note.to_owned(),
            });
        }
        self
    }

    /// Checks the numbering invariant: step `i` has id `i` and depends only on earlier steps.
    pub fn check(&self) -> Result<(), PlanError> {
        for (i, step) in self.steps.iter().enumerate() {
            if step.id.index() != i {
                return Err(PlanError::Misnumbered(i, step.id));
            }
            if let Some(dep) = step.deps.iter().find(|d| d.step >= step.id) {
                return Err(PlanError::ForwardDependency {
                    step: step.id,
                    dep: dep.step,
                });
            }
        }
        Ok(())
    }
}

/// Builds a plan's steps, numbering them and keeping dependencies pointing backwards.
#[derive(Debug, Default)]
pub(super) struct StepList {
    pub steps: Vec<Step>,
}

impl StepList {
    pub fn push(&mut self, action: StepAction, deps: Vec<Dep>, estimate_s: u64) -> StepId {
        let id = StepId(u32::try_from(self.steps.len()).unwrap_or(u32::MAX));
        let mut deps = deps;
        deps.sort_by_key(|d| d.step);
        deps.dedup_by_key(|d| d.step);
        self.steps.push(Step {
            id,
            action,
            deps,
            estimate_s,
            estimate_learned: false,
        });
        id
    }
}

/// Dependencies on each of `steps`, order only.
pub(super) fn after(steps: &[StepId]) -> Vec<Dep> {
    steps
        .iter()
        .map(|&step| Dep { step, needs: false })
        .collect()
}

/// Dependencies on each of `steps` that must have succeeded.
pub(super) fn needs(steps: &[StepId]) -> Vec<Dep> {
    steps
        .iter()
        .map(|&step| Dep { step, needs: true })
        .collect()
}
