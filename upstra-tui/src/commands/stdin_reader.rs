//! Standard input for `upstra ssh`, read so that it can be let go.
//!
//! `tokio::io::stdin()` reads on the runtime's blocking pool, and a read in progress cannot be
//! cancelled: when the remote shell ended, that read stayed blocked in the terminal, and the
//! runtime, on shutdown, waited for it (until the operator typed a whole line, since by then the
//! terminal was back in cooked mode). Here a thread of its own waits with `poll(2)` and a short
//! timeout, and reads only once bytes are there: dropping the reader stops it within one
//! timeout, it never takes bytes typed after that (they belong to the shell we return to),
//! and the process never waits for it.

use std::io::{self, Read};
use std::os::fd::AsFd;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::sync::mpsc;

/// How long one wait for input lasts before the thread looks whether it was let go: the
/// longest a dropped reader's thread lives on, short enough to be unnoticeable.
const POLL_MS: u8 = 50;
/// The most a read takes at once (a paste arrives in chunks of this size).
const CHUNK_BYTES: usize = 4096;
/// Chunks read ahead of the SSH session: a bound on memory when the server is slower than
/// the paste, and the reader waits (back pressure) rather than dropping input.
const CHUNKS_AHEAD: usize = 16;

/// What the reader hands over: bytes, or the end of input (end of file or a read error).
pub enum Chunk {
    Data(Vec<u8>),
    End,
}

/// Reads standard input on a thread of its own until dropped.
pub struct StdinReader {
    chunks: mpsc::Receiver<Chunk>,
    stop: Arc<AtomicBool>,
}

impl StdinReader {
    pub fn start() -> io::Result<Self> {
        let (tx, chunks) = mpsc::channel(CHUNKS_AHEAD);
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("upstra-stdin".into())
            .spawn(move || read_until_stopped(&tx, &stopped))?;
        Ok(Self { chunks, stop })
    }

    /// The next chunk; `None` once the thread has ended (after [`Chunk::End`]).
    pub async fn next(&mut self) -> Option<Chunk> {
        self.chunks.recv().await
    }
}

impl Drop for StdinReader {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn read_until_stopped(tx: &mpsc::Sender<Chunk>, stop: &AtomicBool) {
    let stdin = io::stdin();
    let mut buf = vec![0u8; CHUNK_BYTES];
    while !stop.load(Ordering::Relaxed) {
        let ready = {
            let mut fds = [PollFd::new(stdin.as_fd(), PollFlags::POLLIN)];
            match poll(&mut fds, PollTimeout::from(POLL_MS)) {
                Ok(0) => false,
                Ok(_) => true,
                Err(nix::errno::Errno::EINTR) => false,
                Err(_) => {
                    let _ = tx.blocking_send(Chunk::End);
                    return;
                }
            }
        };
        if !ready || stop.load(Ordering::Relaxed) {
            continue;
        }
        // Readable (or hung up): this read returns at once, with bytes or with the end.
        let chunk = match stdin.lock().read(&mut buf) {
            Ok(0) | Err(_) => Chunk::End,
            Ok(n) => Chunk::Data(buf[..n].to_vec()),
        };
        let end = matches!(chunk, Chunk::End);
        if tx.blocking_send(chunk).is_err() || end {
            return;
        }
    }
}
