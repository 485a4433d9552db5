//! The history view: the audit trail for the filter (user and action filtered by the daemon,
//! the target here), fetched when the view opens, on refresh and when the filter changes.
//! Not on every event: audit reads count against their own, tighter rate limit.

use upstra_core::api::v1::{AuditQuery, AuditView};
use upstra_core::rbac::Permissions;

use super::views::{call, failure_message, may, needs};
use crate::console::action::{Action, Effect, Failure};
use crate::console::call::Call;
use crate::console::command_table::Command;
use crate::console::message::{Message, Notice};
use crate::console::state::{Field, FieldName, Form, FormPurpose, Overlay, State};

/// The most records asked for at once (the daemon's own cap).
const LIMIT: u32 = 1000;
/// How far the page keys move.
const PAGE: usize = 10;

pub(super) fn entered(state: &mut State) -> Vec<Effect> {
    if !may(state, Permissions::AUDIT) {
        state.history.problem = Some(needs("audit"));
        return Vec::new();
    }
    fetch(state)
}

/// Asks for the records of the filter, unless a call is out.
pub(super) fn fetch(state: &mut State) -> Vec<Effect> {
    let history = &mut state.history;
    if history.fetching || !may(state, Permissions::AUDIT) {
        return Vec::new();
    }
    state.history.fetching = true;
    let f = &state.history.filter;
    let text = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let query = AuditQuery {
        since: None,
        user: text(&f.user),
        action: text(&f.action),
        limit: Some(LIMIT),
        before: None,
    };
    let since = text(&f.since);
    call(state, Call::Audit { query, since })
}

pub(super) fn loaded(state: &mut State, result: Result<Vec<AuditView>, Failure>) -> Vec<Effect> {
    state.history.fetching = false;
    match result {
        Ok(records) => state.history.set_records(records),
        Err(f) => {
            let why = failure_message(state, f);
            state.history.problem = Some(why);
        }
    }
    Vec::new()
}

/// Up, Down, the page keys, Home and End move through the records.
pub(super) fn navigate(state: &mut State, action: &Action) {
    let h = &mut state.history;
    let last = h.records.len().saturating_sub(1);
    h.selected = match action {
        Action::Up => h.selected.saturating_sub(1),
        Action::Down => (h.selected + 1).min(last),
        Action::First => 0,
        Action::Last => last,
        Action::Run(Command::PageUp) => h.selected.saturating_sub(PAGE),
        Action::Run(Command::PageDown) => (h.selected + PAGE).min(last),
        _ => h.selected,
    };
}

/// `/`: the filter form, filled with the filter in use.
pub(super) fn open_filter(state: &mut State) {
    let f = &state.history.filter;
    state.overlay = Some(Overlay::Form(Form::new(
        FormPurpose::AuditFilter,
        vec![
            Field::new(FieldName::User, &f.user),
            Field::new(FieldName::Action, &f.action),
            Field::new(FieldName::Target, &f.target),
            Field::new(FieldName::Since, &f.since),
        ],
    )));
}

/// Enter in the filter form: check the time, then ask again with the new filter.
pub(super) fn filter(state: &mut State, form: &Form) -> Vec<Effect> {
    let since = form.value(FieldName::Since);
    if !since.is_empty() && !crate::format::since_is_valid(since) {
        let mut form = form.clone();
        form.error = Some(Message::BadSince(since.to_owned()));
        form.focus_on(FieldName::Since);
        state.overlay = Some(Overlay::Form(form));
        return Vec::new();
    }
    let f = &mut state.history.filter;
    f.user = form.value(FieldName::User).to_owned();
    f.action = form.value(FieldName::Action).to_owned();
    f.target = form.value(FieldName::Target).to_owned();
    f.since = since.to_owned();
    state.overlay = None;
    state.history.selected = 0;
    if !state.history.filter.is_empty() {
        state.notice = Some(Notice::info(Message::Filtered));
    }
    fetch(state)
}
