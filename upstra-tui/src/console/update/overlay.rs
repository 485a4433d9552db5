//! Keys in the layers over the views: the command palette, the confirm dialog, the pickers
//! (a host to migrate to, a role to give), and the help.

use super::{operate, roles, views};
use crate::console::action::{Action, Effect};
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

pub(super) fn key(state: &mut State, action: Action) -> Vec<Effect> {
    let Some(overlay) = &mut state.overlay else {
        return Vec::new();
    };
    match (overlay, action) {
        (_, Action::CloseOverlay) => state.overlay = None,
        (Overlay::Palette(_), Action::PaletteChar(c)) => requery(state, |q| q.push(c)),
        (Overlay::Palette(_), Action::PaletteBackspace) => requery(state, |q| {
            q.pop();
        }),
        (Overlay::Palette(_), Action::PaletteClear) => requery(state, String::clear),
        (Overlay::Palette(p), Action::PaletteMove(by)) => {
            p.selected = moved(p.selected, by, p.matches.len());
        }
        (Overlay::Palette(p), Action::PaletteRun) => {
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
        (Overlay::Confirm(c), Action::ConfirmSwitch) => c.yes = !c.yes,
        (Overlay::Confirm(c), Action::ConfirmAnswer) => {
            let yes = c.yes;
            let op = c.op.clone();
            state.overlay = None;
            if yes {
                return operate::send(state, op);
            }
        }
        (Overlay::Ask(a), Action::ConfirmSwitch) => a.yes = !a.yes,
        (Overlay::Ask(a), Action::ConfirmAnswer) => {
            let yes = a.yes;
            let request = a.request.clone();
            state.overlay = None;
            if yes {
                return views::send(state, request);
            }
        }
        (Overlay::Roles(p), Action::HostMove(by)) => {
            p.selected = moved(p.selected, by, p.roles.len());
        }
        (Overlay::Roles(_), Action::HostPick) => roles::picked(state),
        (Overlay::Hosts(h), Action::HostMove(by)) => {
            h.selected = moved(h.selected, by, h.hosts.len());
        }
        (Overlay::Hosts(h), Action::HostPick) => {
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
