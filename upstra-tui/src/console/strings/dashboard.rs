//! The words of the dashboard and of the countdown before a restore, in one struct per
//! language (`dashboard_en`, `dashboard_fr`).

use crate::console::state::{Fleet, RestoreCountdown};

pub struct DashboardWords {
    pub title: &'static str,
    pub ups_title: &'static str,
    pub fleet_title: &'static str,
    /// The events list's title; its times are UTC.
    pub events_title: &'static str,
    pub no_events: &'static str,
    pub no_ups: &'static str,
    /// The UPS's state, in words so that it reads without colour.
    pub on_mains: &'static str,
    pub on_battery: &'static str,
    pub comms_lost: &'static str,
    pub not_read: &'static str,
    /// "runtime 12m 30s".
    pub runtime: fn(Option<u64>) -> String,
    /// "load 35% · input 230 V".
    pub load_input: fn(Option<f32>, Option<f32>) -> String,
    /// After the charge curve: over how many minutes, and the lowest charge seen.
    pub charge_curve: fn(u64, Option<f32>) -> String,
    /// After the runtime curve: over how many minutes, and the shortest runtime seen.
    pub runtime_curve: fn(u64, Option<u64>) -> String,
    /// Where a curve would be, while the daemon has no sample yet.
    pub no_history: &'static str,
    /// The label before the charge curve and the runtime curve.
    pub charge_label: &'static str,
    pub runtime_label: &'static str,
    /// One room's line: its servers by power state and its VMs running.
    pub fleet_line: fn(&str, &Fleet) -> String,
    /// The whole lab's line.
    pub fleet_total: fn(&Fleet) -> String,
    /// The wait before a restore, in one line; the second argument is the restore key.
    pub restore_wait: fn(&RestoreCountdown, &str) -> String,
}

#[cfg(test)]
mod tests {
    use super::super::{dashboard_en, dashboard_fr};
    use crate::console::state::RestoreCountdown;

    fn waiting_for_operator(mains_back: bool) -> RestoreCountdown {
        RestoreCountdown {
            ups: "ups-a1".into(),
            left_s: None,
            stable: None,
            charge: None,
            needs_operator: true,
            mains_back,
        }
    }

    /// A shed by hand on battery waits for an operator too, but the line must not say mains
    /// is back before it is, in either language, and it fits an 80-column status line.
    #[test]
    fn a_shed_by_hand_on_battery_never_says_mains_is_back() {
        for (words, back_word) in [
            (&dashboard_en::DASHBOARD, "ups-a1: mains is back"),
            (&dashboard_fr::DASHBOARD, "ups-a1 : secteur revenu"),
        ] {
            let on_battery = (words.restore_wait)(&waiting_for_operator(false), "E");
            assert!(!on_battery.contains(back_word), "{on_battery}");
            assert!(on_battery.chars().count() <= 78, "{on_battery}");
            let back = (words.restore_wait)(&waiting_for_operator(true), "E");
            assert!(back.contains(back_word), "{back}");
        }
    }
}
