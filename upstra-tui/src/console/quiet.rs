//! Drawing that writes nothing when nothing changed.
//!
//! Ratatui already diffs each frame against the previous one, but its crossterm backend still
//! sends a colour reset and a cursor command for a frame with no changed cell. [`Quiet`] wraps
//! a backend and drops those: no changed cell, no bytes; the cursor is only hidden, shown or
//! moved when that changes. Over a slow SSH link an idle console then sends nothing at all.
//!
//! [`Painter`] is the console's drawing surface: a terminal over a quiet backend, on the real
//! terminal or (for the benchmark) on any writer.

use std::io::{self, Write};

use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Rect, Size};
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::state::State;
use super::ui;

/// What the terminal's cursor is known to be doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cursor {
    Unknown,
    Hidden,
    /// Shown at this place.
    Shown(Option<Position>),
}

/// A backend that writes only what changes the screen.
pub struct Quiet<B> {
    inner: B,
    cursor: Cursor,
}

impl<B> Quiet<B> {
    pub fn new(inner: B) -> Self {
        Self {
            inner,
            cursor: Cursor::Unknown,
        }
    }
}

impl<B: Backend> Backend for Quiet<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let mut content = content.peekable();
        if content.peek().is_none() {
            return Ok(());
        }
        // Drawing cells moves the terminal's cursor: where it was is no longer known.
        if let Cursor::Shown(_) = self.cursor {
            self.cursor = Cursor::Shown(None);
        }
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        if self.cursor == Cursor::Hidden {
            return Ok(());
        }
        self.inner.hide_cursor()?;
        self.cursor = Cursor::Hidden;
        Ok(())
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        if let Cursor::Shown(_) = self.cursor {
            return Ok(());
        }
        self.inner.show_cursor()?;
        self.cursor = Cursor::Shown(None);
        Ok(())
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        let position = position.into();
        if let Cursor::Shown(Some(at)) = self.cursor
            && at == position
        {
            return Ok(());
        }
        self.inner.set_cursor_position(position)?;
        if let Cursor::Shown(_) = self.cursor {
            self.cursor = Cursor::Shown(Some(position));
        }
        Ok(())
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.cursor = Cursor::Unknown;
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.cursor = Cursor::Unknown;
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

/// The console's drawing surface.
pub struct Painter<W: Write> {
    terminal: Terminal<Quiet<CrosstermBackend<W>>>,
    /// The size of a fixed screen; `None` follows the terminal.
    fixed: Option<Rect>,
}

impl<W: Write> Painter<W> {
    /// Draws on the terminal `writer` leads to, sized as that terminal is (resized with it).
    pub fn fullscreen(writer: W) -> io::Result<Self> {
        Ok(Self {
            terminal: Terminal::new(Quiet::new(CrosstermBackend::new(writer)))?,
            fixed: None,
        })
    }

    /// Draws a `width`×`height` screen on `writer`, whatever terminal there is (or none): for
    /// measuring what the console writes.
    pub fn fixed(writer: W, width: u16, height: u16) -> io::Result<Self> {
        let area = Rect::new(0, 0, width, height);
        Ok(Self {
            terminal: Terminal::with_options(
                Quiet::new(CrosstermBackend::new(writer)),
                TerminalOptions {
                    viewport: Viewport::Fixed(area),
                },
            )?,
            fixed: Some(area),
        })
    }

    /// Draws `state`; only the cells that changed since the last frame are written.
    pub fn draw(&mut self, state: &State) -> io::Result<()> {
        self.terminal
            .draw(|frame| ui::render(state, frame))
            .map(|_| ())
    }

    /// The size of the screen drawn on.
    pub fn area(&self) -> io::Result<Rect> {
        if let Some(area) = self.fixed {
            return Ok(area);
        }
        let size = self.terminal.size()?;
        Ok(Rect::new(0, 0, size.width, size.height))
    }

    /// Hides the cursor and clears the screen, for a fresh start.
    pub fn reset(&mut self) -> io::Result<()> {
        self.terminal.hide_cursor()?;
        self.terminal.clear()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::action::{Action, LoginAction};
    use crate::console::update::update;

    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts what is written, for whoever holds the other end.
    #[derive(Default, Clone)]
    struct Counting(Arc<AtomicUsize>);

    impl Write for Counting {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.fetch_add(buf.len(), Ordering::Relaxed);
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_frame_with_nothing_new_writes_nothing_and_a_change_writes_little() {
        let mut state = State::new("/s");
        update(&mut state, Action::Start { session: None });
        let written = Counting::default();
        let bytes = || written.0.load(Ordering::Relaxed);
        let mut painter = Painter::fixed(written.clone(), 80, 24).expect("painter");
        painter.draw(&state).expect("first frame");
        let first = bytes();
        // Blank cells match the empty buffer: only what has ink is written.
        assert!(first > 300, "the first frame draws the screen: {first}");
        for _ in 0..5 {
            painter.draw(&state).expect("same frame");
        }
        assert_eq!(bytes(), first, "unchanged frames write nothing");
        update(&mut state, Action::Login(LoginAction::Char('a')));
        painter.draw(&state).expect("one letter");
        let typed = bytes() - first;
        assert!(
            typed > 0 && typed < 100,
            "one letter and the cursor: {typed} bytes"
        );
    }
}
