//! The lab tree's `/` filter: typing narrows the tree to what matches (with the path down to
//! it) and puts the selection on the first match; Enter keeps the filter and gives the keys
//! back to the tree; Esc clears it, leaving the selection where it was, unfolded into view.

use crate::console::action::FilterAction;
use crate::console::state::State;
use crate::console::tree::NodeId;

/// The longest filter worth typing.
const TEXT_MAX: usize = 100;

/// `/` in the lab view: the filter takes the keys, with the text in use to edit.
pub(super) fn open(state: &mut State) {
    state.lab.filter.typing = true;
    state.lab.filter.origin = state.lab.selected.clone();
}

pub(super) fn key(state: &mut State, action: FilterAction) {
    match action {
        FilterAction::Char(c) if state.lab.filter.text.chars().count() < TEXT_MAX => {
            state.lab.filter.text.push(c);
            refilter(state);
        }
        FilterAction::Backspace if !state.lab.filter.text.is_empty() => {
            state.lab.filter.text.pop();
            refilter(state);
        }
        FilterAction::Keep => state.lab.filter.typing = false,
        FilterAction::Clear => clear(state),
        _ => {}
    }
}

/// Matches the new text and selects the first match (nothing when none matches). With the
/// text erased, the whole tree is back and the selection shows in it.
fn refilter(state: &mut State) {
    state
        .lab
        .filter
        .apply(&state.lab.tree, &state.lab.inventory);
    if state.lab.filter.is_active() {
        state.lab.selected = state.lab.filter.kept.first.clone();
    } else {
        reveal_selection(state);
    }
}

/// Esc: the whole tree again, the selection kept (or the one from before the filter).
pub(super) fn clear(state: &mut State) {
    state.lab.filter.clear();
    if state.lab.selected.is_none() {
        state.lab.selected = state.lab.filter.origin.clone();
    }
    reveal_selection(state);
}

/// Unfolds the selection's parents, or falls back to the first line.
fn reveal_selection(state: &mut State) {
    let shown = state
        .lab
        .selected
        .clone()
        .is_some_and(|id| state.reveal(&id));
    if !shown {
        state.lab.selected = state.rows().first().map(|r| r.id.clone());
    }
}

/// Selects `id` from the palette: a filter that hides it is cleared first.
pub(super) fn reveal(state: &mut State, id: &NodeId) {
    if state.lab.filter.is_active() && !state.lab.filter.kept.nodes.contains(id) {
        state.lab.filter.clear();
    }
    state.reveal(id);
}
