//! The dashboard's words in English.

use super::dashboard::DashboardWords;
use crate::console::state::{Fleet, RestoreCountdown};
use crate::format;

fn restore_wait(c: &RestoreCountdown, key: &str) -> String {
    if c.needs_operator && !c.mains_back {
        return format!(
            "{}: shed by hand on battery; press {key} to restore once mains is back",
            c.ups
        );
    }
    if c.needs_operator {
        return format!(
            "{}: mains is back; waiting for an operator: press {key} to restore",
            c.ups
        );
    }
    let mut why = Vec::new();
    if let Some((stable, needed)) = c.stable {
        why.push(format!("mains stable {stable} of {needed} s"));
    }
    if let Some((charge, needed)) = c.charge {
        why.push(format!("charge {charge} % of the {needed} % needed"));
    }
    let head = match c.left_s {
        Some(0) if why.is_empty() => "restore starting".to_owned(),
        Some(left) => format!("restore in {left} s"),
        None => "restore waits".to_owned(),
    };
    if why.is_empty() {
        format!("{}: {head}", c.ups)
    } else {
        format!("{}: {head}: {}", c.ups, why.join(", "))
    }
}

fn servers(f: &Fleet) -> String {
    format!(
        "servers {} on, {} off, {} unknown · VMs {} of {} running",
        f.on, f.off, f.other, f.vms_running, f.vms
    )
}

pub static DASHBOARD: DashboardWords = DashboardWords {
    title: "Dashboard",
    ups_title: "UPS",
    fleet_title: "Fleet",
    events_title: "Last events (UTC)",
    no_events: "No outage event yet.",
    no_ups: "No UPS is declared.",
    on_mains: "on mains",
    on_battery: "ON BATTERY",
    comms_lost: "NO ANSWER",
    not_read: "not read yet",
    runtime: |r| format!("runtime {}", format::runtime(r)),
    load_input: |load, input| {
        format!(
            "load {} · input {}",
            format::percent(load),
            format::volts(input)
        )
    },
    charge_curve: |minutes, low| match low {
        Some(low) => format!("{minutes} min, low {low:.0}%"),
        None => format!("{minutes} min"),
    },
    runtime_curve: |minutes, low| match low {
        Some(low) => format!("{minutes} min, low {}", format::runtime(Some(low))),
        None => format!("{minutes} min"),
    },
    no_history: "no history yet",
    charge_label: "charge ",
    runtime_label: "runtime",
    fleet_line: |room, f| format!("{room}: {}", servers(f)),
    fleet_total: |f| format!("all: {}", servers(f)),
    restore_wait,
};
