//! The first-run setup wizard: a box in the middle, its steps on top, then the step itself:
//! the first admin's form; the menu with what the store holds and what this wizard declared;
//! an object's form; a lab file's dry run to review; or what answers after a `sync`.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Wrap};
use upstra_core::api::v1::Reachability;

use super::form::{Form, label_width};
use super::{centered, height_of};
use crate::console::state::{Form as FormState, SetupChoice, SetupStep, State};

const WIDTH: u16 = 76;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let setup = &state.setup;
    match (setup.step, &setup.form) {
        (SetupStep::Admin | SetupStep::Form, Some(form)) => form_step(state, form, frame, area),
        _ => page(state, frame, area),
    }
}

/// The progress line: the step in use stands out.
fn progress(state: &State) -> Line<'static> {
    let w = state.strings().setup;
    let t = state.theme;
    let at = match state.setup.step {
        SetupStep::Admin => 0,
        SetupStep::Menu | SetupStep::Form | SetupStep::Review => 1,
        SetupStep::Check => 2,
    };
    let mut spans = Vec::new();
    for (i, name) in w.steps.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", t.dim()));
        }
        let text = format!("{} {name}", i + 1);
        spans.push(if i == at {
            Span::styled(text, t.strong())
        } else {
            Span::styled(text, t.dim())
        });
    }
    Line::from(spans)
}

fn form_step(state: &State, form: &FormState, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let w = s.setup;
    let words = s.forms;
    let t = state.theme;
    let labels: Vec<&str> = form.fields.iter().map(|f| (words.field)(f.name)).collect();
    let width = label_width(&labels);
    let mut out = Form::new(WIDTH.min(area.width));
    out.push(progress(state));
    out.push(Line::default());
    if form.purpose == crate::console::state::FormPurpose::SetupAdmin {
        out.push(Line::from(w.admin_intro));
        out.push(Line::default());
    }
    for (i, field) in form.fields.iter().enumerate() {
        let value = if field.name.is_secret() {
            "*".repeat(field.value.chars().count())
        } else {
            field.value.to_string()
        };
        let focused = !state.setup.busy && i == form.focus;
        let choices = field.name.choices();
        // What ←/→ goes through, beside the field being changed.
        let note = (focused && !choices.is_empty())
            .then(|| Span::styled(format!("   ←/→ {}", choices.join(" · ")), t.dim()));
        out.field_with_note(
            (words.field)(field.name),
            width,
            value,
            note,
            focused,
            t.strong(),
        );
    }
    out.push(Line::default());
    out.push(Line::styled((words.hint)(form.purpose), t.dim()));
    if state.setup.busy {
        out.push(Line::styled(w.busy, t.dim()));
    } else if let Some(e) = &form.error {
        out.push(Line::styled(s.message(e), t.bad()));
        for p in &state.setup.problems {
            out.push(Line::styled(format!("  {p}"), t.bad()));
        }
    }
    out.draw(
        &format!("{} · {}", w.title, (words.title)(form.purpose)),
        frame,
        area,
    );
}

/// The menu, the review and the check: lines in a box.
fn page(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let w = s.setup;
    let t = state.theme;
    let setup = &state.setup;
    let mut lines = vec![progress(state), Line::default()];
    match setup.step {
        SetupStep::Review => {
            lines.push(Line::styled(w.review_title, t.strong()));
            for c in setup.dry_run.iter().flat_map(|r| r.changes.iter()) {
                lines.push(Line::from(format!("  {}", (w.change)(c))));
            }
            for warning in setup.dry_run.iter().flat_map(|r| r.warnings.iter()) {
                lines.push(Line::styled(format!("  {warning}"), t.warn()));
            }
        }
        SetupStep::Check => {
            lines.push(Line::styled(w.check_title, t.strong()));
            if setup.busy {
                lines.push(Line::styled(w.checking, t.dim()));
            } else if let Some(report) = &setup.sync {
                lines.push(Line::from((w.sync_line)(report)));
                for u in state.lab.inventory.ups.values() {
                    let style = if u.reachability == Reachability::Ok {
                        t.good()
                    } else {
                        t.bad()
                    };
                    lines.push(Line::styled(format!("  {}", (w.ups_line)(u)), style));
                }
                for x in state.lab.inventory.servers.values() {
                    lines.push(Line::from(format!("  {}", (w.server_line)(x))));
                }
                if !report.problems.is_empty() {
                    lines.push(Line::styled(w.problems_title, t.bad()));
                    for p in &report.problems {
                        lines.push(Line::styled(format!("  {p}"), t.bad()));
                    }
                }
            }
        }
        _ => menu(state, &mut lines),
    }
    if let Some(e) = &setup.error {
        lines.push(Line::default());
        lines.push(Line::styled(s.message(e), t.bad()));
    }
    let width = WIDTH.min(area.width);
    let height = (height_of(&lines, width.saturating_sub(4)) + 2).min(area.height);
    let dialog = centered(area, width, height);
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {} ", w.title))
                .padding(ratatui::widgets::Padding::horizontal(1)),
        ),
        dialog,
    );
}

fn menu(state: &State, lines: &mut Vec<Line<'static>>) {
    let w = state.strings().setup;
    let t = state.theme;
    let setup = &state.setup;
    let inv = &state.lab.inventory;
    lines.push(Line::from(w.menu_intro));
    lines.push(Line::default());
    for (i, choice) in SetupChoice::ALL.iter().enumerate() {
        let text = format!(" {} ", (w.choice)(*choice));
        lines.push(if i == setup.choice {
            Line::from(vec![Span::raw("› "), Span::styled(text, t.selected())])
        } else {
            Line::from(vec![Span::raw("  "), Span::raw(text)])
        });
    }
    lines.push(Line::default());
    lines.push(Line::styled(
        (w.holds)(
            inv.rooms.len(),
            inv.ups.len(),
            inv.servers.len(),
            inv.vms.len(),
        ),
        t.dim(),
    ));
    if !setup.declared.is_empty() {
        let declared: Vec<String> = setup
            .declared
            .iter()
            .map(|(kind, name)| (w.object)(*kind, name))
            .collect();
        lines.push(Line::styled(
            format!("{} {}", w.declared_title, declared.join(", ")),
            t.dim(),
        ));
    }
}
