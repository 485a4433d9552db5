//! The history view: the filter in the title, two small charts (records per day, per
//! action), then the records, newest first, the selected one's details under them. Only the
//! lines in view are built, so a thousand records draw as fast as twenty.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Position, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Bar, BarChart, Block, Paragraph, Row, Table, Wrap};
use upstra_core::api::v1::AuditView;

use super::shown;
use super::{list_row, scroll_offset};
use crate::console::state::State;
use crate::format;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let h = s.history;
    let t = state.theme;
    let history = &state.history;
    let filter = if history.filter.is_empty() {
        h.no_filter.to_owned()
    } else {
        (h.filter)(&history.filter)
    };
    let count = if history.loaded {
        format!(" · {}", (h.records)(history.records.len()))
    } else {
        String::new()
    };
    let block = Block::bordered().title(format!(" {}{count} · {filter} ", h.title));
    let message = if let Some(problem) = &history.problem {
        Some(Line::styled(s.message(problem), t.bad()))
    } else if !history.loaded {
        Some(Line::styled(h.loading, t.dim()))
    } else if history.records.is_empty() {
        Some(Line::styled(h.empty, t.dim()))
    } else {
        None
    };
    if let Some(message) = message {
        frame.render_widget(
            Paragraph::new(message)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [top, table, detail] = parts(inner);
    let [days, actions] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .spacing(1)
            .areas(top);
    per_day(state, frame, days);
    per_action(state, frame, actions);
    records(state, frame, table);
    if let Some(r) = history.records.get(history.selected) {
        frame.render_widget(
            Paragraph::new(Line::styled(shown(&(h.detail)(r)).into_owned(), t.dim()))
                .wrap(Wrap { trim: true }),
            detail,
        );
    }
}

/// The charts, the table and the detail line, top to bottom.
fn parts(inner: Rect) -> [Rect; 3] {
    let charts = (inner.height / 3).clamp(4, 10);
    Layout::vertical([
        Constraint::Length(charts),
        Constraint::Min(3),
        Constraint::Length(2),
    ])
    .areas(inner)
}

/// The record at `at`, for a click.
pub fn row_at(state: &State, area: Rect, at: Position) -> Option<usize> {
    let history = &state.history;
    if !history.loaded || history.problem.is_some() || history.records.is_empty() {
        return None;
    }
    let [_, table, _] = parts(Block::bordered().inner(area));
    // The table's first line is its header.
    let list = Rect {
        y: table.y + 1,
        height: table.height.saturating_sub(1),
        ..table
    };
    let offset = scroll_offset(
        history.selected,
        history.records.len(),
        usize::from(list.height),
    );
    list_row(list, at, offset, history.records.len())
}

/// Records per day: the last days that fit, oldest on the left.
fn per_day(state: &State, frame: &mut Frame, area: Rect) {
    let h = state.strings().history;
    let t = state.theme;
    // `11-25` under each bar, one column between bars.
    let fit = usize::from(area.width / 6).max(1);
    let days = &state.history.per_day;
    let bars: Vec<Bar> = days[days.len().saturating_sub(fit)..]
        .iter()
        .map(|(day, n)| {
            Bar::with_label(day.get(5..).unwrap_or(day).to_owned(), *n).style(t.critical())
        })
        .collect();
    frame.render_widget(
        BarChart::vertical(bars)
            .bar_width(5)
            .bar_gap(1)
            .value_style(t.selected())
            .block(Block::new().title(Line::styled(h.per_day, t.strong()))),
        area,
    );
}

/// Records per action: the most frequent that fit, one line each.
fn per_action(state: &State, frame: &mut Frame, area: Rect) {
    let h = state.strings().history;
    let t = state.theme;
    let fit = usize::from(area.height.saturating_sub(1)).max(1);
    let bars: Vec<Bar> = state
        .history
        .per_action
        .iter()
        .take(fit)
        .map(|(action, n)| Bar::with_label(action.clone(), *n).style(t.warn()))
        .collect();
    frame.render_widget(
        BarChart::default()
            .data(ratatui::widgets::BarGroup::default().bars(&bars))
            .direction(Direction::Horizontal)
            .bar_width(1)
            .bar_gap(0)
            .value_style(t.selected())
            .block(Block::new().title(Line::styled(h.per_action, t.strong()))),
        area,
    );
}

/// The records in view, the selected one highlighted.
fn records(state: &State, frame: &mut Frame, area: Rect) {
    let h = state.strings().history;
    let t = state.theme;
    let history = &state.history;
    let rows = usize::from(area.height.saturating_sub(1));
    let offset = scroll_offset(history.selected, history.records.len(), rows);
    let lines: Vec<Row> = history
        .records
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(i, r)| {
            let row = row(r);
            let style = if i == history.selected {
                t.selected()
            } else if r.result != "ok" {
                t.bad()
            } else {
                ratatui::style::Style::new()
            };
            row.style(style)
        })
        .collect();
    let header = Row::new([
        h.col_time,
        h.col_user,
        h.col_action,
        h.col_target,
        h.col_result,
    ])
    .style(t.dim());
    frame.render_widget(
        Table::new(
            lines,
            [
                Constraint::Length(14),
                Constraint::Length(11),
                Constraint::Length(20),
                Constraint::Fill(1),
                Constraint::Length(9),
            ],
        )
        .header(header),
        area,
    );
}

fn row(r: &AuditView) -> Row<'static> {
    let none = || format::NONE.to_owned();
    let cell = |text: Option<&String>| text.map_or_else(none, |t| shown(t).into_owned());
    Row::new([
        short_time(r),
        cell(r.actor.as_ref()),
        cell(Some(&r.action)),
        crate::audit_words::target(r).map_or_else(none, |t| shown(t).into_owned()),
        cell(Some(&r.result)),
    ])
}

/// `11-25 10:00:00`: the year is in the chart, the zone in the column's title.
fn short_time(r: &AuditView) -> String {
    let full = format::timestamp(r.at);
    match (full.get(5..10), full.get(11..19)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => full,
    }
}
