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
//! - [`tree`]: the lab tree; [`terminal`]: raw mode and the alternate screen, restored on
//!   drop and on panic.
//!
//! [`run`] is the event loop: one `select!` over the terminal's events, the action channel
//! and a one-second tick. It redraws only when an action may have changed the screen.

pub mod action;
pub mod call;
mod calls;
pub mod commands;
pub mod driver;
pub mod keyfile;
pub mod keys;
pub mod lang;
pub mod message;
pub mod operation;
pub mod palette;
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
}

impl Options {
    /// The language from the locale, colours unless `NO_COLOR`, and `keys`.
    pub fn from_env(keys: Keymap) -> Self {
        Self {
            keys,
            lang: Lang::from_env(),
            theme: Theme::from_env(),
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
    let (tx, mut rx) = mpsc::unbounded_channel();
    let mut state = State::new(conn.socket().display().to_string());
    state.keys = options.keys;
    state.lang = options.lang;
    state.theme = options.theme;
    let mut driver = Driver::new(conn, store, tx);
    tracing::info!(socket = %state.socket, "console started");
    let mut terminal = TerminalGuard::enter()?;
    let mut terminal_events = EventStream::new();
    // A terminal that is closed or a `kill` must still leave through the guard.
    let mut hangup = signal(SignalKind::hangup()).map_err(ConsoleError::Terminal)?;
    let mut terminate = signal(SignalKind::terminate()).map_err(ConsoleError::Terminal)?;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + TICK, TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);

    let session = session.map(|s| Session::new(s.token, s.user));
    let mut next = Some(Action::Start { session });
    loop {
        if let Some(action) = next.take() {
            // A tick redraws only while something on screen counts the seconds.
            let redraw = action.may_change_screen()
                || (matches!(action, Action::Tick) && state.shows_a_clock());
            for effect in update::update(&mut state, action) {
                if driver.run(effect) == Flow::Quit {
                    tracing::info!("console closed");
                    return Ok(());
                }
            }
            if redraw {
                terminal.draw(&state)?;
            }
        }
        driver.reap();
        next = tokio::select! {
            event = terminal_events.next() => match event {
                Some(Ok(Event::Key(key))) => keys::action_for(&state, key),
                Some(Ok(Event::Resize(..))) => {
                    terminal.draw(&state)?;
                    None
                }
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(ConsoleError::Terminal(e)),
                None => return Ok(()),
            },
            Some(action) = rx.recv() => Some(action),
            _ = tick.tick() => Some(Action::Tick),
            _ = hangup.recv() => Some(Action::Quit),
            _ = terminate.recv() => Some(Action::Quit),
        };
    }
}
