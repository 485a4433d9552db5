//! The setup wizard in English.

use upstra_core::api::v1::{ChangeKind, EntityKind, Reachability};
use upstra_core::state::PowerState;

use super::setup::SetupWords;
use crate::console::state::SetupChoice;
use crate::format;

pub static SETUP: SetupWords = SetupWords {
    title: "First-run setup",
    steps: ["Admin", "Lab", "Check", "Done"],
    admin_intro: "The daemon's store has no user yet. Create the first admin: the console logs \
                  in with it next.",
    menu_intro: "Declare the lab: from a lab file (the format `upstra apply` reads), or part by \
                 part. After each, every peer is read to show what answers.",
    choice: |c| match c {
        SetupChoice::LabFile => "Load a lab file",
        SetupChoice::Room => "Add a room",
        SetupChoice::Ups => "Add a UPS",
        SetupChoice::Vcenter => "Declare the vCenter",
        SetupChoice::Server => "Add a server",
        SetupChoice::Check => "Check the connections",
        SetupChoice::Finish => "Finish: open the lab",
    },
    object: |kind, name| match kind {
        EntityKind::Room => format!("room {name}"),
        EntityKind::Ups => format!("UPS {name}"),
        EntityKind::Server => format!("server {name}"),
        EntityKind::Vcenter => "the vCenter".to_owned(),
        EntityKind::Plan => "the plan settings".to_owned(),
        EntityKind::Vm => format!("VM {name}"),
        EntityKind::Unknown => format!("object {name}"),
    },
    declared_title: "Declared here:",
    holds: |rooms, ups, servers, vms| {
        format!(
            "The store holds {rooms} room(s), {ups} UPS, {servers} server(s); {vms} VM(s) seen."
        )
    },
    review_title: "What the lab file changes (nothing is applied yet):",
    change: |c| {
        let what = (SETUP.object)(c.entity, &c.name);
        match &c.kind {
            ChangeKind::Create => format!("create    {what}"),
            ChangeKind::Update { fields } => format!("update    {what} ({})", fields.join(", ")),
            ChangeKind::Unchanged => format!("unchanged {what}"),
            ChangeKind::Unknown => format!("change    {what}"),
        }
    },
    check_title: "What answers now",
    checking: "Reading every UPS, BMC and the vCenter…",
    sync_line: |r| {
        format!(
            "{} UPS and {} servers read; {} VMs seen on the vCenter.",
            r.ups_read, r.servers_read, r.vms
        )
    },
    problems_title: "Not answering:",
    ups_line: |u| match u.reachability {
        Reachability::Ok => format!(
            "UPS {:<14} answers: {} {}",
            u.name,
            u.status.as_deref().unwrap_or("?"),
            format::percent(u.charge_pct)
        ),
        Reachability::CommsLost => format!(
            "UPS {:<14} DOES NOT ANSWER: {}",
            u.name,
            u.comms_lost_reason.as_deref().unwrap_or("?")
        ),
        _ => format!("UPS {:<14} not read yet", u.name),
    },
    server_line: |s| match (&s.bmc_url, s.power) {
        (None, _) => format!("server {:<11} no BMC declared", s.name),
        (Some(_), PowerState::Unknown) => format!("server {:<11} BMC not read (see below)", s.name),
        (Some(_), power) => format!(
            "server {:<11} BMC answers: {power}, health {}",
            s.name,
            format::health(s.health)
        ),
    },
    busy: "Working…",
    footer_admin: "Tab next field  Enter create  Esc quit",
    footer_menu: "↑↓ choose  Enter open  Esc finish",
    footer_review: "Enter apply  Esc back",
    footer_check: "Enter back to the menu",
    bad_number: |label| format!("“{label}” takes a number."),
    bad_address: |typed| {
        format!("Address “{typed}” is not host[:port] (port 1 to 65535, 161 when left out).")
    },
    not_one_of: |label, typed, choices| {
        format!("“{label}” takes one of {choices} (←/→ picks them), not “{typed}”.")
    },
    either_or: |a, b| format!("Give either “{a}” or “{b}”, not both."),
    length: |label, min, max, len| {
        format!("“{label}” must be {min} to {max} bytes long (it is {len}).")
    },
    priv_without_protocol: |password, protocol| {
        format!(
            "A “{password}” needs a “{protocol}” other than none (←/→), or leave it empty for \
             no privacy."
        )
    },
    cannot_read: |path, reason| {
        format!(
            "Cannot read {path}: {reason}. Check the path on this machine and its permissions; \
             nothing was applied."
        )
    },
    lab_problems: |n| match n {
        1 => "The lab file has a problem; nothing was applied:".to_owned(),
        n => format!("The lab file has {n} problems; nothing was applied:"),
    },
    applied: |n| match n {
        1 => "Applied: 1 object declared.".to_owned(),
        n => format!("Applied: {n} objects declared."),
    },
};
