//! The dashboard: per UPS its state in words, a charge gauge, the last hour as curves, load
//! and input voltage, and the wait before a restore; the fleet's power per room; the last
//! significant events with their times. Laid out for 80×24 first: two lines per UPS, the
//! fleet, then as many events as fit; a tall screen adds the runtime curve, a wide one puts
//! the fleet and the events side by side.
//!
//! Nothing is said by colour alone: states are words, the gauge and the curves are drawn
//! with block characters and carry their figures, failed events are marked with `!`.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use upstra_core::api::v1::{Reachability, StepStatus, UpsHistory, UpsSample, UpsView};
use upstra_core::events::DomainEvent;

use super::{restore_wait, shown};
use crate::console::state::{State, fleet, ups_on_battery};
use crate::format;

/// From this height on, each UPS also gets its runtime curve.
const TALL: u16 = 36;
/// From this width on, the fleet and the events sit side by side.
const WIDE: u16 = 120;
/// Cells of the charge gauge, between its brackets: one per 10 %.
const GAUGE_CELLS: usize = 10;
/// The eight heights of a curve's cell, lowest first.
const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
/// A span without any reading (the UPS did not answer).
const GAP: char = '·';

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let d = state.strings().dashboard;
    let tall = area.height >= TALL;
    let ups_lines = ups_block(state, area.width.saturating_sub(2), tall);
    let (rooms, _) = fleet(&state.lab.inventory);
    let fleet_rows = u16::try_from(rooms.len() + usize::from(rooms.len() > 1))
        .unwrap_or(u16::MAX)
        .max(1);
    let ups_rows = u16::try_from(ups_lines.len()).unwrap_or(u16::MAX);
    // The events keep at least three lines: the last one matters most during an outage.
    let ups_height = (ups_rows + 2).min(area.height.saturating_sub(5 + fleet_rows).max(3));
    let [ups_area, rest] =
        Layout::vertical([Constraint::Length(ups_height), Constraint::Min(0)]).areas(area);
    frame.render_widget(
        Paragraph::new(ups_lines).block(Block::bordered().title(format!(" {} ", d.ups_title))),
        ups_area,
    );
    let (fleet_area, events_area) = if area.width >= WIDE {
        let [f, e] = Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
            .areas(rest);
        (f, e)
    } else {
        let [f, e] =
            Layout::vertical([Constraint::Length(fleet_rows + 2), Constraint::Min(0)]).areas(rest);
        (f, e)
    };
    frame.render_widget(
        Paragraph::new(fleet_lines(state))
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {} ", d.fleet_title))),
        fleet_area,
    );
    let rows = usize::from(events_area.height.saturating_sub(2));
    frame.render_widget(
        Paragraph::new(event_lines(state, rows))
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {} ", d.events_title))),
        events_area,
    );
}

/// The restore countdowns and any problem reading the history; then each UPS: its state,
/// runtime, load and input; its gauge and charge curve; on a tall screen its runtime curve.
fn ups_block(state: &State, width: u16, tall: bool) -> Vec<Line<'static>> {
    let s = state.strings();
    let d = s.dashboard;
    let t = state.theme;
    if state.lab.inventory.ups.is_empty() {
        return vec![Line::styled(d.no_ups, t.dim())];
    }
    let name_width = state
        .lab
        .inventory
        .ups
        .keys()
        .map(|n| shown(n).chars().count())
        .max()
        .unwrap_or(0)
        .min(16);
    // What the operator may have to act on comes first: with many UPS the block is cut at
    // the bottom, never there.
    let mut lines = restore_wait::lines(state);
    if let Some(problem) = &state.dashboard.problem {
        lines.push(Line::styled(s.message(problem), t.bad()));
    }
    for ups in state.lab.inventory.ups.values() {
        let history = state.dashboard.history.get(&ups.name);
        lines.push(state_line(state, ups, name_width));
        lines.push(charge_line(state, ups, history, usize::from(width)));
        if tall {
            lines.push(runtime_line(state, ups, history, usize::from(width)));
        }
    }
    lines
}

fn state_line(state: &State, ups: &UpsView, name_width: usize) -> Line<'static> {
    let d = state.strings().dashboard;
    let t = state.theme;
    let (word, style) = if ups.reachability == Reachability::CommsLost {
        (d.comms_lost, t.bad())
    } else if ups.status.is_none() {
        (d.not_read, t.dim())
    } else if ups_on_battery(ups) {
        (d.on_battery, t.bad())
    } else {
        (d.on_mains, t.good())
    };
    Line::from(vec![
        Span::styled(format!("{:<name_width$}  ", shown(&ups.name)), t.strong()),
        Span::styled(word.to_owned(), style),
        Span::raw(format!(
            "  {}  {}",
            (d.runtime)(ups.runtime_s),
            (d.load_input)(ups.load_pct, ups.input_voltage)
        )),
    ])
}

/// `charge  [██████░░░░]  62%  ▇▇▆▆▅▅▄▃ 60 min, low 35%`.
fn charge_line(
    state: &State,
    ups: &UpsView,
    history: Option<&UpsHistory>,
    width: usize,
) -> Line<'static> {
    let d = state.strings().dashboard;
    let t = state.theme;
    let charge = ups.charge_pct.map(|c| c.clamp(0.0, 100.0));
    // Whole cells only: a gauge never shows more than the battery holds.
    let filled = charge.map_or(0, |c| ((c / 10.0).floor() as usize).min(GAUGE_CELLS));
    let gauge_style = match charge {
        Some(c) if c < 25.0 => t.bad(),
        Some(c) if c < 50.0 => t.warn(),
        Some(_) => t.good(),
        None => t.dim(),
    };
    let mut spans = vec![
        Span::styled(format!("  {} ", d.charge_label), t.dim()),
        Span::raw("["),
        Span::styled("█".repeat(filled), gauge_style),
        Span::styled("░".repeat(GAUGE_CELLS - filled), t.dim()),
        Span::raw(format!("] {:>4}  ", format::percent(charge))),
    ];
    let used: usize = spans.iter().map(Span::width).sum();
    let samples = history.map_or(&[][..], |h| h.samples.as_slice());
    // The reading on screen counts too: the history is fetched every quarter minute, and
    // its lowest must never be above the gauge beside it.
    let low = samples
        .iter()
        .filter_map(|s| s.charge_min_pct)
        .chain(charge)
        .reduce(f32::min)
        .filter(|_| !samples.is_empty());
    let legend = format!(" {}", (d.charge_curve)(minutes(history), low));
    spans.extend(curve(
        state,
        samples,
        width.saturating_sub(used + legend.chars().count()),
        |s| {
            s.charge_min_pct
                .map(|c| f64::from(c.clamp(0.0, 100.0)) / 100.0)
        },
    ));
    if !samples.is_empty() {
        spans.push(Span::styled(legend, t.dim()));
    }
    Line::from(spans)
}

/// `runtime ▇▇▆▆▅▅▄▃ 60 min, low 10m 05s`, scaled to the longest runtime of the hour.
fn runtime_line(
    state: &State,
    ups: &UpsView,
    history: Option<&UpsHistory>,
    width: usize,
) -> Line<'static> {
    let d = state.strings().dashboard;
    let t = state.theme;
    let samples = history.map_or(&[][..], |h| h.samples.as_slice());
    let longest = samples
        .iter()
        .filter_map(|s| s.runtime_avg_s.max(s.runtime_min_s))
        .max()
        .unwrap_or(0)
        .max(1);
    let low = samples
        .iter()
        .filter_map(|s| s.runtime_min_s)
        .chain(ups.runtime_s)
        .min()
        .filter(|_| !samples.is_empty());
    let label = format!("  {} ", d.runtime_label);
    let legend = format!(" {}", (d.runtime_curve)(minutes(history), low));
    let room = width.saturating_sub(label.chars().count() + legend.chars().count());
    let mut spans = vec![Span::styled(label, t.dim())];
    spans.extend(curve(state, samples, room, |s| {
        s.runtime_min_s.map(|r| r as f64 / longest as f64)
    }));
    if !samples.is_empty() {
        spans.push(Span::styled(legend, t.dim()));
    }
    Line::from(spans)
}

/// Minutes the history covers.
fn minutes(history: Option<&UpsHistory>) -> u64 {
    history.map_or(0, |h| (h.samples.len() as u64 * h.sample_s).div_ceil(60))
}

/// A curve of `samples` in at most `cells` cells: when there are more samples than cells,
/// neighbours share a cell and the lowest of them is drawn (an outage is judged by how low
/// the battery went). `level` gives a sample's height from 0 to 1, `None` for a gap.
fn curve(
    state: &State,
    samples: &[UpsSample],
    cells: usize,
    level: impl Fn(&UpsSample) -> Option<f64>,
) -> Vec<Span<'static>> {
    let t = state.theme;
    if samples.is_empty() {
        return vec![Span::styled(
            state.strings().dashboard.no_history.to_owned(),
            t.dim(),
        )];
    }
    if cells == 0 {
        return Vec::new();
    }
    let per_cell = samples.len().div_ceil(cells);
    let text: String = samples
        .chunks(per_cell)
        .map(|chunk| {
            chunk
                .iter()
                .filter_map(&level)
                .reduce(f64::min)
                .map_or(GAP, |l| {
                    let i = (l.clamp(0.0, 1.0) * (BARS.len() - 1) as f64).round() as usize;
                    BARS[i.min(BARS.len() - 1)]
                })
        })
        .collect();
    let on_battery = samples.iter().any(|s| s.on_battery);
    let style = if on_battery { t.warn() } else { Style::new() };
    vec![Span::styled(text, style)]
}

fn fleet_lines(state: &State) -> Vec<Line<'static>> {
    let d = state.strings().dashboard;
    let t = state.theme;
    let (rooms, total) = fleet(&state.lab.inventory);
    let mut lines: Vec<Line<'static>> = rooms
        .iter()
        .map(|(room, f)| Line::from(shown(&(d.fleet_line)(room, f)).into_owned()))
        .collect();
    if rooms.len() > 1 {
        lines.push(Line::styled((d.fleet_total)(&total), t.strong()));
    }
    lines
}

/// The newest `rows` significant events, newest first, each with its time (UTC).
fn event_lines(state: &State, rows: usize) -> Vec<Line<'static>> {
    let s = state.strings();
    let t = state.theme;
    let events = &state.dashboard.events;
    if events.is_empty() {
        return vec![Line::styled(s.dashboard.no_events, t.dim())];
    }
    events
        .iter()
        .rev()
        .take(rows)
        .map(|record| {
            let stamp = format::timestamp(record.at);
            let time = stamp.get(11..19).unwrap_or(&stamp).to_owned();
            let bad = failed(&record.event);
            let (mark, style) = if bad {
                ("! ", t.bad())
            } else {
                ("  ", Style::new())
            };
            Line::from(vec![
                Span::styled(time, t.dim()),
                Span::styled(format!(" {mark}"), style),
                Span::styled(shown(&(s.event)(&record.event)).into_owned(), style),
            ])
        })
        .collect()
}

/// Whether an event says something went wrong.
fn failed(event: &DomainEvent) -> bool {
    use DomainEvent as E;
    match event {
        E::Remote { event, .. } => failed(event),
        E::StepEnded { state, .. } => *state == StepStatus::Failed,
        E::RunEnded { failed, .. } => *failed > 0,
        E::UpsCommsLost { .. }
        | E::PeerUnreachable { .. }
        | E::OutageTriggered { .. }
        | E::OutagePowerLostAgain { .. }
        | E::OutageCommsAlarm { .. } => true,
        _ => false,
    }
}
