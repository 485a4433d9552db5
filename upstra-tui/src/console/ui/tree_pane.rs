//! The left pane: the lab tree, one line per visible node, with live state on each line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, List, ListItem, ListState, Paragraph, Wrap};
use upstra_core::api::v1::Reachability;

use ratatui::layout::Position;

use super::shown;
use super::{list_row, scroll_offset};
use crate::console::state::{State, ups_on_battery};
use crate::console::tree::{NodeId, Row};
use crate::format;

const FOLDED: &str = "▸ ";
const UNFOLDED: &str = "▾ ";
const LEAF: &str = "  ";
const GAP: &str = "  ";

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let block = Block::bordered().title(title(state));
    let filter = &state.lab.filter;
    if filter.typing {
        // The terminal's cursor after the text typed, in the title.
        let typed = Span::raw(typed_title(state)).width();
        let x = usize::from(area.x) + 1 + typed;
        let last = area.right().saturating_sub(2);
        frame.set_cursor_position(Position::new(
            u16::try_from(x).unwrap_or(last).min(last),
            area.y,
        ));
    }
    let no_match;
    let message = if !state.lab.loaded {
        Some(s.loading)
    } else if state.lab.tree.is_empty() {
        Some(s.empty_lab)
    } else if filter.is_active() && filter.kept.matches == 0 {
        no_match = (s.tree_no_match)(&filter.text);
        Some(no_match.as_str())
    } else {
        None
    };
    if let Some(message) = message {
        frame.render_widget(
            Paragraph::new(message)
                .wrap(Wrap { trim: true })
                .block(block),
            area,
        );
        return;
    }
    let rows = state.rows();
    let selected = state.selected_index(&rows);
    let height = usize::from(area.height.saturating_sub(2));
    let offset = scroll_offset(selected.unwrap_or(0), rows.len(), height);
    // Only the lines in view are built: a big lab unfolded is thousands of lines.
    let items: Vec<ListItem> = rows
        .iter()
        .skip(offset)
        .take(height)
        .map(|r| ListItem::new(line(state, r)))
        .collect();
    let list = List::new(items)
        .block(block)
        .highlight_style(state.theme.selected());
    let mut list_state =
        ListState::default().with_selected(selected.and_then(|s| s.checked_sub(offset)));
    frame.render_stateful_widget(list, area, &mut list_state);
}

/// The pane's title: with a filter, the text after `/` and how many nodes it matches.
fn title(state: &State) -> String {
    let filter = &state.lab.filter;
    if !filter.typing && !filter.is_active() {
        return format!(" {} ", state.strings().tree_title);
    }
    let mut title = typed_title(state);
    if filter.is_active() {
        title.push_str(" · ");
        title.push_str(&(state.strings().tree_matches)(filter.kept.matches));
    }
    title.push(' ');
    title
}

/// The title up to the end of the filter's text, where the cursor goes while typing.
fn typed_title(state: &State) -> String {
    format!(" {} /{}", state.strings().tree_title, state.lab.filter.text)
}

/// The visible line at `at` in the pane `area`, for a click.
pub fn row_at(state: &State, area: Rect, at: Position) -> Option<usize> {
    if !state.lab.loaded {
        return None;
    }
    let rows = state.rows();
    let list = Block::bordered().inner(area);
    let offset = scroll_offset(
        state.selected_index(&rows).unwrap_or(0),
        rows.len(),
        usize::from(list.height),
    );
    list_row(list, at, offset, rows.len())
}

/// One tree line: indentation, fold marker, name, live state.
fn line<'a>(state: &'a State, row: &'a Row) -> Line<'a> {
    let marker = match (row.has_children, row.expanded) {
        (false, _) => LEAF,
        (true, true) => UNFOLDED,
        (true, false) => FOLDED,
    };
    let mut spans = vec![Span::raw(LEAF.repeat(row.depth)), Span::raw(marker)];
    spans.extend(label(state, &row.id));
    Line::from(spans)
}

fn label<'a>(state: &'a State, id: &'a NodeId) -> Vec<Span<'a>> {
    let s = state.strings();
    let t = state.theme;
    let inv = &state.lab.inventory;
    let dim = t.dim();
    match id {
        NodeId::Room(name) => vec![Span::styled(name.as_str(), t.strong())],
        NodeId::Ups(name) => {
            let mut spans = vec![Span::raw(name.as_str()), Span::raw(GAP)];
            match inv.ups.get(name) {
                Some(u) if u.reachability == Reachability::CommsLost => {
                    spans.push(Span::styled(s.comms_lost, t.bad()));
                }
                Some(u) if u.status.is_some() => {
                    let style = if ups_on_battery(u) {
                        t.warn()
                    } else {
                        t.good()
                    };
                    spans.push(Span::styled(u.status.as_deref().unwrap_or_default(), style));
                    spans.push(Span::raw(" "));
                    spans.push(Span::raw(format::percent(u.charge_pct)));
                }
                _ => spans.push(Span::styled(s.not_read_yet, dim)),
            }
            spans
        }
        NodeId::Server(name) => {
            let mut spans = vec![Span::raw(name.as_str())];
            if let Some(server) = inv.servers.get(name) {
                spans.push(Span::raw(GAP));
                spans.push(power_span(state, server.power.as_str()));
                if server.feeds.is_empty() {
                    spans.push(Span::styled(format!("{GAP}{}", s.no_ups), dim));
                } else if server.feeds.len() > 1 {
                    spans.push(Span::styled(
                        format!("{GAP}{} {}", s.also_fed_by, server.feeds[1..].join(",")),
                        dim,
                    ));
                }
            }
            spans
        }
        NodeId::Vm(id) => match inv.vms.get(id) {
            Some(vm) => vec![
                Span::raw(shown(&vm.name)),
                Span::raw(GAP),
                power_span(state, vm.power.as_str()),
            ],
            None => vec![Span::raw(id.as_str())],
        },
        NodeId::Unplaced => vec![Span::styled(s.unplaced_vms, dim)],
    }
}

/// A power state, in words: green when on, dim when off, a warning in between.
fn power_span(state: &State, power: &str) -> Span<'static> {
    let t = state.theme;
    let style = match power {
        "on" => t.good(),
        "off" => t.dim(),
        _ => t.warn(),
    };
    Span::styled((state.strings().power)(power).to_owned(), style)
}

#[cfg(test)]
mod tests {
    use super::scroll_offset;

    #[test]
    fn the_selection_stays_in_view_and_centred_when_the_list_is_long() {
        // 19 visible lines out of 100.
        assert_eq!(scroll_offset(0, 100, 19), 0);
        assert_eq!(scroll_offset(9, 100, 19), 0);
        assert_eq!(scroll_offset(50, 100, 19), 41);
        assert_eq!(scroll_offset(99, 100, 19), 81);
        // A short list never scrolls.
        assert_eq!(scroll_offset(5, 10, 19), 0);
    }
}
