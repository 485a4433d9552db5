//! The mouse: the wheel scrolls the list under it (the tree, the steps, the records, the
//! palette...), a click selects a line of the tree or a list, a click on the selected tree
//! line folds or unfolds it, a click on a palette line runs it. Where a click lands is worked
//! out by `ui::hit` from the same layout the screen was drawn with.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

use super::action::Action;
use super::state::State;
use super::ui;

/// Lines the wheel moves per notch.
pub const WHEEL: i32 = 3;

/// What a click landed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// A line of the main view's list: the tree's visible lines, the plan's steps, the
    /// history's records, the accounts' users.
    Row(usize),
    /// A line of the command palette.
    PaletteItem(usize),
}

/// The action a mouse event means on a screen of size `area`.
pub fn action_for(state: &State, event: MouseEvent, area: Rect) -> Option<Action> {
    match event.kind {
        MouseEventKind::ScrollDown => Some(Action::Scroll(WHEEL)),
        MouseEventKind::ScrollUp => Some(Action::Scroll(-WHEEL)),
        MouseEventKind::Down(MouseButton::Left) => {
            ui::hit(state, area, event.column, event.row).map(Action::Clicked)
        }
        _ => None,
    }
}
