//! The login screen: user and password (shown as `*`), then, when the account has two-factor
//! on, the authenticator's code or a recovery code; and the daemon's last answer.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::form::{Form, label_width};
use crate::console::state::{FactorKind, LoginField, State};

const MASK: &str = "*";
const WIDTH: u16 = 64;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let form = &state.login;
    let mut out = Form::new(WIDTH.min(area.width));
    let code_label = match form.second.as_ref().map(|step| step.kind) {
        Some(FactorKind::Recovery) => s.code_recovery,
        _ => s.code_totp,
    };
    let labels = label_width(&[s.login_daemon, s.login_user, s.login_password, code_label]);
    out.push(Line::from(vec![
        Span::styled(format!("{:<labels$}  ", s.login_daemon), t.dim()),
        Span::styled(state.socket.as_str(), t.dim()),
    ]));
    out.push(Line::default());
    let editing = !form.pending;
    match &form.second {
        None => {
            out.field(
                s.login_user,
                labels,
                form.user.clone(),
                editing && form.focus == LoginField::User,
                t.strong(),
            );
            out.field(
                s.login_password,
                labels,
                MASK.repeat(form.password.chars().count()),
                editing && form.focus == LoginField::Password,
                t.strong(),
            );
        }
        Some(step) => {
            out.field(s.login_user, labels, form.user.clone(), false, t.strong());
            out.push(Line::default());
            out.push(Line::from(match step.kind {
                FactorKind::Totp => (s.second_hint_totp)(form.user.trim()),
                FactorKind::Recovery => s.second_hint_recovery.to_owned(),
            }));
            // One-time codes show as typed: they are read off a phone or a sheet of paper.
            out.field(
                code_label,
                labels,
                step.code.to_string(),
                editing,
                t.strong(),
            );
        }
    }
    out.push(Line::default());
    if form.pending {
        out.push(Line::styled(s.login_pending, t.dim()));
    } else if let Some(error) = &form.error {
        out.push(Line::styled(s.message(error), t.bad()));
    } else if let Some(info) = &form.info {
        out.push(Line::styled(s.message(info), t.strong()));
    }
    out.draw(s.login_title, frame, area);
}
