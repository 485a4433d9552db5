//! The few Redfish documents we read, reduced to the fields we use, and their mapping to core
//! terms. Every field is optional: BMCs differ, and a missing field means "not reported", never
//! a failed read.

use serde::Deserialize;
use upstra_core::state::{Health, PowerState};

/// A navigation link: `{"@odata.id": "/redfish/v1/..."}`.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Link {
    #[serde(rename = "@odata.id")]
    pub id: String,
}

/// The service root, `/redfish/v1/` (readable without credentials).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ServiceRoot {
    pub systems: Option<Link>,
    #[serde(default)]
    pub links: RootLinks,
    pub vendor: Option<String>,
}

/// `ServiceRoot.Links`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct RootLinks {
    /// The sessions collection, where a login is POSTed. Present when sessions are offered.
    pub sessions: Option<Link>,
}

impl ServiceRoot {
    /// The sessions collection to log in at, when the service offers sessions.
    pub(crate) fn sessions(&self) -> Option<&str> {
        self.links.sessions.as_ref().map(|l| l.id.as_str())
    }
}

/// A collection: `Members` links.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Collection {
    #[serde(default)]
    pub members: Vec<Link>,
}

/// `Status` of a resource.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Status {
    pub health: Option<String>,
    /// DMTF spelling; sushy-tools writes `HealthRollUp`.
    #[serde(alias = "HealthRollUp")]
    pub health_rollup: Option<String>,
}

/// A ComputerSystem.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct System {
    #[serde(rename = "@odata.id")]
    pub odata_id: Option<String>,
    pub power_state: Option<String>,
    #[serde(default)]
    pub status: Status,
    #[serde(default)]
    pub actions: SystemActions,
    #[serde(default)]
    pub links: SystemLinks,
    #[serde(default)]
    pub oem: SystemOem,
}

/// `ComputerSystem.Oem`: only HPE's (iLO 5 and later as `Hpe`, iLO 4 as `Hp`) is read.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SystemOem {
    #[serde(rename = "Hpe")]
    pub hpe: Option<HpeSystem>,
    #[serde(rename = "Hp")]
    pub hp: Option<HpeSystem>,
}

/// HPE's extension of a ComputerSystem.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct HpeSystem {
    /// `PowerOff`, `InPost`, `InPostDiscoveryComplete`, `FinishedPost`, `Unknown`...
    pub post_state: Option<String>,
}

/// Whether the firmware finished its power-on self-test, where the BMC reports it: a server
/// that is On but still in POST is not booted. `Unknown` or `Null` says nothing.
pub(crate) fn post_finished(system: &System) -> Option<bool> {
    let oem = &system.oem;
    let state = oem
        .hpe
        .as_ref()
        .or(oem.hp.as_ref())?
        .post_state
        .as_deref()?;
    match state {
        "FinishedPost" => Some(true),
        "PowerOff" | "Reset" | "InPost" | "InPostDiscoveryComplete" => Some(false),
        _ => None,
    }
}

/// `ComputerSystem.Links`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct SystemLinks {
    #[serde(default)]
    pub chassis: Vec<Link>,
}

/// `ComputerSystem.Actions`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct SystemActions {
    #[serde(rename = "#ComputerSystem.Reset")]
    pub reset: Option<ResetAction>,
}

/// The `#ComputerSystem.Reset` action: where to POST, and which values it takes.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ResetAction {
    pub target: Option<String>,
    #[serde(rename = "ResetType@Redfish.AllowableValues")]
    pub allowable: Option<Vec<String>>,
    /// Newer services describe the parameters in a separate ActionInfo resource instead.
    #[serde(rename = "@Redfish.ActionInfo")]
    pub action_info: Option<String>,
}

/// An ActionInfo resource: the parameters of an action and their allowed values.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ActionInfo {
    #[serde(default)]
    pub parameters: Vec<ActionParameter>,
}

/// One parameter of an ActionInfo.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ActionParameter {
    pub name: Option<String>,
    pub allowable_values: Option<Vec<String>>,
}

impl ActionInfo {
    /// The allowed `ResetType` values, when listed.
    pub(crate) fn reset_types(self) -> Option<Vec<String>> {
        self.parameters
            .into_iter()
            .find(|p| p.name.as_deref() == Some("ResetType"))
            .and_then(|p| p.allowable_values)
    }
}

/// A Chassis: where its power reading lives.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Chassis {
    /// The classic `Power` resource (deprecated by DMTF in 2020, still what iLO 4/5 serve).
    pub power: Option<Link>,
    /// Its replacement.
    pub environment_metrics: Option<Link>,
}

/// The `Power` resource: `PowerControl[].PowerConsumedWatts`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Power {
    #[serde(default)]
    pub power_control: Vec<PowerControl>,
}

/// One `PowerControl` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct PowerControl {
    pub power_consumed_watts: Option<f64>,
}

/// `EnvironmentMetrics`: `PowerWatts.Reading`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct EnvironmentMetrics {
    pub power_watts: Option<Reading>,
}

/// A sensor excerpt.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Reading {
    pub reading: Option<f64>,
}

impl Power {
    /// The first reported consumption, in watts.
    pub(crate) fn watts(&self) -> Option<f32> {
        self.power_control
            .iter()
            .find_map(|c| c.power_consumed_watts)
            .map(|w| w as f32)
    }
}

impl EnvironmentMetrics {
    /// The reported consumption, in watts.
    pub(crate) fn watts(&self) -> Option<f32> {
        self.power_watts
            .as_ref()
            .and_then(|r| r.reading)
            .map(|w| w as f32)
    }
}

/// Maps a Redfish `PowerState`. `Paused` still draws power, so it counts as on; iLO 4's
/// `Reset` (a reset in progress) as powering on. Anything else is unknown, never a guess.
pub(crate) fn power_state(value: Option<&str>) -> PowerState {
    match value {
        Some("On" | "Paused") => PowerState::On,
        Some("Off") => PowerState::Off,
        Some("PoweringOn" | "Reset") => PowerState::PoweringOn,
        Some("PoweringOff") => PowerState::PoweringOff,
        _ => PowerState::Unknown,
    }
}

/// Maps `Status.Health`, falling back to `HealthRollup` when only that is given.
pub(crate) fn health(status: &Status) -> Health {
    match status.health.as_deref().or(status.health_rollup.as_deref()) {
        Some("OK") => Health::Ok,
        Some("Warning") => Health::Warning,
        Some("Critical") => Health::Critical,
        _ => Health::Unknown,
    }
}

/// A Redfish error body: `{"error": {"code", "message", "@Message.ExtendedInfo": [..]}}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub error: ErrorDetail,
}

/// The `error` object.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ErrorDetail {
    pub code: Option<String>,
    pub message: Option<String>,
    #[serde(rename = "@Message.ExtendedInfo", default)]
    pub extended: Vec<ExtendedInfo>,
}

/// One `@Message.ExtendedInfo` entry.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ExtendedInfo {
    pub message_id: Option<String>,
    pub message: Option<String>,
}

impl ErrorBody {
    /// The most specific words in the body: an extended message, else the error message
    /// unless it only points at the extended info, else the message id.
    pub(crate) fn summary(&self) -> Option<String> {
        let e = &self.error;
        let first = e.extended.first();
        first
            .and_then(|x| x.message.clone())
            .or_else(|| {
                e.message
                    .clone()
                    .filter(|m| !m.contains("@Message.ExtendedInfo"))
            })
            .or_else(|| first.and_then(|x| x.message_id.clone()))
            .or_else(|| e.code.clone())
    }
}
