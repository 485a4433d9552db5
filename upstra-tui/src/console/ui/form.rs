//! A small form in a box, shared by the login and the password screens: lines of text that
//! wrap, fields with a label column, a `›` in the left margin on the focused field, and the
//! terminal's cursor at the end of what was typed there.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};

use super::{centered, height_of};

const MARKER: &str = "›";
/// The margin the marker sits in.
const GUTTER: u16 = 2;

pub struct Form<'a> {
    lines: Vec<Line<'a>>,
    width: u16,
    text_width: u16,
    height: u16,
    marker: Option<u16>,
    cursor: Option<(u16, u16)>,
}

impl<'a> Form<'a> {
    /// A form whose box is `width` wide.
    pub fn new(width: u16) -> Self {
        Self {
            lines: Vec::new(),
            width,
            text_width: width.saturating_sub(2 + GUTTER),
            height: 0,
            marker: None,
            cursor: None,
        }
    }

    /// A line of text; long ones wrap.
    pub fn push(&mut self, line: Line<'a>) {
        self.height += height_of(std::slice::from_ref(&line), self.text_width);
        self.lines.push(line);
    }

    /// A field: `label` padded to `label_width`, then `value`.
    pub fn field(
        &mut self,
        label: &str,
        label_width: usize,
        value: String,
        focused: bool,
        strong: Style,
    ) {
        self.field_with_note(label, label_width, value, None, focused, strong);
    }

    /// A field followed by `note` (what ←/→ picks from), the cursor staying after `value`.
    pub fn field_with_note(
        &mut self,
        label: &str,
        label_width: usize,
        value: String,
        note: Option<Span<'a>>,
        focused: bool,
        strong: Style,
    ) {
        if focused {
            let typed = Span::raw(value.as_str()).width();
            self.marker = Some(self.height);
            self.cursor = u16::try_from(label_width + 2 + typed)
                .ok()
                .map(|x| (x, self.height));
        }
        let style = if focused { strong } else { Style::new() };
        let mut spans = vec![
            Span::styled(format!("{label:<label_width$}"), style),
            Span::raw("  "),
            Span::raw(value),
        ];
        spans.extend(note);
        self.push(Line::from(spans));
    }

    /// A line that takes the focus without text to type (a choice to tick): the marker
    /// shows beside it when `focused`.
    pub fn choice(&mut self, line: Line<'a>, focused: bool) {
        if focused {
            self.marker = Some(self.height);
        }
        self.push(line);
    }

    /// Draws the box titled `title` in the middle of `area`.
    pub fn draw(self, title: &str, frame: &mut Frame, area: Rect) {
        let dialog = centered(area, self.width, self.height + 2);
        let block = Block::bordered().title(format!(" {title} "));
        let inner = block.inner(dialog);
        let [gutter, text] =
            Layout::horizontal([Constraint::Length(GUTTER), Constraint::Min(0)]).areas(inner);
        frame.render_widget(Clear, dialog);
        frame.render_widget(block, dialog);
        frame.render_widget(Paragraph::new(self.lines).wrap(Wrap { trim: false }), text);
        if let Some(row) = self.marker.filter(|r| *r < gutter.height) {
            frame.render_widget(
                Paragraph::new(MARKER),
                Rect::new(gutter.x, gutter.y + row, 1, 1),
            );
        }
        if let Some((x, row)) = self.cursor
            && text.x + x < text.right()
            && row < text.height
        {
            frame.set_cursor_position(Position::new(text.x + x, text.y + row));
        }
    }
}

/// The widest of `labels`, in cells.
pub fn label_width(labels: &[&str]) -> usize {
    labels
        .iter()
        .map(|l| Span::raw(*l).width())
        .max()
        .unwrap_or(0)
}
