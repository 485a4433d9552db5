//! A plan's steps as bars on a time axis: one line per step (its number, what it does, a bar
//! from its predicted start to its predicted end, its state in a run), the axis scaled to the
//! longer of the battery runtime the UPS reports and the plan, with the runtime marked on
//! every line. Before a run the critical path is drawn solid (`█`) and the other steps shaded
//! (`▒`), so it reads without colour. During and after a run, what happened is drawn solid
//! (`█`, in the colour of the step's state) over what was predicted (`░`), so a step that
//! started late or ran long shows at a glance; the critical path keeps its `*`. When the plan
//! asks a UPS to cut its output, the cut is marked too (`╳`), red when the battery would run
//! out first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use upstra_core::api::v1::{PlanView, StepKind, StepStatus, StepView};

use super::scroll_offset;
use super::shown;
use crate::console::state::State;
use crate::console::strings::plan::split_target;

const CRITICAL: &str = "█";
const OTHER: &str = "▒";
const RUNTIME: &str = "┊";
/// Where the first UPS asked to cut its output does so.
const OUTPUT_CUT: &str = "╳";
/// What was predicted, under what happened in a run.
const PREDICTED: &str = "░";
/// `* 12 `: the critical mark, the step number in three, a space.
const NUMBER: usize = 5;
/// Axis steps worth labelling, in seconds.
const TICKS: [u64; 12] = [10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14_400];

/// The columns of the timeline for an area `width` wide.
struct Columns {
    label: usize,
    /// Cells of the axis; one more holds the runtime marker at its end.
    bar: usize,
    state: usize,
    /// Seconds the axis spans.
    scale: u64,
}

/// What the timeline draws: the plan (its runtime the UPS's last reading), and for a run how
/// far into it we are and that the steps' actual times are to be drawn.
pub struct Live {
    pub plan: PlanView,
    /// Seconds since a run going on started: the battery marker counts from there.
    pub elapsed_s: Option<u64>,
    /// A run: draw what happened over what was predicted.
    pub actual: bool,
}

impl Live {
    /// Where the battery runs out, in seconds on the axis.
    fn runtime_at(&self) -> Option<u64> {
        let left = self.plan.runtime_s?;
        Some(self.elapsed_s.unwrap_or(0).saturating_add(left))
    }

    /// When `step` actually ran, in seconds from the run's start; a step still running
    /// ends now.
    fn actual(&self, step: &StepView) -> Option<(u64, u64)> {
        if !self.actual {
            return None;
        }
        let start = step.started_s?;
        let end = step.ended_s.unwrap_or_else(|| {
            self.elapsed_s
                .unwrap_or(start + step.took_ms.unwrap_or(0) / 1000)
        });
        Some((start, end.max(start)))
    }
}

impl Columns {
    fn new(state: &State, live: &Live, width: usize) -> Self {
        let plan = &live.plan;
        let p = state.strings().plan;
        let widest = |words: &mut dyn Iterator<Item = String>| {
            words.map(|w| w.chars().count()).max().unwrap_or(0)
        };
        let labels = widest(&mut plan.steps.iter().map(|s| label(state, s)));
        let states = widest(
            &mut plan
                .steps
                .iter()
                .map(|s| (p.step_state)(s.state).to_owned()),
        );
        let state_width = if states == 0 {
            0
        } else {
            states.max(p.col_state.chars().count()) + 1
        };
        let label_width = labels.clamp(6, (width / 3).max(6));
        let bar = width.saturating_sub(NUMBER + label_width + 1 + state_width + 1);
        let scale = live
            .runtime_at()
            .unwrap_or(0)
            .max(plan.output_cut_s.unwrap_or(0))
            .max(plan.makespan_s)
            .max(plan.steps.iter().map(|s| s.end_s).max().unwrap_or(0))
            .max(
                plan.steps
                    .iter()
                    .filter_map(|s| live.actual(s).map(|a| a.1))
                    .max()
                    .unwrap_or(0),
            )
            .max(1);
        Self {
            label: label_width,
            bar: bar.max(1),
            state: state_width,
            scale,
        }
    }

    /// The cell of the axis at `secs`.
    fn at(&self, secs: u64) -> usize {
        let bar = u64::try_from(self.bar).unwrap_or(u64::MAX);
        usize::try_from(secs.min(self.scale).saturating_mul(bar) / self.scale).unwrap_or(0)
    }
}

/// Draws the timeline in `area`, `selected` highlighted and kept in view; the last line is
/// the legend.
pub fn render(state: &State, live: &Live, selected: usize, frame: &mut Frame, area: Rect) {
    let p = state.strings().plan;
    let t = state.theme;
    let plan = &live.plan;
    let width = usize::from(area.width);
    let cols = Columns::new(state, live, width);
    let height = usize::from(area.height);
    let rows = height.saturating_sub(2);
    let offset = scroll_offset(selected, plan.steps.len(), rows);
    // The marker turns to a warning when the plan does not end before the battery does.
    let runtime = live.runtime_at().map(|r| Marker {
        cell: cols.at(r),
        late: plan.makespan_s > r,
    });
    // The cut turns to a warning when the battery runs out before it.
    // In a run whose UPS-off command failed or was skipped, no cut is coming.
    let cut_coming = !live.actual
        || plan.steps.iter().any(|s| {
            s.kind == StepKind::UpsOff
                && !matches!(s.state, Some(StepStatus::Failed | StepStatus::Skipped))
        });
    let cut_s = plan.output_cut_s.filter(|_| cut_coming);
    let cut = cut_s.map(|c| Marker {
        cell: cols.at(c),
        late: live.runtime_at().is_some_and(|r| r < c),
    });
    let markers = Markers { runtime, cut };
    let mut lines = vec![axis(state, &cols)];
    for (i, step) in plan.steps.iter().enumerate().skip(offset).take(rows) {
        lines.push(row(state, live, step, &cols, markers, i == selected));
    }
    while lines.len() + 1 < height {
        lines.push(Line::default());
    }
    let mut legend = if live.actual {
        (state.strings().situation.legend_run)(plan.runtime_s)
    } else {
        (p.legend)(plan.runtime_s)
    };
    // Said when it fits the line; the plan's notes say it in full.
    if let Some(c) = cut_s {
        let more = (p.legend_output_cut)(c);
        if legend.chars().count() + 2 + more.chars().count() <= width {
            legend.push_str("  ");
            legend.push_str(&more);
        }
    }
    lines.push(Line::styled(legend, t.dim()));
    frame.render_widget(Paragraph::new(lines), area);
}

/// What the step does, in the language in use.
fn label(state: &State, step: &StepView) -> String {
    let (_, name) = split_target(&step.target);
    (state.strings().plan.step_label)(step.kind, &shown(name))
}

/// The first line: the column titles and the time labels.
fn axis(state: &State, cols: &Columns) -> Line<'static> {
    let p = state.strings().plan;
    let mut text = format!("{:>4} {:<width$} ", "#", p.col_step, width = cols.label);
    let mut labels = vec![' '; cols.bar + 1];
    let tick = TICKS
        .iter()
        .copied()
        .find(|t| cols.scale / t <= u64::try_from(cols.bar / 8).unwrap_or(0).max(1))
        .unwrap_or(cols.scale);
    let mut at = 0;
    while at <= cols.scale {
        let cell = cols.at(at);
        let word: Vec<char> = short(at).chars().collect();
        let fits = cell + word.len() <= labels.len()
            && labels[cell..cell + word.len()].iter().all(|c| *c == ' ')
            && (cell == 0 || labels[cell - 1] == ' ');
        if fits {
            labels[cell..cell + word.len()].copy_from_slice(&word);
        }
        at += tick;
    }
    text.extend(labels);
    if cols.state > 0 {
        text.push(' ');
        text.push_str(p.col_state);
    }
    Line::styled(text, state.theme.dim())
}

/// `0`, `30s`, `5m`, `1h`, `1h30`: axis labels, short.
fn short(secs: u64) -> String {
    match secs {
        0 => "0".to_owned(),
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s => format!("{}h{:02}", s / 3600, (s % 3600) / 60),
    }
}

/// Where the battery runs out (or the UPS cuts its output) on the axis.
#[derive(Clone, Copy)]
struct Marker {
    cell: usize,
    late: bool,
}

/// The marks drawn on every line of the timeline.
#[derive(Clone, Copy)]
struct Markers {
    runtime: Option<Marker>,
    cut: Option<Marker>,
}

fn row(
    state: &State,
    live: &Live,
    step: &StepView,
    cols: &Columns,
    markers: Markers,
    selected: bool,
) -> Line<'static> {
    let p = state.strings().plan;
    let t = state.theme;
    let mark = if step.critical { "*" } else { " " };
    let mut name = label(state, step);
    if name.chars().count() > cols.label {
        name = name.chars().take(cols.label.saturating_sub(1)).collect();
        name.push('…');
    }
    let head = format!(
        "{mark}{:>3} {name:<width$}",
        step.number,
        width = cols.label
    );
    let head_style = if selected { t.selected() } else { Style::new() };
    let bar_style = state_style(state, step);
    let start = cols.at(step.start_s).min(cols.bar.saturating_sub(1));
    let end = cols.at(step.end_s).max(start + 1).min(cols.bar);
    let glyph = if step.critical { CRITICAL } else { OTHER };
    // In a run, what happened is solid over the prediction; a step that never ran shows only
    // its prediction.
    let actual = live.actual(step).map(|(a, b)| {
        let from = cols.at(a).min(cols.bar.saturating_sub(1));
        (from, cols.at(b).max(from + 1).min(cols.bar))
    });
    let mut spans = vec![Span::styled(head, head_style), Span::raw(" ")];
    let mut plain = String::new();
    let flush = |plain: &mut String, spans: &mut Vec<Span<'static>>| {
        if !plain.is_empty() {
            spans.push(Span::raw(std::mem::take(plain)));
        }
    };
    for cell in 0..=cols.bar {
        if actual.is_some_and(|(from, to)| (from..to).contains(&cell)) {
            flush(&mut plain, &mut spans);
            spans.push(Span::styled(CRITICAL, bar_style));
        } else if live.actual && (start..end).contains(&cell) {
            flush(&mut plain, &mut spans);
            spans.push(Span::styled(PREDICTED, t.dim()));
        } else if (start..end).contains(&cell) {
            flush(&mut plain, &mut spans);
            spans.push(Span::styled(glyph, bar_style));
        } else if let Some(marker) = markers.runtime.filter(|m| m.cell == cell) {
            flush(&mut plain, &mut spans);
            let style = if marker.late { t.bad() } else { t.dim() };
            spans.push(Span::styled(RUNTIME, style));
        } else if let Some(marker) = markers.cut.filter(|m| m.cell == cell) {
            flush(&mut plain, &mut spans);
            let style = if marker.late { t.bad() } else { t.warn() };
            spans.push(Span::styled(OUTPUT_CUT, style));
        } else {
            plain.push(' ');
        }
    }
    flush(&mut plain, &mut spans);
    if cols.state > 0 {
        spans.push(Span::raw(" "));
        spans.push(Span::styled(
            (p.step_state)(step.state).to_owned(),
            bar_style,
        ));
    }
    Line::from(spans)
}

/// A step's colour: by its state in a run; before one, the critical path stands out.
fn state_style(state: &State, step: &StepView) -> Style {
    let t = state.theme;
    match step.state {
        None | Some(StepStatus::Pending) if step.critical => t.critical(),
        None | Some(StepStatus::Pending) => Style::new(),
        Some(StepStatus::Started | StepStatus::Dispatched) => t.warn(),
        Some(StepStatus::Done) => t.good(),
        Some(StepStatus::Failed) => t.bad(),
        Some(StepStatus::Skipped | StepStatus::Unknown) => t.dim(),
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn axis_labels_are_short() {
        assert_eq!(short(0), "0");
        assert_eq!(short(30), "30s");
        assert_eq!(short(600), "10m");
        assert_eq!(short(3600), "1h");
        assert_eq!(short(5400), "1h30");
    }
}
