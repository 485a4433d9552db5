//! A webhook receiver of the test's own: a small real HTTP/1.1 server on a free loopback port
//! that records every request and answers with the status the test sets. It can be taken down
//! (its port closed: connections are refused) and brought back on the same port, as a
//! receiver that is restarted.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// The largest body the receiver reads: far above a notification's, so a test sees what the
/// daemon sent, and a runaway sender cannot fill the test's memory.
const MAX_BODY: usize = 1 << 20;

/// One request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names in lower case.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
    /// The status it was answered with.
    pub answered: u16,
}

impl Received {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

struct State {
    received: Mutex<Vec<Received>>,
    status: AtomicU16,
}

pub struct WebhookReceiver {
    pub addr: SocketAddr,
    state: Arc<State>,
    running: Option<(Arc<AtomicBool>, JoinHandle<()>)>,
}

impl WebhookReceiver {
    /// Starts on a free port, answering 200.
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let addr = listener.local_addr().expect("the receiver's address");
        let state = Arc::new(State {
            received: Mutex::new(Vec::new()),
            status: AtomicU16::new(200),
        });
        let mut me = Self {
            addr,
            state,
            running: None,
        };
        me.serve(listener);
        me
    }

    /// The URL to configure (`http://127.0.0.1:PORT/hook`).
    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Answers `status` from now on.
    pub fn answer(&self, status: u16) {
        self.state.status.store(status, Ordering::SeqCst);
    }

    /// Everything received so far.
    pub fn received(&self) -> Vec<Received> {
        self.state
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// Closes the port: connections are refused until [`Self::up`].
    pub fn down(&mut self) {
        if let Some((stop, thread)) = self.running.take() {
            stop.store(true, Ordering::SeqCst);
            // Wakes the blocking accept, which then sees the flag and drops the listener.
            let _ = TcpStream::connect(self.addr);
            let _ = thread.join();
        }
    }

    /// Listens again on the same port.
    pub fn up(&mut self) {
        if self.running.is_none() {
            let listener = TcpListener::bind(self.addr).expect("rebind the receiver's port");
            self.serve(listener);
        }
    }

    fn serve(&mut self, listener: TcpListener) {
        let stop = Arc::new(AtomicBool::new(false));
        let state = self.state.clone();
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::SeqCst) {
                    return;
                }
                if let Ok(conn) = conn {
                    let _ = handle(conn, &state);
                }
            }
        });
        self.running = Some((stop, thread));
    }
}

impl Drop for WebhookReceiver {
    fn drop(&mut self) {
        self.down();
    }
}

fn handle(conn: TcpStream, state: &State) -> std::io::Result<()> {
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let path = parts.next().unwrap_or_default().to_owned();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h)? == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let len = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut body = vec![0; len];
    reader.read_exact(&mut body)?;
    let status = state.status.load(Ordering::SeqCst);
    if let Ok(mut r) = state.received.lock() {
        r.push(Received {
            method,
            path,
            headers,
            body,
            answered: status,
        });
    }
    let text = if status < 300 { "ok" } else { "not now" };
    let mut conn = conn;
    write!(
        conn,
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
        text.len()
    )?;
    conn.flush()
}
