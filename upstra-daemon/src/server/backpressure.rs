//! A cap on each connection's requests in flight that stops reading instead of refusing.
//!
//! tarpc's own `max_concurrent_requests` reads every request and answers the extra ones with
//! an error, so a client pipelining without reading its replies still makes the daemon read,
//! decode and answer as fast as it writes. [`Capped`] instead stops pulling from the channel
//! while the connection has [`MAX_IN_FLIGHT`] requests running: the socket's buffers fill and
//! the client's writes block. A request stays in flight until its response is handed to the
//! transport, and the transport only takes a response when its small outbound buffer has room,
//! so a client that does not read its replies stalls only itself.
//!
//! The wrapper needs no waker of its own: a request finishing sends its response to the
//! `Requests` stream that polls this channel, which wakes it and polls again.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures::{Sink, Stream};
use tarpc::server::{Channel, Config};

/// Requests one connection may have running at once. The console has at most a handful of
/// calls out together (a long poll, a list refresh, an action); 16 leaves room and bounds
/// what one connection can make the daemon hold to 16 requests and their responses.
pub const MAX_IN_FLIGHT: usize = 16;

/// A channel that is not polled for new requests while [`MAX_IN_FLIGHT`] are in flight.
pub struct Capped<C> {
    inner: C,
    limit: usize,
}

impl<C> Capped<C> {
    pub fn new(inner: C, limit: usize) -> Self {
        Self {
            inner,
            limit: limit.max(1),
        }
    }
}

impl<C: Channel + Unpin> Stream for Capped<C> {
    type Item = <C as Stream>::Item;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.inner.in_flight_requests() >= this.limit {
            return Poll::Pending;
        }
        Pin::new(&mut this.inner).poll_next(cx)
    }
}

impl<C: Channel + Unpin> Sink<tarpc::Response<C::Resp>> for Capped<C> {
    type Error = <C as Sink<tarpc::Response<C::Resp>>>::Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll_ready(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: tarpc::Response<C::Resp>) -> Result<(), Self::Error> {
        Pin::new(&mut self.get_mut().inner).start_send(item)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Pin::new(&mut self.get_mut().inner).poll_close(cx)
    }
}

impl<C: Channel + Unpin> Channel for Capped<C> {
    type Req = C::Req;
    type Resp = C::Resp;
    type Transport = C::Transport;

    fn config(&self) -> &Config {
        self.inner.config()
    }

    fn in_flight_requests(&self) -> usize {
        self.inner.in_flight_requests()
    }

    fn transport(&self) -> &Self::Transport {
        self.inner.transport()
    }
}
