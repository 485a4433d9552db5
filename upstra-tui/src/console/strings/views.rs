//! The words of the history view and of the forms over the views, in one struct each per
//! language (`views_en`, `views_fr`).

use upstra_core::api::v1::AuditView;

use crate::audit_words::AuditFact;
use crate::console::state::{AuditFilter, FieldName, FormPurpose};

pub struct HistoryWords {
    pub title: &'static str,
    pub loading: &'static str,
    pub empty: &'static str,
    /// "143 records".
    pub records: fn(usize) -> String,
    pub no_filter: &'static str,
    /// "user demo · action apply · since 2h".
    pub filter: fn(&AuditFilter) -> String,
    pub per_day: &'static str,
    pub per_action: &'static str,
    pub col_time: &'static str,
    pub col_user: &'static str,
    pub col_action: &'static str,
    pub col_target: &'static str,
    pub col_result: &'static str,
    /// Under the table: what else the selected record says.
    pub detail: fn(&AuditView) -> String,
    /// A record's detail in words: "moved from esx-b1 to esx-a2" (the CLI's DETAIL column too).
    pub fact: fn(&AuditFact) -> String,
    /// The footer: what ↑↓ moves through.
    pub hint_records: &'static str,
    pub bad_since: fn(&str) -> String,
    pub filtered: &'static str,
}

pub struct FormWords {
    pub field: fn(FieldName) -> &'static str,
    pub title: fn(FormPurpose) -> &'static str,
    /// A line under the fields, saying what they take.
    pub hint: fn(FormPurpose) -> &'static str,
    pub footer: &'static str,
    pub pending: &'static str,
}

/// `user demo · action apply`: the parts of a filter that are set, with `words` naming them.
pub fn filter_parts(f: &AuditFilter, words: [&str; 4]) -> String {
    [&f.user, &f.action, &f.target, &f.since]
        .into_iter()
        .zip(words)
        .filter(|(v, _)| !v.is_empty())
        .map(|(v, w)| format!("{w} {v}"))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A power state as recorded (`poweredOn`, `On`, `off`) in the catalog's words for on and off.
pub(super) fn power_word(state: &str, on: &'static str, off: &'static str) -> String {
    match state.to_lowercase().trim_start_matches("powered") {
        "on" => on.to_owned(),
        "off" => off.to_owned(),
        other => other.to_owned(),
    }
}

/// The parts of a detail line: the record's number, Unix uid and correlation, then its facts.
pub(super) fn detail_parts(
    r: &AuditView,
    seq: fn(u64) -> String,
    uid: fn(u32) -> String,
    correlation: fn(&str) -> String,
    fact: fn(&AuditFact) -> String,
) -> String {
    let mut parts = Vec::new();
    if let Some(f) = crate::audit_words::fact(r) {
        parts.push(fact(&f));
    }
    parts.push(seq(r.seq));
    if let Some(u) = r.peer_uid {
        parts.push(uid(u));
    }
    if let Some(c) = &r.correlation {
        parts.push(correlation(c));
    }
    parts.join(" · ")
}
