//! [`RedisBus`]: publishes this daemon's events to its stream, idempotently by seq.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use redis::aio::MultiplexedConnection;
use redis::{Script, Value};
use tokio::time::{Instant, timeout_at};
use upstra_core::events::EventRecord;
use upstra_core::traits::{AdapterError, BoxFuture, EventBus};

use crate::entry::{self, PUBLISH_SCRIPT, ScriptReply};
use crate::error::{BatchError, BusError};
use crate::link::Link;
use crate::options::BusOptions;
use crate::target::Target;

/// Events per script run: bounds how long one run keeps Redis busy (Redis runs a script to
/// the end before serving anyone else) and how large one request grows.
const EVENTS_PER_RUN: usize = 256;

/// What publishing one event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    /// The event was appended now.
    New,
    /// The stream already had it (an earlier attempt got through), or had it and trimmed it.
    AlreadyPresent,
}

/// What `publish_batch` did, counted over the whole batch.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub new: usize,
    pub already_present: usize,
}

/// Publishes to one Redis stream and follows others; implements [`EventBus`].
///
/// Cheap to share behind an `Arc`. It holds two connections, made on first use: one for
/// publishing and reading its own stream, one for `follow`, whose blocking reads would
/// otherwise hold up publishing (Redis answers one connection's commands in order).
pub struct RedisBus {
    pub(crate) options: BusOptions,
    pub(crate) target: Target,
    publisher: Link,
    pub(crate) follower: Link,
    script: Script,
}

impl fmt::Debug for RedisBus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisBus")
            .field("url", &self.target.shown())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl RedisBus {
    /// A bus for the Redis at `url` (`redis://[user:password@]host[:port][/db]`). No I/O:
    /// the first call connects, and a Redis that is down now is not an error here.
    pub fn new(url: &str, options: BusOptions) -> Result<Self, BusError> {
        let target = Target::new(url);
        if let Some(problem) = options.problem() {
            return Err(BusError::Config {
                url: target.shown().to_owned(),
                reason: problem.to_owned(),
            });
        }
        let client = redis::Client::open(url)
            .map_err(|e| BusError::from_redis(&target, options.deadline, &e))?;
        let backoff = (options.reconnect_min, options.reconnect_max);
        let link = |role| {
            Link::new(
                role,
                client.clone(),
                target.clone(),
                options.deadline,
                backoff,
            )
        };
        Ok(Self {
            publisher: link("publish"),
            follower: link("follow"),
            script: Script::new(PUBLISH_SCRIPT),
            target,
            options,
        })
    }

    /// The settings.
    pub fn options(&self) -> &BusOptions {
        &self.options
    }

    /// The URL with its password masked, for logs and status screens.
    pub fn url(&self) -> &str {
        self.target.shown()
    }

    /// Appends `event` as entry `0-<seq>`, or finds it already there.
    ///
    /// Safe to repeat after any failure, a timeout included: the same seq can never be in the
    /// stream twice. Publish in seq order: a seq below the stream's highest counts as present.
    pub async fn publish(&self, event: &EventRecord) -> Result<Published, BusError> {
        let done = self
            .publish_batch(std::slice::from_ref(event))
            .await
            .map_err(|e| e.error)?;
        Ok(if done.new == 1 {
            Published::New
        } else {
            Published::AlreadyPresent
        })
    }

    /// Appends `events` (strictly increasing seqs) in order, in one round trip per 256
    /// events, and stops at the first event Redis refuses for a reason other than "already
    /// there". The stream then holds every event before [`BatchError::stopped_at`]; publishing
    /// the batch again from there is safe. Each round trip has the deadline.
    pub async fn publish_batch(&self, events: &[EventRecord]) -> Result<BatchOutcome, BatchError> {
        let mut done = BatchOutcome::default();
        if let Some(error) = out_of_order(events) {
            let stopped_at = events.first().map_or(0, |e| e.seq);
            return Err(BatchError {
                stopped_at,
                done,
                error,
            });
        }
        for chunk in events.chunks(EVENTS_PER_RUN) {
            let stop = |done, error| BatchError {
                stopped_at: chunk.first().map_or(0, |e| e.seq),
                done,
                error,
            };
            let reply = self.run_script(chunk).await.map_err(|e| stop(done, e))?;
            done.new += reply.new;
            done.already_present += reply.present;
            if let Some(text) = reply.stopped {
                let at = chunk.get(reply.new + reply.present).map_or(0, |e| e.seq);
                return Err(BatchError {
                    stopped_at: at,
                    done,
                    error: self.script_error(&text),
                });
            }
        }
        Ok(done)
    }

    /// The seq of the newest entry in this daemon's stream; `None` when it has none. The
    /// daemon asks at start so it can skip what an earlier run already published.
    pub async fn last_id(&self) -> Result<Option<u64>, BusError> {
        let key = self.options.stream.as_str();
        let newest: Vec<String> = self
            .call(
                &self.publisher,
                self.options.deadline,
                |mut conn| async move {
                    let reply: redis::streams::StreamRangeReply = redis::cmd("XREVRANGE")
                        .arg(key)
                        .arg("+")
                        .arg("-")
                        .arg("COUNT")
                        .arg(1)
                        .query_async(&mut conn)
                        .await
                        .map_err(|e| self.driver_error(&e))?;
                    Ok(reply.ids.into_iter().map(|e| e.id).collect())
                },
            )
            .await?;
        let Some(id) = newest.first() else {
            return Ok(None);
        };
        entry::seq_of(id).map(Some).ok_or_else(|| self.foreign(id))
    }

    async fn run_script(&self, chunk: &[EventRecord]) -> Result<ScriptReply, BusError> {
        let args = entry::script_args(self.options.max_len, chunk).map_err(|(seq, reason)| {
            BusError::InvalidEvent {
                seq,
                reason: format!("it does not encode as JSON: {reason}"),
            }
        })?;
        let (args, key) = (&args, self.options.stream.as_str());
        self.call(
            &self.publisher,
            self.options.deadline,
            |mut conn| async move {
                let mut invocation = self.script.key(key);
                for arg in args {
                    invocation.arg(arg);
                }
                let value: Value = invocation
                    .invoke_async(&mut conn)
                    .await
                    .map_err(|e| self.driver_error(&e))?;
                entry::parse_script_reply(&value).ok_or_else(|| BusError::Protocol {
                    url: self.target.shown().to_owned(),
                    detail: format!("the publish script answered {value:?}"),
                })
            },
        )
        .await
    }

    /// Runs `op` on a connection of `link` within `budget`. A connection that breaks or times
    /// out is dropped, and so is one whose call is dropped half-way (see [`AbandonGuard`]). A
    /// kept connection that turns out dead (Redis restarted since) gets one immediate retry on
    /// a new one: every operation of this crate is safe to repeat.
    pub(crate) async fn call<'a, T, F, Fut>(
        &'a self,
        link: &'a Link,
        budget: Duration,
        op: F,
    ) -> Result<T, BusError>
    where
        F: Fn(MultiplexedConnection) -> Fut,
        Fut: Future<Output = Result<T, BusError>> + 'a,
    {
        let deadline = Instant::now() + budget;
        let timed_out = || BusError::Timeout {
            url: self.target.shown().to_owned(),
            after: budget,
        };
        let mut retried = false;
        loop {
            let lease = match timeout_at(deadline, link.lease()).await {
                Ok(lease) => lease?,
                Err(_) => {
                    link.connect_failed(timed_out());
                    return Err(timed_out());
                }
            };
            let mut guard = AbandonGuard {
                link,
                generation: lease.generation,
                armed: true,
            };
            let outcome = timeout_at(deadline, op(lease.conn)).await;
            guard.armed = false;
            match outcome {
                Ok(Ok(value)) => return Ok(value),
                Ok(Err(e)) if e.breaks_connection() => {
                    link.discard(lease.generation, &e);
                    if lease.reused && !retried {
                        retried = true;
                        continue;
                    }
                    return Err(e);
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    let e = timed_out();
                    link.discard(lease.generation, &e);
                    return Err(e);
                }
            }
        }
    }

    pub(crate) fn driver_error(&self, e: &redis::RedisError) -> BusError {
        BusError::from_redis(&self.target, self.options.deadline, e)
    }

    fn script_error(&self, text: &str) -> BusError {
        match text.strip_prefix("FOREIGN ") {
            Some(id) => self.foreign(id),
            None => BusError::from_script_text(&self.target, text),
        }
    }

    fn foreign(&self, id: &str) -> BusError {
        BusError::Protocol {
            url: self.target.shown().to_owned(),
            detail: format!(
                "stream {} holds entry {id}, which Upstra did not write (its IDs are 0-<seq>); \
                 give the bus a stream key of its own",
                self.options.stream
            ),
        }
    }
}

/// Drops the connection of a call that is itself dropped before it ends (a `select!` that
/// chose another branch): the reply it was waiting for would hold up whoever uses the
/// connection next, a blocked `XREAD` for its whole block time.
struct AbandonGuard<'a> {
    link: &'a Link,
    generation: u64,
    armed: bool,
}

impl Drop for AbandonGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.link
                .discard(self.generation, &"the call was abandoned");
        }
    }
}

/// Why `events` cannot be published as a batch, if they cannot: seq 0 has no entry ID (`0-0`
/// is not a valid one), and a seq not above its predecessor would be taken as present.
fn out_of_order(events: &[EventRecord]) -> Option<BusError> {
    let mut previous: Option<u64> = None;
    for e in events {
        if e.seq == 0 {
            return Some(BusError::InvalidEvent {
                seq: 0,
                reason: "seqs start at 1 (0-0 is not a stream entry ID)".into(),
            });
        }
        if let Some(p) = previous.filter(|p| e.seq <= *p) {
            return Some(BusError::InvalidEvent {
                seq: e.seq,
                reason: format!("a batch must be in increasing seq order, and it follows {p}"),
            });
        }
        previous = Some(e.seq);
    }
    None
}

impl EventBus for RedisBus {
    fn publish<'a>(&'a self, event: &'a EventRecord) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(async move {
            RedisBus::publish(self, event)
                .await
                .map(|_| ())
                .map_err(|e| e.to_adapter_error())
        })
    }
}
