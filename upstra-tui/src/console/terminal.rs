//! Taking over the terminal and always giving it back.
//!
//! [`TerminalGuard`] enters raw mode and the alternate screen and undoes both when dropped,
//! whatever way the console ends (quit, error, `?`). A panic hook does the same before the
//! panic message is printed, so the message lands on a usable terminal instead of being
//! swallowed by the alternate screen.

use std::io::{self, Stdout};
use std::sync::Once;

use crossterm::cursor::Show;
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

use super::ConsoleError;
use super::state::State;
use super::ui;

/// The terminal, in raw mode on the alternate screen while this lives.
pub struct TerminalGuard {
    terminal: Terminal<CrosstermBackend<Stdout>>,
}

impl TerminalGuard {
    /// Switches the terminal to full-screen mode.
    pub fn enter() -> Result<Self, ConsoleError> {
        install_panic_hook();
        enable_raw_mode().map_err(ConsoleError::Terminal)?;
        let setup = execute!(io::stdout(), EnterAlternateScreen)
            .and_then(|()| Terminal::new(CrosstermBackend::new(io::stdout())));
        match setup {
            Ok(mut terminal) => {
                // A failure here only leaves the cursor visible.
                let _ = terminal.hide_cursor();
                let _ = terminal.clear();
                Ok(Self { terminal })
            }
            Err(e) => {
                restore();
                Err(ConsoleError::Terminal(e))
            }
        }
    }

    /// Draws `state`. Ratatui diffs against the previous frame, so only changed cells are
    /// sent: this matters over slow SSH links.
    pub fn draw(&mut self, state: &State) -> Result<(), ConsoleError> {
        self.terminal
            .draw(|frame| ui::render(state, frame))
            .map(|_| ())
            .map_err(ConsoleError::Terminal)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Leaves raw mode and the alternate screen and shows the cursor. Safe to call twice.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, Show);
}

/// Chains a hook that restores the terminal before the previous hook prints the panic.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
