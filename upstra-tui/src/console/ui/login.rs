//! The login screen: user, password (shown as `*`), and the daemon's last answer.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::centered;
use crate::console::state::{LoginField, State};
use crate::console::strings::strings;

const MASK: &str = "*";
const FOCUS: &str = "› ";
const NO_FOCUS: &str = "  ";
/// Width of the label column, marker included.
const LABEL_WIDTH: usize = 12;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = strings();
    let form = &state.login;
    let dialog = centered(area, 60, 10);
    let block = Block::bordered().title(format!(" {} ", s.login_title));
    let inner = block.inner(dialog);

    let dim = Style::new().add_modifier(Modifier::DIM);
    let masked = MASK.repeat(form.password.chars().count());
    let field = |label: &str, value: String, focus: LoginField| {
        let focused = form.focus == focus;
        let marker = if focused { FOCUS } else { NO_FOCUS };
        let style = if focused {
            Style::new().add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        Line::from(vec![
            Span::styled(
                format!("{marker}{label:<width$}", width = LABEL_WIDTH - 2),
                style,
            ),
            Span::raw(value),
        ])
    };
    let message = if form.pending {
        Line::styled(format!("{NO_FOCUS}{}", s.login_pending), dim)
    } else if let Some(error) = &form.error {
        Line::styled(format!("{NO_FOCUS}{error}"), Style::new().fg(Color::Red))
    } else {
        Line::default()
    };
    let lines = vec![
        Line::from(vec![
            Span::styled(
                format!(
                    "{NO_FOCUS}{:<width$}",
                    s.login_daemon,
                    width = LABEL_WIDTH - 2
                ),
                dim,
            ),
            Span::styled(state.socket.as_str(), dim),
        ]),
        Line::default(),
        field(s.login_user, form.user.clone(), LoginField::User),
        field(s.login_password, masked.clone(), LoginField::Password),
        Line::default(),
        message,
    ];
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        dialog,
    );

    // Put the terminal's cursor at the end of the focused field.
    let (row, typed) = match form.focus {
        LoginField::User => (2, Span::raw(form.user.as_str()).width()),
        LoginField::Password => (3, masked.len()),
    };
    let x = usize::from(inner.x) + LABEL_WIDTH + typed;
    if let Ok(x) = u16::try_from(x)
        && x < inner.right()
        && row < inner.height
    {
        frame.set_cursor_position(Position::new(x, inner.y + row));
    }
}
