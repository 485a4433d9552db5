//! The header (who, where, connection, power banner), the status line and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Padding, Paragraph, Wrap};

use crate::console::message::Tone;
use crate::console::state::{
    Connection, Enrollment, FactorKind, Mode, Overlay, Screen, SetupStep, State, ups_power,
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
        // During an outage the banner matters more than the socket's path, and on a narrow
        // terminal more than who is logged in: it is never cut for them.
        if width > usize::from(area.width) {
            let socket: usize = spans.drain(3..5).map(|s| s.width()).sum();
            if width - socket > usize::from(area.width) {
                spans.drain(1..3);
            }
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
        .lab
        .inventory
        .ups
        .values()
        // The same decision as the plan view's strip, so the two never disagree.
        .filter(|u| ups_power(state, &u.name).on_battery())
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
    } else if let Some(news) = state.news.as_ref().filter(|_| state.screen.is_view()) {
        let style = match crate::console::news::weight(&news.event) {
            crate::console::news::Weight::Alarm => t.bad(),
            crate::console::news::Weight::Outage => t.warn(),
            _ => Style::new(),
        };
        ((s.event)(&news.event), style)
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
        Mode::Tree | Mode::Plan | Mode::History | Mode::Dashboard => {
            super::hints::footer(state, usize::from(area.width.saturating_sub(1)))
        }
        Mode::Form if matches!(state.overlay, Some(Overlay::Role(_))) => {
            s.admin.role_footer.to_owned()
        }
        Mode::Form => s.forms.footer.to_owned(),
        Mode::Admin => super::hints::footer(state, usize::from(area.width.saturating_sub(1))),
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
