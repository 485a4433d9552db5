//! Moving through the tree and folding it.

use crate::console::action::Action;
use crate::console::command_table::Command;
use crate::console::state::State;

/// How far the page keys move.
const PAGE: usize = 10;

/// Up, Down, First, Last; the first key press selects the first line.
pub(super) fn navigate(state: &mut State, action: &Action) {
    let rows = state.rows();
    let Some(last) = rows.len().checked_sub(1) else {
        return;
    };
    let index = match (state.selected_index(&rows), action) {
        (None, _) | (_, Action::First) => 0,
        (_, Action::Last) => last,
        (Some(i), Action::Up) => i.saturating_sub(1),
        (Some(i), Action::Down) => (i + 1).min(last),
        (Some(i), Action::Run(Command::PageUp)) => i.saturating_sub(PAGE),
        (Some(i), Action::Run(Command::PageDown)) => (i + PAGE).min(last),
        (Some(i), _) => i,
    };
    state.lab.selected = Some(rows[index].id.clone());
}

/// Collapse, Expand, Toggle, with file-manager moves when there is nothing to fold (or a
/// filter decides what shows).
pub(super) fn fold(state: &mut State, action: &Action) {
    let rows = state.rows();
    let Some(index) = state.selected_index(&rows) else {
        navigate(state, &Action::First);
        return;
    };
    let row = &rows[index];
    if state.lab.filter.is_active() {
        // The filter unfolds what it keeps: the fold keys only move.
        let to = match action {
            Action::Expand => rows.get(index + 1).filter(|r| r.depth > row.depth),
            Action::Collapse => rows[..index].iter().rev().find(|r| r.depth < row.depth),
            _ => None,
        };
        if let Some(to) = to {
            state.lab.selected = Some(to.id.clone());
        }
        return;
    }
    match action {
        Action::Toggle if row.has_children => state.set_expanded(&row.id, !row.expanded),
        Action::Expand if row.has_children && !row.expanded => state.set_expanded(&row.id, true),
        Action::Expand if row.expanded => {
            if let Some(child) = rows.get(index + 1) {
                state.lab.selected = Some(child.id.clone());
            }
        }
        Action::Collapse if row.expanded => state.set_expanded(&row.id, false),
        Action::Collapse => {
            // Already folded (or a leaf): go up to the parent, as file managers do.
            if let Some(parent) = rows[..index].iter().rev().find(|r| r.depth < row.depth) {
                state.lab.selected = Some(parent.id.clone());
            }
        }
        _ => {}
    }
}
