//! The full-screen console, in the Elm style (house style rule 12):
//! - [`state`]: `State`, plain data;
//! - [`action`]: `Action` (what happens) and `Effect` (what to do);
//! - [`update`]: `update(&mut State, Action) -> Vec<Effect>`, pure;
//! - [`ui`]: `render(&State, &mut Frame)`, one module per screen;
//! - [`driver`]: runs effects, RPC in tasks whose replies come back as actions;
//! - [`commands`]: every command of the lab view once (name, default keys, permission);
//! - [`keys`]: key events to actions, and the key map; [`keyfile`]: `keys.toml`;
//! - [`palette`]: what the command palette offers and its fuzzy ranking;
//! - [`operation`]: the power and migration actions, as data;
//! - [`strings`]: all the text, English and French; [`lang`]: which one; [`message`]:
//!   what `update` wants said, worded when drawn; [`theme`]: 16 colours or none;
//! - [`tree`]: the lab tree; [`terminal`]: raw mode, the alternate screen and the mouse,
//!   restored on drop and on panic; [`quiet`]: drawing that writes nothing when nothing
//!   changed; [`mouse`]: clicks and the wheel;
//! - [`call`]: the plan, history, accounts and setup calls as data, carried out by `calls`;
//! - [`ssh`]: the SSH panes, shells on servers in tabs over the lab view.
//!
//! [`run`] is the event loop ([`Console::drive`]): one `select!` over the terminal's events,
//! the action channel and a one-second tick. It draws after an action that may have changed
//! the screen (a tick only while a grace period counts down), and the quiet backend sends
//! nothing for a frame that came out the same.

pub mod action;
pub mod call;
mod carry_out;
pub mod command_table;
pub mod driver;
pub mod keyfile;
pub mod keys;
pub mod lang;
pub mod message;
pub mod mouse;
pub mod news;
pub mod operation;
pub mod palette;
pub mod quiet;
pub mod ssh;
pub mod state;
pub mod strings;
pub mod terminal;
pub mod theme;
pub mod tree;
pub mod ui;
pub mod update;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

use self::action::Action;
use self::driver::{Driver, Flow};
use self::keys::Keymap;
use self::lang::Lang;
use self::quiet::Painter;
use self::ssh::SshAction;
use self::state::{Session, State};
use self::terminal::TerminalGuard;
use self::theme::Theme;
use crate::client::Connector;
use crate::session::{SessionStore, StoredSession};

/// The tick: the unit of the console's timers (refresh, retries).
pub const TICK: Duration = Duration::from_secs(1);

/// Why the console stopped early.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConsoleError {
    #[error("the terminal failed: {0}")]
    Terminal(#[source] std::io::Error),
}

/// How the console looks and listens: read from the environment and `keys.toml` before the
/// terminal is taken over, so that a bad key file is one clear line on stderr.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub keys: Keymap,
    pub lang: Lang,
    pub theme: Theme,
    /// Set by `upstra demo`: the login the help shows.
    pub demo: Option<state::DemoLogin>,
}

impl Options {
    /// The language from the locale, colours unless `NO_COLOR`, and `keys`.
    pub fn from_env(keys: Keymap) -> Self {
        Self {
            keys,
            lang: Lang::from_env(),
            theme: Theme::from_env(),
            demo: None,
        }
    }
}

/// Runs the console on `conn` until the user quits. `store` is where a new login is kept;
/// `session` is the one found there, if any.
pub async fn run(
    conn: Arc<Connector>,
    store: Option<SessionStore>,
    session: Option<StoredSession>,
    options: Options,
) -> Result<(), ConsoleError> {
    let mut terminal = TerminalGuard::enter()?;
    // A terminal that is closed or a `kill` must still leave through the guard.
    let mut hangup = signal(SignalKind::hangup()).map_err(ConsoleError::Terminal)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(ConsoleError::Terminal)?;
    let quit = async move {
        tokio::select! {
            _ = hangup.recv() => {}
            _ = terminate.recv() => {}
        }
    };
    let console = Console {
        conn,
        store,
        session,
        options,
    };
    console
        .drive(terminal.painter(), EventStream::new(), quit)
        .await
}

/// What a console runs on, before it runs.
pub struct Console {
    pub conn: Arc<Connector>,
    pub store: Option<SessionStore>,
    pub session: Option<StoredSession>,
    pub options: Options,
}

impl Console {
    /// The event loop: draws on `painter`, reads `terminal` events (keys, mouse, resizes), and
    /// ends when the user quits, the events end, or `quit` completes. The benchmark runs it
    /// on a counting writer with no events at all.
    pub async fn drive<W: std::io::Write>(
        self,
        painter: &mut Painter<W>,
        mut terminal: impl futures::Stream<Item = std::io::Result<Event>> + Unpin,
        quit: impl std::future::Future<Output = ()>,
    ) -> Result<(), ConsoleError> {
        let (tx, mut rx) = mpsc::unbounded_channel();
        let mut state = State::new(self.conn.socket().display().to_string());
        state.keys = self.options.keys;
        state.lang = self.options.lang;
        state.theme = self.options.theme;
        state.demo = self.options.demo;
        let mut driver = Driver::new(self.conn, self.store, tx);
        tracing::info!(socket = %state.socket, "console started");
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
        tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
        let draw = |painter: &mut Painter<W>, state: &State| {
            painter.draw(state).map_err(ConsoleError::Terminal)
        };
        tokio::pin!(quit);

        // The SSH panes size their screens from it; later sizes come as resize events.
        let area = painter.area().map_err(ConsoleError::Terminal)?;
        update::update(
            &mut state,
            Action::Ssh(SshAction::Resized {
                width: area.width,
                height: area.height,
            }),
        );
        let session = self.session.map(|s| Session::new(s.token, s.user));
        let mut next = Some(Action::Start { session });
        loop {
            if let Some(action) = next.take() {
                // A tick redraws only while something on screen counts the seconds.
                let redraw = action.may_change_screen()
                    || (matches!(action, Action::Tick { .. }) && state.shows_a_clock());
                for effect in update::update(&mut state, action) {
                    if driver.run(effect) == Flow::Quit {
                        tracing::info!("console closed");
                        return Ok(());
                    }
                }
                if redraw {
                    draw(painter, &state)?;
                }
            }
            driver.reap();
            next = tokio::select! {
                event = terminal.next() => match event {
                    Some(Ok(Event::Key(key))) => keys::action_for(&state, key),
                    Some(Ok(Event::Mouse(mouse))) => {
                        let area = painter.area().map_err(ConsoleError::Terminal)?;
                        mouse::action_for(&state, mouse, area)
                    }
                    // Drawn at once at the new size, whatever the console is doing; the
                    // SSH panes then pass the new size on to their shells.
                    Some(Ok(Event::Resize(width, height))) => {
                        draw(painter, &state)?;
                        Some(Action::Ssh(SshAction::Resized { width, height }))
                    }
                    Some(Ok(_)) => None,
                    Some(Err(e)) => return Err(ConsoleError::Terminal(e)),
                    None => return Ok(()),
                },
                Some(action) = rx.recv() => Some(action),
                _ = tick.tick() => Some(Action::Tick {
                    now: crate::format::now(),
                }),
                () = &mut quit => Some(Action::Quit),
            };
        }
    }
}
