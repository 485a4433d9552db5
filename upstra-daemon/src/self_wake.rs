//! A task that stays on its worker when it wakes itself.
//!
//! A task woken while it is being polled (a connection's handler sending its reply on the
//! channel the same task reads, or `FuturesUnordered` giving way after polling each of its
//! futures once) is, for tokio's multi-threaded scheduler, a task that yields: it goes to the
//! back of a queue and an idle worker is woken to steal it. For a connection that is one
//! wake-up of the other worker per call, and often the call finishing on the other processor;
//! on a virtual machine each such wake-up costs tens of microseconds on both processors.
//!
//! [`RepollOnSelfWake`] polls the task again at once instead, a bounded number of times, so a
//! self-wake costs one more poll and wakes nobody. Past the bound, or once tokio's budget for
//! this poll is spent, it yields as the task would have. No crate offers this, and it is
//! small: the whole mechanism is the one atomic word below.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures::task::AtomicWaker;

/// How many times one poll may poll the task again after it woke itself, before yielding so
/// the worker's other tasks run.
const MAX_REPOLLS: usize = 16;

const POLLING: u8 = 1;
const WOKEN: u8 = 2;

/// Runs `F`, polling it again right away when it wakes itself during its own poll.
pub(crate) struct RepollOnSelfWake<F> {
    inner: Pin<Box<F>>,
    state: Arc<WakeState>,
    waker: Waker,
}

struct WakeState {
    /// [`POLLING`] while the inner future is being polled, [`WOKEN`] once it was woken then.
    flags: AtomicU8,
    /// The task's own waker, for wakes that arrive between polls.
    outer: AtomicWaker,
}

impl Wake for WakeState {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        // One atomic step decides who acts: a wake that lands while the poll is running is
        // seen by it (it swaps the flags after the poll); one that lands after is forwarded.
        if self.flags.fetch_or(WOKEN, Ordering::AcqRel) & POLLING == 0 {
            self.outer.wake();
        }
    }
}

impl<F: Future> RepollOnSelfWake<F> {
    pub(crate) fn new(inner: F) -> Self {
        let state = Arc::new(WakeState {
            flags: AtomicU8::new(0),
            outer: AtomicWaker::new(),
        });
        Self {
            inner: Box::pin(inner),
            waker: Waker::from(state.clone()),
            state,
        }
    }
}

impl<F: Future> Future for RepollOnSelfWake<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        this.state.outer.register(cx.waker());
        let mut inner_cx = Context::from_waker(&this.waker);
        for _ in 0..MAX_REPOLLS {
            this.state.flags.store(POLLING, Ordering::Release);
            let polled = this.inner.as_mut().poll(&mut inner_cx);
            let flags = this.state.flags.swap(0, Ordering::AcqRel);
            if polled.is_ready() {
                return polled;
            }
            // Woken by nobody, or by tokio because this poll's budget is spent: in the second
            // case polling again would only be refused again.
            if flags & WOKEN == 0 || !tokio::task::coop::has_budget_remaining() {
                if flags & WOKEN != 0 {
                    cx.waker().wake_by_ref();
                }
                return Poll::Pending;
            }
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// Wakes itself `times` times during its polls, then completes; counts its polls.
    struct WakesItself {
        times: usize,
        polls: Arc<AtomicUsize>,
    }

    impl Future for WakesItself {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            if self.times == 0 {
                return Poll::Ready(());
            }
            self.times -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// Counts how often the task's own waker is used.
    struct CountingWaker(AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    fn poll_once<F: Future>(
        f: &mut RepollOnSelfWake<F>,
        wakes: &Arc<CountingWaker>,
    ) -> Poll<F::Output> {
        let waker = Waker::from(wakes.clone());
        Pin::new(f).poll(&mut Context::from_waker(&waker))
    }

    #[test]
    fn a_self_wake_is_answered_by_polling_again_and_wakes_nobody() {
        let polls = Arc::new(AtomicUsize::new(0));
        let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let mut f = RepollOnSelfWake::new(WakesItself {
            times: 3,
            polls: polls.clone(),
        });
        assert!(poll_once(&mut f, &wakes).is_ready());
        assert_eq!(polls.load(Ordering::Relaxed), 4);
        assert_eq!(wakes.0.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_task_that_keeps_waking_itself_yields_after_the_bound() {
        let polls = Arc::new(AtomicUsize::new(0));
        let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let mut f = RepollOnSelfWake::new(WakesItself {
            times: usize::MAX,
            polls: polls.clone(),
        });
        assert!(poll_once(&mut f, &wakes).is_pending());
        assert_eq!(polls.load(Ordering::Relaxed), MAX_REPOLLS);
        assert_eq!(
            wakes.0.load(Ordering::Relaxed),
            1,
            "it yields, as tokio would have made it"
        );
    }

    #[test]
    fn a_wake_between_polls_reaches_the_task() {
        let wakes = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let (tx, rx) = futures::channel::oneshot::channel::<u8>();
        let mut f = RepollOnSelfWake::new(rx);
        assert!(poll_once(&mut f, &wakes).is_pending());
        assert_eq!(wakes.0.load(Ordering::Relaxed), 0);
        tx.send(7).unwrap();
        assert_eq!(wakes.0.load(Ordering::Relaxed), 1);
        assert_eq!(poll_once(&mut f, &wakes), Poll::Ready(Ok(7)));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn wakes_from_another_thread_during_a_poll_are_never_lost() {
        // A channel fed from another thread: each of its wakes lands at any point of a poll.
        let (tx, mut rx) = tokio::sync::mpsc::channel::<u32>(4);
        let sender = std::thread::spawn(move || {
            for i in 0..20_000 {
                tx.blocking_send(i).unwrap();
            }
        });
        let received = tokio::spawn(RepollOnSelfWake::new(async move {
            let mut n = 0;
            while rx.recv().await.is_some() {
                n += 1;
            }
            n
        }));
        let n = tokio::time::timeout(std::time::Duration::from_secs(60), received)
            .await
            .expect("a lost wake would hang the receiver")
            .unwrap();
        sender.join().unwrap();
        assert_eq!(n, 20_000);
    }
}
