//! The entry point of the `redfish_payload` fuzz target (`fuzz/`), compiled only under
//! `--cfg fuzzing`, which the fuzzer sets: a response body decoded as every Redfish document
//! the client reads, and mapped to core terms as the client does, with no HTTP.

use serde::de::DeserializeOwned;

use crate::payload::{
    self, ActionInfo, Chassis, Collection, EnvironmentMetrics, ErrorBody, Link, Power, ServiceRoot,
    System,
};

/// Decodes `body` as each document type and applies the mappings the client applies to it.
pub fn payloads(body: &[u8]) {
    if let Some(root) = decode::<ServiceRoot>(body) {
        let _ = root.sessions().map(str::len);
        let _ = (root.systems.map(|l| l.id), root.vendor);
    }
    if let Some(link) = decode::<Link>(body) {
        let _ = link.id.len();
    }
    if let Some(members) = decode::<Collection>(body) {
        let _ = members.members.len();
    }
    if let Some(system) = decode::<System>(body) {
        let _ = payload::power_state(system.power_state.as_deref());
        let _ = payload::health(&system.status);
        let _ = system
            .actions
            .reset
            .map(|r| (r.target, r.allowable, r.action_info));
        let _ = system.links.chassis.len();
    }
    if let Some(info) = decode::<ActionInfo>(body) {
        let _ = info.reset_types();
    }
    if let Some(chassis) = decode::<Chassis>(body) {
        let _ = (chassis.power, chassis.environment_metrics);
    }
    if let Some(power) = decode::<Power>(body) {
        let _ = power.watts();
    }
    if let Some(metrics) = decode::<EnvironmentMetrics>(body) {
        let _ = metrics.watts();
    }
    if let Some(error) = decode::<ErrorBody>(body) {
        let _ = error.summary();
    }
}

/// As `client::decode` does once the body is read: `serde_json` from the bytes.
fn decode<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    serde_json::from_slice(body).ok()
}
