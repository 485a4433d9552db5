//! The header (who, where, connection, power banner), the status line and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use crate::console::commands::Command;
use crate::console::message::Tone;
use crate::console::palette::applies_to;
use crate::console::state::{
    AdminTab, Connection, Enrollment, FactorKind, Mode, Overlay, Screen, SetupStep, State,
    ups_on_battery,
};

pub fn header(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let t = state.theme;
    let user = state
        .session
        .as_ref()
        .map_or(s.not_logged_in, |session| session.user.as_str());
    let (connection, style) = match &state.connection {
        Connection::Connecting => (s.connecting, t.warn()),
        Connection::Connected => (s.connected, t.good()),
        Connection::Lost(_) => (s.connection_lost, t.bad()),
    };
    let banner = banner(state);
    let mut spans = vec![
        Span::styled(format!(" {}", s.app), t.strong()),
        Span::raw(s.separator),
        Span::raw(user),
        Span::raw(s.separator),
        Span::raw(state.socket.as_str()),
        Span::raw(s.separator),
        Span::styled(connection, style),
    ];
    if let Some(banner) = banner {
        let width: usize = spans.iter().map(Span::width).sum::<usize>()
            + Span::raw(s.separator).width()
            + banner.width();
        // During an outage the banner matters more than the socket's path.
        if width > usize::from(area.width) {
            spans.drain(3..5);
        }
        spans.push(Span::raw(s.separator));
        spans.push(banner);
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(t.header()), area);
}

/// The power banner: red with each UPS on battery, its runtime left and its grace period
/// counting down, and the plan going on; `None` when all is well.
fn banner(state: &State) -> Option<Span<'static>> {
    if !state.screen.is_view() {
        return None;
    }
    let s = state.strings();
    let p = s.plan;
    let t = state.theme;
    let on_battery: Vec<String> = state
        .inventory
        .ups
        .values()
        .filter(|u| ups_on_battery(u))
        .map(|u| {
            let mut part = u.name.clone();
            let runtime = (p.banner_runtime)(u.runtime_s);
            if !runtime.is_empty() {
                part.push(' ');
                part.push_str(&runtime);
            }
            if let Some(left) = state.plan.grace_left(&u.name) {
                part.push_str(", ");
                part.push_str(&(p.grace)(left));
            }
            part
        })
        .collect();
    let run = state.plan.active().map(|r| (p.banner_run)(r));
    match (on_battery.is_empty(), run) {
        (true, None) => None,
        (true, Some(run)) => Some(Span::styled(format!(" {run} "), t.warn())),
        (false, run) => {
            let mut text = format!("{} {}", s.on_battery, on_battery.join(" · "));
            if let Some(run) = run {
                text.push_str(" · ");
                text.push_str(&run);
            }
            Some(Span::styled(text, t.banner()))
        }
    }
}

/// What the status line says, and how: the operator's last action first, then a problem
/// following the daemon, then a lost connection, then the latest event.
pub fn status_text(state: &State) -> (String, Style) {
    // Every one of them may quote a name: a refusal, an event about a VM.
    let (text, style) = status_words(state);
    (super::shown(&text).into_owned(), style)
}

fn status_words(state: &State) -> (String, Style) {
    let s = state.strings();
    let t = state.theme;
    if let Some(notice) = &state.notice {
        let style = match notice.tone {
            Tone::Info => t.strong(),
            Tone::Progress => t.warn(),
            Tone::Error => t.bad(),
        };
        (s.message(&notice.message), style)
    } else if let Some(problem) = &state.sync_problem {
        (s.message(problem), t.bad())
    } else if let (Connection::Lost(why), false) =
        (&state.connection, state.screen == Screen::Starting)
    {
        ((s.link)(why), t.bad())
    } else if let Some(event) = state.last_event.as_ref().filter(|_| state.screen.is_view()) {
        ((s.event)(event), Style::new())
    } else {
        (String::new(), Style::new())
    }
}

/// The status line, wrapped over the rows it was given, a space in from the edge.
pub fn status(text: String, style: Style, frame: &mut Frame, area: Rect) {
    frame.render_widget(
        Paragraph::new(Line::styled(text, style))
            .wrap(Wrap { trim: false })
            .block(Block::new().padding(Padding::left(1))),
        area,
    );
}

pub fn footer(state: &State, frame: &mut Frame, area: Rect) {
    let s = state.strings();
    let keys = match state.mode() {
        Mode::Tree => tree_hints(state, usize::from(area.width.saturating_sub(1))),
        Mode::Plan => plan_hints(state, usize::from(area.width.saturating_sub(1))),
        Mode::History => history_hints(state, usize::from(area.width.saturating_sub(1))),
        Mode::Dashboard => {
            super::dashboard::hints(state, usize::from(area.width.saturating_sub(1)))
        }
        Mode::Form if matches!(state.overlay, Some(Overlay::Role(_))) => {
            s.admin.role_footer.to_owned()
        }
        Mode::Form => s.forms.footer.to_owned(),
        Mode::Admin => admin_hints(state, usize::from(area.width.saturating_sub(1))),
        Mode::Secret => s.admin.secret_close.to_owned(),
        Mode::Setup => match state.setup.step {
            SetupStep::Admin => s.setup.footer_admin,
            SetupStep::Menu => s.setup.footer_menu,
            SetupStep::Form => s.forms.footer,
            SetupStep::Review => s.setup.footer_review,
            SetupStep::Check => s.setup.footer_check,
        }
        .to_owned(),
        Mode::Starting => s.footer_starting.to_owned(),
        Mode::Login => match state.login.second.as_ref().map(|step| step.kind) {
            None => s.footer_login,
            Some(FactorKind::Totp) => s.footer_second_totp,
            Some(FactorKind::Recovery) => s.footer_second_recovery,
        }
        .to_owned(),
        Mode::Enroll => match state.enroll {
            Enrollment::Failed(_) => s.footer_enroll_failed,
            Enrollment::Codes { .. } => s.footer_codes,
            _ => s.footer_enroll,
        }
        .to_owned(),
        Mode::Password => s.footer_password.to_owned(),
        Mode::Palette => s.footer_palette.to_owned(),
        Mode::Confirm => s.footer_confirm.to_owned(),
        Mode::Hosts if matches!(state.overlay, Some(Overlay::Roles(_))) => {
            s.admin.picker_footer.to_owned()
        }
        Mode::Hosts => s.footer_hosts.to_owned(),
        Mode::Help => s.footer_help.to_owned(),
        Mode::Filter => s.footer_filter.to_owned(),
        // The pane draws its own footer.
        Mode::Ssh => String::new(),
    };
    frame.render_widget(
        Paragraph::new(format!(" {keys}")).style(state.theme.dim()),
        area,
    );
}

/// The lab view's hints, from the key map in use: as many as fit in `width`, the most useful
/// kept first (help, palette, quit), shown in reading order.
fn tree_hints(state: &State, width: usize) -> String {
    let s = state.strings();
    let key = |c: Command| state.keys.first(c).map(|k| s.key(&k));
    // (priority, text) in reading order.
    let mut hints: Vec<(u8, String)> = Vec::new();
    if let (Some(up), Some(down)) = (key(Command::Up), key(Command::Down)) {
        hints.push((4, format!("{up}{down} {}", (s.command_short)(Command::Up))));
    }
    if let (Some(l), Some(r)) = (key(Command::Collapse), key(Command::Expand)) {
        hints.push((
            9,
            format!("{l}{r} {}", (s.command_short)(Command::Collapse)),
        ));
    }
    let single = |c: Command| key(c).map(|k| format!("{k} {}", (s.command_short)(c)));
    for (priority, c) in [(2, Command::Palette), (1, Command::Help)] {
        if let Some(h) = single(c) {
            hints.push((priority, h));
        }
    }
    for c in [
        Command::PowerOn,
        Command::Shutdown,
        Command::PowerOff,
        Command::Cycle,
        Command::Migrate,
        Command::Shell,
    ] {
        if applies_to(c, state.selected.as_ref())
            && let Some(h) = single(c)
        {
            hints.push((5, h));
        }
    }
    if let Some(h) = single(Command::NextView) {
        hints.push((8, h));
    }
    if state.filter.is_active() {
        hints.push((4, format!("{} {}", s.keys.esc, s.clear_filter)));
    } else if let Some(h) = single(Command::Filter) {
        hints.push((7, h));
    }
    if let Some(h) = single(Command::Quit) {
        hints.push((3, h));
    }
    fit(hints, width)
}

/// The plan view's hints: moving through the steps and the UPS, then the plan commands.
fn plan_hints(state: &State, width: usize) -> String {
    let s = state.strings();
    let p = s.plan;
    let key = |c: Command| state.keys.first(c).map(|k| s.key(&k));
    let single = |c: Command| key(c).map(|k| format!("{k} {}", (s.command_short)(c)));
    let mut hints: Vec<(u8, String)> = Vec::new();
    if let (Some(up), Some(down)) = (key(Command::Up), key(Command::Down)) {
        hints.push((6, format!("{up}{down} {}", p.hint_steps)));
    }
    if let (Some(l), Some(r)) = (key(Command::Collapse), key(Command::Expand)) {
        hints.push((4, format!("{l}{r} {}", p.hint_ups)));
    }
    if let Some(k) = key(Command::Toggle) {
        hints.push((7, format!("{k} {}", p.hint_toggle)));
    }
    for (priority, c) in [
        (5, Command::PlanRun),
        (5, Command::PlanSimulate),
        (6, Command::PlanCancel),
        (6, Command::PlanRestore),
        (7, Command::DemoPowerCut),
        (8, Command::NextView),
        (2, Command::Palette),
        (1, Command::Help),
        (3, Command::Quit),
    ] {
        let demo = state.health.as_ref().is_some_and(|h| h.simulated);
        if (c != Command::DemoPowerCut || demo)
            && state.permissions().contains(c.needs())
            && let Some(h) = single(c)
        {
            hints.push((priority, h));
        }
    }
    fit(hints, width)
}

/// The history's hints: moving through the records, the filter, a refresh.
fn history_hints(state: &State, width: usize) -> String {
    let s = state.strings();
    let key = |c: Command| state.keys.first(c).map(|k| s.key(&k));
    let single = |c: Command| key(c).map(|k| format!("{k} {}", (s.command_short)(c)));
    let mut hints: Vec<(u8, String)> = Vec::new();
    if let (Some(up), Some(down)) = (key(Command::Up), key(Command::Down)) {
        hints.push((5, format!("{up}{down} {}", s.history.hint_records)));
    }
    for (priority, c) in [
        (4, Command::Filter),
        (6, Command::Refresh),
        (8, Command::NextView),
        (2, Command::Palette),
        (1, Command::Help),
        (3, Command::Quit),
    ] {
        if let Some(h) = single(c) {
            hints.push((priority, h));
        }
    }
    fit(hints, width)
}

/// The accounts' hints: the tabs, the lines, then what applies to the tab shown.
fn admin_hints(state: &State, width: usize) -> String {
    let s = state.strings();
    let a = s.admin;
    let key = |c: Command| state.keys.first(c).map(|k| s.key(&k));
    let single = |c: Command| key(c).map(|k| format!("{k} {}", (s.command_short)(c)));
    let mut hints: Vec<(u8, String)> = Vec::new();
    let admin = state
        .permissions()
        .contains(upstra_core::rbac::Permissions::ADMIN);
    if let (Some(l), Some(r)) = (key(Command::Collapse), key(Command::Expand))
        && admin
    {
        hints.push((4, format!("{l}{r} {}", a.hint_tabs)));
    }
    if let (Some(up), Some(down)) = (key(Command::Up), key(Command::Down)) {
        hints.push((6, format!("{up}{down} {}", a.hint_rows)));
    }
    let tab_commands: &[Command] = match state.admin.tab {
        AdminTab::Users => &[
            Command::Add,
            Command::SetRole,
            Command::Disable,
            Command::ResetPassword,
            Command::Remove,
        ],
        AdminTab::Roles | AdminTab::Grants => &[Command::Add, Command::Remove],
        AdminTab::People => &[Command::Remove],
    };
    for c in tab_commands {
        if (admin || *c == Command::Remove)
            && let Some(h) = single(*c)
        {
            hints.push((5, h));
        }
    }
    for (priority, c) in [
        (8, Command::NextView),
        (2, Command::Palette),
        (1, Command::Help),
        (3, Command::Quit),
    ] {
        if let Some(h) = single(c) {
            hints.push((priority, h));
        }
    }
    fit(hints, width)
}

/// The hints that fit in `width`, the most important kept, shown in their order.
pub(super) fn fit(hints: Vec<(u8, String)>, width: usize) -> String {
    // Keep the most important that fit, then show them in their order.
    let mut by_priority: Vec<usize> = (0..hints.len()).collect();
    by_priority.sort_by_key(|i| hints[*i].0);
    let mut kept = vec![false; hints.len()];
    let mut used = 0;
    for i in by_priority {
        let len = hints[i].1.chars().count() + if used > 0 { 2 } else { 0 };
        if used + len <= width {
            used += len;
            kept[i] = true;
        }
    }
    hints
        .into_iter()
        .zip(kept)
        .filter(|(_, k)| *k)
        .map(|((_, h), _)| h)
        .collect::<Vec<_>>()
        .join("  ")
}
