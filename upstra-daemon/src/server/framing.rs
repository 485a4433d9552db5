//! The byte stream under tarpc's framing, watched frame by frame.
//!
//! tarpc decodes length-delimited frames (a 4-byte big-endian length, then the body) and would
//! wait forever for a frame's end and for a client's next frame. [`Watched`] sits between the
//! socket and that decoder and follows the same frame boundaries, so it can refuse what the
//! decoder cannot:
//! - a frame longer than the caller's allowance: [`UNAUTHENTICATED_MAX_FRAME`] until a
//!   request on the connection carried a valid session, [`MAX_FRAME`] after;
//! - a frame that does not arrive whole within [`FRAME_DEADLINE`] of its first byte (a client
//!   sending one byte a second);
//! - an unauthenticated connection idle for [`UNAUTHENTICATED_IDLE`] between frames.
//!
//! Each ends the connection with an error; tarpc then drops it. The clocks only run while the
//! daemon is reading: when the connection is stalled by its own cap on requests in flight, the
//! wait is the daemon's doing and is not held against the client.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Largest request or response frame. The biggest legitimate message is a lab declaration or a
/// VM list; 8 MiB leaves room for thousands of VMs and stops a runaway client.
pub const MAX_FRAME: usize = 8 << 20;
/// Largest frame before the connection has shown a valid session. The requests that need no
/// session (health, setup, login, a second factor) are a few hundred bytes; 64 KiB is ample and
/// keeps what hundreds of anonymous connections can make the daemon buffer small.
pub const UNAUTHENTICATED_MAX_FRAME: usize = 64 << 10;
/// How long a frame may take to arrive once its first byte has. A local client writes a
/// frame in one go; ten seconds covers a machine swapping hard.
pub const FRAME_DEADLINE: Duration = Duration::from_secs(10);
/// How long a connection that never showed a valid session may sit between frames. The CLI and
/// the console reconnect on their own when the daemon closed an idle connection.
pub const UNAUTHENTICATED_IDLE: Duration = Duration::from_secs(10);

/// Where the reader is in the frame sequence.
#[derive(Debug, Clone, Copy)]
enum Position {
    /// Reading a length prefix: `got` bytes of it so far.
    Length { got: usize, bytes: [u8; 4] },
    /// Reading a body: `remaining` bytes to go.
    Body { remaining: usize },
}

impl Position {
    const BOUNDARY: Self = Self::Length {
        got: 0,
        bytes: [0; 4],
    };

    fn at_boundary(self) -> bool {
        matches!(self, Self::Length { got: 0, .. })
    }
}

/// A stream whose frames are checked for size and time; see the module comment.
pub struct Watched<S> {
    inner: S,
    authenticated: Arc<AtomicBool>,
    position: Position,
    /// The deadline that applies now (frame or idle), if any.
    timer: Pin<Box<Sleep>>,
    armed: bool,
    clocks: Clocks,
}

/// The two clocks, as parameters so tests need not wait ten seconds.
#[derive(Debug, Clone, Copy)]
pub struct Clocks {
    pub idle: Duration,
    pub frame: Duration,
}

impl Default for Clocks {
    fn default() -> Self {
        Self {
            idle: UNAUTHENTICATED_IDLE,
            frame: FRAME_DEADLINE,
        }
    }
}

impl<S> Watched<S> {
    /// Watches `inner`; `authenticated` is set once a request on it carried a valid session.
    pub fn new(inner: S, authenticated: Arc<AtomicBool>) -> Self {
        Self::with_clocks(inner, authenticated, Clocks::default())
    }

    pub fn with_clocks(inner: S, authenticated: Arc<AtomicBool>, clocks: Clocks) -> Self {
        let mut watched = Self {
            inner,
            authenticated,
            position: Position::BOUNDARY,
            timer: Box::pin(tokio::time::sleep(Duration::ZERO)),
            armed: false,
            clocks,
        };
        watched.rearm_at_boundary();
        watched
    }

    fn authenticated(&self) -> bool {
        self.authenticated.load(Ordering::Relaxed)
    }

    fn arm(&mut self, after: Duration) {
        self.timer.as_mut().reset(Instant::now() + after);
        self.armed = true;
    }

    fn rearm_at_boundary(&mut self) {
        if self.authenticated() {
            self.armed = false;
        } else {
            self.arm(self.clocks.idle);
        }
    }

    /// Follows `bytes` through the frame sequence; refuses a length over the allowance.
    fn advance(&mut self, mut bytes: &[u8]) -> io::Result<()> {
        let was_at_boundary = self.position.at_boundary();
        while !bytes.is_empty() {
            self.position = match self.position {
                Position::Length {
                    mut got,
                    bytes: mut prefix,
                } => {
                    let take = (4 - got).min(bytes.len());
                    prefix[got..got + take].copy_from_slice(&bytes[..take]);
                    got += take;
                    bytes = &bytes[take..];
                    if got < 4 {
                        Position::Length { got, bytes: prefix }
                    } else {
                        let length =
                            usize::try_from(u32::from_be_bytes(prefix)).unwrap_or(usize::MAX);
                        self.check_length(length)?;
                        if length == 0 {
                            Position::BOUNDARY
                        } else {
                            Position::Body { remaining: length }
                        }
                    }
                }
                Position::Body { remaining } => {
                    let take = remaining.min(bytes.len());
                    bytes = &bytes[take..];
                    if remaining == take {
                        Position::BOUNDARY
                    } else {
                        Position::Body {
                            remaining: remaining - take,
                        }
                    }
                }
            };
            if self.position.at_boundary() && !bytes.is_empty() {
                // Another frame starts in this same read: its clock starts now.
                self.arm(self.clocks.frame);
            }
        }
        if self.position.at_boundary() {
            self.rearm_at_boundary();
        } else if was_at_boundary || !self.armed {
            self.arm(self.clocks.frame);
        }
        Ok(())
    }

    fn check_length(&self, length: usize) -> io::Result<()> {
        let (limit, who) = if self.authenticated() {
            (MAX_FRAME, "a connection")
        } else {
            (
                UNAUTHENTICATED_MAX_FRAME,
                "a connection without a valid session",
            )
        };
        if length > limit {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!("a frame of {length} bytes is over the {limit}-byte limit for {who}"),
            ));
        }
        Ok(())
    }

    /// The error for an expired clock, or `None` when it no longer applies.
    fn expired(&self) -> Option<io::Error> {
        if self.position.at_boundary() {
            // Authenticated since the idle clock started: idleness is allowed now.
            (!self.authenticated()).then(|| {
                io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "no request within {} s on a connection without a valid session",
                        self.clocks.idle.as_secs()
                    ),
                )
            })
        } else {
            Some(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "a frame did not arrive whole within {} s of its first byte",
                    self.clocks.frame.as_secs()
                ),
            ))
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(Ok(())) => {
                let filled = &buf.filled()[before..];
                if !filled.is_empty() {
                    this.advance(filled)?;
                }
                Poll::Ready(Ok(()))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => {
                if this.armed && this.timer.as_mut().poll(cx).is_ready() {
                    match this.expired() {
                        Some(e) => return Poll::Ready(Err(e)),
                        None => this.armed = false,
                    }
                }
                Poll::Pending
            }
        }
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
