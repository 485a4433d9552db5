//! Les mots du tableau de bord, en français.

use super::dashboard::DashboardWords;
use crate::console::state::{Fleet, RestoreCountdown};
use crate::format;

fn restore_wait(c: &RestoreCountdown, key: &str) -> String {
    if c.needs_operator && !c.mains_back {
        return format!(
            "{} : délesté à la main sur batterie ; {key} pour rétablir au retour du secteur",
            c.ups
        );
    }
    if c.needs_operator {
        return format!(
            "{} : secteur revenu ; attend un opérateur : {key} pour rétablir",
            c.ups
        );
    }
    let mut why = Vec::new();
    if let Some((stable, needed)) = c.stable {
        why.push(format!("secteur stable {stable} s sur {needed}"));
    }
    if let Some((charge, needed)) = c.charge {
        why.push(format!("charge {charge} % sur les {needed} % requis"));
    }
    let head = match c.left_s {
        Some(0) if why.is_empty() => "rétablissement imminent".to_owned(),
        Some(left) => format!("rétablissement dans {left} s"),
        None => "rétablissement en attente".to_owned(),
    };
    if why.is_empty() {
        format!("{} : {head}", c.ups)
    } else {
        format!("{} : {head} : {}", c.ups, why.join(", "))
    }
}

fn servers(f: &Fleet) -> String {
    format!(
        "serveurs {} sous tension, {} hors, {} inconnus · VM {}/{} en marche",
        f.on, f.off, f.other, f.vms_running, f.vms
    )
}

pub static DASHBOARD: DashboardWords = DashboardWords {
    title: "Tableau de bord",
    ups_title: "Onduleurs",
    fleet_title: "Parc",
    events_title: "Derniers événements (UTC)",
    no_events: "Aucun événement de coupure pour l'instant.",
    no_ups: "Aucun onduleur n'est déclaré.",
    on_mains: "sur secteur",
    on_battery: "SUR BATTERIE",
    comms_lost: "SANS RÉPONSE",
    not_read: "pas encore lu",
    runtime: |r| format!("autonomie {}", format::runtime(r)),
    load_input: |load, input| {
        format!(
            "charge sortie {} · entrée {}",
            format::percent(load),
            format::volts(input)
        )
    },
    charge_curve: |minutes, low| match low {
        Some(low) => format!("{minutes} min, min. {low:.0}%"),
        None => format!("{minutes} min"),
    },
    runtime_curve: |minutes, low| match low {
        Some(low) => format!("{minutes} min, min. {}", format::runtime(Some(low))),
        None => format!("{minutes} min"),
    },
    no_history: "pas encore d'historique",
    charge_label: "batterie ",
    runtime_label: "autonomie",
    fleet_line: |room, f| format!("{room} : {}", servers(f)),
    fleet_total: |f| format!("total : {}", servers(f)),
    restore_wait,
};
