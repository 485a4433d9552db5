//! The `?` overlay: the keys of the view below it. For the lab view they come from the key
//! map in use, so a rebinding shows here; the forms list their fixed keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{centered, height_of, help_demo};
use crate::console::commands::{Command, Group};
use crate::console::palette::fits_view;
use crate::console::state::{Screen, State};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let fixed = match state.screen {
        Screen::Login => Some(s.help_login),
        Screen::Enroll => Some(s.help_enroll),
        Screen::Password => Some(s.help_password),
        Screen::Setup => Some(s.help_password),
        Screen::Starting | Screen::Tree | Screen::Plan | Screen::History | Screen::Admin => None,
        Screen::Dashboard => None,
    };
    let block = help_demo::login(
        state,
        Block::bordered().title(format!(" {} ", s.help_title)),
    );
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
    // A main view: navigation and general on the left; the view's own actions and the views
    // on the right.
    let left = column(state, &[Group::Navigation, Group::General]);
    let right_groups: &[Group] = match state.screen {
        Screen::Tree => &[Group::Lab, Group::Views],
        Screen::Plan | Screen::Dashboard => &[Group::Plan, Group::Views],
        Screen::Admin => &[Group::Admin, Group::Views],
        _ => &[Group::Views],
    };
    let mut right = column(state, right_groups);
    right.push(Line::default());
    right.push(Line::styled(s.help_note, state.theme.dim()));
    // Each half of the box, as the layout below splits it: the right one wraps.
    let width = 78.min(area.width);
    let half = width.saturating_sub(3) / 2;
    let rows = u16::try_from(left.len())
        .unwrap_or(u16::MAX)
        .max(height_of(&right, half));
    let height = rows.saturating_add(2);
    let dialog = centered(area, width, height.min(area.height));
    let inner = block.inner(dialog);
    frame.render_widget(Clear, dialog);
    frame.render_widget(block, dialog);
    let [l, r] = Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
        .spacing(1)
        .areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right).wrap(Wrap { trim: false }), r);
}

/// The keys of a command as the help lists them: `↑ k`, or `-` when it has none. A pair
/// (page up and down, first and last line, next and previous view) shares one line: the first's keys, then the
/// second's.
fn keys_of(state: &State, c: Command) -> String {
    let s = state.strings();
    let mut chords = state.keys.keys(c);
    if let Some(second) = partner(c) {
        chords.extend(state.keys.keys(second));
    }
    let keys: Vec<String> = chords.iter().map(|k| s.key(k)).collect();
    if keys.is_empty() {
        "-".to_owned()
    } else {
        keys.join(" ")
    }
}

/// The command listed on the same help line as `c` (worded together in the catalog).
fn partner(c: Command) -> Option<Command> {
    match c {
        Command::PageUp => Some(Command::PageDown),
        Command::First => Some(Command::Last),
        Command::NextView => Some(Command::PreviousView),
        _ => None,
    }
}

/// `groups` one under the other, a blank line between them.
fn column(state: &State, groups: &[Group]) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for g in groups {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.extend(group(state, *g));
    }
    lines
}

/// A group's title, then one line per command: its keys, what it does.
fn group(state: &State, g: Group) -> Vec<Line<'static>> {
    let s = state.strings();
    let listed: Vec<Command> = Command::ALL
        .into_iter()
        .filter(|c| c.group() == g && shown(state, *c))
        .filter(|c| !matches!(c, Command::PageDown | Command::Last | Command::PreviousView))
        .collect();
    let key_width = listed
        .iter()
        .map(|c| Span::raw(keys_of(state, *c)).width())
        .max()
        .unwrap_or(0)
        + 1;
    let mut lines = vec![Line::styled((s.help_group)(g), state.theme.strong())];
    for c in listed {
        lines.push(row(state, &keys_of(state, c), key_width, (s.command)(c)));
    }
    lines
}

/// Whether the help lists `c` for the view on screen: what applies there, and the demo's
/// commands only in the demo.
fn shown(state: &State, c: Command) -> bool {
    let demo = state.health.as_ref().is_some_and(|h| h.simulated);
    fits_view(c, state.screen) && (c != Command::DemoPowerCut || demo)
}

fn row(state: &State, keys: &str, width: usize, what: &str) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {keys:<width$}"), state.theme.strong()),
        Span::raw(what.to_owned()),
    ])
}
