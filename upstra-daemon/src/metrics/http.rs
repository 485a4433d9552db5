//! The `/metrics` listener: HTTP/1.1, `GET /metrics` only, one request per connection.
//!
//! Hand-written rather than a server framework: the endpoint answers one fixed request with
//! one body, so a small reader with strict bounds is easier to check than hyper's server
//! (not otherwise built here) and its settings. Every bound below is what keeps an
//! unauthenticated socket cheap: a scraper sends a few hundred bytes and reads once.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

use crate::Shared;

/// The longest request head read. Prometheus sends about 300 bytes (method, path, a few
/// headers); 8 KiB leaves room for a proxy's headers and refuses anything that is not a scrape.
pub const MAX_HEAD_BYTES: usize = 8 * 1024;
/// Connections served at once. A scraper or two, and a person with curl: the rest wait in the
/// kernel's backlog until one ends, so a flood costs at most this many tasks and buffers.
pub const MAX_CONNECTIONS: usize = 8;
/// How long a client has to send its whole request head once connected: a slow or silent
/// client cannot hold one of the few places.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the answer may take to be written: a scraper that stops reading is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Binds the listener (at start, so that a taken or forbidden address stops the daemon with
/// its reason instead of leaving it without the metrics it was told to serve).
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, crate::Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| crate::Error::Metrics { addr, source })
}

/// Serves `/metrics` until `stop` fires.
pub async fn serve(listener: TcpListener, shared: Arc<Shared>, stop: CancellationToken) {
    let places = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving metrics on http://{addr}/metrics");
    }
    loop {
        // A place first, then a connection: past the cap, clients wait in the backlog.
        let place = tokio::select! {
            () = stop.cancelled() => break,
            p = places.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
        };
        let stream = tokio::select! {
            () = stop.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of descriptors, most likely: wait a little rather than spin.
                    tracing::warn!(error = %e, "metrics: cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            answer(stream, &shared).await;
            drop(place);
        });
    }
}

/// What a request head asks for.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Asked {
    Metrics,
    /// Another method on `/metrics`.
    WrongMethod,
    /// Another path.
    NotFound,
    /// Not an HTTP/1.x request line, or a head over the bound.
    Bad,
}

/// Reads the request line of `head` (the bytes up to the blank line).
pub(crate) fn asked(head: &[u8]) -> Asked {
    let Ok(text) = std::str::from_utf8(head) else {
        return Asked::Bad;
    };
    let line = text.lines().next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Asked::Bad;
    };
    if !version.starts_with("HTTP/1.") {
        return Asked::Bad;
    }
    let path = target.split('?').next().unwrap_or_default();
    match (method, path) {
        ("GET", "/metrics") => Asked::Metrics,
        (_, "/metrics") => Asked::WrongMethod,
        _ => Asked::NotFound,
    }
}

/// Reads until the blank line that ends the head, within [`MAX_HEAD_BYTES`].
async fn read_head(stream: &mut TcpStream) -> Option<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    loop {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        head.extend_from_slice(&chunk[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            head.truncate(end);
            return Some(head);
        }
        if head.len() > MAX_HEAD_BYTES {
            return Some(Vec::new());
        }
    }
}

async fn answer(mut stream: TcpStream, shared: &Arc<Shared>) {
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Some(head)) => head,
        // Closed early or too slow: nothing worth an answer.
        Ok(None) | Err(_) => return,
    };
    let reply = match asked(&head) {
        Asked::Metrics => {
            let started = Instant::now();
            let shared2 = shared.clone();
            // Rendering a large lab takes milliseconds of CPU: off the async workers.
            let body =
                match tokio::task::spawn_blocking(move || shared2.metrics.render(&shared2)).await {
                    Ok(body) => body,
                    Err(e) => {
                        tracing::error!(error = %e, "metrics: rendering failed");
                        return;
                    }
                };
            tracing::debug!(bytes = body.len(), took = ?started.elapsed(), "metrics scraped");
            response(
                "200 OK",
                prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
                "",
                &body,
            )
        }
        Asked::WrongMethod => response(
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "Allow: GET\r\n",
            "only GET is served here\n",
        ),
        Asked::NotFound => response(
            "404 Not Found",
            "text/plain; charset=utf-8",
            "",
            "not found: the metrics are at /metrics\n",
        ),
        Asked::Bad => response(
            "400 Bad Request",
            "text/plain; charset=utf-8",
            "",
            "bad request\n",
        ),
    };
    let write = async {
        stream.write_all(&reply).await?;
        stream.shutdown().await
    };
    let _ = tokio::time::timeout(WRITE_TIMEOUT, write).await;
}

fn response(status: &str, content_type: &str, extra: &str, body: &str) -> Vec<u8> {
    let mut out = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Connection: close\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    out.extend_from_slice(body.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_get_metrics_is_served() {
        assert_eq!(asked(b"GET /metrics HTTP/1.1\r\nHost: x"), Asked::Metrics);
        assert_eq!(asked(b"GET /metrics?x=1 HTTP/1.1"), Asked::Metrics);
        assert_eq!(asked(b"POST /metrics HTTP/1.1"), Asked::WrongMethod);
        assert_eq!(asked(b"GET / HTTP/1.1"), Asked::NotFound);
        assert_eq!(asked(b"GET /metrics/x HTTP/1.0"), Asked::NotFound);
        assert_eq!(asked(b"GET /metrics"), Asked::Bad);
        assert_eq!(asked(b"GET /metrics SPDY/3"), Asked::Bad);
        assert_eq!(asked(b""), Asked::Bad);
        assert_eq!(asked(&[0xff, 0xfe]), Asked::Bad);
    }
}
