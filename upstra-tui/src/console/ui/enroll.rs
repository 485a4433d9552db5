//! The enrollment screen: the QR code on the left (drawn black on white, or reversed without
//! colour), on the right the key in groups of four for typing and the field for the first
//! code; then the recovery codes, once, with what to do with them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Wrap};

use super::{centered, height_of};

const FOCUS: &str = "› ";
const NO_FOCUS: &str = "  ";
use crate::console::state::{Enrollment, State};
use crate::qr;

/// Width of the text column beside the QR code.
const TEXT_WIDTH: u16 = 40;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    match &state.enroll {
        Enrollment::Codes { user, codes } => recovery_codes(state, user, codes, frame, area),
        other => scan(state, other, frame, area),
    }
}

fn scan(state: &State, enroll: &Enrollment, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let qr_lines = match enroll {
        Enrollment::Scan {
            qr: Some(lines), ..
        } => Some(lines.as_slice()),
        _ => None,
    };
    let (code_w, code_h) = qr_lines.map_or((0, 0), qr::size);
    let code_w = u16::try_from(code_w).unwrap_or(u16::MAX);
    let code_h = u16::try_from(code_h).unwrap_or(u16::MAX);
    let fits = |w: u16, h: u16| w + 1 + TEXT_WIDTH + 2 <= area.width && h + 2 <= area.height;
    // The code shows only when it fits whole: a clipped code does not scan. Where there is
    // room, a white line above and below and a white column on each side widen its margin.
    let show_qr = qr_lines.is_some() && fits(code_w, code_h);
    let pad = show_qr && fits(code_w + 2, code_h + 2);
    let (qr_w, qr_h) = if pad {
        (code_w + 2, code_h + 2)
    } else {
        (code_w, code_h)
    };
    let width = if show_qr {
        qr_w + 1 + TEXT_WIDTH + 2
    } else {
        (TEXT_WIDTH + 2).min(area.width)
    };
    let height = if show_qr { qr_h + 2 } else { 18 }.min(area.height);
    let dialog = centered(area, width, height);
    let block = Block::bordered().title(format!(" {} ", s.enroll_title));
    let inner = block.inner(dialog);
    frame.render_widget(Clear, dialog);
    frame.render_widget(block, dialog);
    let text_area = if show_qr {
        let [left, _, right] = Layout::horizontal([
            Constraint::Length(qr_w),
            Constraint::Length(1),
            Constraint::Min(0),
        ])
        .areas(inner);
        let blank = " ".repeat(usize::from(code_w));
        let code = qr_lines.unwrap_or_default().iter().map(String::as_str);
        let rows: Vec<&str> = if pad {
            std::iter::once(blank.as_str())
                .chain(code)
                .chain(std::iter::once(blank.as_str()))
                .collect()
        } else {
            code.collect()
        };
        let lines: Vec<Line> = rows
            .into_iter()
            .map(|l| {
                if pad {
                    Line::styled(format!(" {l} "), t.qr())
                } else {
                    Line::styled(l, t.qr())
                }
            })
            .collect();
        frame.render_widget(Paragraph::new(lines), left);
        right
    } else {
        inner
    };

    let mut lines = vec![Line::styled(s.enroll_why, t.strong()), Line::default()];
    let mut cursor = None;
    match enroll {
        Enrollment::Requesting => lines.push(Line::styled(s.enroll_requesting, t.dim())),
        Enrollment::Failed(why) => {
            lines.push(Line::from(s.enroll_failed));
            lines.push(Line::styled(s.message(why), t.bad()));
        }
        Enrollment::Scan {
            qr: drawn,
            secret,
            code,
            pending,
            error,
        } => {
            lines.push(Line::from(s.enroll_step_scan));
            if drawn.is_none() {
                lines.push(Line::styled(s.enroll_no_qr, t.warn()));
            } else if !show_qr {
                lines.push(Line::styled(s.enroll_too_small, t.warn()));
            }
            lines.push(Line::default());
            // Four groups of four per line: a 32-character key in two short lines.
            let grouped = qr::grouped(secret.expose());
            let groups: Vec<&str> = grouped.split(' ').collect();
            for row in groups.chunks(4) {
                lines.push(Line::styled(format!("   {}", row.join(" ")), t.strong()));
            }
            lines.push(Line::default());
            lines.push(Line::from(s.enroll_step_code));
            let marker = if *pending { NO_FOCUS } else { FOCUS };
            cursor = Some(lines.len());
            lines.push(Line::from(vec![
                Span::raw("   "),
                Span::styled(format!("{marker}{}", code.as_str()), t.strong()),
            ]));
            lines.push(Line::default());
            if *pending {
                lines.push(Line::styled(s.enroll_confirming, t.dim()));
            } else if let Some(e) = error {
                lines.push(Line::styled(s.message(e), t.bad()));
            }
        }
        Enrollment::Codes { .. } => {}
    }
    // Rows before the code field, once the long lines above it wrap.
    let cursor_row = cursor.map(|index| height_of(&lines[..index], text_area.width));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), text_area);
    if let (
        Some(row),
        Enrollment::Scan {
            code,
            pending: false,
            ..
        },
    ) = (cursor_row, enroll)
    {
        let x = text_area.x + 5 + u16::try_from(code.len()).unwrap_or(0);
        if x < text_area.right() && row < text_area.height {
            frame.set_cursor_position(Position::new(x, text_area.y + row));
        }
    }
}

fn recovery_codes(state: &State, user: &str, codes: &[String], frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let width = 72.min(area.width);
    let mut lines = vec![
        Line::styled(s.codes_warning, t.warn()),
        Line::default(),
        Line::from(s.codes_use),
        Line::default(),
    ];
    for pair in codes.chunks(2) {
        lines.push(Line::styled(
            format!("      {}", pair.join("      ")),
            t.strong(),
        ));
    }
    lines.extend([
        Line::default(),
        Line::from(s.codes_keep),
        Line::from(s.codes_next),
    ]);
    let height = height_of(&lines, width.saturating_sub(4));
    let dialog = centered(area, width, height + 2);
    let block = Block::bordered()
        .title(format!(" {} · {user} ", s.codes_title))
        .padding(Padding::horizontal(1));
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        dialog,
    );
}
