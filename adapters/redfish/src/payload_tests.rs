//! The payload mapping on recorded documents: sushy-tools (captured from the harness) and
//! iLO-like ones written from HPE's and DMTF's documented shapes (`tests/fixtures/`).

use upstra_core::state::{Health, PowerState};

use crate::payload::*;

macro_rules! fixture {
    ($name:literal) => {
        include_str!(concat!("../tests/fixtures/", $name))
    };
}

fn parse<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).expect("fixture parses")
}

#[test]
fn sushy_root_offers_no_sessions_so_basic_auth_is_used() {
    let root: ServiceRoot = parse(fixture!("sushy_service_root.json"));
    assert_eq!(root.sessions(), None);
    assert_eq!(
        root.systems.map(|l| l.id).as_deref(),
        Some("/redfish/v1/Systems")
    );
}

#[test]
fn ilo_root_offers_sessions_through_links() {
    let root: ServiceRoot = parse(fixture!("ilo5_service_root.json"));
    assert_eq!(
        root.sessions(),
        Some("/redfish/v1/SessionService/Sessions/")
    );
    assert_eq!(root.vendor.as_deref(), Some("HPE"));
}

#[test]
fn sushy_system_maps_power_health_and_reset_values() {
    let s: System = parse(fixture!("sushy_system.json"));
    assert_eq!(power_state(s.power_state.as_deref()), PowerState::On);
    assert_eq!(health(&s.status), Health::Ok);
    let reset = s.actions.reset.expect("reset action");
    assert_eq!(
        reset.target.as_deref(),
        Some("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset")
    );
    let allowed = reset.allowable.expect("allowable values");
    for name in [
        "On",
        "ForceOff",
        "GracefulShutdown",
        "GracefulRestart",
        "ForceRestart",
    ] {
        assert!(allowed.iter().any(|a| a == name), "{name}");
    }
    assert_eq!(s.links.chassis.len(), 1);
}

#[test]
fn ilo5_system_keeps_trailing_slashes_and_reports_warning() {
    let s: System = parse(fixture!("ilo5_system.json"));
    assert_eq!(health(&s.status), Health::Warning);
    let reset = s.actions.reset.expect("reset action");
    assert_eq!(
        reset.target.as_deref(),
        Some("/redfish/v1/Systems/1/Actions/ComputerSystem.Reset/")
    );
    assert!(
        reset
            .allowable
            .expect("values")
            .contains(&"PushPowerButton".to_owned())
    );
}

#[test]
fn ilo4_system_offers_no_graceful_shutdown() {
    let s: System = parse(fixture!("ilo4_system.json"));
    let allowed = s.actions.reset.and_then(|r| r.allowable).expect("values");
    assert!(!allowed.contains(&"GracefulShutdown".to_owned()));
    assert!(!allowed.contains(&"GracefulRestart".to_owned()));
}

#[test]
fn sushy_chassis_reports_no_power_so_watts_are_absent() {
    let c: Chassis = parse(fixture!("sushy_chassis.json"));
    assert!(c.power.is_none() && c.environment_metrics.is_none());
}

#[test]
fn ilo_power_control_gives_consumed_watts() {
    let c: Chassis = parse(fixture!("ilo5_chassis.json"));
    assert_eq!(
        c.power.map(|l| l.id).as_deref(),
        Some("/redfish/v1/Chassis/1/Power/")
    );
    let p: Power = parse(fixture!("ilo5_power.json"));
    assert_eq!(p.watts(), Some(183.0));
}

#[test]
fn environment_metrics_give_power_watts() {
    let c: Chassis = parse(fixture!("dmtf_chassis_environment_metrics.json"));
    assert!(c.power.is_none() && c.environment_metrics.is_some());
    let m: EnvironmentMetrics = parse(fixture!("dmtf_environment_metrics.json"));
    assert_eq!(m.watts(), Some(374.5));
}

#[test]
fn power_states_map_without_guessing() {
    assert_eq!(power_state(Some("PoweringOff")), PowerState::PoweringOff);
    assert_eq!(power_state(Some("Reset")), PowerState::PoweringOn);
    assert_eq!(power_state(Some("Paused")), PowerState::On);
    assert_eq!(power_state(Some("Sleeping")), PowerState::Unknown);
    assert_eq!(power_state(None), PowerState::Unknown);
}

#[test]
fn error_bodies_give_their_most_specific_words() {
    let e: ErrorBody = parse(fixture!("sushy_error_501_reset.json"));
    assert_eq!(
        e.summary().as_deref(),
        Some("Power state PushPowerButton is not supported")
    );
    let e: ErrorBody = parse(fixture!("sushy_error_401.json"));
    assert_eq!(
        e.summary().as_deref(),
        Some("Incorrect username or password")
    );
    // iLO's message only points at the extended info, which has just an id.
    let e: ErrorBody = parse(fixture!("ilo_error_400_power_state.json"));
    assert_eq!(
        e.summary().as_deref(),
        Some("iLO.2.14.InvalidOperationForSystemState")
    );
    let e: ErrorBody = parse(fixture!("ilo_error_401.json"));
    assert_eq!(e.summary().as_deref(), Some("Base.1.4.NoValidSession"));
}

#[test]
fn hpe_post_state_says_whether_the_firmware_finished_booting() {
    let ilo5: System = parse(fixture!("ilo5_system.json"));
    assert_eq!(post_finished(&ilo5), Some(true));
    let ilo4: System = parse(fixture!("ilo4_system.json"));
    assert_eq!(post_finished(&ilo4), Some(false), "iLO 4 names it Oem.Hp");
    let sushy: System = parse(r#"{"PowerState": "On"}"#);
    assert_eq!(
        post_finished(&sushy),
        None,
        "not offered: power On is all there is"
    );
    let unknown: System = parse(r#"{"Oem": {"Hpe": {"PostState": "Unknown"}}}"#);
    assert_eq!(post_finished(&unknown), None);
}
