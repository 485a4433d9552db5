//! The words of each wire enum are pinned here: `--json` output is a documented interface, so a
//! renamed variant must fail a test rather than change what scripts read.

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::super::SessionScope;
use super::*;

/// Every known value writes exactly its word, reads back from it, and `parse` agrees; any
/// other word reads as `Unknown`.
fn pinned<T>(words: &[&str])
where
    T: Copy + PartialEq + fmt::Debug + Serialize + DeserializeOwned + fmt::Display,
    T: WireWords + 'static,
{
    let known = T::known();
    assert_eq!(known.len(), words.len(), "{known:?}");
    for (value, word) in known.iter().zip(words) {
        let json = serde_json::to_string(value).expect("serializes");
        assert_eq!(json, format!("\"{word}\""), "{value:?}");
        let back: T = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, *value);
        assert_eq!(value.to_string(), *word);
        assert_eq!(T::parse_word(word), *value);
    }
    let newer: T = serde_json::from_str("\"a_state_from_a_newer_daemon\"").expect("tolerated");
    assert_eq!(newer, T::unknown());
    assert_eq!(T::parse_word("a_state_from_a_newer_daemon"), T::unknown());
    assert_eq!(
        serde_json::to_string(&T::unknown()).expect("json"),
        "\"unknown\""
    );
}

/// What `pinned` needs of the macro's output, for any of the enums.
trait WireWords: Sized {
    fn known() -> &'static [Self];
    fn parse_word(word: &str) -> Self;
    fn unknown() -> Self;
}

macro_rules! words {
    ($($t:ident),+) => {$(
        impl WireWords for $t {
            fn known() -> &'static [Self] {
                Self::KNOWN
            }
            fn parse_word(word: &str) -> Self {
                Self::parse(word)
            }
            fn unknown() -> Self {
                Self::Unknown
            }
        }
    )+};
}

words!(
    RunStatus,
    StepStatus,
    StepKind,
    PlanType,
    WatchState,
    Reachability,
    ServerCategory,
    VmPowerState,
    VmPowerName,
    BmcTrust,
    DeliveryState,
    SnmpVersionName,
    SnmpMibName,
    SessionScope
);

#[test]
fn run_states() {
    pinned::<RunStatus>(&[
        "running",
        "cancelling",
        "halting",
        "cancelled",
        "halted",
        "finished",
    ]);
}

#[test]
fn step_states_match_the_journal() {
    pinned::<StepStatus>(&[
        "pending",
        "started",
        "dispatched",
        "done",
        "failed",
        "skipped",
    ]);
    for s in [
        StepState::Pending,
        StepState::Started,
        StepState::Dispatched,
        StepState::Done,
        StepState::Failed,
        StepState::Skipped,
    ] {
        assert_eq!(StepStatus::from(s).as_str(), s.as_str());
    }
}

#[test]
fn step_kinds() {
    pinned::<StepKind>(&[
        "migrate_vm",
        "stop_vm",
        "enter_maintenance",
        "shutdown_server",
        "power_on_server",
        "wait_connected",
        "exit_maintenance",
        "start_vm",
        "ups_off",
        "shutdown_this_host",
    ]);
}

#[test]
fn plan_types() {
    pinned::<PlanType>(&["shed", "restore"]);
    for k in [PlanKind::Shed, PlanKind::Restore] {
        assert_eq!(PlanType::from(k).as_str(), k.as_str());
    }
}

#[test]
fn watch_states() {
    pinned::<WatchState>(&[
        "online",
        "on_battery",
        "self_test",
        "triggered",
        "power_back",
        "restoring",
    ]);
}

#[test]
fn reachability_keeps_unknown_for_not_read_yet() {
    pinned::<Reachability>(&["ok", "comms_lost"]);
    let not_read: Reachability = serde_json::from_str("\"unknown\"").expect("reads");
    assert_eq!(not_read, Reachability::Unknown);
}

#[test]
fn server_categories_match_the_lab_files_kinds() {
    pinned::<ServerCategory>(&["hypervisor", "storage", "network", "other"]);
    for k in crate::model::ServerKind::ALL {
        assert_eq!(ServerCategory::from(k).as_str(), k.as_str());
    }
}

#[test]
fn vm_power_states() {
    pinned::<VmPowerState>(&["on", "off", "suspended", "gone"]);
    use crate::model::VmPower;
    for p in [VmPower::PoweredOn, VmPower::PoweredOff, VmPower::Suspended] {
        assert_eq!(VmPowerState::from(p).as_str(), p.as_str());
    }
}

#[test]
fn vm_powers_in_events_keep_vspheres_names() {
    pinned::<VmPowerName>(&["powered_on", "powered_off", "suspended"]);
    use crate::model::VmPower;
    for p in [VmPower::PoweredOn, VmPower::PoweredOff, VmPower::Suspended] {
        // The word the domain type wrote, and the view's word for it.
        let domain = serde_json::to_string(&p).expect("json");
        assert_eq!(domain, format!("\"{}\"", VmPowerName::from(p).as_str()));
        assert_eq!(
            VmPowerState::from(VmPowerName::from(p)),
            VmPowerState::from(p)
        );
    }
    assert_eq!(
        VmPowerState::from(VmPowerName::Unknown),
        VmPowerState::Unknown
    );
}

#[test]
fn bmc_trusts() {
    pinned::<BmcTrust>(&["pinned", "ca_file", "unpinned"]);
}

#[test]
fn snmp_versions_and_mibs_match_the_lab_files_words() {
    pinned::<SnmpVersionName>(&["v1", "v2c", "v3"]);
    pinned::<SnmpMibName>(&["auto", "ietf", "apc", "eaton"]);
    for m in crate::snmp::SnmpMib::ALL {
        assert_eq!(SnmpMibName::from(m).as_str(), m.as_str());
    }
}

/// The store keeps these words too (`sessions.scope`).
#[test]
fn session_scopes() {
    pinned::<SessionScope>(&["full", "enroll_two_factor", "change_password"]);
}

#[test]
fn delivery_states() {
    pinned::<DeliveryState>(&["pending", "delivered", "rejected", "failed"]);
}

#[test]
fn a_server_power_or_health_from_a_newer_daemon_reads_as_unknown() {
    use crate::state::{Health, PowerState};
    let power: PowerState = serde_json::from_str("\"standby\"").expect("tolerated");
    assert_eq!(power, PowerState::Unknown);
    let health: Health = serde_json::from_str("\"degraded\"").expect("tolerated");
    assert_eq!(health, Health::Unknown);
    for (p, word) in [
        (PowerState::On, "on"),
        (PowerState::Off, "off"),
        (PowerState::PoweringOn, "powering_on"),
        (PowerState::PoweringOff, "powering_off"),
        (PowerState::Unknown, "unknown"),
    ] {
        assert_eq!(
            serde_json::to_string(&p).expect("json"),
            format!("\"{word}\"")
        );
    }
}

/// A reply of a daemon newer than this console, with words it does not know, still reads.
#[test]
fn a_newer_daemons_run_reads_with_unknown_words() {
    let json = r#"{"id":7,"state":"paused","reason":"r","by":null,"stopped":null,
        "started_at":0,"ended_at":null,
        "counts":{"pending":0,"running":0,"done":1,"failed":0,"skipped":0},
        "plan":{"kind":"rebalance","ups":["u"],"steps":[{"number":1,"kind":"hibernate_vm",
        "target":"vm:a","action":"hibernate","after":[],"estimate_s":1,"start_s":0,"end_s":1,
        "critical":true,"state":"queued","attempts":0,"outcome":null,"took_ms":null}],
        "makespan_s":1,"critical_path_s":1,"notes":[],"runtime_s":null},
        "undoes":[]}"#;
    let run: super::super::RunView = serde_json::from_str(json).expect("reads");
    assert_eq!(run.state, RunStatus::Unknown);
    assert_eq!(run.plan.kind, PlanType::Unknown);
    assert_eq!(run.plan.steps[0].kind, StepKind::Unknown);
    assert_eq!(run.plan.steps[0].state, Some(StepStatus::Unknown));
}
