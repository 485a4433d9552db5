//! The history view and the forms in English.

use super::views::{FormWords, HistoryWords, filter_parts};
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
        let mut parts = vec![format!("#{}", r.seq)];
        if let Some(uid) = r.peer_uid {
            parts.push(format!("Unix uid {uid}"));
        }
        if let Some(c) = &r.correlation {
            parts.push(format!("correlation {c}"));
        }
        if let Some(d) = &r.detail {
            parts.push(d.clone());
        }
        parts.join(" · ")
    },
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
    },
    title: |p| match p {
        FormPurpose::AuditFilter => "Filter the history",
        FormPurpose::AddUser => "Add a user",
        FormPurpose::AddGrant => "Grant a role",
        FormPurpose::SetupAdmin => "The first admin",
        FormPurpose::LabFile => "Load a lab file",
        FormPurpose::Room => "Add a room",
        FormPurpose::Ups => "Add a UPS",
        FormPurpose::Vcenter => "Declare the vCenter",
        FormPurpose::Server => "Add a server",
    },
    hint: |p| match p {
        FormPurpose::AuditFilter => {
            "Empty fields match everything. Since: an age (90m, 2h, 3d) or a time \
             (2026-11-25, 2026-11-25T10:00:00Z). Target: part of it (server:, esx-a1)."
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
        FormPurpose::Ups => "NUT: upsname@host:port. User and password only if upsd asks for them.",
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
