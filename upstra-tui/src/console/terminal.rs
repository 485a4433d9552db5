//! Taking over the terminal and always giving it back.
//!
//! [`TerminalGuard`] enters raw mode and the alternate screen and undoes both when dropped,
//! whatever way the console ends (quit, error, `?`). A panic hook does the same before the
//! panic message is printed, so the message lands on a usable terminal instead of being
//! swallowed by the alternate screen.

use std::io::{self, Stdout};
use std::sync::Once;

use super::ConsoleError;
use super::quiet::Painter;
use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// The terminal, in raw mode on the alternate screen while this lives.
pub struct TerminalGuard {
    painter: Painter<Stdout>,
}

impl TerminalGuard {
    /// Switches the terminal to full-screen mode.
    pub fn enter() -> Result<Self, ConsoleError> {
        install_panic_hook();
        enable_raw_mode().map_err(ConsoleError::Terminal)?;
        // The mouse selects and scrolls in the tree and the lists; Shift+drag still selects
        // text in most terminals.
        let setup = execute!(io::stdout(), EnterAlternateScreen, EnableMouseCapture)
            .and_then(|()| Painter::fullscreen(io::stdout()));
        match setup {
            Ok(mut painter) => {
                // A failure here only leaves the cursor visible.
                let _ = painter.reset();
                Ok(Self { painter })
            }
            Err(e) => {
                restore();
                Err(ConsoleError::Terminal(e))
            }
        }
    }

    /// What draws on it. Only changed cells are sent, and nothing when none changed (see
    /// `quiet`): this matters over slow SSH links.
    pub fn painter(&mut self) -> &mut Painter<Stdout> {
        &mut self.painter
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
    let _ = execute!(
        io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        Show
    );
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
