//! A password typed at a terminal is not shown back: the terminal's echo is off while the
//! line is read, and back on afterwards (also on an error). The newline the operator types
//! is still echoed (`ECHONL`), so the command's message starts on a line of its own.

use std::io;

use nix::sys::termios::{LocalFlags, SetArg, Termios, tcgetattr, tcsetattr};

/// Echo off on standard input while this lives; does nothing when it is not a terminal.
pub struct NoEcho {
    saved: Option<Termios>,
}

impl NoEcho {
    pub fn start() -> Self {
        let stdin = io::stdin();
        let Ok(saved) = tcgetattr(&stdin) else {
            return Self { saved: None };
        };
        let mut quiet = saved.clone();
        quiet.local_flags.remove(LocalFlags::ECHO);
        quiet.local_flags.insert(LocalFlags::ECHONL);
        let saved = tcsetattr(&stdin, SetArg::TCSAFLUSH, &quiet)
            .ok()
            .map(|()| saved);
        Self { saved }
    }
}

impl Drop for NoEcho {
    fn drop(&mut self) {
        if let Some(saved) = &self.saved {
            let _ = tcsetattr(io::stdin(), SetArg::TCSANOW, saved);
        }
    }
}
