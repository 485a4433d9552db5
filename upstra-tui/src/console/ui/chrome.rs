//! The header (who, where, connection, power banner), the status line and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::console::state::{Connection, Screen, State};
use crate::console::strings::strings;

pub fn header(state: &State, frame: &mut Frame, area: Rect) {
    let s = strings();
    let user = state
        .session
        .as_ref()
        .map_or(s.not_logged_in, |session| session.user.as_str());
    let (connection, colour) = match &state.connection {
        Connection::Connecting => (s.connecting, Color::Yellow),
        Connection::Connected => (s.connected, Color::Green),
        Connection::Lost(_) => (s.connection_lost, Color::Red),
    };
    let mut spans = vec![
        Span::styled(
            format!(" {}", s.app),
            Style::new().add_modifier(Modifier::BOLD),
        ),
        Span::raw(s.separator),
        Span::raw(user),
        Span::raw(s.separator),
        Span::raw(state.socket.as_str()),
        Span::raw(s.separator),
        Span::styled(connection, Style::new().fg(colour)),
    ];
    let on_battery = state.inventory.on_battery();
    if !on_battery.is_empty() {
        spans.push(Span::raw(s.separator));
        spans.push(Span::styled(
            format!("{} {}", s.on_battery, on_battery.join(" ")),
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
        ));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)).style(Style::new().add_modifier(Modifier::REVERSED)),
        area,
    );
}

pub fn status(state: &State, frame: &mut Frame, area: Rect) {
    let red = Style::new().fg(Color::Red);
    let line = match (&state.notice, &state.connection, &state.last_event) {
        (Some(notice), _, _) => Line::styled(format!(" {notice}"), red),
        (None, Connection::Lost(why), _) if state.screen != Screen::Starting => {
            Line::styled(format!(" {why}"), red)
        }
        (None, _, Some(event)) => Line::from(format!(" {event}")),
        _ => Line::default(),
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub fn footer(state: &State, frame: &mut Frame, area: Rect) {
    let s = strings();
    let keys = match state.screen {
        Screen::Starting => s.footer_starting,
        Screen::Login => s.footer_login,
        Screen::Tree => s.footer_tree,
    };
    frame.render_widget(
        Paragraph::new(format!(" {keys}")).style(Style::new().add_modifier(Modifier::DIM)),
        area,
    );
}
