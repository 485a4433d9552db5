//! The confirm dialog (the question names the target and what will happen; No has the focus
//! until the operator moves it) and the host picker of a migration.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState, Paragraph, Wrap};

use super::shown;
use super::{centered, height_of};
use crate::console::state::{Ask, Confirm, HostPicker, State};

const WIDTH: u16 = 66;

pub fn confirm(state: &State, c: &Confirm, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let question = (s.confirm_question)(&c.op);
    let detail = (s.confirm_detail)(&c.op, c.running_vms);
    ask_dialog(
        state,
        Question {
            question,
            detail,
            yes: c.yes,
            destructive: c.op.is_destructive(),
        },
        frame,
        area,
    );
}

/// The confirm dialog of a plan or account request.
pub fn ask(state: &State, a: &Ask, frame: &mut Frame, area: Rect) {
    let words = state.strings().request(&a.request);
    ask_dialog(
        state,
        Question {
            question: words.question,
            detail: words.detail,
            yes: a.yes,
            destructive: a.request.is_destructive(),
        },
        frame,
        area,
    );
}

/// What a confirm dialog asks.
struct Question {
    question: String,
    detail: Option<String>,
    yes: bool,
    destructive: bool,
}

fn ask_dialog(state: &State, q: Question, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let width = WIDTH.min(area.width);
    let inner_width = width.saturating_sub(4);
    let (no, yes) = (
        format!(" {} ", s.confirm_no),
        format!(" {} ", s.confirm_yes),
    );
    let yes_style = if q.destructive {
        t.danger_selected()
    } else {
        t.selected()
    };
    let button = |label: &str, focused: bool, focus_style| {
        if focused {
            Span::styled(format!("[{label}]"), focus_style)
        } else {
            Span::raw(format!("[{label}]"))
        }
    };
    // Questions name what they act on: a VM as vCenter names it, a user.
    let mut lines = vec![
        Line::default(),
        Line::styled(shown(&q.question).into_owned(), t.strong()),
    ];
    if let Some(detail) = q.detail {
        lines.push(Line::from(shown(&detail).into_owned()));
    }
    lines.push(Line::default());
    lines.push(
        Line::from(vec![
            button(&no, !q.yes, t.selected()),
            Span::raw("    "),
            button(&yes, q.yes, yes_style),
        ])
        .centered(),
    );
    lines.push(Line::default());
    let height = height_of(&lines, inner_width);
    let dialog = centered(area, width, height + 2);
    let block = Block::bordered()
        .title(format!(" {} ", s.confirm_title))
        .padding(ratatui::widgets::Padding::horizontal(1));
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        dialog,
    );
}

pub fn hosts(state: &State, h: &HostPicker, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let height = u16::try_from(h.hosts.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let dialog = centered(area, 48.min(area.width), height.min(area.height));
    let block = Block::bordered().title(format!(" {} ", (s.hosts_title)(&shown(&h.name))));
    let items: Vec<ListItem> = h
        .hosts
        .iter()
        .map(|name| {
            let power = state
                .lab
                .inventory
                .servers
                .get(name)
                .map_or("", |x| (s.power)(x.power.as_str()));
            ListItem::new(Line::from(vec![
                Span::raw(format!(" {name:<20}")),
                Span::styled(power.to_owned(), t.dim()),
            ]))
        })
        .collect();
    let mut list_state = ListState::default().with_selected(Some(h.selected));
    frame.render_widget(Clear, dialog);
    frame.render_stateful_widget(
        List::new(items).block(block).highlight_style(t.selected()),
        dialog,
        &mut list_state,
    );
}
