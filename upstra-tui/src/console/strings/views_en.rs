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
    },
    title: |p| match p {
        FormPurpose::AuditFilter => "Filter the history",
        FormPurpose::AddUser => "Add a user",
        FormPurpose::AddGrant => "Grant a role",
    },
    hint: |p| match p {
        FormPurpose::AuditFilter => {
            "Empty fields match everything. Since: an age (90m, 2h, 3d) or a time \
             (2026-11-25, 2026-11-25T10:00:00Z). Target: part of it (server:, esx-a1)."
        }
        FormPurpose::AddUser => {
            "Roles: admin, operator, viewer, or one created with `upstra role create`. The \
             password is typed twice and never shown."
        }
        FormPurpose::AddGrant => {
            "On: all, room:NAME, ups:NAME, server:NAME or vm:ID. A grant on a room covers its \
             servers and their VMs."
        }
    },
    footer: "Tab next field  Enter OK  Esc cancel",
    pending: "Sending…",
};
