//! The accounts view: the tabs on top, then the users, the roles or the grants; or who is
//! connected over a user's sessions. The selected line of the tab is highlighted; a reset
//! secret is a dialog of its own.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Row, Table, Tabs, Wrap};
use upstra_core::state::Timestamp;

use super::shown;
use super::{centered, height_of, list_row, scroll_offset};
use crate::console::state::{AdminTab, Revealed, State};
use crate::format;

pub fn render(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let a = s.admin;
    let t = state.theme;
    let admin = &state.admin;
    let block = Block::bordered().title(format!(" {} ", a.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs, body] = parts(inner);
    let titles: Vec<&str> = AdminTab::ALL.iter().map(|tab| (a.tab)(*tab)).collect();
    let at = AdminTab::ALL
        .iter()
        .position(|tab| *tab == admin.tab)
        .unwrap_or(0);
    frame.render_widget(
        Tabs::new(titles)
            .select(at)
            .highlight_style(t.selected())
            .divider(" │ "),
        tabs,
    );
    if let Some(problem) = &admin.problem {
        frame.render_widget(
            Paragraph::new(Line::styled(s.message(problem), t.bad())).wrap(Wrap { trim: false }),
            body,
        );
        return;
    }
    match admin.tab {
        AdminTab::Users => users(state, frame, body),
        AdminTab::Roles if admin.accounts_loaded => roles(state, frame, body),
        AdminTab::Grants if admin.accounts_loaded => grants(state, frame, body),
        AdminTab::Roles | AdminTab::Grants => {
            frame.render_widget(Paragraph::new(Line::styled(a.loading, t.dim())), body);
        }
        AdminTab::People => people(state, frame, body),
    }
}

/// The tabs line and the tab's body (a blank line between).
fn parts(inner: Rect) -> [Rect; 2] {
    let [tabs, _, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Min(0),
    ])
    .areas(inner);
    [tabs, body]
}

/// The line at `at` in the users, roles or grants tab, for a click. (The people tab stacks
/// two tables; its sessions are chosen with the keys.)
pub fn row_at(state: &State, area: Rect, at: Position) -> Option<usize> {
    let admin = &state.admin;
    if admin.tab == AdminTab::People || !admin.accounts_loaded || admin.problem.is_some() {
        return None;
    }
    let [_, body] = parts(Block::bordered().inner(area));
    // Under the table's header, and under the line over the table in the roles and grants tabs.
    let above = if admin.tab == AdminTab::Users { 1 } else { 2 };
    let list = Rect {
        y: body.y + above,
        height: body.height.saturating_sub(above),
        ..body
    };
    let len = admin.rows();
    let offset = scroll_offset(admin.selected, len, usize::from(list.height));
    list_row(list, at, offset, len)
}

/// `2026-11-25 10:00`.
fn minute(at: Timestamp) -> String {
    let full = format::timestamp(at);
    match (full.get(..10), full.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => full,
    }
}

/// A table of `rows` under `header`, `selected` (when given) highlighted and kept in view.
fn table<'a>(
    state: &State,
    header: Vec<&'a str>,
    rows: Vec<Row<'a>>,
    widths: &[Constraint],
    selected: Option<usize>,
    frame: &mut Frame,
    area: Rect,
) {
    let t = state.theme;
    let height = usize::from(area.height.saturating_sub(1));
    let offset = selected.map_or(0, |s| scroll_offset(s, rows.len(), height));
    let rows: Vec<Row> = rows
        .into_iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, row)| {
            if Some(i) == selected {
                row.style(t.selected())
            } else {
                row
            }
        })
        .collect();
    frame.render_widget(
        Table::new(rows, widths.to_vec()).header(Row::new(header).style(t.dim())),
        area,
    );
}

fn users(state: &State, frame: &mut Frame, area: Rect) {
    let a = state.strings().admin;
    let t = state.theme;
    let admin = &state.admin;
    if !admin.accounts_loaded {
        frame.render_widget(Paragraph::new(Line::styled(a.loading, t.dim())), area);
        return;
    }
    let yes_no = |b: bool| if b { a.yes } else { a.no };
    let rows: Vec<Row> = admin
        .accounts
        .users
        .iter()
        .map(|u| {
            let state_style = if u.disabled { t.bad() } else { Style::new() };
            Row::new(vec![
                Line::from(shown(&u.name).into_owned()),
                Line::from(u.role.clone().unwrap_or_else(|| format::NONE.to_owned())),
                Line::from(u.scoped_grants.to_string()),
                Line::from(yes_no(u.two_factor)),
                Line::styled((a.user_state)(u), state_style),
                Line::from(minute(u.created_at)),
            ])
        })
        .collect();
    table(
        state,
        vec![
            a.col_name,
            a.col_role,
            a.col_scoped,
            a.col_two_factor,
            a.col_state,
            a.col_created,
        ],
        rows,
        &[
            Constraint::Length(14),
            Constraint::Length(10),
            Constraint::Length(7),
            Constraint::Length(4),
            Constraint::Fill(1),
            Constraint::Length(16),
        ],
        Some(admin.selected),
        frame,
        area,
    );
}

/// A line saying what the table under it is (and its keys), then the table's area.
fn titled(state: &State, title: &str, frame: &mut Frame, area: Rect) -> Rect {
    let [line, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(area);
    frame.render_widget(Line::styled(title.to_owned(), state.theme.strong()), line);
    rest
}

fn roles(state: &State, frame: &mut Frame, area: Rect) {
    let a = state.strings().admin;
    let table_area = titled(state, a.roles_title, frame, area);
    let rows: Vec<Row> = state
        .admin
        .accounts
        .roles
        .iter()
        .map(|r| {
            Row::new(vec![
                r.name.clone(),
                r.permissions.join(", "),
                if r.builtin { a.builtin } else { "" }.to_owned(),
            ])
        })
        .collect();
    table(
        state,
        vec![a.col_role, a.col_permissions, ""],
        rows,
        &[
            Constraint::Length(12),
            Constraint::Fill(1),
            Constraint::Length(9),
        ],
        Some(state.admin.selected),
        frame,
        table_area,
    );
}

fn grants(state: &State, frame: &mut Frame, area: Rect) {
    let a = state.strings().admin;
    let table_area = titled(state, a.grants_title, frame, area);
    let rows: Vec<Row> = state
        .admin
        .accounts
        .grants
        .iter()
        .map(|g| {
            Row::new(vec![
                shown(&g.user).into_owned(),
                shown(&g.role).into_owned(),
                shown(&g.resource).into_owned(),
            ])
        })
        .collect();
    table(
        state,
        vec![a.col_user, a.col_role, a.col_on],
        rows,
        &[
            Constraint::Length(14),
            Constraint::Length(12),
            Constraint::Fill(1),
        ],
        Some(state.admin.selected),
        frame,
        table_area,
    );
}

fn people(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let a = s.admin;
    let t = state.theme;
    let admin = &state.admin;
    let mut area = area;
    if !state
        .permissions()
        .contains(upstra_core::rbac::Permissions::ADMIN)
    {
        let note = vec![Line::styled(a.not_admin, t.dim())];
        let rows = height_of(&note, area.width);
        let [top, rest] =
            Layout::vertical([Constraint::Length(rows + 1), Constraint::Min(0)]).areas(area);
        frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: false }), top);
        area = rest;
    }
    if !admin.people_loaded {
        frame.render_widget(Paragraph::new(Line::styled(a.loading, t.dim())), area);
        return;
    }
    let presence = &admin.people.presence;
    let who_height = u16::try_from(presence.len().max(1) + 2)
        .unwrap_or(u16::MAX)
        .min(area.height / 2);
    let [who, sessions] =
        Layout::vertical([Constraint::Length(who_height), Constraint::Min(0)]).areas(area);
    let [who_title, who] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(who);
    frame.render_widget(Line::styled(a.presence_title, t.strong()), who_title);
    let rows: Vec<Row> = presence
        .iter()
        .map(|p| {
            let uids: Vec<String> = p.peer_uids.iter().map(ToString::to_string).collect();
            Row::new(vec![
                shown(&p.user).into_owned(),
                minute(p.since),
                p.connections.to_string(),
                uids.join(", "),
            ])
        })
        .collect();
    table(
        state,
        vec![a.col_user, a.col_since, a.col_connections, a.col_uids],
        rows,
        &[
            Constraint::Length(14),
            Constraint::Length(17),
            Constraint::Length(12),
            Constraint::Fill(1),
        ],
        None,
        frame,
        who,
    );
    let [sessions_title, sessions] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(sessions);
    frame.render_widget(
        Line::styled((a.sessions_title)(admin.people.of.as_deref()), t.strong()),
        sessions_title,
    );
    let rows: Vec<Row> = admin
        .people
        .sessions
        .iter()
        .map(|x| {
            Row::new(vec![
                Line::from(x.id.clone()),
                Line::from((a.scope)(x.scope)),
                Line::from(x.peer_uid.to_string()),
                Line::from(minute(x.last_seen_at)),
                Line::from(minute(x.expires_at)),
                if x.current {
                    Line::styled(a.this_one, t.good())
                } else {
                    Line::default()
                },
            ])
        })
        .collect();
    table(
        state,
        vec![
            a.col_id,
            a.col_scope,
            a.col_uids,
            a.col_last_seen,
            a.col_expires,
            "",
        ],
        rows,
        &[
            Constraint::Length(10),
            Constraint::Length(12),
            Constraint::Length(9),
            Constraint::Length(17),
            Constraint::Length(17),
            Constraint::Fill(1),
        ],
        Some(admin.selected),
        frame,
        sessions,
    );
}

/// The reset secret, shown this once.
pub fn secret(state: &State, r: &Revealed, frame: &mut Frame, area: Rect) {
    let a = state.strings().admin;
    let t = state.theme;
    let width = 66.min(area.width);
    let lines = vec![
        Line::default(),
        Line::from((a.secret_intro)(&r.user)),
        Line::default(),
        // Borrowed, not copied: the secret's only copy stays the one wiped on close.
        Line::from(Span::styled(r.secret.expose(), t.strong())).centered(),
        Line::default(),
        Line::from((a.secret_expires)(&format::timestamp(r.expires_at))),
        Line::default(),
        Line::styled(a.secret_close, t.dim()),
    ];
    let height = height_of(&lines, width.saturating_sub(4)) + 2;
    let dialog = centered(area, width, height);
    frame.render_widget(Clear, dialog);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {} ", a.secret_title))
                .padding(ratatui::widgets::Padding::horizontal(1)),
        ),
        dialog,
    );
}
