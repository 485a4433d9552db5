//! The forced password change: a new password, typed twice, both masked.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;

use super::form::{Form, label_width};
use crate::console::state::{PasswordField, State};

const WIDTH: u16 = 64;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let form = &state.password;
    let user = state.session.as_ref().map_or("", |x| x.user.as_str());
    let labels = label_width(&[s.password_new, s.password_repeat]);
    let mut out = Form::new(WIDTH.min(area.width));
    out.push(Line::from((s.password_why)(user)));
    out.push(Line::default());
    let editing = !form.pending;
    out.field(
        s.password_new,
        labels,
        "*".repeat(form.new.chars().count()),
        editing && form.focus == PasswordField::New,
        t.strong(),
    );
    out.field(
        s.password_repeat,
        labels,
        "*".repeat(form.repeat.chars().count()),
        editing && form.focus == PasswordField::Repeat,
        t.strong(),
    );
    out.push(Line::default());
    if form.pending {
        out.push(Line::styled(s.password_pending, t.dim()));
    } else if let Some(e) = &form.error {
        out.push(Line::styled(s.message(e), t.bad()));
    }
    out.draw(s.password_title, frame, area);
}
