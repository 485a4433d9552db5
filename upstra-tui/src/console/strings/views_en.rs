//! The history view and the forms in English.

use super::views::{FormWords, HistoryWords, detail_parts, filter_parts, power_word};
use crate::audit_words::AuditFact;
use crate::console::state::{FieldName, FormPurpose};

pub static HISTORY: HistoryWords = HistoryWords {
    title: "History",
    loading: "Reading the audit trail…",
    empty: "No record matches the filter.",
    records: |n| match n {
        1 => "1 record".to_owned(),
        n => format!("{n} records"),
    },
    no_filter: "everything (/ filters)",
    filter: |f| filter_parts(f, ["user", "action", "target", "since"]),
    per_day: "Per day",
    per_action: "Per action",
    col_time: "Time (UTC)",
    col_user: "User",
    col_action: "Action",
    col_target: "Target",
    col_result: "Result",
    detail: |r| {
        detail_parts(
            r,
            |n| format!("#{n}"),
            |u| format!("Unix uid {u}"),
            |c| format!("correlation {c}"),
            fact,
        )
    },
    fact,
    hint_records: "records",
    bad_since: |t| format!("“{t}” is neither an age (90m, 2h, 3d) nor a time (2026-11-25)."),
    filtered: "Filtered: / changes the filter; empty fields show everything.",
};

pub static FORMS: FormWords = FormWords {
    field: |f| match f {
        FieldName::User => "User",
        FieldName::Action => "Action",
        FieldName::Target => "Target",
        FieldName::Since => "Since",
        FieldName::Name => "Name",
        FieldName::Role => "Role",
        FieldName::Password => "Password",
        FieldName::Repeat => "Again",
        FieldName::Resource => "On",
        FieldName::Path => "Lab file",
        FieldName::Room => "Room",
        FieldName::Nut => "NUT",
        FieldName::Url => "URL",
        FieldName::Fingerprint => "Pinned cert",
        FieldName::Kind => "Kind",
        FieldName::Feeds => "Fed by",
        FieldName::Tier => "Tier",
        FieldName::VsphereHost => "vSphere host",
        FieldName::BmcUrl => "BMC URL",
        FieldName::Source => "Read over",
        FieldName::Address => "Address",
        FieldName::Version => "Version",
        FieldName::Community => "Community",
        FieldName::CommunityFile => "Community file",
        FieldName::SnmpUser => "User",
        FieldName::AuthProtocol => "Auth protocol",
        FieldName::AuthPassword => "Auth password",
        FieldName::PrivProtocol => "Priv protocol",
        FieldName::PrivPassword => "Priv password",
        FieldName::Mib => "MIB",
    },
    title: |p| match p {
        FormPurpose::AuditFilter => "Filter the history",
        FormPurpose::AddUser => "Add a user",
        FormPurpose::AddGrant => "Grant a role",
        FormPurpose::SetupAdmin => "The first admin",
        FormPurpose::LabFile => "Load a lab file",
        FormPurpose::Room => "Add a room",
        FormPurpose::Ups | FormPurpose::UpsSnmp => "Add a UPS",
        FormPurpose::Vcenter => "Declare the vCenter",
        FormPurpose::Server => "Add a server",
    },
    hint: |p| match p {
        FormPurpose::AuditFilter => {
            "Empty fields match everything. User, action: how they start (plan: plan_run, \
             plan_restore). Target: part of it (server:, db-01). Since: an age (90m, 2h, 3d) \
             or a time (2026-11-25)."
        }
        FormPurpose::AddUser => {
            "Roles: admin, operator, viewer, or one created in the roles tab. The password is \
             typed twice and never shown."
        }
        FormPurpose::AddGrant => {
            "On: all, room:NAME, ups:NAME, server:NAME or vm:ID. A grant on a room covers its \
             servers and their VMs."
        }
        FormPurpose::SetupAdmin => "The password is typed twice and never shown.",
        FormPurpose::LabFile => {
            "A path on this machine; its password files are read here too, relative to it, \
             and sent to the daemon (see config/demo-lab.toml for the format)."
        }
        FormPurpose::Room => "A short name: lab-a, room-2.",
        FormPurpose::Ups => {
            "Read over: ←/→ for NUT or SNMP. NUT: upsname@host:port. User and password only if \
             upsd asks for them."
        }
        FormPurpose::UpsSnmp => {
            "←/→ pick the choices. Address: host[:port], 161 by default. Community: typed \
             (never shown), or a file on this machine."
        }
        FormPurpose::Vcenter => {
            "URL: https://vcenter.example/sdk. Pinned cert: its SHA-256 fingerprint, or empty \
             to pin it later with `upstra trust`."
        }
        FormPurpose::Server => {
            "Kind: hypervisor, storage, network or other. Fed by: its UPS, separated by \
             commas. BMC URL, user and password: its Redfish endpoint."
        }
    },
    footer: "Tab next field  Enter OK  Esc cancel",
    pending: "Sending…",
};

/// An audit record's detail in English words.
fn fact(f: &AuditFact) -> String {
    match f {
        AuditFact::Moved { from, to } => format!("moved from {from} to {to}"),
        AuditFact::Power {
            action,
            before,
            after,
        } => {
            let done = match action.as_str() {
                "on" => "powered on".to_owned(),
                "off" => "powered off".to_owned(),
                "shutdown" => "shut down".to_owned(),
                "cycle" => "power-cycled".to_owned(),
                other => other.to_owned(),
            };
            let state = |s: &str| power_word(s, "on", "off");
            match (before, after) {
                (Some(b), Some(a)) => format!("{done}: was {}, now {}", state(b), state(a)),
                (Some(b), None) => format!("{done}: was {}", state(b)),
                _ => done,
            }
        }
        AuditFact::Run { ups, steps, reason } => {
            let mut text = format!("{steps} steps for UPS {}", ups.join(", "));
            if !reason.is_empty() {
                text.push_str(&format!(": {reason}"));
            }
            text
        }
        AuditFact::Step {
            run,
            step,
            action,
            outcome,
        } => format!("run {run}, step {step}: {action}: {outcome}"),
        AuditFact::RunEnded {
            run,
            plan,
            done,
            failed,
            skipped,
        } => {
            let mut text = format!("run {run} ({plan}): {done} done");
            for (n, what) in [(failed, "failed"), (skipped, "skipped")] {
                if *n > 0 {
                    text.push_str(&format!(", {n} {what}"));
                }
            }
            text
        }
        AuditFact::Role {
            role,
            resource: Some(on),
        } => format!("role {role} on {on}"),
        AuditFact::Role {
            role,
            resource: None,
        } => format!("role {role}"),
        AuditFact::Refusals { count, window_s } => {
            format!("{count} refused logins in {window_s} s")
        }
        AuditFact::Reason(why) => why.clone(),
        AuditFact::Fields(fields) => fields
            .iter()
            .map(|(k, v)| {
                if k.is_empty() {
                    v.clone()
                } else {
                    format!("{k}: {v}")
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    }
}
