//! The `?` overlay: the keys of the view below it. For a main view they come from the key map
//! in use, so a rebinding shows here, and its own keys from the table its footer reads, so the
//! two say the same; the forms list their fixed keys. Descriptions wrap by words under
//! themselves, in two columns or, when too narrow, in one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::hints::Hint;
use super::{centered, help_demo};
use crate::console::command_table::{Command, Group};
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
        let width = 76.min(area.width);
        let inner = usize::from(width.saturating_sub(2));
        let lines: Vec<Line> = rows
            .iter()
            .flat_map(|(keys, what)| row(state, keys, 10, what, inner))
            .collect();
        let height = u16::try_from(lines.len())
            .unwrap_or(u16::MAX)
            .saturating_add(2);
        let dialog = centered(area, width, height);
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
    // A main view: its own keys first, from the table the footer reads, then the rest of its
    // group, navigation, the general commands it does not list, the views and a note.
    let hints = super::hints::table(state);
    let listed: Vec<Command> = hints.iter().flat_map(|h| h.commands.clone()).collect();
    let own_group = match state.screen {
        Screen::Tree => Some(Group::Lab),
        Screen::Plan | Screen::Dashboard => Some(Group::Plan),
        Screen::Admin => Some(Group::Admin),
        _ => None,
    };
    let width = 78.min(area.width);
    let inner_width = usize::from(width.saturating_sub(2));
    // Too narrow for two columns of readable words: one under the other.
    let two_columns = inner_width > 2 * NARROWEST;
    let left_width = (inner_width.saturating_sub(1)) / 2;
    let column_width = if two_columns { left_width } else { inner_width };
    // Most useful first: when the screen is too short, what is cut is the general keys and
    // the note, never the keys the footer shows.
    let mut sections = vec![view_keys(state, &hints, column_width)];
    if let Some(g) = own_group {
        sections.push(column(state, &[g], &listed, column_width));
    }
    for g in [Group::Navigation, Group::General, Group::Views] {
        sections.push(column(state, &[g], &listed, column_width));
    }
    sections.push(wrapped(state.theme.dim(), "", 0, s.help_note, column_width));
    sections.retain(|lines| !lines.is_empty());
    let room = usize::from(area.height.saturating_sub(2));
    let (left, right) = if two_columns {
        split(sections, room)
    } else {
        (joined(sections), Vec::new())
    };
    let rows = left.len().max(right.len());
    let height = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
    let dialog = centered(area, width, height.min(area.height));
    let inner = block.inner(dialog);
    frame.render_widget(Clear, dialog);
    frame.render_widget(block, dialog);
    let [l, r] = Layout::horizontal([
        Constraint::Length(u16::try_from(column_width).unwrap_or(u16::MAX)),
        Constraint::Min(0),
    ])
    .spacing(1)
    .areas(inner);
    frame.render_widget(Paragraph::new(left), l);
    frame.render_widget(Paragraph::new(right), r);
}

/// Sections one under the other, a blank line between them.
fn joined(sections: Vec<Vec<Line<'static>>>) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for section in sections {
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.extend(section);
    }
    lines
}

/// Two columns of `sections`, split between two sections so that the longer column is as
/// short as can be; when even that does not fit in `room` rows, the lines flow down the
/// first column and on into the second, in order, so that the first sections show whole.
fn split(
    mut sections: Vec<Vec<Line<'static>>>,
    room: usize,
) -> (Vec<Line<'static>>, Vec<Line<'static>>) {
    let tall = |part: &[Vec<Line<'static>>]| -> usize {
        part.iter().map(Vec::len).sum::<usize>() + part.len().saturating_sub(1)
    };
    let taller = |k: usize| tall(&sections[..k]).max(tall(&sections[k..]));
    let best = (1..sections.len())
        .min_by_key(|k| taller(*k))
        .unwrap_or(sections.len());
    if taller(best) <= room {
        let right = sections.split_off(best);
        return (joined(sections), joined(right));
    }
    let mut lines = joined(sections);
    // A command's description is not split between the columns: the split goes up to the
    // start of its row (a row's next lines are indented, its first line is not).
    let continues = |l: &Line<'_>| {
        l.spans
            .first()
            .is_some_and(|s| !s.content.is_empty() && s.content.trim().is_empty())
    };
    let mut at = room.min(lines.len());
    while at > 1 && lines.get(at).is_some_and(continues) {
        at -= 1;
    }
    let mut right = lines.split_off(at);
    if right.first().is_some_and(|l| l.width() == 0) {
        right.remove(0);
    }
    (lines, right)
}

/// The narrowest a column of the help may be and still read: a key and a few words.
const NARROWEST: usize = 26;

/// The view's own keys, as its footer shows them but with every key bound and in full.
fn view_keys(state: &State, hints: &[Hint], width: usize) -> Vec<Line<'static>> {
    let s = state.strings();
    let rows: Vec<(String, &str)> = hints
        .iter()
        .filter(|h| h.commands.iter().all(|c| shown(state, *c)))
        .map(|h| {
            let keys = match &h.fixed_key {
                Some(key) => key.clone(),
                None => {
                    let keys: Vec<String> = h.commands.iter().map(|c| keys_of(state, *c)).collect();
                    keys.join(" ")
                }
            };
            (keys, h.long.as_str())
        })
        .collect();
    let key_width = rows
        .iter()
        .map(|(k, _)| Span::raw(k.clone()).width())
        .max()
        .unwrap_or(0)
        + 1;
    let mut lines = vec![Line::styled(
        s.situation.help_view.to_owned(),
        state.theme.strong(),
    )];
    for (keys, what) in rows {
        lines.extend(row(state, &keys, key_width, what, width));
    }
    lines
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

/// `groups` one under the other, a blank line between them, leaving out what `listed` has.
fn column(state: &State, groups: &[Group], listed: &[Command], width: usize) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for g in groups {
        let rows = group(state, *g, listed, width);
        if rows.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(Line::default());
        }
        lines.extend(rows);
    }
    lines
}

/// A group's title, then its commands: their keys, what they do; nothing when the view's
/// own keys list them all.
fn group(state: &State, g: Group, listed: &[Command], width: usize) -> Vec<Line<'static>> {
    let s = state.strings();
    let commands: Vec<Command> = Command::ALL
        .into_iter()
        .filter(|c| c.group() == g && shown(state, *c))
        .filter(|c| !matches!(c, Command::PageDown | Command::Last | Command::PreviousView))
        .filter(|c| !listed.contains(c))
        .collect();
    if commands.is_empty() {
        return Vec::new();
    }
    let key_width = commands
        .iter()
        .map(|c| Span::raw(keys_of(state, *c)).width())
        .max()
        .unwrap_or(0)
        + 1;
    let mut lines = vec![Line::styled((s.help_group)(g), state.theme.strong())];
    for c in commands {
        lines.extend(row(
            state,
            &keys_of(state, c),
            key_width,
            (s.command)(c),
            width,
        ));
    }
    lines
}

/// Whether the help lists `c` for the view on screen: what applies there, and the demo's
/// commands only in the demo.
fn shown(state: &State, c: Command) -> bool {
    let demo = state.health.as_ref().is_some_and(|h| h.simulated);
    fits_view(c, state.screen) && (c != Command::DemoPowerCut || demo)
}

/// A command's line: its keys in a column `key_width` wide, then what it does, wrapped by
/// words within `width` under itself.
fn row(
    state: &State,
    keys: &str,
    key_width: usize,
    what: &str,
    width: usize,
) -> Vec<Line<'static>> {
    let keys = format!(" {keys:<key_width$}");
    let indent = Span::raw(keys.clone()).width();
    wrapped(state.theme.strong(), &keys, indent, what, width)
}

/// `head` (in `head_style`), then `text` wrapped by words to `width` columns, the lines after
/// the first indented by `indent`. A word longer than a whole line is the only thing ever cut.
fn wrapped(
    head_style: ratatui::style::Style,
    head: &str,
    indent: usize,
    text: &str,
    width: usize,
) -> Vec<Line<'static>> {
    let room = width.saturating_sub(indent).max(1);
    let mut rows: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let needed = Span::raw(current.clone()).width()
            + usize::from(!current.is_empty())
            + Span::raw(word.to_owned()).width();
        if !current.is_empty() && needed > room {
            rows.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    rows.push(current);
    rows.into_iter()
        .enumerate()
        .map(|(i, text)| {
            let lead = if i == 0 {
                head.to_owned()
            } else {
                " ".repeat(indent)
            };
            Line::from(vec![Span::styled(lead, head_style), Span::raw(text)])
        })
        .collect()
}
