//! The lab's gauges, read from the live state at scrape time: each lock is held only while
//! its map is copied into plain numbers, never while text is written.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet};
use prometheus_client::metrics::MetricType;
use upstra_core::model::VmPower;
use upstra_core::outage::PlanKind;
use upstra_core::state::{Health, PowerState, UpsFlag, UpsLive};

use super::{PeerKind, lock};
use crate::Shared;

/// The `ups.status` flags shown, each 0 or 1. A flag this version does not know is left out
/// (its text comes from the UPS and would make the label set open-ended).
const FLAGS: [UpsFlag; 14] = [
    UpsFlag::Ol,
    UpsFlag::Ob,
    UpsFlag::Lb,
    UpsFlag::Hb,
    UpsFlag::Rb,
    UpsFlag::Chrg,
    UpsFlag::Dischrg,
    UpsFlag::Bypass,
    UpsFlag::Cal,
    UpsFlag::Off,
    UpsFlag::Over,
    UpsFlag::Trim,
    UpsFlag::Boost,
    UpsFlag::Fsd,
];

const POWER_STATES: [PowerState; 5] = [
    PowerState::On,
    PowerState::Off,
    PowerState::PoweringOn,
    PowerState::PoweringOff,
    PowerState::Unknown,
];

const HEALTHS: [Health; 4] = [
    Health::Ok,
    Health::Warning,
    Health::Critical,
    Health::Unknown,
];

/// The phases of a UPS's watch (`upstra_core::outage::WatchPhase`), as `plan status` names them.
const PHASES: [&str; 6] = [
    "online",
    "on_battery",
    "self_test",
    "triggered",
    "power_back",
    "restoring",
];

const RUN_KINDS: [PlanKind; 2] = [PlanKind::Shed, PlanKind::Restore];

fn health_name(h: Health) -> &'static str {
    match h {
        Health::Ok => "ok",
        Health::Warning => "warning",
        Health::Critical => "critical",
        Health::Unknown => "unknown",
    }
}

/// The collector; lives for one scrape.
pub(super) struct Lab(pub Arc<Shared>);

impl std::fmt::Debug for Lab {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lab")
    }
}

/// One gauge family: its name, help and the series under it.
struct Gauge<L> {
    name: &'static str,
    help: &'static str,
    series: Vec<(L, f64)>,
}

fn gauge<L: EncodeLabelSet>(
    name: &'static str,
    help: &'static str,
    series: Vec<(L, f64)>,
) -> Gauge<L> {
    Gauge { name, help, series }
}

impl<L: EncodeLabelSet> Gauge<L> {
    fn encode(&self, encoder: &mut DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let mut metric =
            encoder.encode_descriptor(self.name, self.help, None, MetricType::Gauge)?;
        for (labels, value) in &self.series {
            metric.encode_family(labels)?.encode_gauge(value)?;
        }
        Ok(())
    }
}

fn bit(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

impl Collector for Lab {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        let shared = &self.0;
        let inventory = shared.inventory();
        let metrics = &shared.metrics;

        gauge(
            "upstra_build_info",
            "The daemon's version; always 1",
            vec![([("version", env!("CARGO_PKG_VERSION"))], 1.0)],
        )
        .encode(&mut encoder)?;

        // UPS: the last reading of each declared UPS.
        let ups_live: Vec<(String, UpsLive)> = shared.live.ups(|live| {
            inventory
                .ups
                .keys()
                .filter_map(|id| live.get(id).map(|l| (id.to_string(), l.clone())))
                .collect()
        });
        let mut flags = Vec::new();
        let (mut charge, mut runtime, mut load, mut voltage, mut comms) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (ups, live) in &ups_live {
            let one = |v: f64| ([("ups", ups.as_str())], v);
            match live {
                UpsLive::Reading { reading, .. } => {
                    comms.push(one(1.0));
                    for flag in &FLAGS {
                        flags.push((
                            [("ups", ups.as_str()), ("flag", flag.as_str())],
                            bit(reading.has(flag)),
                        ));
                    }
                    charge.extend(reading.charge_pct.map(|v| one(f64::from(v))));
                    runtime.extend(reading.runtime_s.map(|v| one(v as f64)));
                    load.extend(reading.load_pct.map(|v| one(f64::from(v))));
                    voltage.extend(reading.input_voltage.map(|v| one(f64::from(v))));
                }
                UpsLive::CommsLost { .. } => comms.push(one(0.0)),
                UpsLive::Unknown => {}
            }
        }
        gauge(
            "upstra_ups_status",
            "Flags of the UPS's ups.status (OL, OB, LB, ...): 1 when set",
            flags,
        )
        .encode(&mut encoder)?;
        gauge("upstra_ups_charge_percent", "Battery charge", charge).encode(&mut encoder)?;
        gauge(
            "upstra_ups_runtime_seconds",
            "Battery runtime left, as the UPS estimates it",
            runtime,
        )
        .encode(&mut encoder)?;
        gauge("upstra_ups_load_percent", "Output load", load).encode(&mut encoder)?;
        gauge(
            "upstra_ups_input_voltage_volts",
            "Input (mains) voltage",
            voltage,
        )
        .encode(&mut encoder)?;
        gauge(
            "upstra_ups_comms_up",
            "1 while the UPS answers, 0 once communication is lost (after ups_dead_time)",
            comms,
        )
        .encode(&mut encoder)?;

        // Servers: power and health as state sets, watts where the BMC reports them.
        let servers: Vec<(String, PowerState, Health, Option<f32>)> = shared.live.servers(|live| {
            inventory
                .servers
                .keys()
                .map(|id| {
                    let l = live.get(id);
                    (
                        id.to_string(),
                        l.map_or(PowerState::Unknown, |l| l.power),
                        l.map_or(Health::Unknown, |l| l.health),
                        l.and_then(|l| l.watts),
                    )
                })
                .collect()
        });
        let mut power = Vec::with_capacity(servers.len() * POWER_STATES.len());
        let mut health = Vec::with_capacity(servers.len() * HEALTHS.len());
        let mut watts = Vec::new();
        for (server, p, h, w) in &servers {
            for state in POWER_STATES {
                power.push((
                    [("server", server.as_str()), ("state", state.as_str())],
                    bit(*p == state),
                ));
            }
            for state in HEALTHS {
                health.push((
                    [("server", server.as_str()), ("state", health_name(state))],
                    bit(*h == state),
                ));
            }
            watts.extend(w.map(|w| ([("server", server.as_str())], f64::from(w))));
        }
        gauge(
            "upstra_server_power_state",
            "A server's power as its BMC reports it: 1 for the current state",
            power,
        )
        .encode(&mut encoder)?;
        gauge(
            "upstra_server_health",
            "A server's health as its BMC reports it: 1 for the current state",
            health,
        )
        .encode(&mut encoder)?;
        gauge(
            "upstra_server_power_watts",
            "A server's power draw as its BMC reports it",
            watts,
        )
        .encode(&mut encoder)?;

        // VMs: counted per host and power state, never one series per VM.
        let vms: Vec<((String, &'static str), u64)> = shared.live.vms(|live| {
            // Counted on borrowed names: one allocation per host, not per VM.
            let mut counts: BTreeMap<(&str, &'static str), u64> = BTreeMap::new();
            for vm in live.values() {
                let host = vm.host.as_deref().unwrap_or_default();
                *counts.entry((host, VmPower::as_str(vm.power))).or_default() += 1;
            }
            counts
                .into_iter()
                .map(|((host, power), n)| ((host.to_owned(), power), n))
                .collect()
        });
        let vms = vms
            .iter()
            .map(|((host, power), n)| ([("host", host.as_str()), ("power", *power)], *n as f64))
            .collect();
        gauge(
            "upstra_vms",
            "VMs the vCenter reports, by host and power state",
            vms,
        )
        .encode(&mut encoder)?;

        // Peers: whether each one's last read succeeded, for those still declared.
        let declared_ups: HashSet<&str> = inventory.ups.keys().map(|u| u.as_str()).collect();
        let declared_servers: HashSet<&str> =
            inventory.servers.keys().map(|s| s.as_str()).collect();
        let up: Vec<((&'static str, String), bool)> = lock(&metrics.peer_up)
            .iter()
            .filter(|((kind, name), _)| match kind {
                PeerKind::Ups => declared_ups.contains(name.as_str()),
                PeerKind::Bmc => declared_servers.contains(name.as_str()),
                // The simulated lab reads its vCenter without declaring one.
                PeerKind::Vcenter => inventory.vcenter.is_some() || shared.simulated,
            })
            .map(|((kind, name), ok)| ((kind.as_str(), name.clone()), *ok))
            .collect();
        let up = up
            .iter()
            .map(|((kind, peer), ok)| ([("kind", *kind), ("peer", peer.as_str())], bit(*ok)))
            .collect();
        gauge(
            "upstra_peer_up",
            "1 when the monitor's last read of the peer succeeded",
            up,
        )
        .encode(&mut encoder)?;

        // The outage conductor's view.
        let outage = lock(&metrics.outage).clone();
        let mut phases = Vec::new();
        let mut needs = Vec::new();
        for ups in inventory.ups.keys() {
            let phase = outage.phases.get(ups).copied().unwrap_or("online");
            for p in PHASES {
                phases.push((
                    [("ups", ups.to_string()), ("phase", p.to_owned())],
                    bit(p == phase),
                ));
            }
            if let Some(s) = outage.needs_battery_s.get(ups) {
                needs.push(([("ups", ups.to_string())], *s as f64));
            }
        }
        gauge(
            "upstra_plan_phase",
            "The phase of each UPS's outage watch: 1 for the current one",
            phases,
        )
        .encode(&mut encoder)?;
        gauge(
            "upstra_plan_makespan_seconds",
            "How long the battery must last for the shed this UPS's outage triggers (its \
             predicted timeline, to the UPS's output cut when there is one), as last worked \
             out while the UPS was on battery",
            needs,
        )
        .encode(&mut encoder)?;
        let active = RUN_KINDS
            .iter()
            .map(|k| ([("kind", k.as_str())], bit(outage.active == Some(*k))))
            .collect();
        gauge(
            "upstra_plan_run_active",
            "1 while a run of this kind executes",
            active,
        )
        .encode(&mut encoder)?;
        Ok(())
    }
}
