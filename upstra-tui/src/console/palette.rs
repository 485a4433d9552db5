//! What the command palette offers and how it ranks it: the commands the session may run on
//! the selection, and every room, UPS, server and VM, fuzzy-matched with nucleo against what
//! is typed. Pure, so `update` recomputes the list on each key and `render` only draws it.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher};

use super::command_table::{Applies, Command, Group};
use super::state::{PaletteItem, Screen, State};
use super::strings::Strings;
use super::tree::{self, NodeId};

/// Whether `command` can act on `selected`.
pub fn applies_to(command: Command, selected: Option<&NodeId>) -> bool {
    matches!(
        (command.applies(), selected),
        (Applies::Anything, _)
            | (
                Applies::ServersAndVms,
                Some(NodeId::Server(_) | NodeId::Vm(_))
            )
            | (Applies::Servers, Some(NodeId::Server(_)))
            | (Applies::Vms, Some(NodeId::Vm(_)))
            | (
                Applies::Ups,
                Some(NodeId::Ups(_) | NodeId::Server(_) | NodeId::Vm(_))
            )
    )
}

/// Whether `command` means something in `screen`: the lab's actions act on the tree's
/// selection, so they work in the lab view only; the others wherever they make sense.
pub fn fits_view(command: Command, screen: Screen) -> bool {
    match command.group() {
        Group::Lab => screen == Screen::Tree,
        Group::Admin => screen == Screen::Admin,
        _ => command != Command::Filter || matches!(screen, Screen::Tree | Screen::History),
    }
}

/// The commands the palette lists: those with a place in it that the session's permissions
/// allow, that mean something in the view on screen and apply to what is selected there.
pub fn commands(state: &State) -> Vec<Command> {
    let held = state.permissions();
    Command::ALL
        .into_iter()
        .filter(|c| c.in_palette())
        .filter(|c| held.contains(c.needs()))
        .filter(|c| fits_view(*c, state.screen))
        .filter(|c| match c.applies() {
            Applies::Ups => super::update::target_ups(state).is_some(),
            _ => applies_to(*c, state.lab.selected.as_ref()),
        })
        .filter(|c| super::update::offers(state, *c))
        // A tab to switch to only once a shell is open.
        .filter(|c| *c != Command::NextShell || !state.ssh.panes.is_empty())
        .collect()
}

/// A node's kind and name as the palette shows them: `server esx-a1`.
pub fn object_name(s: &Strings, state: &State, id: &NodeId) -> (&'static str, String) {
    match id {
        NodeId::Room(name) => (s.label_room, name.clone()),
        NodeId::Ups(name) => (s.label_ups, name.clone()),
        NodeId::Server(name) => (s.label_server, name.clone()),
        NodeId::Vm(vm) => (
            s.label_vm,
            state
                .lab
                .inventory
                .vms
                .get(vm)
                .map_or_else(|| vm.clone(), |v| v.name.clone()),
        ),
        NodeId::Unplaced => (s.unplaced_vms, String::new()),
    }
}

/// What a line is matched on.
fn haystack(s: &Strings, state: &State, item: &PaletteItem) -> String {
    match item {
        PaletteItem::Command(c) => format!("{} {}", (s.command)(*c), c.name()),
        PaletteItem::Object(id) => {
            let (kind, name) = object_name(s, state, id);
            format!("{kind} {name}")
        }
    }
}

/// Everything matching `query`, best first; everything, commands first, when it is empty.
pub fn matches(state: &State, query: &str) -> Vec<PaletteItem> {
    let s = state.strings();
    let items: Vec<PaletteItem> = commands(state)
        .into_iter()
        .map(PaletteItem::Command)
        .chain(
            tree::all(&state.lab.tree)
                .into_iter()
                .filter(|id| **id != NodeId::Unplaced)
                .map(|id| PaletteItem::Object(id.clone())),
        )
        .collect();
    let texts: Vec<Candidate> = items
        .iter()
        .enumerate()
        .map(|(index, item)| Candidate {
            index,
            text: haystack(s, state, item),
        })
        .collect();
    let pattern = Pattern::parse(query, CaseMatching::Smart, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    pattern
        .match_list(texts, &mut matcher)
        .into_iter()
        .filter_map(|(c, _)| items.get(c.index).cloned())
        .collect()
}

struct Candidate {
    index: usize,
    text: String,
}

impl AsRef<str> for Candidate {
    fn as_ref(&self) -> &str {
        &self.text
    }
}
