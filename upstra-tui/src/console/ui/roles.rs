//! The new role's form (a name, then the permissions to tick, each with what it allows) and
//! the picker of the role a user holds on everything.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, List, ListItem, ListState};

use super::centered;
use super::form::{Form, label_width};
use crate::console::state::{FieldName, RoleDraft, RolePicker, State};

const WIDTH: u16 = 70;
const TICKED: &str = "[x]";
const UNTICKED: &str = "[ ]";

pub fn form(state: &State, draft: &RoleDraft, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let a = s.admin;
    let t = state.theme;
    let name_label = (s.forms.field)(FieldName::Name);
    let choices = RoleDraft::choices();
    let names: Vec<&str> = choices.iter().map(String::as_str).collect();
    let width = label_width(&[name_label, a.role_permissions]);
    let name_width = label_width(&names);
    let mut out = Form::new(WIDTH.min(area.width));
    out.push(Line::default());
    out.field(
        name_label,
        width,
        draft.name.clone(),
        !draft.pending && draft.focus == 0,
        t.strong(),
    );
    out.push(Line::default());
    out.push(Line::styled(a.role_permissions, t.strong()));
    for (i, name) in choices.iter().enumerate() {
        let focused = !draft.pending && draft.focus == i + 1;
        let ticked = upstra_core::rbac::Permissions::parse_names(&[name])
            .is_ok_and(|p| draft.permissions.contains(p));
        let style = if focused { t.strong() } else { Style::new() };
        out.choice(
            Line::from(vec![
                Span::styled(
                    format!(
                        "{} {name:<name_width$}",
                        if ticked { TICKED } else { UNTICKED }
                    ),
                    style,
                ),
                Span::raw("  "),
                Span::styled((a.permission)(name), t.dim()),
            ]),
            focused,
        );
    }
    out.push(Line::default());
    out.push(Line::styled(a.role_hint, t.dim()));
    if draft.pending {
        out.push(Line::styled(s.forms.pending, t.dim()));
    } else if let Some(e) = &draft.error {
        out.push(Line::styled(s.message(e), t.bad()));
    }
    out.draw(a.role_title, frame, area);
}

pub fn picker(state: &State, p: &RolePicker, frame: &mut Frame, area: Rect) {
    let a = state.strings().admin;
    let t = state.theme;
    let height = u16::try_from(p.roles.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let dialog = centered(area, 48.min(area.width), height.min(area.height));
    let block = Block::bordered().title(format!(" {} ", (a.picker_title)(&p.user)));
    let items: Vec<ListItem> = p
        .roles
        .iter()
        .map(|role| {
            let now = if p.current.as_ref() == Some(role) {
                a.picker_current
            } else {
                ""
            };
            ListItem::new(Line::from(vec![
                Span::raw(format!(" {role:<20}")),
                Span::styled(now, t.dim()),
            ]))
        })
        .collect();
    let mut list_state = ListState::default().with_selected(Some(p.selected));
    frame.render_widget(Clear, dialog);
    frame.render_stateful_widget(
        List::new(items).block(block).highlight_style(t.selected()),
        dialog,
        &mut list_state,
    );
}
