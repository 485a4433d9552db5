//! Colours, or none. The default theme uses only the 16 ANSI colours every terminal has, so
//! it reads the same on any palette; with `NO_COLOR` set (see no-color.org) no colour is sent
//! at all and what colour said is said with bold, reverse and dim instead.
//!
//! Render code asks the theme for a style by meaning ("bad", "selected"), never for a colour.

use ratatui::style::{Color, Modifier, Style};

/// How the console draws emphasis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    colour: bool,
}

impl Default for Theme {
    fn default() -> Self {
        Self::colour()
    }
}

impl Theme {
    /// The 16-colour theme.
    pub const fn colour() -> Self {
        Self { colour: true }
    }

    /// No colour at all.
    pub const fn no_colour() -> Self {
        Self { colour: false }
    }

    /// [`Self::no_colour`] when `no_color` (the variable's value) is set and not empty.
    pub fn from_no_color(no_color: Option<&str>) -> Self {
        match no_color {
            Some(v) if !v.is_empty() => Self::no_colour(),
            _ => Self::colour(),
        }
    }

    /// From this process's `NO_COLOR`.
    pub fn from_env() -> Self {
        Self::from_no_color(std::env::var("NO_COLOR").ok().as_deref())
    }

    pub fn has_colour(self) -> bool {
        self.colour
    }

    fn pick(self, coloured: Style, plain: Style) -> Style {
        if self.colour { coloured } else { plain }
    }

    /// Running, reachable, fine.
    pub fn good(self) -> Style {
        self.pick(Style::new().fg(Color::Green), Style::new())
    }

    /// Needs a look: on battery, in transition.
    pub fn warn(self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// Broken, refused, lost.
    pub fn bad(self) -> Style {
        self.pick(
            Style::new().fg(Color::Red),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// Less important: labels, hints, things that are off.
    pub fn dim(self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    /// What matters most in a picture: the plan's critical path.
    pub fn critical(self) -> Style {
        self.pick(
            Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    pub fn strong(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// The selected line or the focused button.
    pub fn selected(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The focused button of an action that stops something.
    pub fn danger_selected(self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD),
        )
    }

    /// The header line.
    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// The power banner when a UPS is on battery. Inside the reversed header, so without
    /// colour it un-reverses to stand out.
    pub fn banner(self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD),
            Style::new()
                .remove_modifier(Modifier::REVERSED)
                .add_modifier(Modifier::BOLD),
        )
    }

    /// The QR code's lines. Dark modules are drawn in the foreground colour: black on white
    /// reads right on any terminal. Without colour, reverse makes a dark-background terminal
    /// (the common case) draw it dark on light; a light one gets an inverted code, which
    /// phone scanners read too thanks to the quiet zone, and the key is printed as text.
    pub fn qr(self) -> Style {
        self.pick(
            Style::new().fg(Color::Black).bg(Color::White),
            Style::new().add_modifier(Modifier::REVERSED),
        )
    }
}
