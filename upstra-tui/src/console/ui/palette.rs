//! The command palette: the query on top, then what matches, best first. A command shows its
//! target (the selection) and its key; an object shows its kind and where it is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph};

use super::shown;
use super::{centered, list_row};
use crate::console::command_table::{Applies, Command};
use crate::console::palette::object_name;
use crate::console::state::{Palette, PaletteItem, State};
use crate::console::tree::NodeId;

const WIDTH: u16 = 72;
const HEIGHT: u16 = 18;

pub fn render(state: &State, palette: &Palette, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let dialog = centered(area, WIDTH.min(area.width), HEIGHT.min(area.height));
    let block = Block::bordered().title(format!(" {} ", s.palette_title));
    let inner = block.inner(dialog);
    frame.render_widget(Clear, dialog);
    frame.render_widget(block, dialog);
    let [query, rule, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    let prompt = if palette.query.is_empty() {
        Line::from(vec![Span::raw("› "), Span::styled(s.palette_hint, t.dim())])
    } else {
        Line::from(vec![
            Span::raw("› "),
            Span::styled(palette.query.as_str(), t.strong()),
        ])
    };
    frame.render_widget(Paragraph::new(prompt), query);
    frame.render_widget(
        Paragraph::new("─".repeat(usize::from(rule.width))).style(t.dim()),
        rule,
    );
    let cursor_x =
        query.x + 2 + u16::try_from(Span::raw(palette.query.as_str()).width()).unwrap_or(0);
    if cursor_x < query.right() {
        frame.set_cursor_position(Position::new(cursor_x, query.y));
    }
    if palette.matches.is_empty() {
        frame.render_widget(Paragraph::new(s.palette_empty).style(t.dim()), list);
        return;
    }
    let width = usize::from(list.width);
    // Only the lines in view are built (a big lab matches thousands), scrolled as `row_at`
    // expects: just enough to show the selection.
    let offset = palette
        .selected
        .saturating_sub(usize::from(list.height).max(1) - 1);
    let items: Vec<ListItem> = palette
        .matches
        .iter()
        .skip(offset)
        .take(usize::from(list.height))
        .map(|item| ListItem::new(line(state, item, width)))
        .collect();
    let mut list_state = ListState::default().with_selected(Some(palette.selected - offset));
    frame.render_stateful_widget(
        List::new(items).highlight_style(t.selected()),
        list,
        &mut list_state,
    );
}

/// Where the palette's list is drawn over `area`.
fn list_area(area: Rect) -> Rect {
    let dialog = centered(area, WIDTH.min(area.width), HEIGHT.min(area.height));
    let inner = Block::bordered().inner(dialog);
    let [_, _, list] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    list
}

/// The palette line at `at`, for a click. The list scrolls as ratatui's `List` does: just
/// enough to show the selection.
pub fn row_at(palette: &Palette, area: Rect, at: Position) -> Option<usize> {
    let list = list_area(area);
    let offset = palette
        .selected
        .saturating_sub(usize::from(list.height).max(1) - 1);
    list_row(list, at, offset, palette.matches.len())
}

/// One line: the left part, and the right part pushed to the edge.
fn line<'a>(state: &'a State, item: &PaletteItem, width: usize) -> Line<'a> {
    let s = state.strings();
    let t = state.theme;
    let (left, right) = match item {
        PaletteItem::Command(c) => {
            let mut text = format!(" {}", (s.command)(*c));
            let target = match c.applies() {
                Applies::Anything => None,
                Applies::Ups => crate::console::update::target_ups(state),
                _ => target_name(state, state.lab.selected.as_ref()),
            };
            if let Some(target) = target {
                text.push_str(s.colon);
                text.push_str(&target);
            }
            let key = state.keys.first(*c).map(|k| s.key(&k)).unwrap_or_default();
            (text, key)
        }
        PaletteItem::Object(id) => {
            let (kind, name) = object_name(s, state, id);
            (format!(" {kind} {name}"), where_is(state, id))
        }
    };
    let used = Span::raw(left.as_str()).width() + Span::raw(right.as_str()).width();
    let gap = width.saturating_sub(used + 1).max(1);
    let style = match item {
        PaletteItem::Command(c) if is_lab(*c) => t.strong(),
        _ => ratatui::style::Style::new(),
    };
    Line::from(vec![
        Span::styled(left, style),
        Span::raw(" ".repeat(gap)),
        Span::styled(right, t.dim()),
    ])
}

fn is_lab(c: Command) -> bool {
    c.applies() != Applies::Anything
}

fn target_name(state: &State, id: Option<&NodeId>) -> Option<String> {
    match id? {
        NodeId::Server(name) => Some(name.clone()),
        NodeId::Vm(vm) => Some(
            state
                .lab
                .inventory
                .vms
                .get(vm)
                .map_or_else(|| vm.clone(), |v| shown(&v.name).into_owned()),
        ),
        _ => None,
    }
}

/// Where an object is and how it is: `lab-a · on`.
fn where_is(state: &State, id: &NodeId) -> String {
    let s = state.strings();
    let inv = &state.lab.inventory;
    let dot = " · ";
    match id {
        NodeId::Ups(name) => inv.ups.get(name).map_or_else(String::new, |u| {
            format!("{}{dot}{}", u.room, u.status.as_deref().unwrap_or(""))
        }),
        NodeId::Server(name) => inv.servers.get(name).map_or_else(String::new, |x| {
            format!("{}{dot}{}", x.room, (s.power)(x.power.as_str()))
        }),
        NodeId::Vm(vm) => inv.vms.get(vm).map_or_else(String::new, |v| {
            format!(
                "{}{dot}{}",
                shown(v.server.as_deref().or(v.host.as_deref()).unwrap_or("?")),
                (s.power)(v.power.as_str())
            )
        }),
        NodeId::Room(_) | NodeId::Unplaced => String::new(),
    }
}
