//! A TCP forwarder a test controls, put between the daemon and a real peer: while it is up it
//! relays every connection to the peer; taken down it closes the connections it relays and
//! stops listening, so new ones are refused exactly as by a peer that went away. Brought up
//! again on the same port, the peer is reachable again. No mock: the bytes are the peer's.
#![allow(clippy::expect_used)]

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the listening thread looks for a new connection or a change of state: short
/// next to any deadline of the daemon, long enough not to spin.
const TICK: Duration = Duration::from_millis(10);

#[derive(Default)]
struct Control {
    up: AtomicBool,
    stop: AtomicBool,
    /// Both ends of every relayed connection, to cut them when going down.
    open: Mutex<Vec<TcpStream>>,
}

/// The running forwarder; stopped when dropped.
pub struct Forwarder {
    port: u16,
    control: Arc<Control>,
    thread: Option<JoinHandle<()>>,
}

fn relay(mut from: TcpStream, mut to: TcpStream) {
    let _ = io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

impl Forwarder {
    /// Relays a free loopback port to `target`; up at once.
    pub fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let port = listener.local_addr().expect("local address").port();
        let control = Arc::new(Control::default());
        control.up.store(true, Ordering::SeqCst);
        let c = control.clone();
        let thread = std::thread::spawn(move || {
            let mut listening = Some(listener);
            while !c.stop.load(Ordering::SeqCst) {
                let up = c.up.load(Ordering::SeqCst);
                if !up && listening.is_some() {
                    listening = None;
                    for s in c.open.lock().expect("connections").drain(..) {
                        let _ = s.shutdown(Shutdown::Both);
                    }
                }
                if up && listening.is_none() {
                    listening = TcpListener::bind(("127.0.0.1", port)).ok();
                }
                if let Some(l) = &listening {
                    l.set_nonblocking(true).expect("nonblocking listener");
                    if let Ok((client, _)) = l.accept() {
                        let _ = client.set_nonblocking(false);
                        if let Ok(peer) = TcpStream::connect(target) {
                            let mut open = c.open.lock().expect("connections");
                            if let (Ok(a), Ok(b)) = (client.try_clone(), peer.try_clone()) {
                                open.push(a);
                                open.push(b);
                            }
                            let (c2, p2) = (client.try_clone(), peer.try_clone());
                            if let (Ok(c2), Ok(p2)) = (c2, p2) {
                                std::thread::spawn(move || relay(client, p2));
                                std::thread::spawn(move || relay(peer, c2));
                            }
                        }
                        continue;
                    }
                }
                std::thread::park_timeout(TICK);
            }
        });
        Self {
            port,
            control,
            thread: Some(thread),
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Refuses new connections and cuts the open ones.
    pub fn down(&self) {
        self.control.up.store(false, Ordering::SeqCst);
        self.wait_until(|| TcpStream::connect(("127.0.0.1", self.port)).is_err());
    }

    /// Relays again, on the same port.
    pub fn up(&self) {
        self.control.up.store(true, Ordering::SeqCst);
        self.wait_until(|| TcpStream::connect(("127.0.0.1", self.port)).is_ok());
    }

    fn wait_until(&self, ok: impl Fn() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "the forwarder on port {} did not change state within 10 s",
                self.port
            );
            std::thread::park_timeout(TICK);
        }
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.control.stop.store(true, Ordering::SeqCst);
        self.control.up.store(false, Ordering::SeqCst);
        for s in self.control.open.lock().expect("connections").drain(..) {
            let _ = s.shutdown(Shutdown::Both);
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
