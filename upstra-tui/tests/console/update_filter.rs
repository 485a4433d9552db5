//! `update` for the lab tree's `/` filter: typing narrows the tree to the nodes whose name
//! (a VM's id or host too) contains the text, with their ancestors; Enter keeps it, Esc
//! clears it. Keys go through the real key map.

use crate::support;

use crossterm::event::KeyCode;
use support::{apply, key, lab, logged_in, press, vm};
use upstra_tui::console::action::{Action, Effect, FilterAction};
use upstra_tui::console::state::{FormPurpose, Mode, Overlay, Screen, State};
use upstra_tui::console::tree::NodeId;

fn ids(state: &State) -> Vec<NodeId> {
    state.rows().into_iter().map(|r| r.id).collect()
}

fn room(name: &str) -> NodeId {
    NodeId::Room(name.into())
}

fn ups(name: &str) -> NodeId {
    NodeId::Ups(name.into())
}

fn server(name: &str) -> NodeId {
    NodeId::Server(name.into())
}

fn vm_node(id: &str) -> NodeId {
    NodeId::Vm(id.into())
}

#[test]
fn slash_narrows_the_tree_to_matches_with_their_ancestors_and_selects_the_first() {
    let mut state = logged_in();
    press(&mut state, "/");
    assert_eq!(state.mode(), Mode::Filter);
    assert_eq!(ids(&state).len(), 10, "nothing typed: the whole tree");

    press(&mut state, "esx-b");
    // git runs on esx-b1 (its host is esx-b1.lab): it matches too, and shows although
    // servers start folded.
    assert_eq!(
        ids(&state),
        vec![
            room("lab-b"),
            ups("ups-b1"),
            server("esx-b1"),
            vm_node("vm-3")
        ]
    );
    assert_eq!(
        state.lab.filter.kept.matches, 2,
        "the ancestors do not count"
    );
    assert_eq!(state.lab.selected, Some(server("esx-b1")));
    assert!(state.rows().iter().all(|r| r.expanded == r.has_children));
}

#[test]
fn matching_ignores_case_and_finds_vms_by_name_id_or_host() {
    let mut state = logged_in();
    press(&mut state, "/WEB");
    assert_eq!(
        ids(&state),
        vec![
            room("lab-a"),
            ups("ups-a1"),
            server("esx-a1"),
            vm_node("vm-1")
        ]
    );
    assert_eq!(state.lab.selected, Some(vm_node("vm-1")));

    press(&mut state, "\x08\x08\x08");
    // (`press` reads `v` as Down.)
    apply(
        &mut state,
        "vm-9"
            .chars()
            .map(|c| Action::Filter(FilterAction::Char(c)))
            .collect(),
    );
    assert_eq!(state.lab.filter.text, "vm-9");
    assert_eq!(ids(&state), vec![NodeId::Unplaced, vm_node("vm-9")]);

    press(&mut state, "\x08\x08\x08\x08gone-host");
    assert_eq!(
        state.lab.selected,
        Some(vm_node("vm-9")),
        "by the host it reports"
    );
}

#[test]
fn each_key_moves_the_selection_to_the_first_match() {
    let mut state = logged_in();
    press(&mut state, "/e");
    let first = state.lab.selected.clone();
    assert_eq!(first, Some(server("esx-a1")), "first in tree order");
    press(&mut state, "sx-b");
    assert_eq!(state.lab.selected, Some(server("esx-b1")));
    // Up and Down move among what shows, still typing.
    press(&mut state, "v");
    assert_eq!(state.lab.selected, Some(vm_node("vm-3")));
    assert_eq!(state.mode(), Mode::Filter);
}

#[test]
fn typing_keys_go_to_the_text_not_to_the_commands() {
    let mut state = logged_in();
    let effects = press(&mut state, "/qx");
    assert_eq!(state.lab.filter.text, "qx");
    assert!(
        effects.is_empty(),
        "neither quit nor power off: {effects:?}"
    );
    assert!(state.overlay.is_none());
}

#[test]
fn enter_keeps_the_filter_and_gives_the_keys_back_to_the_tree() {
    let mut state = logged_in();
    press(&mut state, "/-01\n");
    assert_eq!(state.mode(), Mode::Tree);
    assert!(state.lab.filter.is_active());
    assert_eq!(
        state.lab.selected,
        Some(vm_node("vm-2")),
        "db-01 sorts first"
    );
    press(&mut state, "j");
    assert_eq!(state.lab.selected, Some(vm_node("vm-1")));
    press(&mut state, "j");
    assert_eq!(
        state.lab.selected,
        Some(vm_node("vm-1")),
        "the last line of what the filter keeps"
    );
    // The lab commands act on the selection as usual.
    press(&mut state, "x");
    assert!(matches!(state.overlay, Some(Overlay::Confirm(_))));
}

#[test]
fn left_and_right_move_through_a_filtered_tree_without_folding_it() {
    let mut state = logged_in();
    press(&mut state, "/web\n");
    let shown = ids(&state);
    press(&mut state, "h");
    assert_eq!(state.lab.selected, Some(server("esx-a1")));
    press(&mut state, "h\n");
    assert_eq!(state.lab.selected, Some(ups("ups-a1")));
    assert_eq!(ids(&state), shown, "still all of the path");
    press(&mut state, "l");
    assert_eq!(state.lab.selected, Some(server("esx-a1")));
}

#[test]
fn esc_clears_the_filter_and_the_selection_stays_in_view() {
    let mut state = logged_in();
    let all = ids(&state);
    press(&mut state, "/db");
    press(&mut state, "\x1b");
    assert_eq!(state.mode(), Mode::Tree);
    assert!(!state.lab.filter.is_active());
    assert_eq!(state.lab.selected, Some(vm_node("vm-2")));
    assert!(
        state.is_expanded(&server("esx-a1")),
        "its server unfolds to show it"
    );
    assert_eq!(ids(&state).len(), all.len() + 2);

    // Esc in the tree clears a filter kept with Enter.
    press(&mut state, "/git\n");
    assert!(state.lab.filter.is_active());
    key(&mut state, KeyCode::Esc);
    assert!(!state.lab.filter.is_active());
    assert_eq!(state.lab.selected, Some(vm_node("vm-3")));
}

#[test]
fn a_filter_that_matches_nothing_selects_nothing_and_esc_gives_the_selection_back() {
    let mut state = logged_in();
    press(&mut state, "jj");
    press(&mut state, "/zzz");
    assert_eq!(state.lab.filter.kept.matches, 0);
    assert!(state.rows().is_empty());
    assert_eq!(state.lab.selected, None);
    press(&mut state, "\n");
    assert_eq!(state.mode(), Mode::Tree);
    press(&mut state, "\x1b");
    assert_eq!(state.lab.selected, Some(server("esx-a1")));
}

#[test]
fn erasing_the_text_brings_the_whole_tree_back() {
    let mut state = logged_in();
    let all = ids(&state);
    press(&mut state, "/nas\x08\x08\x08");
    assert!(!state.lab.filter.is_active());
    assert_eq!(ids(&state), all);
    assert_eq!(state.lab.selected, Some(server("nas-a1")), "where it was");
    press(&mut state, "\n");
    assert_eq!(state.mode(), Mode::Tree);
}

#[test]
fn a_refresh_filters_the_new_lists_too() {
    let mut state = logged_in();
    press(&mut state, "/web\n");
    let mut lists = lab();
    lists.vms.push(vm("vm-4", "web-02", Some("esx-b1")));
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(lists),
        }],
    );
    assert_eq!(state.lab.filter.kept.matches, 2);
    assert!(ids(&state).contains(&vm_node("vm-4")));
    assert_eq!(state.lab.selected, Some(vm_node("vm-1")), "kept");
}

#[test]
fn choosing_an_object_the_filter_hides_in_the_palette_clears_the_filter() {
    let mut state = logged_in();
    press(&mut state, "/esx-b\n");
    support::ctrl(&mut state, 'k');
    press(&mut state, "nas-a1");
    press(&mut state, "\n");
    assert!(!state.lab.filter.is_active());
    assert_eq!(state.lab.selected, Some(server("nas-a1")));
}

#[test]
fn slash_in_the_history_still_opens_its_filter() {
    let mut state = support::logged_in_with("read,audit");
    key(&mut state, KeyCode::F(4));
    assert_eq!(state.screen, Screen::History);
    let effects: Vec<Effect> = press(&mut state, "/");
    assert!(effects.is_empty());
    assert!(
        matches!(&state.overlay, Some(Overlay::Form(f)) if f.purpose == FormPurpose::AuditFilter)
    );
    assert!(!state.lab.filter.typing);
}
