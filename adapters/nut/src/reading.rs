//! From upsd's variables to a [`UpsReading`], with no I/O. Anything odd (an unknown status
//! flag, a value that is not a number or out of range) is kept out of the reading's numbers
//! and reported as an [`Oddity`], so the caller can log it once instead of at every poll.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use upstra_core::state::{UpsFlag, UpsReading};

/// Something unusual in one read; never fatal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Oddity {
    /// The UPS reports no `ups.status` at all.
    NoStatus,
    /// A status flag this version does not know (kept in the reading as `UpsFlag::Other`).
    UnknownFlag(String),
    /// A variable whose value is not usable: not a number, negative, or out of range.
    BadValue {
        /// The variable, e.g. `battery.charge`.
        var: &'static str,
        /// The value as reported.
        value: String,
    },
}

impl Oddity {
    /// What makes two oddities "the same" for logging: the flag, or the variable (so a value
    /// that keeps changing is still logged once).
    pub fn key(&self) -> String {
        match self {
            Self::NoStatus => "ups.status".into(),
            Self::UnknownFlag(flag) => format!("flag {flag}"),
            Self::BadValue { var, .. } => (*var).to_owned(),
        }
    }
}

impl fmt::Display for Oddity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoStatus => f.write_str("no ups.status reported"),
            Self::UnknownFlag(flag) => write!(f, "unknown status flag {flag:?} (kept)"),
            Self::BadValue { var, value } => write!(f, "{var} = {value:?} is not usable (ignored)"),
        }
    }
}

/// The reading in `vars` (as `LIST VAR` returns them), and what was odd about it.
pub fn reading_from_vars(vars: &BTreeMap<String, String>) -> (UpsReading, Vec<Oddity>) {
    let mut odd = Vec::new();
    let flags = match vars.get("ups.status") {
        Some(status) => UpsFlag::parse_status(status),
        None => {
            odd.push(Oddity::NoStatus);
            Vec::new()
        }
    };
    for flag in &flags {
        if let UpsFlag::Other(word) = flag {
            odd.push(Oddity::UnknownFlag(word.clone()));
        }
    }
    let mut number = |var: &'static str, max: f64| -> Option<f64> {
        let raw = vars.get(var)?;
        match raw.trim().parse::<f64>() {
            Ok(v) if v.is_finite() && (0.0..=max).contains(&v) => Some(v),
            _ => {
                odd.push(Oddity::BadValue {
                    var,
                    value: raw.clone(),
                });
                None
            }
        }
    };
    // Bounds catch garbage, not unusual truth: a load above 100 % is a real overload.
    let charge_pct = number("battery.charge", 100.0).map(|v| v as f32);
    let runtime_s = number("battery.runtime", 1e9).map(|v| v.round() as u64);
    let load_pct = number("ups.load", 1e4).map(|v| v as f32);
    let input_voltage = number("input.voltage", 1e5).map(|v| v as f32);
    let reading = UpsReading {
        flags,
        charge_pct,
        runtime_s,
        load_pct,
        input_voltage,
    };
    (reading, odd)
}

/// Remembers which oddities were already logged for one UPS.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    keys: HashSet<String>,
}

/// A UPS that invents a new flag at every poll must not grow memory without end.
const MAX_SEEN: usize = 64;

impl Seen {
    /// True the first time `odd` (by [`Oddity::key`]) is offered, false afterwards.
    pub(crate) fn first_time(&mut self, odd: &Oddity) -> bool {
        if self.keys.len() >= MAX_SEEN {
            return false;
        }
        self.keys.insert(odd.key())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reply::parse_list_var;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn fixture(ups: &str, text: &str) -> BTreeMap<String, String> {
        let lines: Vec<String> = text.lines().map(str::to_owned).collect();
        parse_list_var(ups, &lines).expect("fixture parses")
    }

    #[test]
    fn reads_the_recorded_states() {
        let (r, odd) = reading_from_vars(&fixture(
            "ups1",
            include_str!("../tests/fixtures/list_var_ol.txt"),
        ));
        assert_eq!(r.flags, vec![UpsFlag::Ol]);
        assert_eq!(
            (r.charge_pct, r.runtime_s, r.load_pct, r.input_voltage),
            (Some(100.0), Some(3600), Some(21.0), Some(230.0))
        );
        assert!(odd.is_empty());

        let (r, odd) = reading_from_vars(&fixture(
            "ups2",
            include_str!("../tests/fixtures/list_var_ob_lb.txt"),
        ));
        assert_eq!(r.status_line(), "OB DISCHRG LB");
        assert!(r.on_battery());
        assert_eq!((r.charge_pct, r.runtime_s), (Some(9.0), Some(120)));
        assert_eq!(r.input_voltage, Some(0.0));
        assert!(odd.is_empty());
    }

    #[test]
    fn keeps_odd_values_out_and_reports_them() {
        let (r, odd) = reading_from_vars(&fixture(
            "ups2",
            include_str!("../tests/fixtures/list_var_odd.txt"),
        ));
        assert_eq!(r.status_line(), "OL CHRG ECO");
        assert_eq!((r.charge_pct, r.load_pct), (None, None));
        assert_eq!(r.runtime_s, Some(3600));
        let keys: Vec<String> = odd.iter().map(Oddity::key).collect();
        assert_eq!(keys, ["flag ECO", "battery.charge", "ups.load"]);
    }

    #[test]
    fn judges_each_value() {
        let cases: &[(&str, &str, bool)] = &[
            ("battery.charge", "55.5", true),
            ("battery.charge", " 80 ", true),
            ("battery.charge", "101", false),
            ("battery.charge", "-1", false),
            ("battery.charge", "NaN", false),
            ("battery.charge", "inf", false),
            ("battery.charge", "", false),
            ("battery.runtime", "3599.6", true),
            ("battery.runtime", "-60", false),
            ("ups.load", "120", true),
            ("input.voltage", "0x10", false),
        ];
        for (var, value, usable) in cases {
            let (r, odd) = reading_from_vars(&vars(&[("ups.status", "OL"), (var, value)]));
            let got = [r.charge_pct, r.load_pct, r.input_voltage]
                .iter()
                .any(Option::is_some)
                || r.runtime_s.is_some();
            assert_eq!((got, odd.is_empty()), (*usable, *usable), "{var}={value:?}");
        }
        let (r, odd) = reading_from_vars(&vars(&[("battery.runtime", "3599.6")]));
        assert_eq!(r.runtime_s, Some(3600));
        assert_eq!(odd, [Oddity::NoStatus]);
    }

    #[test]
    fn logs_each_oddity_once() {
        let mut seen = Seen::default();
        let flag = Oddity::UnknownFlag("ECO".into());
        let bad = |v: &str| Oddity::BadValue {
            var: "ups.load",
            value: v.into(),
        };
        assert!(seen.first_time(&flag));
        assert!(!seen.first_time(&flag));
        assert!(seen.first_time(&bad("x")));
        assert!(!seen.first_time(&bad("y")), "same variable, other value");
        for i in 0..1000 {
            seen.first_time(&Oddity::UnknownFlag(format!("F{i}")));
        }
        assert_eq!(seen.keys.len(), MAX_SEEN);
    }
}
