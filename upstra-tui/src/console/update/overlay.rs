//! Keys in the layers over the views: the command palette, the confirm dialog, the pickers
//! (a host to migrate to, a role to give), and the help.

use super::{operate, roles, views};
use crate::console::action::{ConfirmAction, Effect, PaletteAction, PickerAction};
use crate::console::operation::Operation;
use crate::console::palette;
use crate::console::state::{Overlay, Palette, PaletteItem, Screen, State};

pub(super) fn open_palette(state: &mut State) {
    let mut p = Palette::default();
    p.matches = palette::matches(state, &p.query);
    state.overlay = Some(Overlay::Palette(p));
}

/// Matches again after the query, the inventory or the language changed, keeping the same
/// line selected when it is still there.
pub(super) fn refresh_palette(state: &mut State) {
    let Some(Overlay::Palette(p)) = &state.overlay else {
        return;
    };
    let query = p.query.clone();
    let current = p.matches.get(p.selected).cloned();
    let matches = palette::matches(state, &query);
    let selected = current
        .and_then(|c| matches.iter().position(|m| *m == c))
        .unwrap_or(0);
    if let Some(Overlay::Palette(p)) = &mut state.overlay {
        p.matches = matches;
        p.selected = selected;
    }
}

/// Edits the palette's query and matches again from the top.
fn requery(state: &mut State, edit: impl FnOnce(&mut String)) {
    let Some(Overlay::Palette(p)) = &mut state.overlay else {
        return;
    };
    edit(&mut p.query);
    let query = p.query.clone();
    let matches = palette::matches(state, &query);
    if let Some(Overlay::Palette(p)) = &mut state.overlay {
        p.matches = matches;
        p.selected = 0;
    }
}

/// Moves `selected` by `by` within `len` lines, stopping at the ends.
fn moved(selected: usize, by: i32, len: usize) -> usize {
    let last = len.saturating_sub(1);
    let magnitude = usize::try_from(by.unsigned_abs()).unwrap_or(usize::MAX);
    if by < 0 {
        selected.saturating_sub(magnitude)
    } else {
        selected.saturating_add(magnitude).min(last)
    }
}

/// A key in the command palette.
pub(super) fn palette_key(state: &mut State, action: PaletteAction) -> Vec<Effect> {
    let Some(Overlay::Palette(p)) = &mut state.overlay else {
        return Vec::new();
    };
    match action {
        PaletteAction::Char(c) => requery(state, |q| q.push(c)),
        PaletteAction::Backspace => requery(state, |q| {
            q.pop();
        }),
        PaletteAction::Clear => requery(state, String::clear),
        PaletteAction::Move(by) => p.selected = moved(p.selected, by, p.matches.len()),
        PaletteAction::Run => {
            let Some(item) = p.matches.get(p.selected).cloned() else {
                return Vec::new();
            };
            return match item {
                PaletteItem::Command(c) => operate::from_palette(state, c),
                PaletteItem::Object(id) => {
                    state.overlay = None;
                    if state.screen.is_view() {
                        state.screen = Screen::Tree;
                    }
                    super::lab_filter::reveal(state, &id);
                    Vec::new()
                }
            };
        }
    }
    Vec::new()
}

/// A key in a confirm dialog: an operation's, or a request's of the accounts view.
pub(super) fn confirm_key(state: &mut State, action: ConfirmAction) -> Vec<Effect> {
    match (&mut state.overlay, action) {
        (Some(Overlay::Confirm(c)), ConfirmAction::Switch) => c.yes = !c.yes,
        (Some(Overlay::Confirm(c)), ConfirmAction::Answer) => {
            let yes = c.yes;
            let op = c.op.clone();
            state.overlay = None;
            if yes {
                return operate::send(state, op);
            }
        }
        (Some(Overlay::Ask(a)), ConfirmAction::Switch) => a.yes = !a.yes,
        (Some(Overlay::Ask(a)), ConfirmAction::Answer) => {
            let yes = a.yes;
            let request = a.request.clone();
            state.overlay = None;
            if yes {
                return views::send(state, request);
            }
        }
        _ => {}
    }
    Vec::new()
}

/// A key in a picker: a role for a user, a host to migrate to.
pub(super) fn picker_key(state: &mut State, action: PickerAction) -> Vec<Effect> {
    match (&mut state.overlay, action) {
        (Some(Overlay::Roles(p)), PickerAction::Move(by)) => {
            p.selected = moved(p.selected, by, p.roles.len());
        }
        (Some(Overlay::Roles(_)), PickerAction::Pick) => roles::picked(state),
        (Some(Overlay::Hosts(h)), PickerAction::Move(by)) => {
            h.selected = moved(h.selected, by, h.hosts.len());
        }
        (Some(Overlay::Hosts(h)), PickerAction::Pick) => {
            let Some(to) = h.hosts.get(h.selected).cloned() else {
                return Vec::new();
            };
            let op = Operation::Migrate {
                id: h.vm.clone(),
                name: h.name.clone(),
                from: h.from.clone(),
                to,
            };
            operate::ask(state, op);
        }
        _ => {}
    }
    Vec::new()
}
