//! The mouse, from the terminal's event to the state: the wheel moves the selection, a click
//! selects a tree line (and folds or unfolds it when it is already selected), a record or a
//! user, and a click on a palette line runs it. Clicks are placed with the same layout the
//! screen is drawn with, here at 80×24.

use crate::support;

use crossterm::event::{KeyCode, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;
use support::replied;
use support::{accounts, audit_trail, ctrl, key, logged_in, logged_in_with, people};
use upstra_tui::console::action::Action;
use upstra_tui::console::call::Reply;
use upstra_tui::console::command_table::Command;
use upstra_tui::console::mouse::{self, Hit};
use upstra_tui::console::state::{Overlay, PaletteItem, State};
use upstra_tui::console::tree::NodeId;
use upstra_tui::console::update::update;

const SCREEN: Rect = Rect::new(0, 0, 80, 24);

fn mouse(state: &mut State, kind: MouseEventKind, column: u16, row: u16) -> Option<Action> {
    let event = MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    let action = mouse::action_for(state, event, SCREEN)?;
    update(state, action.clone());
    Some(action)
}

fn click(state: &mut State, column: u16, row: u16) -> Option<Action> {
    mouse(state, MouseEventKind::Down(MouseButton::Left), column, row)
}

#[test]
fn a_click_selects_a_tree_line_and_a_second_click_unfolds_it() {
    let mut state = logged_in();
    // The header is row 0, the tree's border row 1: its third line (esx-a1) is row 4.
    let action = click(&mut state, 6, 4);
    assert!(matches!(action, Some(Action::Clicked(Hit::Row(2)))));
    assert_eq!(state.lab.selected, Some(NodeId::Server("esx-a1".into())));
    assert!(!state.is_expanded(&NodeId::Server("esx-a1".into())));
    click(&mut state, 6, 4);
    assert!(state.is_expanded(&NodeId::Server("esx-a1".into())));
    // Outside the list, below its lines, or in the details pane: nothing.
    assert!(click(&mut state, 60, 4).is_none());
    assert!(click(&mut state, 6, 20).is_none());
    assert!(click(&mut state, 0, 0).is_none());
}

#[test]
fn the_wheel_moves_the_selection_and_the_palettes_lines() {
    let mut state = logged_in();
    // Three lines a notch: lab-a, ups-a1, esx-a1, nas-a1.
    mouse(&mut state, MouseEventKind::ScrollDown, 10, 10);
    assert_eq!(state.lab.selected, Some(NodeId::Server("nas-a1".into())));
    mouse(&mut state, MouseEventKind::ScrollUp, 10, 10);
    assert_eq!(state.lab.selected, Some(NodeId::Room("lab-a".into())));
    ctrl(&mut state, 'k');
    mouse(&mut state, MouseEventKind::ScrollDown, 10, 10);
    let Some(Overlay::Palette(p)) = &state.overlay else {
        panic!("the palette");
    };
    assert_eq!(p.selected, 3);
}

#[test]
fn a_click_on_a_palette_line_runs_it() {
    let mut state = logged_in();
    ctrl(&mut state, 'k');
    let Some(Overlay::Palette(p)) = &state.overlay else {
        panic!("the palette");
    };
    assert_eq!(p.matches[0], PaletteItem::Command(Command::Help));
    // The palette is 72×18 in the middle of the body; its list starts under the query and
    // the rule.
    let action = click(&mut state, 10, 5);
    assert!(matches!(action, Some(Action::Clicked(Hit::PaletteItem(0)))));
    assert!(matches!(state.overlay, Some(Overlay::Help)));
}

#[test]
fn a_click_selects_a_record_of_the_history_and_a_user_of_the_accounts() {
    let mut state = logged_in_with("read,audit");
    key(&mut state, KeyCode::F(4));
    replied(&mut state, Reply::Audit(Ok(audit_trail())));
    // Border row 1, charts rows 2..8, the table's header row 8: records from row 9.
    click(&mut state, 10, 11);
    assert_eq!(state.history.selected, 2);
    let mut state = logged_in_with("read,admin");
    key(&mut state, KeyCode::F(5));
    replied(&mut state, Reply::Accounts(Ok(accounts())));
    replied(&mut state, Reply::People(Ok(people(None))));
    // Tabs row 2, a blank, the header row 4: users from row 5.
    click(&mut state, 3, 6);
    assert_eq!(state.admin.selected, 1);
    assert_eq!(state.admin.accounts.users[state.admin.selected].name, "bob");
}
