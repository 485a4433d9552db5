//! A connection's task wakes itself on every call: the handler's reply goes through tarpc's
//! response queue, whose reader is the same task. The runtime treats a task woken while it
//! runs as one that yielded: it queues it again and wakes a second worker thread to steal
//! it, which then finds nothing to do. On a virtual machine that wake-up is an interrupt
//! sent across processors, and it cost about as much CPU as the call itself.
//!
//! [`RepollOnOwnWake`] keeps such wakes inside the task: a wake that arrives while the
//! future is being polled only asks for one more poll, made at once, and a wake that arrives
//! between polls wakes the task as usual. At most [`REPOLLS`] polls are made in a row, after
//! which the task yields to the runtime as before, so a connection that keeps waking itself
//! cannot keep its worker from the other tasks.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};

use futures::task::AtomicWaker;

/// Polls in a row before yielding to the runtime.
const REPOLLS: usize = 16;

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN_WHILE_POLLING: u8 = 2;

/// A future whose wakes during its own poll are answered by polling it again at once.
pub(crate) struct RepollOnOwnWake<F> {
    inner: Pin<Box<F>>,
    wakes: Arc<Wakes>,
    waker: Waker,
}

struct Wakes {
    state: AtomicU8,
    /// The task's own waker, for wakes that come between polls.
    task: AtomicWaker,
}

impl Wake for Wakes {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        match self.state.compare_exchange(
            POLLING,
            WOKEN_WHILE_POLLING,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            // The poller sees the mark when the poll returns and polls again.
            Ok(_) | Err(WOKEN_WHILE_POLLING) => {}
            Err(_) => self.task.wake(),
        }
    }
}

impl<F: Future> RepollOnOwnWake<F> {
    pub(crate) fn new(inner: F) -> Self {
        let wakes = Arc::new(Wakes {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        Self {
            inner: Box::pin(inner),
            waker: Waker::from(wakes.clone()),
            wakes,
        }
    }
}

impl<F: Future> Future for RepollOnOwnWake<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        this.wakes.task.register(cx.waker());
        let mut own = Context::from_waker(&this.waker);
        for _ in 0..REPOLLS {
            this.wakes.state.store(POLLING, Ordering::Release);
            if let Poll::Ready(out) = this.inner.as_mut().poll(&mut own) {
                this.wakes.state.store(IDLE, Ordering::Release);
                return Poll::Ready(out);
            }
            if this
                .wakes
                .state
                .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Poll::Pending;
            }
        }
        this.wakes.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Wakes itself `n` times during its polls, then completes.
    struct WakesItself {
        left: usize,
        polls: Arc<AtomicUsize>,
    }

    impl Future for WakesItself {
        type Output = ();
        fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            if self.left == 0 {
                return Poll::Ready(());
            }
            self.left -= 1;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }

    /// Counts the wakes the task receives.
    struct CountingWaker(AtomicUsize);
    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    #[test]
    fn a_wake_during_the_poll_is_a_poll_again_not_a_wake_of_the_task() {
        let polls = Arc::new(AtomicUsize::new(0));
        let task = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(task.clone());
        let mut f = std::pin::pin!(RepollOnOwnWake::new(WakesItself {
            left: 3,
            polls: polls.clone(),
        }));
        assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
        assert_eq!(polls.load(Ordering::Relaxed), 4);
        assert_eq!(task.0.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_future_that_keeps_waking_itself_yields_to_the_runtime_after_a_bound() {
        let polls = Arc::new(AtomicUsize::new(0));
        let task = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(task.clone());
        let mut f = std::pin::pin!(RepollOnOwnWake::new(WakesItself {
            left: REPOLLS + 1,
            polls: polls.clone(),
        }));
        assert!(
            f.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        assert_eq!(polls.load(Ordering::Relaxed), REPOLLS);
        assert_eq!(
            task.0.load(Ordering::Relaxed),
            1,
            "yielded through the task's waker"
        );
        assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    }

    #[test]
    fn a_wake_between_polls_wakes_the_task() {
        let task = Arc::new(CountingWaker(AtomicUsize::new(0)));
        let waker = Waker::from(task.clone());
        let (tx, rx) = futures::channel::oneshot::channel::<()>();
        let mut f = std::pin::pin!(RepollOnOwnWake::new(rx));
        assert!(
            f.as_mut()
                .poll(&mut Context::from_waker(&waker))
                .is_pending()
        );
        std::thread::spawn(move || tx.send(()))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(task.0.load(Ordering::Relaxed), 1);
        assert!(f.as_mut().poll(&mut Context::from_waker(&waker)).is_ready());
    }
}
