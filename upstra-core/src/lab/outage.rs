//! The outage settings of a lab file: `policy` on a UPS, the `[plan]` table and `[[vm]]`
//! entries. Durations are written as `"90s"`, `"2m"`, `"1h 30m"` or a number of seconds.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::Checker;
use crate::outage::{
    CommsLostPolicy, PlanSettings, StepEstimates, UpsOffPolicy, UpsPolicy, VmPolicy,
};

/// A duration as written: seconds, or text with units.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawDuration {
    Secs(u64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawUpsPolicy {
    grace: Option<Spanned<RawDuration>>,
    act_on_low_battery: Option<bool>,
    runtime_margin: Option<Spanned<RawDuration>>,
    /// `"alarm"` or `"act after 5m"`.
    comms_lost: Option<Spanned<String>>,
    restore_after: Option<Spanned<RawDuration>>,
    restore_min_charge: Option<Spanned<i64>>,
    auto_restore: Option<bool>,
    /// `"return"` or `"never"`.
    ups_off: Option<Spanned<String>>,
    ups_off_margin: Option<Spanned<RawDuration>>,
    output_return: Option<Spanned<RawDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlan {
    migrations_per_host: Option<Spanned<i64>>,
    live_migrate: Option<bool>,
    guest_shutdown_timeout: Option<Spanned<RawDuration>>,
    server_off_timeout: Option<Spanned<RawDuration>>,
    force_off: Option<bool>,
    server_on_timeout: Option<Spanned<RawDuration>>,
    memory_headroom: Option<Spanned<i64>>,
    vcpus_per_thread: Option<Spanned<i64>>,
    estimates: Option<RawEstimates>,
    migrate_to_hosts_without_ups: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawEstimates {
    migrate_vm: Option<Spanned<RawDuration>>,
    stop_vm: Option<Spanned<RawDuration>>,
    enter_maintenance: Option<Spanned<RawDuration>>,
    shutdown_server: Option<Spanned<RawDuration>>,
    power_on_server: Option<Spanned<RawDuration>>,
    wait_connected: Option<Spanned<RawDuration>>,
    exit_maintenance: Option<Spanned<RawDuration>>,
    start_vm: Option<Spanned<RawDuration>>,
    ups_off: Option<Spanned<RawDuration>>,
    shutdown_this_host: Option<Spanned<RawDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawVm {
    name: Spanned<String>,
    priority: Option<Spanned<i64>>,
    migrate: Option<bool>,
}

impl Checker<'_> {
    pub(super) fn secs(
        &mut self,
        value: Option<Spanned<RawDuration>>,
        key: &str,
        default: u64,
    ) -> u64 {
        let Some(value) = value else {
            return default;
        };
        let span = value.span();
        match value.into_inner() {
            RawDuration::Secs(s) => s,
            RawDuration::Text(t) => match humantime::parse_duration(t.trim()) {
                Ok(d) => d.as_secs(),
                Err(_) => {
                    self.error(
                        span,
                        format!("{key}: `{t}` is not a duration; write it like \"90s\", \"2m\" or \"1h 30m\""),
                    );
                    default
                }
            },
        }
    }

    fn number(
        &mut self,
        value: Option<Spanned<i64>>,
        key: &str,
        range: std::ops::RangeInclusive<i64>,
        default: i64,
    ) -> i64 {
        let Some(value) = value else {
            return default;
        };
        let n = *value.get_ref();
        if range.contains(&n) {
            n
        } else {
            self.error(
                value.span(),
                format!(
                    "{key} must be from {} to {}, not {n}",
                    range.start(),
                    range.end()
                ),
            );
            default
        }
    }

    pub(super) fn ups_policy(&mut self, raw: Option<RawUpsPolicy>, ups: &str) -> UpsPolicy {
        let d = UpsPolicy::default();
        let Some(raw) = raw else {
            return d;
        };
        let what = |k: &str| format!("UPS `{ups}` policy {k}");
        let comms_lost = match raw.comms_lost {
            None => d.comms_lost,
            Some(text) => {
                let t = text.get_ref().trim().to_owned();
                if t == "alarm" {
                    CommsLostPolicy::Alarm
                } else if let Some(after) = t.strip_prefix("act after ") {
                    match humantime::parse_duration(after.trim()) {
                        Ok(d) if d.as_secs() >= 1 => {
                            CommsLostPolicy::ActAfter { secs: d.as_secs() }
                        }
                        _ => {
                            self.error(
                                text.span(),
                                format!(
                                    "{}: `{after}` is not a duration of at least 1s",
                                    what("comms_lost")
                                ),
                            );
                            d.comms_lost
                        }
                    }
                } else {
                    self.error(
                        text.span(),
                        format!(
                            "{}: write \"alarm\" or \"act after 5m\", not `{t}`",
                            what("comms_lost")
                        ),
                    );
                    d.comms_lost
                }
            }
        };
        UpsPolicy {
            grace_s: self.secs(raw.grace, &what("grace"), d.grace_s),
            act_on_low_battery: raw.act_on_low_battery.unwrap_or(d.act_on_low_battery),
            runtime_margin_s: self.secs(
                raw.runtime_margin,
                &what("runtime_margin"),
                d.runtime_margin_s,
            ),
            comms_lost,
            restore_stable_s: self.secs(
                raw.restore_after,
                &what("restore_after"),
                d.restore_stable_s,
            ),
            restore_min_charge_pct: u8::try_from(self.number(
                raw.restore_min_charge,
                &what("restore_min_charge"),
                0..=100,
                i64::from(d.restore_min_charge_pct),
            ))
            .unwrap_or(d.restore_min_charge_pct),
            auto_restore: raw.auto_restore.unwrap_or(d.auto_restore),
            ups_off: match raw.ups_off {
                None => d.ups_off,
                Some(text) => match text.get_ref().trim() {
                    "return" => UpsOffPolicy::Return,
                    "never" => UpsOffPolicy::Never,
                    other => {
                        self.error(
                            text.span(),
                            format!(
                                "{}: write \"return\" (cut the output after the shed, restore it on mains) or \"never\", not `{other}`",
                                what("ups_off")
                            ),
                        );
                        d.ups_off
                    }
                },
            },
            ups_off_margin_s: self.secs(
                raw.ups_off_margin,
                &what("ups_off_margin"),
                d.ups_off_margin_s,
            ),
            output_return_s: self.secs(
                raw.output_return,
                &what("output_return"),
                d.output_return_s,
            ),
        }
    }

    pub(super) fn plan_settings(&mut self, raw: RawPlan) -> PlanSettings {
        let d = PlanSettings::default();
        let e = StepEstimates::default();
        let estimates = match raw.estimates {
            None => e,
            Some(r) => StepEstimates {
                migrate_vm_s: self.secs(r.migrate_vm, "plan estimates migrate_vm", e.migrate_vm_s),
                stop_vm_s: self.secs(r.stop_vm, "plan estimates stop_vm", e.stop_vm_s),
                enter_maintenance_s: self.secs(
                    r.enter_maintenance,
                    "plan estimates enter_maintenance",
                    e.enter_maintenance_s,
                ),
                shutdown_server_s: self.secs(
                    r.shutdown_server,
                    "plan estimates shutdown_server",
                    e.shutdown_server_s,
                ),
                power_on_server_s: self.secs(
                    r.power_on_server,
                    "plan estimates power_on_server",
                    e.power_on_server_s,
                ),
                wait_connected_s: self.secs(
                    r.wait_connected,
                    "plan estimates wait_connected",
                    e.wait_connected_s,
                ),
                exit_maintenance_s: self.secs(
                    r.exit_maintenance,
                    "plan estimates exit_maintenance",
                    e.exit_maintenance_s,
                ),
                start_vm_s: self.secs(r.start_vm, "plan estimates start_vm", e.start_vm_s),
                ups_off_s: self.secs(r.ups_off, "plan estimates ups_off", e.ups_off_s),
                shutdown_this_host_s: self.secs(
                    r.shutdown_this_host,
                    "plan estimates shutdown_this_host",
                    e.shutdown_this_host_s,
                ),
                learned: e.learned,
                learned_targets: e.learned_targets,
            },
        };
        let small = |c: &mut Self, v, key, range, default: u32| {
            u32::try_from(c.number(v, key, range, i64::from(default))).unwrap_or(default)
        };
        PlanSettings {
            migrations_per_host: small(
                self,
                raw.migrations_per_host,
                "plan migrations_per_host",
                1..=64,
                d.migrations_per_host,
            ),
            live_migrate: raw.live_migrate.unwrap_or(d.live_migrate),
            guest_shutdown_timeout_s: self.secs(
                raw.guest_shutdown_timeout,
                "plan guest_shutdown_timeout",
                d.guest_shutdown_timeout_s,
            ),
            server_off_timeout_s: self.secs(
                raw.server_off_timeout,
                "plan server_off_timeout",
                d.server_off_timeout_s,
            ),
            force_off: raw.force_off.unwrap_or(d.force_off),
            server_on_timeout_s: self.secs(
                raw.server_on_timeout,
                "plan server_on_timeout",
                d.server_on_timeout_s,
            ),
            memory_headroom_pct: u8::try_from(self.number(
                raw.memory_headroom,
                "plan memory_headroom",
                0..=90,
                i64::from(d.memory_headroom_pct),
            ))
            .unwrap_or(d.memory_headroom_pct),
            vcpus_per_thread: small(
                self,
                raw.vcpus_per_thread,
                "plan vcpus_per_thread",
                1..=64,
                d.vcpus_per_thread,
            ),
            estimates,
            migrate_to_hosts_without_ups: raw
                .migrate_to_hosts_without_ups
                .unwrap_or(d.migrate_to_hosts_without_ups),
        }
    }

    pub(super) fn vm_policies(&mut self, raw: Vec<Spanned<RawVm>>) -> BTreeMap<String, VmPolicy> {
        let mut out = BTreeMap::new();
        for vm in raw {
            let vm = vm.into_inner();
            let span = vm.name.span();
            let name = vm.name.into_inner();
            if name.trim().is_empty() {
                self.error(
                    span,
                    "vm: name cannot be empty (use the VM's name in vCenter)",
                );
                continue;
            }
            if let Err(e) = crate::text::check_name(&name) {
                self.error(span, format!("vm {e}"));
                continue;
            }
            let priority = self.number(
                vm.priority,
                &format!("vm `{name}` priority"),
                -1000..=1000,
                0,
            );
            let policy = VmPolicy {
                priority: i32::try_from(priority).unwrap_or(0),
                migrate: vm.migrate.unwrap_or(true),
            };
            if out.insert(name.clone(), policy).is_some() {
                self.error(span, format!("vm `{name}` is declared twice"));
            }
        }
        out
    }
}
