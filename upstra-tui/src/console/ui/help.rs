//! The `?` overlay: the keys of the view below it. For the lab view they come from the key
//! map in use, so a rebinding shows here; the forms list their fixed keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use crate::console::commands::{Command, Group};
use crate::console::state::{Screen, State};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let fixed = match state.screen {
        Screen::Login => Some(s.help_login),
        Screen::Enroll => Some(s.help_enroll),
        Screen::Password => Some(s.help_password),
        Screen::Starting | Screen::Tree => None,
    };
    let block = Block::bordered().title(format!(" {} ", s.help_title));
    if let Some(rows) = fixed {
        let lines: Vec<Line> = rows
            .iter()
            .map(|(keys, what)| row(state, keys, 10, what))
            .collect();
        let height = u16::try_from(lines.len()).unwrap_or(u16::MAX) + 2;
        let dialog = centered(area, 76.min(area.width), height);
        // Over a form, the help replaces it: a half-hidden form is only confusing.
        frame.render_widget(Clear, area);
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(block),
            dialog,
        );
        return;
    }
    // The lab view: navigation and general on the left, the actions on the right.
    let left_groups = [Group::Navigation, Group::General];
    let left_keys = key_width(state, &left_groups);
    let left: Vec<Line> = left_groups
        .into_iter()
        .flat_map(|g| group(state, g, left_keys))
        .collect();
    let mut right = group(state, Group::Lab, key_width(state, &[Group::Lab]));
    right.push(Line::default());
    right.push(Line::styled(s.help_note, state.theme.dim()));
    let rows = left.len().max(right.len() + 1);
    let height = u16::try_from(rows).unwrap_or(u16::MAX) + 2;
    let dialog = centered(area, 78.min(area.width), height.min(area.height));
    let inner = block.inner(dialog);
    frame.render_widget(Clear, dialog);
    frame.render_widget(block, dialog);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
        .spacing(1)
        .areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right).wrap(Wrap { trim: false }), r);
}

/// The keys of a command as the help lists them: `↑ k`, or `-` when it has none.
fn keys_of(state: &State, c: Command) -> String {
    let s = state.strings();
    let keys: Vec<String> = state.keys.keys(c).iter().map(|k| s.key(k)).collect();
    if keys.is_empty() {
        "-".to_owned()
    } else {
        keys.join(" ")
    }
}

/// The key column's width for `groups`: the longest keys, and a gap.
fn key_width(state: &State, groups: &[Group]) -> usize {
    Command::ALL
        .into_iter()
        .filter(|c| groups.contains(&c.group()))
        .map(|c| Span::raw(keys_of(state, c)).width())
        .max()
        .unwrap_or(0)
        + 1
}

/// A group's title, then one line per command: its keys, what it does.
fn group(state: &State, g: Group, key_width: usize) -> Vec<Line<'static>> {
    let s = state.strings();
    let mut lines = vec![Line::styled((s.help_group)(g), state.theme.strong())];
    for c in Command::ALL.into_iter().filter(|c| c.group() == g) {
        lines.push(row(state, &keys_of(state, c), key_width, (s.command)(c)));
    }
    if g != Group::Lab {
        lines.push(Line::default());
    }
    lines
}

fn row(state: &State, keys: &str, width: usize, what: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {keys:<width$}"), state.theme.strong()),
        Span::raw(what.to_owned()),
    ])
}
