//! The SSH panes as plain data: which are open, what each is doing, and its emulated screen.

use std::fmt;

use tui_term::vt100;
use upstra_core::api::v1::SshTarget;
use zeroize::Zeroizing;

use crate::ssh::Prompt;

/// Lines of scrollback each pane keeps: at 32 bytes a cell, 1000 lines of 200 columns are
/// about 6 MB, the most one pane holds however much the remote prints.
pub const SCROLLBACK: usize = 1000;

/// Rows around the emulated screen: the header, the tab line and the footer.
pub const CHROME_ROWS: u16 = 3;

/// The emulated screen's size for a terminal of `width`×`height`.
pub fn screen_size(width: u16, height: u16) -> (u16, u16) {
    (width.max(1), height.saturating_sub(CHROME_ROWS).max(1))
}

/// A pane's terminal: the vt100 parser tui-term draws. `update` feeds it the remote's bytes;
/// parsing is plain computation, so `update` stays pure.
pub struct Emulator {
    parser: vt100::Parser,
}

impl Emulator {
    pub fn new(cols: u16, rows: u16) -> Self {
        Self {
            parser: vt100::Parser::new(rows.max(1), cols.max(1), SCROLLBACK),
        }
    }

    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// Takes in output of the remote; a new output puts the live screen back in view.
    pub fn process(&mut self, bytes: &[u8]) {
        self.parser.process(bytes);
    }

    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.parser.screen_mut().set_size(rows.max(1), cols.max(1));
    }

    /// Lines scrolled back from the live screen.
    pub fn scrolled(&self) -> usize {
        self.parser.screen().scrollback()
    }

    /// Scrolls back (positive) or forward (negative) by `lines`, within the scrollback.
    pub fn scroll(&mut self, lines: isize) {
        let now = self.scrolled();
        let to = now.saturating_add_signed(lines);
        self.parser.screen_mut().set_scrollback(to);
    }
}

/// A copy holds the visible screen and its modes, not the scrollback (only tests copy a state).
impl Clone for Emulator {
    fn clone(&self) -> Self {
        let (rows, cols) = self.screen().size();
        let mut copy = Self::new(cols, rows);
        copy.parser.process(&self.screen().state_formatted());
        copy
    }
}

impl PartialEq for Emulator {
    fn eq(&self, other: &Self) -> bool {
        self.screen().size() == other.screen().size()
            && self.screen().state_formatted() == other.screen().state_formatted()
    }
}

impl Eq for Emulator {}

impl fmt::Debug for Emulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (rows, cols) = self.screen().size();
        f.debug_struct("Emulator")
            .field("size", &format_args!("{cols}x{rows}"))
            .finish_non_exhaustive()
    }
}

/// Where a pane is in its life.
#[derive(Clone, PartialEq, Eq)]
pub enum Phase {
    /// `ssh_open` is in flight.
    Authorizing,
    /// The daemon said yes; connecting, checking the host key, logging in.
    Connecting,
    /// The server's key is not pinned: its fingerprint, for an admin to confirm.
    HostKey {
        key: String,
        fingerprint: String,
        /// The focused answer (it starts on No).
        yes: bool,
        /// `ssh_pin_host_key` is in flight.
        pinning: bool,
    },
    /// A password or passphrase is asked for; what is typed is wiped when dropped.
    Prompt {
        prompt: Prompt,
        typed: Zeroizing<String>,
    },
    /// The shell runs.
    Open,
}

impl fmt::Debug for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Authorizing => f.write_str("Authorizing"),
            Self::Connecting => f.write_str("Connecting"),
            Self::HostKey {
                fingerprint,
                pinning,
                ..
            } => f
                .debug_struct("HostKey")
                .field("fingerprint", fingerprint)
                .field("pinning", pinning)
                .finish_non_exhaustive(),
            Self::Prompt { prompt, .. } => f
                .debug_struct("Prompt")
                .field("prompt", prompt)
                .field("typed", &"[redacted]")
                .finish(),
            Self::Open => f.write_str("Open"),
        }
    }
}

/// One shell, in one tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pane {
    /// Names the pane in actions and effects; never reused in a console's life.
    pub id: u64,
    pub server: String,
    /// What the daemon answered; `None` while authorizing.
    pub target: Option<SshTarget>,
    pub phase: Phase,
    pub screen: Emulator,
}

/// The open panes and which one shows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Panes {
    pub panes: Vec<Pane>,
    /// The pane over the lab view, by id; `None` shows the lab.
    pub active: Option<u64>,
    /// The pane shown last, where the next tab is counted from.
    pub last: Option<u64>,
    pub next_id: u64,
    /// The terminal's size, as last reported.
    pub width: u16,
    pub height: u16,
    /// The console is quitting and waits for its shells to be closed and recorded.
    pub quitting: bool,
    /// Close records sent to the daemon and not answered yet.
    pub recording: u32,
}

impl Panes {
    pub fn get(&self, id: u64) -> Option<&Pane> {
        self.panes.iter().find(|p| p.id == id)
    }

    pub fn get_mut(&mut self, id: u64) -> Option<&mut Pane> {
        self.panes.iter_mut().find(|p| p.id == id)
    }

    /// The pane showing, if any.
    pub fn shown(&self) -> Option<&Pane> {
        self.active.and_then(|id| self.get(id))
    }

    /// The emulated screen's size now.
    pub fn screen_size(&self) -> (u16, u16) {
        screen_size(self.width, self.height)
    }

    /// Takes the pane out, showing the lab if it was showing.
    pub fn remove(&mut self, id: u64) -> Option<Pane> {
        let index = self.panes.iter().position(|p| p.id == id)?;
        if self.active == Some(id) {
            self.active = None;
        }
        if self.last == Some(id) {
            self.last = None;
        }
        Some(self.panes.remove(index))
    }
}
