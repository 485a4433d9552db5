//! Wire types for `ups_history`: what each UPS did over the last hour, so that a console
//! opened in the middle of an outage draws the battery's course it did not see.

use serde::{Deserialize, Serialize};

use crate::state::Timestamp;

/// The recent course of one UPS, oldest sample first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsHistory {
    pub ups: String,
    /// How many seconds each sample sums up.
    pub sample_s: u64,
    pub samples: Vec<UpsSample>,
}

/// The readings of one UPS over one sample's span. The lowest figures are kept beside the
/// averages: an outage is judged by how low the battery went, not by its mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UpsSample {
    /// The start of the span, by the daemon's clock.
    pub at: Timestamp,
    pub charge_min_pct: Option<f32>,
    pub charge_avg_pct: Option<f32>,
    pub runtime_min_s: Option<u64>,
    pub runtime_avg_s: Option<u64>,
    /// Whether any reading of the span was on battery.
    pub on_battery: bool,
    /// Readings summed up; 0 when the UPS could not be read during the whole span.
    pub readings: u32,
}
