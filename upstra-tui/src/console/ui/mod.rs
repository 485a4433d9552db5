//! Rendering: `render(&State, &mut Frame)` and one module per part of the screen. Render
//! functions read the state and never change it; their words come from the catalog of the
//! language in use and their styles from the theme.
//!
//! Layout, top to bottom: a header line, the screen's body, a status line, the key hints;
//! an overlay (palette, dialog, help) is drawn last, centred over the body. Everything is
//! sized to stay readable at 80×24 and centred with room to spare on larger terminals.

mod admin;
mod chrome;
mod dashboard;
mod details;
mod dialog;
mod enroll;
mod fields;
mod form;
mod help;
mod help_demo;
mod hints;
mod history;
mod login;
mod palette;
mod password;
mod plan;
mod restore_wait;
mod roles;
mod setup;
mod ssh_pane;
mod timeline;
mod tree_pane;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Wrap};

use super::mouse::Hit;
use super::state::{Connection, Mode, Overlay, Screen, State};

/// Text that came from users, lab files or peers (a VM's name in vCenter, an audit record's
/// actor, an event), escaped as the CLI shows it. Ratatui drops control characters, which would
/// hide them; escaping shows them, and shows the bidirectional ones ratatui keeps. Every cell
/// that draws such text goes through here.
pub(crate) fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    upstra_core::text::escape(text)
}

/// The screen's bands, top to bottom: header, body, status, key hints.
fn bands(area: Rect, status_text: &str) -> [Rect; 4] {
    // A long message (a daemon's refusal) may take a second status row rather than be cut.
    let status_rows =
        height_of(&[Line::from(status_text)], area.width.saturating_sub(1)).clamp(1, 2);
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_rows),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The lab view's two panes.
fn lab_panes(body: Rect) -> [Rect; 2] {
    Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(body)
}

/// What the cell at `column`, `row` of a screen of size `area` shows that a click can pick,
/// worked out from the same layout [`render`] draws with.
pub fn hit(state: &State, area: Rect, column: u16, row: u16) -> Option<Hit> {
    // An SSH pane takes the screen: its clicks belong to the shell.
    if state.mode() == Mode::Ssh {
        return None;
    }
    let (status_text, _) = chrome::status_text(state);
    let [_, body, _, _] = bands(area, &status_text);
    let at = Position::new(column, row);
    match &state.overlay {
        Some(Overlay::Palette(p)) => palette::row_at(p, body, at).map(Hit::PaletteItem),
        Some(_) => None,
        None => match state.screen {
            Screen::Tree => tree_pane::row_at(state, lab_panes(body)[0], at),
            Screen::History => history::row_at(state, body, at),
            Screen::Admin => admin::row_at(state, body, at),
            _ => None,
        }
        .map(Hit::Row),
    }
}

/// The index of the line at `at` in a list drawn in `list` from line `offset`, if there is
/// one there.
fn list_row(list: Rect, at: Position, offset: usize, len: usize) -> Option<usize> {
    if !list.contains(at) {
        return None;
    }
    let i = offset + usize::from(at.y - list.y);
    (i < len).then_some(i)
}

/// Draws the whole screen for `state`.
pub fn render(state: &State, frame: &mut Frame) {
    let (status_text, status_style) = chrome::status_text(state);
    // An SSH pane takes everything below the header.
    if let (Mode::Ssh, Some(pane)) = (state.mode(), state.ssh.shown()) {
        let [header, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(frame.area());
        chrome::header(state, frame, header);
        ssh_pane::render(state, pane, frame, rest);
        return;
    }
    let [header, body, status, footer] = bands(frame.area(), &status_text);
    chrome::header(state, frame, header);
    match state.screen {
        Screen::Starting => starting(state, frame, body),
        Screen::Login => login::render(state, frame, body),
        Screen::Enroll => enroll::render(state, frame, body),
        Screen::Password => password::render(state, frame, body),
        Screen::Tree => {
            let [left, right] = lab_panes(body);
            tree_pane::render(state, frame, left);
            details::render(state, frame, right);
        }
        Screen::Plan => plan::render(state, frame, body),
        Screen::Dashboard => dashboard::render(state, frame, body),
        Screen::History => history::render(state, frame, body),
        Screen::Admin => admin::render(state, frame, body),
        Screen::Setup => setup::render(state, frame, body),
    }
    match &state.overlay {
        None => {}
        Some(Overlay::Help) => help::render(state, frame, body),
        Some(Overlay::Palette(p)) => palette::render(state, p, frame, body),
        Some(Overlay::Confirm(c)) => dialog::confirm(state, c, frame, body),
        Some(Overlay::Ask(a)) => dialog::ask(state, a, frame, body),
        Some(Overlay::Form(f)) => fields::render(state, f, frame, body),
        Some(Overlay::Secret(r)) => admin::secret(state, r, frame, body),
        Some(Overlay::Hosts(h)) => dialog::hosts(state, h, frame, body),
        Some(Overlay::Role(r)) => roles::form(state, r, frame, body),
        Some(Overlay::Roles(p)) => roles::picker(state, p, frame, body),
    }
    chrome::status(status_text, status_style, frame, status);
    chrome::footer(state, frame, footer);
}

/// While a session is checked.
fn starting(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let mut lines = vec![Line::from(s.checking_session)];
    if let Connection::Lost(why) = &state.connection {
        lines.push(Line::from((s.link)(why)));
    }
    let height = u16::try_from(lines.len()).unwrap_or(1);
    let area = centered(area, area.width, height);
    frame.render_widget(Paragraph::new(lines).centered(), area);
}

/// The first visible line of a list of `len` lines `height` high with `selected` selected:
/// the selection stays in the middle once the list is longer than the pane, so scrolling is
/// smooth and derived from the state alone (render keeps none).
pub(super) fn scroll_offset(selected: usize, len: usize, height: usize) -> usize {
    selected
        .saturating_sub(height / 2)
        .min(len.saturating_sub(height))
}

/// A `width`×`height` rectangle in the middle of `area`, clipped to it.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// How many rows `lines` take once wrapped at `width`, as a wrapping `Paragraph` draws them.
fn height_of(lines: &[Line], width: u16) -> u16 {
    let rows = Paragraph::new(lines.to_vec())
        .wrap(Wrap { trim: false })
        .line_count(width);
    u16::try_from(rows).unwrap_or(u16::MAX)
}
