//! What the history view knows: the audit records the daemon answered for the filter, newest
//! first, and their counts per day and per action for the charts, derived once when they
//! arrive so that drawing only reads them.

use std::collections::BTreeMap;

use upstra_core::api::v1::AuditView;

use crate::console::message::Message;
use crate::format;

/// The filter, as typed. Empty means any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub user: String,
    pub action: String,
    /// Part of the target (`server:esx-a1`, `ups:`, `db-01`...), matched here against the
    /// target as recorded and as named today: the daemon filters by user and action (the start
    /// of each) and time only.
    pub target: String,
    /// An age (`2h`, `3d`) or a time (`2026-11-25`, `2026-11-25T10:00:00Z`).
    pub since: String,
}

impl AuditFilter {
    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
            && self.action.is_empty()
            && self.target.is_empty()
            && self.since.is_empty()
    }

    /// Whether `record` passes the part of the filter applied here.
    pub fn keeps(&self, record: &AuditView) -> bool {
        crate::audit_words::target_matches(record, &self.target)
    }
}

/// The history view's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub filter: AuditFilter,
    /// Newest first.
    pub records: Vec<AuditView>,
    /// Records per day (`2026-11-25`), oldest first.
    pub per_day: Vec<(String, u64)>,
    /// Records per action, the most frequent first.
    pub per_action: Vec<(String, u64)>,
    pub loaded: bool,
    pub fetching: bool,
    pub selected: usize,
    pub problem: Option<Message>,
}

impl History {
    /// Takes the daemon's answer (oldest first), applies the target filter and counts.
    pub fn set_records(&mut self, mut records: Vec<AuditView>) {
        records.retain(|r| self.filter.keeps(r));
        records.reverse();
        let mut days: BTreeMap<String, u64> = BTreeMap::new();
        let mut actions: BTreeMap<String, u64> = BTreeMap::new();
        for r in &records {
            *days.entry(format::day(r.at)).or_default() += 1;
            *actions.entry(r.action.clone()).or_default() += 1;
        }
        self.per_day = days.into_iter().collect();
        let mut per_action: Vec<(String, u64)> = actions.into_iter().collect();
        per_action.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        self.per_action = per_action;
        self.records = records;
        self.selected = self.selected.min(self.records.len().saturating_sub(1));
        self.loaded = true;
        self.problem = None;
    }
}
