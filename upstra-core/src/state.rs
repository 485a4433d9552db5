//! Live state: what the peers report right now. Time is passed in, never read here.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Milliseconds since the Unix epoch. The daemon reads the clock; core only compares.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn millis(self) -> i64 {
        self.0
    }

    /// Whole seconds from `earlier` to `self`, zero if `earlier` is later.
    pub fn secs_since(self, earlier: Timestamp) -> u64 {
        u64::try_from((self.0 - earlier.0) / 1000).unwrap_or(0)
    }
}

/// One flag of NUT's `ups.status`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum UpsFlag {
    /// On line (mains present).
    Ol,
    /// On battery.
    Ob,
    /// Low battery.
    Lb,
    /// High battery.
    Hb,
    /// Replace battery.
    Rb,
    /// Charging.
    Chrg,
    /// Discharging.
    Dischrg,
    /// On bypass.
    Bypass,
    /// Calibrating (a self-test, not an outage).
    Cal,
    /// Output off.
    Off,
    /// Overloaded.
    Over,
    /// Trimming high input voltage.
    Trim,
    /// Boosting low input voltage.
    Boost,
    /// Forced shutdown in progress.
    Fsd,
    /// A flag this version does not know; kept as reported.
    Other(String),
}

impl UpsFlag {
    /// Parses one word of `ups.status`.
    pub fn parse(word: &str) -> Self {
        match word {
            "OL" => Self::Ol,
            "OB" => Self::Ob,
            "LB" => Self::Lb,
            "HB" => Self::Hb,
            "RB" => Self::Rb,
            "CHRG" => Self::Chrg,
            "DISCHRG" => Self::Dischrg,
            "BYPASS" => Self::Bypass,
            "CAL" => Self::Cal,
            "OFF" => Self::Off,
            "OVER" => Self::Over,
            "TRIM" => Self::Trim,
            "BOOST" => Self::Boost,
            "FSD" => Self::Fsd,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Parses a whole `ups.status` value such as `OB DISCHRG LB`.
    pub fn parse_status(status: &str) -> Vec<Self> {
        status.split_whitespace().map(Self::parse).collect()
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Ol => "OL",
            Self::Ob => "OB",
            Self::Lb => "LB",
            Self::Hb => "HB",
            Self::Rb => "RB",
            Self::Chrg => "CHRG",
            Self::Dischrg => "DISCHRG",
            Self::Bypass => "BYPASS",
            Self::Cal => "CAL",
            Self::Off => "OFF",
            Self::Over => "OVER",
            Self::Trim => "TRIM",
            Self::Boost => "BOOST",
            Self::Fsd => "FSD",
            Self::Other(s) => s,
        }
    }
}

impl fmt::Display for UpsFlag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One reading of a UPS.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct UpsReading {
    pub flags: Vec<UpsFlag>,
    pub charge_pct: Option<f32>,
    pub runtime_s: Option<u64>,
    pub load_pct: Option<f32>,
    pub input_voltage: Option<f32>,
}

impl UpsReading {
    pub fn has(&self, flag: &UpsFlag) -> bool {
        self.flags.contains(flag)
    }

    pub fn on_battery(&self) -> bool {
        self.has(&UpsFlag::Ob)
    }

    /// The flags as NUT writes them, e.g. `OB DISCHRG`.
    pub fn status_line(&self) -> String {
        self.flags
            .iter()
            .map(UpsFlag::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// What the daemon knows of a UPS right now.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state")]
pub enum UpsLive {
    /// Not read yet.
    #[default]
    Unknown,
    Reading {
        reading: UpsReading,
        at: Timestamp,
    },
    /// No usable reading since `since`.
    CommsLost {
        reason: String,
        since: Timestamp,
    },
}

/// A server's power state, as its BMC reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PowerState {
    On,
    Off,
    PoweringOn,
    PoweringOff,
    /// Also what a word from a newer daemon reads as.
    #[default]
    #[serde(other)]
    Unknown,
}

impl PowerState {
    /// The word shown (console, plain CLI output, the metrics' `state` label): hyphenated,
    /// unlike the wire's `powering_on`, which serde writes in views and events and tests pin.
    /// Each is read by someone (scripts, dashboards), so neither is aligned on the other.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::On => "on",
            Self::Off => "off",
            Self::PoweringOn => "powering-on",
            Self::PoweringOff => "powering-off",
            Self::Unknown => "unknown",
        }
    }
}

impl fmt::Display for PowerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A server's overall health, as Redfish reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    Ok,
    Warning,
    Critical,
    /// Also what a word from a newer daemon reads as.
    #[default]
    #[serde(other)]
    Unknown,
}

/// What the daemon knows of a server right now.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ServerLive {
    pub power: PowerState,
    pub health: Health,
    pub watts: Option<f32>,
    pub in_maintenance: Option<bool>,
    pub connected: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_documented_flag_and_keeps_unknown_ones() {
        let flags = UpsFlag::parse_status(
            "OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST FSD ECO",
        );
        assert_eq!(flags.len(), 15);
        assert_eq!(flags[14], UpsFlag::Other("ECO".into()));
        let line: Vec<&str> = flags.iter().map(UpsFlag::as_str).collect();
        assert_eq!(
            line.join(" "),
            "OL OB LB HB RB CHRG DISCHRG BYPASS CAL OFF OVER TRIM BOOST FSD ECO"
        );
    }
}
