//! The bounded pool every argon2 computation goes through.
//!
//! One argon2 verification holds 19 MiB and a core for tens of milliseconds. Left unbounded,
//! pipelined logins from one unauthenticated client start one per request, all at once, and
//! take the daemon to gigabytes. Here at most one computation per core runs; a short queue
//! absorbs a burst of honest logins; past that the caller is refused at once with [`Busy`],
//! which costs nothing. The refusal does not depend on the user name, so it reveals nothing.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, OnceLock};

/// Computations allowed to wait for a worker. Ten verifications last well under a second on a
/// small machine, so an honest login behind a burst still answers promptly, while a flood is
/// refused instead of queued.
pub const QUEUE_DEPTH: usize = 8;

/// What a refused caller is told to wait, in seconds: long enough for the queue to drain.
pub const BUSY_RETRY_AFTER_S: u64 = 2;

/// The pool is full: too many computations running and queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are running or queued")]
pub struct Busy;

type Job = Box<dyn FnOnce() + Send>;

/// A bounded pool: `workers` threads, `queue` more computations waiting, the rest refused.
///
/// The workers are long-lived threads rather than the runtime's blocking pool: each reuses its
/// own 19 MiB of allocator memory from one computation to the next while more are queued,
/// where hundreds of short-lived blocking threads would each leave some behind; and each gives
/// it back once nothing is waiting, so an idle daemon does not carry it.
pub struct Pool {
    jobs: SyncSender<Job>,
    /// Computations queued and not yet picked up by a worker.
    waiting: Arc<AtomicUsize>,
}

impl Pool {
    /// Starts `workers` threads named `name`.
    pub fn new(workers: usize, queue: usize) -> std::io::Result<Self> {
        let (jobs, inbox) = sync_channel::<Job>(queue);
        let inbox = Arc::new(Mutex::new(inbox));
        let waiting = Arc::new(AtomicUsize::new(0));
        for n in 0..workers.max(1) {
            let (inbox, waiting) = (inbox.clone(), waiting.clone());
            std::thread::Builder::new()
                .name(format!("upstrad-argon2-{n}"))
                .spawn(move || work(&inbox, &waiting))?;
        }
        Ok(Self { jobs, waiting })
    }

    /// The daemon's pool: see [`workers`]. `None` if no thread could be started, in which
    /// case every password check fails (and says so in the log).
    pub fn global() -> Option<&'static Pool> {
        static POOL: OnceLock<Option<Pool>> = OnceLock::new();
        POOL.get_or_init(|| {
            Pool::new(workers(), QUEUE_DEPTH)
                .inspect_err(|e| tracing::error!(error = %e, "cannot start the password workers"))
                .ok()
        })
        .as_ref()
    }

    /// Queues `work` for a worker, or refuses at once when the queue is full. A caller that
    /// gives up does not cancel the computation: a worker stays busy until it is done, so the
    /// bound holds whatever the callers do.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(work());
        });
        // Counted before it is sent, so that a worker never sees it picked up before queued.
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let sent = self.jobs.try_send(job);
        if sent.is_err() {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
        }
        match sent {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => return Err(PoolError::Busy(Busy)),
            Err(TrySendError::Disconnected(_)) => {
                return Err(PoolError::Failed(
                    "the password workers have stopped".into(),
                ));
            }
        }
        rx.await
            .map_err(|_| PoolError::Failed("a password worker failed mid-computation".into()))
    }
}

/// Workers of the daemon's pool: half the cores, at least one. Logins never take every core, so
/// the monitor, the orchestrator and root's requests keep running during a flood of them; and
/// each worker holds 19 MiB while logins are queued (see `kdf`), so fewer workers keep the
/// daemon small under a flood.
pub fn workers() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    (cores / 2).max(1)
}

/// A worker's loop: one job at a time until the pool is dropped. The password memory is kept
/// from one job to the next while others wait, and given back when none does.
fn work(inbox: &Mutex<Receiver<Job>>, waiting: &AtomicUsize) {
    loop {
        let job = {
            let Ok(inbox) = inbox.lock() else { return };
            match inbox.recv() {
                Ok(job) => job,
                Err(_) => return,
            }
        };
        waiting.fetch_sub(1, Ordering::SeqCst);
        // A panic in one computation must not take the worker down with it.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
        if waiting.load(Ordering::SeqCst) == 0 {
            super::kdf::release_memory();
        }
    }
}

/// Why a computation did not run.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    #[error(transparent)]
    Busy(#[from] Busy),
    #[error("the password computation failed: {0}")]
    Failed(String),
}

/// Runs `work` in the daemon's pool.
pub async fn run<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, PoolError> {
    match Pool::global() {
        Some(pool) => pool.run(work).await,
        None => Err(PoolError::Failed(
            "no password worker could be started".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;
    use std::time::Duration;

    use futures::FutureExt;

    use super::*;

    #[tokio::test]
    async fn keeps_the_password_memory_while_work_waits_and_gives_it_back_when_none_does() {
        let pool = Pool::new(1, 4).unwrap();
        let (open_tx, open_rx) = mpsc::channel::<()>();
        // The first job holds the worker until the two behind it are queued.
        let (_, hashed, held_while_queued, _) = futures::join!(
            pool.run(move || open_rx.recv().ok()),
            pool.run(|| super::super::kdf::hash(b"a password").is_ok()),
            pool.run(super::super::kdf::held_blocks),
            async move { open_tx.send(()).unwrap() },
        );
        assert!(hashed.unwrap());
        assert!(
            held_while_queued.unwrap() > 0,
            "a job was waiting: the memory is kept"
        );
        // The worker gives the memory back after answering, so a probe sent at once may still
        // find it: probe until one finds it gone.
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let held = pool.run(super::super::kdf::held_blocks).await.unwrap();
            if held == 0 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "nothing was waiting, yet the worker still holds {held} blocks"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test]
    async fn runs_at_most_workers_at_once_queues_a_few_and_refuses_the_rest() {
        let pool = Pool::new(2, 3).unwrap();
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (started_tx, started_rx) = mpsc::channel::<()>();
        let (done_tx, done_rx) = mpsc::channel::<()>();
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(Mutex::new(release_rx));
        let job = || {
            let (running, peak, started_tx, done_tx, release_rx) = (
                running.clone(),
                peak.clone(),
                started_tx.clone(),
                done_tx.clone(),
                release_rx.clone(),
            );
            move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                peak.fetch_max(now, Ordering::SeqCst);
                started_tx.send(()).unwrap();
                release_rx.lock().unwrap().recv().unwrap();
                running.fetch_sub(1, Ordering::SeqCst);
                done_tx.send(()).unwrap();
            }
        };
        // Polling a call once queues it; its result is not needed here.
        let wait = Duration::from_secs(20);
        for _ in 0..2 {
            assert!(pool.run(job()).now_or_never().is_none());
        }
        for _ in 0..2 {
            started_rx.recv_timeout(wait).unwrap();
        }
        for _ in 0..3 {
            assert!(pool.run(job()).now_or_never().is_none(), "queued");
        }
        let refused = pool.run(|| ()).now_or_never();
        assert!(
            matches!(refused, Some(Err(PoolError::Busy(Busy)))),
            "{refused:?}"
        );
        for _ in 0..5 {
            release_tx.send(()).unwrap();
        }
        for _ in 0..5 {
            done_rx.recv_timeout(wait).unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert_eq!(pool.run(|| 7).await.unwrap(), 7);
    }
}
