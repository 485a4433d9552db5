//! A form over a view (the history's filter, a new user, a grant): its fields in a box,
//! secrets as one `*` per character, a line saying what the fields take, then the error or
//! "sending".

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::form::{Form, label_width};
use crate::console::state::{Form as FormState, State};

const WIDTH: u16 = 70;

pub fn render(state: &State, form: &FormState, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let words = s.forms;
    let t = state.theme;
    let labels: Vec<&str> = form.fields.iter().map(|f| (words.field)(f.name)).collect();
    let width = label_width(&labels);
    let mut out = Form::new(WIDTH.min(area.width));
    out.push(Line::default());
    for (i, field) in form.fields.iter().enumerate() {
        let value = if field.name.is_secret() {
            "*".repeat(field.value.chars().count())
        } else {
            field.value.to_string()
        };
        out.field(
            (words.field)(field.name),
            width,
            value,
            !form.pending && i == form.focus,
            t.strong(),
        );
    }
    out.push(Line::default());
    out.push(Line::styled((words.hint)(form.purpose), t.dim()));
    if form.pending {
        out.push(Line::styled(words.pending, t.dim()));
    } else if let Some(e) = &form.error {
        out.push(Line::styled(s.message(e), t.bad()));
    }
    out.draw((words.title)(form.purpose), frame, area);
}
