//! The bounded pool every argon2 computation goes through.
//!
//! One argon2 verification holds 19 MiB and a core for tens of milliseconds. Left unbounded,
//! pipelined logins from one unauthenticated client start one per request, all at once, and
//! take the daemon to gigabytes. Here at most one computation per core runs; a short queue
//! absorbs a burst of honest logins; past that the caller is refused at once with [`Busy`],
//! which costs nothing. The refusal does not depend on the user name, so it reveals nothing.

use std::sync::{Arc, OnceLock};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Computations allowed to wait for a core. Ten verifications last well under a second on a
/// small machine, so an honest login behind a burst still answers promptly, while a flood is
/// refused instead of queued.
pub const QUEUE_DEPTH: usize = 8;

/// What a refused caller is told to wait, in seconds: long enough for the queue to drain.
pub const BUSY_RETRY_AFTER_S: u64 = 2;

/// The pool is full: too many computations running and queued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks are running or queued")]
pub struct Busy;

/// A bounded pool: `workers` computations at once, `queue` more waiting, the rest refused.
pub struct Pool {
    /// Running plus queued: taken without waiting, or the caller is refused.
    admitted: Arc<Semaphore>,
    /// Running: one per worker.
    running: Arc<Semaphore>,
}

impl Pool {
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            admitted: Arc::new(Semaphore::new(workers + queue)),
            running: Arc::new(Semaphore::new(workers)),
        }
    }

    /// The daemon's pool: one worker per core.
    pub fn global() -> &'static Pool {
        static POOL: OnceLock<Pool> = OnceLock::new();
        POOL.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, usize::from);
            Pool::new(cores, QUEUE_DEPTH)
        })
    }

    /// Runs `work` on the blocking pool once a worker is free, or refuses at once when the
    /// queue is full. The permits move into the blocking closure, so a caller that gives up
    /// (its request cancelled) does not free a worker that is still computing.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let admitted = self
            .admitted
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        let running: OwnedSemaphorePermit = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| PoolError::Failed("the password pool is closed".into()))?;
        tokio::task::spawn_blocking(move || {
            let out = work();
            drop((running, admitted));
            out
        })
        .await
        .map_err(|e| PoolError::Failed(e.to_string()))
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::mpsc;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn runs_at_most_workers_at_once_queues_a_few_and_refuses_the_rest() {
        let pool = Arc::new(Pool::new(2, 3));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let (release_tx, release_rx) = mpsc::channel::<()>();
        let release_rx = Arc::new(std::sync::Mutex::new(release_rx));
        let mut calls = Vec::new();
        for _ in 0..5 {
            let (pool, running, peak, release_rx) = (
                pool.clone(),
                running.clone(),
                peak.clone(),
                release_rx.clone(),
            );
            calls.push(tokio::spawn(async move {
                pool.run(move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    release_rx.lock().unwrap().recv().unwrap();
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        // Two run and three wait: the pool is full, so the next caller is refused at once.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while pool.admitted.available_permits() > 0 {
            assert!(std::time::Instant::now() < deadline, "calls never admitted");
            tokio::task::yield_now().await;
        }
        assert!(matches!(pool.run(|| ()).await, Err(PoolError::Busy(Busy))));
        for _ in 0..5 {
            release_tx.send(()).unwrap();
        }
        for call in calls {
            call.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
        assert!(pool.run(|| 7).await.is_ok_and(|v| v == 7));
    }
}
