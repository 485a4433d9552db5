//! The words of the history view and of the forms over the views, in one struct each per
//! language (`views_en`, `views_fr`).

use upstra_core::api::v1::AuditView;

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
