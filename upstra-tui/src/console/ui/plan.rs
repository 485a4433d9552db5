//! The plan view: on top, what is shown (the plan an outage of the UPS would run, a run live,
//! or a simulation), the UPS watches and the timeline; below, the selected step, the report
//! of a run that ended (what was restored, what was not and why), or a simulation's checks.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};
use upstra_core::api::v1::{
    PlanView, RunStatus, RunView, SimulationReport, StepStatus, WatchState,
};

use super::shown;
use super::{height_of, timeline};
use crate::console::state::{
    PlanShows, RunReport, Situation, State, UpsPower, situation, ups_power, ups_runtime,
};

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let p = s.plan;
    let t = state.theme;
    let plan = &state.plan;
    let title = match &plan.ups {
        Some(ups) => format!(" {} · {ups} ", p.title),
        None => format!(" {} ", p.title),
    };
    let message = if state.lab.inventory.ups.is_empty() && state.lab.loaded {
        Some(Line::from(p.no_ups))
    } else if let Some(problem) = &plan.problem {
        Some(Line::styled(s.message(problem), t.bad()))
    } else if plan.shown().is_none() {
        Some(Line::styled(p.loading, t.dim()))
    } else {
        None
    };
    let (Some(shown), None) = (plan.shown(), message.clone()) else {
        let lines = message.into_iter().collect::<Vec<_>>();
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::bordered().title(title)),
            area,
        );
        return;
    };
    // A report gets more room: it is what the operator came for once a run ended.
    let reporting = matches!(plan.shows, PlanShows::Run(id) if plan.run(id).is_some_and(ended));
    let share = if reporting { 2 } else { 3 };
    let lower = (area.height / share).clamp(6, 16).min(area.height / 2);
    let [top, bottom] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(lower)]).areas(area);
    let block = Block::bordered().title(title);
    let inner = block.inner(top);
    frame.render_widget(block, top);
    let live = live_plan(state, shown);
    let shown = &live.plan;
    let head = heading(state, shown);
    let head_rows = height_of(&head, inner.width).min(inner.height / 2);
    let [head_area, _, steps] = Layout::vertical([
        Constraint::Length(head_rows),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), head_area);
    if shown.steps.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(p.nothing_to_do, t.dim())).wrap(Wrap { trim: false }),
            steps,
        );
    } else {
        timeline::render(state, &live, plan.selected, frame, steps);
    }
    lower_pane(state, shown, frame, bottom);
}

/// The plan shown with the battery runtime the header shows (the UPS's last reading, one
/// figure for both), and, in a run, when each step actually ran.
fn live_plan(state: &State, shown: &PlanView) -> timeline::Live {
    let ups = shown.ups.first().or(state.plan.ups.as_ref());
    let runtime = ups.map_or(shown.runtime_s, |u| ups_runtime(state, u, shown));
    let mut plan = shown.clone();
    plan.runtime_s = runtime;
    let run = match state.plan.shows {
        PlanShows::Run(id) => state.plan.run(id),
        _ => None,
    };
    match run {
        None => timeline::Live {
            plan,
            elapsed_s: None,
            actual: false,
        },
        Some(run) => {
            // The battery marker counts from now, which is this far into the run; a run that
            // ended has nothing to race against any more.
            let elapsed_s = match (ended(run), state.plan.now) {
                (false, Some(now)) => {
                    Some(u64::try_from(now.millis() - run.started_at.millis()).unwrap_or(0) / 1000)
                }
                (false, None) => Some(running_for(run)),
                (true, _) => {
                    plan.runtime_s = None;
                    None
                }
            };
            timeline::Live {
                plan,
                elapsed_s,
                actual: true,
            }
        }
    }
}

/// How long a run has gone on by its steps, when the console's clock has not ticked yet.
fn running_for(run: &RunView) -> u64 {
    run.plan
        .steps
        .iter()
        .filter_map(|s| {
            let start = s.started_s?;
            Some(s.ended_s.unwrap_or(start + s.took_ms.unwrap_or(0) / 1000))
        })
        .max()
        .unwrap_or(0)
}

/// The lines above the timeline: what is happening (or, when all is quiet, what an outage
/// would do), then how each UPS is doing.
fn heading(state: &State, shown: &PlanView) -> Vec<Line<'static>> {
    let p = state.strings().plan;
    let t = state.theme;
    let plan = &state.plan;
    let ups = plan.ups.clone().unwrap_or_default();
    let situation = situation(state, &ups);
    let mut lines = Vec::new();
    match plan.shows {
        PlanShows::Preview => lines.push(match situation {
            Situation::Quiet => Line::from((p.preview_line)(&ups, shown)),
            other => situation_line(state, &ups, other, shown),
        }),
        PlanShows::Run(id) => match plan.run(id) {
            Some(run) => {
                lines.push(Line::styled((p.run_line)(run), run_style(state, run)));
                // A shed that ended leaves the lab shed: say so under its report.
                if ended(run)
                    && let Situation::AwaitingRestore | Situation::MainsBack = situation
                {
                    lines.push(situation_line(state, &ups, situation, shown));
                }
            }
            None => lines.push(situation_line(state, &ups, situation, shown)),
        },
        PlanShows::Simulation => {
            if let Some(report) = &plan.simulation {
                lines.push(simulation_line(state, &ups, report));
            }
        }
    }
    if let Some(status) = &plan.status {
        let mut spans = Vec::new();
        for (i, watch) in status.watches.iter().enumerate() {
            if i > 0 {
                spans.push(Span::styled("  │  ", t.dim()));
            }
            // The same decision as the header's banner, so the two never disagree.
            let power = ups_power(state, &watch.ups);
            let style = if power == UpsPower::OnMains {
                t.good()
            } else {
                t.warn()
            };
            spans.push(Span::raw(format!("{} ", watch.ups)));
            spans.push(Span::styled((p.phase)(phase_of(power)).to_owned(), style));
            if let Some(left) = plan.grace_left(&watch.ups) {
                spans.push(Span::raw(format!(", {}", (p.grace)(left))));
            }
        }
        if !spans.is_empty() {
            lines.push(Line::from(spans));
        }
    }
    lines.extend(super::restore_wait::lines(state));
    lines
}

/// The words for what is happening to `ups` (anything but quiet).
fn situation_line(
    state: &State,
    ups: &str,
    situation: Situation<'_>,
    shown: &PlanView,
) -> Line<'static> {
    let p = state.strings().plan;
    let w = state.strings().situation;
    let t = state.theme;
    let text = match situation {
        Situation::Running(run) => (w.running_elsewhere)(run, ups),
        Situation::OnBattery { acting_in } => {
            (w.on_battery)(ups, acting_in, shown, shown.runtime_s)
        }
        Situation::Triggered => (w.triggered)(ups),
        Situation::MainsBack => {
            let by_hand = state.plan.status.as_ref().is_some_and(|s| {
                s.watches.iter().any(|w| {
                    w.ups == ups && w.restore_wait.as_ref().is_some_and(|r| r.needs_operator)
                })
            });
            (w.mains_back)(ups, by_hand)
        }
        Situation::Restoring => (w.restoring)(ups),
        Situation::AwaitingRestore => {
            let runs = state
                .plan
                .status
                .as_ref()
                .map(|s| s.unrestored.clone())
                .unwrap_or_default();
            (w.awaiting_restore)(&runs)
        }
        Situation::Quiet => (p.preview_line)(ups, shown),
    };
    Line::styled(text, t.warn())
}

/// The watch phase whose words say `power` (the strip's words are the phases').
fn phase_of(power: UpsPower) -> WatchState {
    match power {
        UpsPower::OnMains => WatchState::Online,
        UpsPower::OnBattery => WatchState::OnBattery,
        UpsPower::Triggered { .. } => WatchState::Triggered,
        UpsPower::MainsBack => WatchState::PowerBack,
        UpsPower::Restoring => WatchState::Restoring,
        UpsPower::SelfTest => WatchState::SelfTest,
    }
}

fn simulation_line(state: &State, ups: &str, report: &SimulationReport) -> Line<'static> {
    let t = state.theme;
    let style = match report.fits_runtime {
        Some(false) => t.bad(),
        _ => Style::new(),
    };
    Line::styled((state.strings().plan.simulation_line)(ups, report), style)
}

fn run_style(state: &State, run: &RunView) -> Style {
    let t = state.theme;
    match run.state {
        s if s.is_active() => t.warn(),
        _ if run.counts.failed > 0 => t.bad(),
        RunStatus::Finished => t.good(),
        _ => t.strong(),
    }
}

/// Whether a run is over.
fn ended(run: &RunView) -> bool {
    run.ended_at.is_some() || !run.state.is_active()
}

fn lower_pane(state: &State, shown: &PlanView, frame: &mut Frame, area: Rect) {
    let p = state.strings().plan;
    let plan = &state.plan;
    let (title, lines) = match plan.shows {
        PlanShows::Simulation => match &plan.simulation {
            Some(report) => (p.checks_title.to_owned(), checks(state, report)),
            None => (String::new(), Vec::new()),
        },
        PlanShows::Run(id) => match plan.run(id) {
            Some(run) if ended(run) => (
                (p.report_title)(run.plan.kind).to_owned(),
                report(state, run),
            ),
            _ => step(state, shown, false),
        },
        PlanShows::Preview => step(state, shown, true),
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(Block::bordered().title(format!(" {title} "))),
        area,
    );
}

/// The selected step in full, then (before a run) what the plan leaves out.
fn step(state: &State, shown: &PlanView, with_notes: bool) -> (String, Vec<Line<'static>>) {
    let p = state.strings().plan;
    let t = state.theme;
    let mut lines = Vec::new();
    let title = match state.plan.selected_step() {
        Some(step) => {
            lines.push(Line::styled(step.action.clone(), t.strong()));
            // The demo's drivers only pretend these: said before the operator wonders.
            if let Some(said) = state.demo.as_ref().and((p.demo_last_out)(step.kind)) {
                lines.push(Line::styled(said, t.warn()));
            }
            lines.push(Line::styled((p.step_facts)(step), t.dim()));
            if let Some(actual) = (state.strings().situation.actual)(step) {
                lines.push(Line::styled(actual, t.dim()));
            }
            if let Some(result) = (p.step_result)(step) {
                let style = match step.state {
                    Some(StepStatus::Failed) => t.bad(),
                    Some(StepStatus::Done) => t.good(),
                    _ => Style::new(),
                };
                lines.push(Line::styled(result, style));
            }
            (p.step_title)(step.number)
        }
        None => p.title.to_owned(),
    };
    if with_notes && !shown.preferred.is_empty() {
        lines.push(Line::styled(p.preferred_title, t.dim()));
        for choice in &shown.preferred {
            let vm = super::shown(&choice.vm);
            lines.push(Line::from(format!("  {}", (p.preferred)(choice, &vm))));
        }
    }
    if with_notes && !shown.notes.is_empty() {
        lines.push(Line::styled(p.notes_title, t.dim()));
        for note in &shown.notes {
            lines.push(Line::from(format!("  {note}")));
        }
    }
    (title, lines)
}

/// What a run that ended did: the targets it finished with, then the others and why.
fn report(state: &State, run: &RunView) -> Vec<Line<'static>> {
    let p = state.strings().plan;
    let t = state.theme;
    let report = RunReport::of(run);
    let kind = run.plan.kind;
    let mut lines = Vec::new();
    // What the lab says after a restore comes first: the steps say what was done, this says
    // what is true.
    if let Some(tally) = run.restored {
        let style = if tally.restored == tally.of {
            t.good()
        } else {
            t.bad()
        };
        lines.push(Line::styled(
            (p.report_verified)(tally.restored, tally.of),
            style,
        ));
        let owed: Vec<_> = state
            .plan
            .status
            .as_ref()
            .map(|s| {
                s.not_restored
                    .iter()
                    .filter(|o| run.undoes.is_empty() || run.undoes.contains(&o.shed))
                    .collect()
            })
            .unwrap_or_default();
        if !owed.is_empty() {
            lines.push(Line::styled((p.report_not_back)(owed.len()), t.bad()));
            for o in owed {
                lines.push(Line::from(vec![
                    Span::styled(format!("  {}", shown(&(p.target)(&o.target))), t.strong()),
                    Span::raw(format!(" · {}", shown(&(p.report_owed)(o)))),
                ]));
            }
        }
    }
    let done: Vec<String> = report.done.iter().map(|d| (p.target)(d)).collect();
    lines.push(Line::from(vec![
        Span::styled((p.report_done)(kind, done.len()), t.good()),
        Span::raw(" "),
        Span::raw(done.join(", ")),
    ]));
    // Simulated drivers (the demo) only pretend the last steps: a report that lists this
    // machine as shut down says so, or a newcomer wonders why theirs is still up.
    if state.health.as_ref().is_some_and(|h| h.simulated) {
        let mut said = Vec::new();
        for step in &run.plan.steps {
            if let Some(note) = (p.demo_last_out)(step.kind)
                && !said.contains(&note)
            {
                said.push(note);
                lines.push(Line::styled(note, t.warn()));
            }
        }
    }
    if !report.missed.is_empty() {
        lines.push(Line::styled(
            (p.report_missed)(kind, report.missed.len()),
            t.bad(),
        ));
        for m in &report.missed {
            // The step's number leads to its action in the timeline; the outcome says why.
            let why = m.outcome.as_deref().unwrap_or("");
            let state_word = (p.step_state)(Some(m.state));
            let why = if why.is_empty() {
                state_word.to_owned()
            } else if why.starts_with(m.state.as_str()) {
                why.to_owned()
            } else {
                format!("{state_word}{}{why}", state.strings().colon)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {}", shown(&(p.target)(&m.target))), t.strong()),
                Span::raw(format!(" · #{} {}", m.step, shown(&why))),
            ]));
        }
    }
    lines
}

fn checks(state: &State, report: &SimulationReport) -> Vec<Line<'static>> {
    let p = state.strings().plan;
    let t = state.theme;
    let width = report
        .checks
        .iter()
        .map(|c| shown(&c.target).chars().count())
        .max()
        .unwrap_or(0);
    report
        .checks
        .iter()
        .map(|c| {
            let (word, style) = if c.ok {
                (p.check_ok, t.good())
            } else {
                (p.check_failed, t.bad())
            };
            Line::from(vec![
                Span::styled(format!("{word:<5} "), style),
                Span::raw(format!(
                    "{:<width$}  {}",
                    shown(&c.target),
                    shown(&c.detail)
                )),
            ])
        })
        .collect()
}
