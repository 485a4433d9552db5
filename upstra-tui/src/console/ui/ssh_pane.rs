//! The SSH pane over the lab view: a tab line naming the open shells, the emulated screen
//! (tui-term draws the vt100 screen with its colours, cursor and alternate screen), or
//! while the shell is not running yet, what it waits for: the daemon, the server, a password,
//! or an admin to confirm the host key. The footer says the way back (Ctrl-]).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Padding, Paragraph, Wrap};
use tui_term::widget::PseudoTerminal;
use upstra_core::rbac::Permissions;

use super::{centered, height_of};
use crate::console::message::Tone;
use crate::console::ssh::state::{Pane, Phase};
use crate::console::state::State;
use crate::ssh::Prompt;

const DIALOG_WIDTH: u16 = 72;

/// Draws `pane` in `area` (everything under the header). The footer shows the operator's
/// last notice (another shell closed, say) instead of the hints while there is one; the lab's
/// events wait for the lab view.
pub fn render(state: &State, pane: &Pane, frame: &mut Frame, area: Rect) {
    let [tabs, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(1),
    ])
    .areas(area);
    tab_line(state, pane, frame, tabs);
    let s = state.strings().ssh;
    let address = pane.target.as_ref().map_or("", |t| t.address.as_str());
    match &pane.phase {
        Phase::Open => {
            frame.render_widget(PseudoTerminal::new(pane.screen.screen()), body);
        }
        Phase::Authorizing => waiting(frame, body, (s.authorizing)(&pane.server)),
        Phase::Connecting => waiting(frame, body, (s.connecting)(&pane.server, address)),
        Phase::Prompt { prompt, .. } => self::prompt(state, pane, prompt, frame, body),
        Phase::HostKey {
            fingerprint,
            yes,
            pinning,
            ..
        } => host_key(state, pane, fingerprint, *yes, *pinning, frame, body),
    }
    let t = state.theme;
    let (text, style): (String, Style) = match &state.notice {
        Some(notice) => (
            state.strings().message(&notice.message),
            match notice.tone {
                Tone::Error => t.bad(),
                Tone::Progress => t.warn(),
                Tone::Info => t.strong(),
            },
        ),
        None => (hints(state, pane), t.dim()),
    };
    frame.render_widget(Paragraph::new(format!(" {text}")).style(style), footer);
}

fn hints(state: &State, pane: &Pane) -> String {
    let s = state.strings().ssh;
    match &pane.phase {
        Phase::Open if pane.screen.scrolled() > 0 => format!(
            "{}  · {}",
            s.footer_open,
            (s.scrolled)(pane.screen.scrolled())
        ),
        Phase::Open => s.footer_open.to_owned(),
        Phase::Prompt { .. } => s.footer_prompt.to_owned(),
        Phase::HostKey { .. } if state.permissions().contains(Permissions::ADMIN) => {
            s.footer_host_key_admin.to_owned()
        }
        Phase::HostKey { .. } => s.footer_host_key.to_owned(),
        Phase::Authorizing | Phase::Connecting => s.footer_waiting.to_owned(),
    }
}

/// One tab per shell, the one showing highlighted; `●` when its shell runs, `…` before.
fn tab_line(state: &State, shown: &Pane, frame: &mut Frame, area: Rect) {
    let t = state.theme;
    let mut spans = Vec::new();
    for pane in &state.ssh.panes {
        let mark = if pane.phase == Phase::Open {
            "●"
        } else {
            "…"
        };
        let label = format!(" {mark} {} ", pane.server);
        spans.push(if pane.id == shown.id {
            Span::styled(label, t.selected())
        } else {
            Span::raw(label)
        });
        spans.push(Span::raw("│"));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn waiting(frame: &mut Frame, area: Rect, text: String) {
    let area = centered(area, area.width, 1);
    frame.render_widget(Paragraph::new(text).centered(), area);
}

fn dialog(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line>) {
    let width = DIALOG_WIDTH.min(area.width);
    let height = height_of(&lines, width.saturating_sub(4)) + 2;
    let rect = centered(area, width, height);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).wrap(Wrap { trim: false }).block(
            Block::bordered()
                .title(format!(" {title} "))
                .padding(Padding::horizontal(1)),
        ),
        rect,
    );
}

fn prompt(state: &State, pane: &Pane, prompt: &Prompt, frame: &mut Frame, area: Rect) {
    let s = state.strings().ssh;
    let t = state.theme;
    let (title, retry) = match prompt {
        Prompt::Password { login, retry } => ((s.password)(login, &pane.server), *retry),
        Prompt::Passphrase { path } => ((s.passphrase)(&path.display().to_string()), false),
    };
    let mut lines = vec![Line::default()];
    if retry {
        lines.push(Line::styled(s.password_retry, t.bad()));
    }
    lines.push(Line::from(s.prompt_hint));
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::raw("› "),
        Span::styled(" ", t.selected()),
    ]));
    lines.push(Line::default());
    dialog(frame, area, &title, lines);
}

fn host_key(
    state: &State,
    pane: &Pane,
    fingerprint: &str,
    yes: bool,
    pinning: bool,
    frame: &mut Frame,
    area: Rect,
) {
    let s = state.strings();
    let t = state.theme;
    let mut lines: Vec<Line> = vec![Line::default()];
    lines.extend(
        (s.ssh.host_key_text)(&pane.server, fingerprint)
            .lines()
            .map(|l| Line::from(l.to_owned())),
    );
    lines.push(Line::default());
    if pinning {
        lines.push(Line::styled(s.ssh.host_key_pinning, t.warn()));
    } else if state.permissions().contains(Permissions::ADMIN) {
        lines.push(Line::styled(s.ssh.host_key_question, t.strong()));
        lines.push(Line::default());
        let button = |label: &str, focused: bool| {
            let text = format!("[ {label} ]");
            if focused {
                Span::styled(text, t.selected())
            } else {
                Span::raw(text)
            }
        };
        lines.push(
            Line::from(vec![
                button(s.confirm_no, !yes),
                Span::raw("    "),
                button(s.confirm_yes, yes),
            ])
            .centered(),
        );
    } else {
        lines.push(Line::styled(
            (s.ssh.host_key_not_admin)(&pane.server),
            t.warn(),
        ));
    }
    lines.push(Line::default());
    dialog(frame, area, s.ssh.host_key_title, lines);
}
