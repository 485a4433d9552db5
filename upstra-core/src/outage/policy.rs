//! What an operator decides about outages, with the defaults an experienced operator would
//! pick: per UPS (when to act, when to come back), per VM (how much it matters, whether it may
//! move), and for the whole plan (limits, timeouts, how long steps take).
//!
//! These are plain data without secrets; they are stored as they are and travel on the wire
//! as they are (like events). Inbound copies are checked again with [`PlanSettings::problems`]
//! and [`UpsPolicy::problems`].

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// What to do when a UPS stops answering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "mode")]
pub enum CommsLostPolicy {
    /// Raise an alarm and wait: a dead network cable is not a power cut.
    Alarm,
    /// Shed load when the UPS has been silent this long.
    ActAfter { secs: u64 },
}

/// When a UPS's outage starts a shed and when its return starts a restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpsPolicy {
    /// On battery this long before acting: most cuts are shorter.
    pub grace_s: u64,
    /// Act at once on low battery (LB while on battery) or a forced shutdown (FSD).
    pub act_on_low_battery: bool,
    /// Act when the battery runtime left is at most the plan's estimated duration plus this.
    pub runtime_margin_s: u64,
    pub comms_lost: CommsLostPolicy,
    /// Mains must be back this long, without a dip, before a restore starts.
    pub restore_stable_s: u64,
    /// And the battery must hold at least this charge, so a second cut can be survived.
    pub restore_min_charge_pct: u8,
    /// Restore by itself once the above hold; otherwise an operator runs `plan restore`.
    pub auto_restore: bool,
    /// Whether the shed's last steps ask this UPS to cut its output and restore it when mains
    /// returns (so servers whose firmware waits for AC come back by themselves).
    pub ups_off: UpsOffPolicy,
    /// Added to this host's expected shutdown time to give the UPS's delay before the cut.
    pub ups_off_margin_s: u64,
    /// From the cut to this UPS's output being back once mains is on (its start delay,
    /// `ups.delay.start`, and the output settling): a restore while the daemon stayed up after
    /// `ups_off` waits this long past the cut, so no server is powered on onto an output about
    /// to drop.
    pub output_return_s: u64,
}

/// `ups_off` of a UPS policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpsOffPolicy {
    /// After every server it feeds is down: cut the output after a delay, restore it on mains.
    Return,
    /// Never touch the UPS's output: the default, since cutting it is drastic and must be
    /// chosen by the operator.
    #[default]
    Never,
}

impl UpsOffPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Return => "return",
            Self::Never => "never",
        }
    }
}

/// A UPS's delay before the cut is this host's shutdown plus at least this margin: disks
/// flush and the firmware parks them after systemd's last message.
pub const DEFAULT_UPS_OFF_MARGIN_S: u64 = 60;

/// A minute covers the start delay of the common units; one that takes longer must say so
/// (`output_return`), or a restore starts on an output that is still about to be cut.
pub const DEFAULT_OUTPUT_RETURN_S: u64 = 60;

impl Default for UpsPolicy {
    fn default() -> Self {
        Self {
            grace_s: 60,
            act_on_low_battery: true,
            runtime_margin_s: 120,
            comms_lost: CommsLostPolicy::Alarm,
            restore_stable_s: 120,
            restore_min_charge_pct: 30,
            auto_restore: true,
            ups_off: UpsOffPolicy::Never,
            ups_off_margin_s: DEFAULT_UPS_OFF_MARGIN_S,
            output_return_s: DEFAULT_OUTPUT_RETURN_S,
        }
    }
}

impl UpsPolicy {
    /// What is wrong with these values, in words for the operator.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.restore_min_charge_pct > 100 {
            out.push(format!(
                "restore_min_charge must be a percentage from 0 to 100, not {}",
                self.restore_min_charge_pct
            ));
        }
        if let CommsLostPolicy::ActAfter { secs: 0 } = self.comms_lost {
            out.push("comms_lost = \"act after 0s\" would act on one missed poll: give a delay of at least 1s".into());
        }
        out
    }
}

/// How much a VM matters, and whether it may be moved. Keyed by its vCenter name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct VmPolicy {
    /// Higher stops last and starts first. VMs not declared have 0.
    pub priority: i32,
    /// False pins the VM to its host (licences, passthrough devices): it is shut down instead.
    pub migrate: bool,
}

impl Default for VmPolicy {
    fn default() -> Self {
        Self {
            priority: 0,
            migrate: true,
        }
    }
}

/// How long each kind of step is expected to take, in seconds: configured, then replaced by
/// what earlier runs measured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StepEstimates {
    pub migrate_vm_s: u64,
    pub stop_vm_s: u64,
    pub enter_maintenance_s: u64,
    pub shutdown_server_s: u64,
    pub power_on_server_s: u64,
    pub wait_connected_s: u64,
    pub exit_maintenance_s: u64,
    pub start_vm_s: u64,
    /// Sending a UPS its off-and-return command (one short conversation with its server).
    pub ups_off_s: u64,
    /// The daemon's own host, from `systemctl poweroff` to power off: the UPS's delay
    /// before the cut is this plus the policy's margin.
    pub shutdown_this_host_s: u64,
    /// The kinds of step whose estimate was learned from earlier runs rather than
    /// configured. Set by the daemon from its journal only: never read from a lab file or a
    /// client, never stored with the settings.
    #[serde(skip)]
    pub learned: BTreeSet<String>,
    /// Learned figures of single targets, by kind and target (`server:NAME`, `vm:NAME`),
    /// in seconds: they replace the kind's estimate for that target. Set like `learned`.
    #[serde(skip)]
    pub learned_targets: BTreeMap<(String, String), u64>,
}

impl Default for StepEstimates {
    fn default() -> Self {
        Self {
            migrate_vm_s: 30,
            stop_vm_s: 60,
            enter_maintenance_s: 10,
            shutdown_server_s: 120,
            power_on_server_s: 180,
            wait_connected_s: 60,
            exit_maintenance_s: 10,
            start_vm_s: 30,
            ups_off_s: 5,
            shutdown_this_host_s: 120,
            learned: BTreeSet::new(),
            learned_targets: BTreeMap::new(),
        }
    }
}

/// Settings for every plan of the lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanSettings {
    /// Live migrations at once per host, as source or target (vSphere's own default is 4
    /// per host on a 1 GbE vMotion network).
    pub migrations_per_host: u32,
    /// Move VMs to hosts on healthy power when they fit; off means every VM is shut down.
    pub live_migrate: bool,
    /// A guest gets this long to shut down cleanly before it is powered off.
    pub guest_shutdown_timeout_s: u64,
    /// A server gets this long to reach Off after a graceful shutdown.
    pub server_off_timeout_s: u64,
    /// Power a server off hard when it did not shut down in time. Losing the battery
    /// mid-write is worse than a hard stop of an OS that ignored the shutdown.
    pub force_off: bool,
    /// A server gets this long to be On (and connected to vCenter) on restore.
    pub server_on_timeout_s: u64,
    /// Memory kept free on a target host, in percent of its capacity.
    pub memory_headroom_pct: u8,
    /// Virtual CPUs allowed per hardware thread on a target host.
    pub vcpus_per_thread: u32,
    pub estimates: StepEstimates,
    /// Hypervisors declared without feeds (on no UPS that Upstra manages) take migrated VMs.
    /// Off by default: such a host stays up through the outage, but whether its own power
    /// holds is unknown, and a VM moved there could lose its power with no shutdown at all.
    /// An operator who knows (another site's UPS, a generator) turns it on.
    pub migrate_to_hosts_without_ups: bool,
}

impl Default for PlanSettings {
    fn default() -> Self {
        Self {
            migrations_per_host: 4,
            live_migrate: true,
            guest_shutdown_timeout_s: 120,
            server_off_timeout_s: 300,
            force_off: true,
            server_on_timeout_s: 600,
            memory_headroom_pct: 10,
            vcpus_per_thread: 4,
            estimates: StepEstimates::default(),
            migrate_to_hosts_without_ups: false,
        }
    }
}

impl PlanSettings {
    /// What is wrong with these values, in words for the operator.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.migrations_per_host == 0 {
            out.push("migrations_per_host must be at least 1 (use live_migrate = false to never move VMs)".into());
        }
        if self.memory_headroom_pct >= 100 {
            out.push(format!(
                "memory_headroom must be below 100 %, not {}",
                self.memory_headroom_pct
            ));
        }
        if self.vcpus_per_thread == 0 {
            out.push("vcpus_per_thread must be at least 1".into());
        }
        out
    }
}
