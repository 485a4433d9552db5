//! Rendering: `render(&State, &mut Frame)` and one module per part of the screen. Render
//! functions read the state and never change it; their text comes from `strings`.
//!
//! Layout, top to bottom: a header line, the screen's body, a status line, the key hints.
//! Everything is sized to stay readable at 80×24.

mod chrome;
mod details;
mod login;
mod tree_pane;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::state::{Connection, Screen, State};
use super::strings::strings;

/// Draws the whole screen for `state`.
pub fn render(state: &State, frame: &mut Frame) {
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(frame.area());
    chrome::header(state, frame, header);
    match state.screen {
        Screen::Starting => starting(state, frame, body),
        Screen::Login => login::render(state, frame, body),
        Screen::Tree => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(body);
            tree_pane::render(state, frame, left);
            details::render(state, frame, right);
        }
    }
    chrome::status(state, frame, status);
    chrome::footer(state, frame, footer);
}

/// While a stored session is checked.
fn starting(state: &State, frame: &mut Frame, area: Rect) {
    let mut lines = vec![Line::from(strings().checking_session)];
    if let Connection::Lost(why) = &state.connection {
        lines.push(Line::from(why.as_str()));
    }
    let height = u16::try_from(lines.len()).unwrap_or(1);
    let area = centered(area, area.width, height);
    frame.render_widget(Paragraph::new(lines).centered(), area);
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
