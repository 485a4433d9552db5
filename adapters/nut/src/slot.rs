//! One upsd's connection as the monitor keeps it: connected on demand, dropped when it breaks,
//! and reconnected no sooner than an exponential backoff allows ([`Backoff`], pure: the caller
//! says when an attempt failed and asks how long to wait).

use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use tokio::time::{Instant, timeout_at};
use tracing::{debug, info, warn};
use upstra_core::model::Ups;
use upstra_core::secret::Secret;

use crate::connection::Connection;
use crate::error::NutError;
use crate::monitor::NutConfig;

/// A command under way on a connection, as [`Slot::ask`] runs it.
type Asked<'c, T> = Pin<Box<dyn Future<Output = Result<T, NutError>> + Send + 'c>>;

/// The connection to one upsd (for one login) and its failure history.
#[derive(Debug)]
pub(crate) struct Slot {
    conn: Option<Connection>,
    /// The password `conn` logged in with: a changed password needs a new login.
    password: Option<Secret>,
    backoff: Backoff,
    /// No new connection attempt before this instant.
    retry_at: Option<Instant>,
    /// The last connection failure, answered again until `retry_at` so a dead upsd is not
    /// hammered and the reason stays stable. `None` while the connection is healthy.
    failure: Option<NutError>,
    /// UPS whose reply broke the conversation, by their upsd name: asked again no sooner than
    /// their own backoff allows, so one UPS reporting nonsense costs upsd a new connection
    /// now and then, not at every status check.
    broken: HashMap<String, Broken>,
}

/// A UPS whose last reply broke the conversation, and when to ask it again.
#[derive(Debug)]
struct Broken {
    backoff: Backoff,
    retry_at: Instant,
    error: NutError,
}

impl Slot {
    pub(crate) fn new(config: &NutConfig) -> Self {
        Self {
            conn: None,
            password: None,
            backoff: Backoff::new(config.reconnect_min, config.reconnect_max),
            retry_at: None,
            failure: None,
            broken: HashMap::new(),
        }
    }

    /// `LIST VAR` for each of `ups` (all of this slot), in one round trip. The first UPS's
    /// login is the slot's.
    pub(crate) async fn list_vars(
        &mut self,
        ups: &[&Ups],
        deadline: Instant,
        config: &NutConfig,
    ) -> Result<Vec<Result<BTreeMap<String, String>, NutError>>, NutError> {
        self.ask_each(ups, deadline, config, |conn, names| {
            Box::pin(async move { conn.list_vars(&names).await })
        })
        .await
    }

    /// `GET VAR <ups> ups.status` for each of `ups` (all of this slot), in one round trip:
    /// cheap enough to ask several times a second. The first UPS's login is the slot's.
    pub(crate) async fn statuses(
        &mut self,
        ups: &[&Ups],
        deadline: Instant,
        config: &NutConfig,
    ) -> Result<Vec<Result<String, NutError>>, NutError> {
        self.ask_each(ups, deadline, config, |conn, names| {
            Box::pin(async move { conn.statuses(&names).await })
        })
        .await
    }

    /// Runs a batch `command` for `ups` until each has its answer. A UPS whose reply broke
    /// the conversation ends a batch with its own error (see [`Connection::list_vars`]); the
    /// UPS after it are asked again on a fresh connection, at once: upsd answered, so it is
    /// not put in backoff, and one UPS's driver reporting nonsense never silences the others.
    /// That UPS itself is answered its error, without asking, until its own backoff ends.
    /// Every pass answers at least one UPS, so there are at most as many passes as UPS.
    async fn ask_each<T>(
        &mut self,
        ups: &[&Ups],
        deadline: Instant,
        config: &NutConfig,
        command: impl for<'c> Fn(&'c mut Connection, Vec<String>) -> Asked<'c, Vec<Result<T, NutError>>>,
    ) -> Result<Vec<Result<T, NutError>>, NutError> {
        let names = nut_names(ups)?;
        let now = Instant::now();
        let mut answers: Vec<Option<Result<T, NutError>>> = names
            .iter()
            .map(|name| {
                let broken = self.broken.get(name).filter(|b| now < b.retry_at);
                broken.map(|b| Err(b.error.clone()))
            })
            .collect();
        let asked: Vec<usize> = (0..names.len()).filter(|&i| answers[i].is_none()).collect();
        let mut done = 0;
        while let Some(&next) = asked.get(done) {
            let rest: Vec<String> = asked[done..].iter().map(|&i| names[i].clone()).collect();
            let got = self
                .ask(ups[next], deadline, config, |conn| {
                    command(conn, rest.clone())
                })
                .await;
            let some = match got {
                Ok(some) if !some.is_empty() => some,
                Ok(_) => return Err(unanswered()),
                // Those answered before keep their answers; the rest share the failure.
                Err(e) if done > 0 => {
                    for &i in &asked[done..] {
                        answers[i] = Some(Err(e.clone()));
                    }
                    break;
                }
                Err(e) => return Err(e),
            };
            let poisoned = self.conn.as_ref().is_some_and(Connection::is_poisoned);
            let answered = some.len().min(rest.len());
            for (k, answer) in some.into_iter().take(answered).enumerate() {
                let i = asked[done + k];
                match &answer {
                    Err(e) if poisoned && k + 1 == answered => self.broke(ups[i], e, config),
                    _ => {
                        self.broken.remove(&names[i]);
                    }
                }
                answers[i] = Some(answer);
            }
            done += answered;
        }
        Ok(answers
            .into_iter()
            .map(|a| a.unwrap_or_else(|| Err(unanswered())))
            .collect())
    }

    /// Records that `ups`'s reply broke the conversation with `e`, and when to ask it again.
    fn broke(&mut self, ups: &Ups, e: &NutError, config: &NutConfig) {
        let Some(name) = ups.nut().map(|n| n.ups.clone()) else {
            return;
        };
        let first = !self.broken.contains_key(&name);
        let broken = self.broken.entry(name).or_insert_with(|| Broken {
            backoff: Backoff::new(config.reconnect_min, config.reconnect_max),
            retry_at: Instant::now(),
            error: e.clone(),
        });
        let wait = broken.backoff.failed();
        broken.retry_at = Instant::now() + wait;
        broken.error = e.clone();
        if first {
            warn!(ups = %ups.id, upsd = %ups.source, "the UPS's reply broke the conversation with upsd ({e}); its other UPS are read on a new connection, and this one again in {wait:?}");
        } else {
            debug!(ups = %ups.id, "the UPS's reply broke the conversation again ({e}); next try in {wait:?}");
        }
    }

    /// Runs `command` on the connection, connecting first if needed and once more on a fresh
    /// connection when a kept one turns out to be dead; everything ends by `deadline`.
    async fn ask<T>(
        &mut self,
        ups: &Ups,
        deadline: Instant,
        config: &NutConfig,
        mut command: impl for<'c> FnMut(&'c mut Connection) -> Asked<'c, T>,
    ) -> Result<T, NutError> {
        let timed_out = NutError::TimedOut {
            after: config.timeout,
        };
        let password = ups.login.as_ref().and_then(|l| l.password.clone());
        if self.password != password || self.conn.as_ref().is_some_and(Connection::is_poisoned) {
            self.conn = None;
        }
        let mut reused = self.conn.is_some();
        loop {
            let conn = match &mut self.conn {
                Some(conn) => conn,
                None => {
                    self.connect(ups, password.clone(), deadline, &timed_out)
                        .await?
                }
            };
            let result = timeout_at(deadline, command(conn))
                .await
                .unwrap_or_else(|_| Err(timed_out.clone()));
            match result {
                Ok(answer) => {
                    self.healthy(ups);
                    return Ok(answer);
                }
                // upsd answered ERR: the conversation is fine, the UPS is not.
                Err(e) if e.keeps_connection() => {
                    self.healthy(ups);
                    return Err(e);
                }
                Err(e) => {
                    self.conn = None;
                    let broken = matches!(e, NutError::Closed | NutError::Io { .. });
                    if reused && broken && Instant::now() < deadline {
                        // A kept connection may have died since the last read (upsd restarted):
                        // that is expected, so try once more on a fresh one.
                        debug!(ups = %ups.id, "kept connection broke ({e}); reconnecting");
                        reused = false;
                        continue;
                    }
                    return Err(self.failed(ups, e));
                }
            }
        }
    }

    async fn connect(
        &mut self,
        ups: &Ups,
        password: Option<Secret>,
        deadline: Instant,
        timed_out: &NutError,
    ) -> Result<&mut Connection, NutError> {
        if let (Some(at), Some(failure)) = (self.retry_at, &self.failure)
            && Instant::now() < at
        {
            return Err(failure.clone());
        }
        let nut = ups.nut().ok_or(NutError::NotNut)?;
        let attempt = async {
            let mut conn = Connection::connect(&nut.host, nut.port).await?;
            if let Some(login) = &ups.login {
                conn.login(&login.user, login.password.as_ref()).await?;
            }
            Ok(conn)
        };
        match timeout_at(deadline, attempt).await {
            Ok(Ok(conn)) => {
                debug!(upsd = %nut, "connected to upsd");
                self.password = password;
                Ok(self.conn.insert(conn))
            }
            Ok(Err(e)) => Err(self.failed(ups, e)),
            Err(_) => Err(self.failed(ups, timed_out.clone())),
        }
    }

    /// Records a connection failure and schedules the next attempt.
    fn failed(&mut self, ups: &Ups, e: NutError) -> NutError {
        let wait = self.backoff.failed();
        self.retry_at = Some(Instant::now() + wait);
        let upsd = &ups.source;
        match &self.failure {
            None => warn!(%upsd, "connection to upsd failed: {e}"),
            Some(before) if *before != e => {
                info!(%upsd, "connection to upsd still failing: {e}")
            }
            Some(_) => debug!(%upsd, "connection to upsd still failing: {e}"),
        }
        self.failure = Some(e.clone());
        e
    }

    fn healthy(&mut self, ups: &Ups) {
        if self.failure.take().is_some() {
            info!(upsd = %ups.source, "upsd answers again");
        }
        self.retry_at = None;
        self.backoff.succeeded();
    }

    /// Sends `LOGOUT` if connected (errors ignored: we are leaving anyway).
    pub(crate) async fn logout(&mut self, deadline: Instant) {
        if let Some(conn) = self.conn.take() {
            let _ = timeout_at(deadline, conn.logout()).await;
        }
    }
}

/// What a UPS of a batch is answered when the batch came back without its answer.
pub(crate) fn unanswered() -> NutError {
    NutError::Protocol("no answer to a batch of commands".into())
}

/// The names upsd knows `ups` by.
fn nut_names(ups: &[&Ups]) -> Result<Vec<String>, NutError> {
    ups.iter()
        .map(|u| u.nut().map(|n| n.ups.clone()))
        .collect::<Option<_>>()
        .ok_or(NutError::NotNut)
}

/// The longest wait ever returned.
const LONGEST: Duration = Duration::from_secs(3600);

/// The wait after each failed attempt: `min`, doubling, never above `max`; back to `min` after
/// a success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// A backoff from `min` to `max`, kept within 1 ms ..= 1 h: zero would never grow (a dead
    /// upsd would be hammered), and a wait of hours would look like a hang. `max` is raised to
    /// `min` if lower.
    pub(crate) fn new(min: Duration, max: Duration) -> Self {
        let min = min.clamp(Duration::from_millis(1), LONGEST);
        Self {
            min,
            max: max.clamp(min, LONGEST),
            next: min,
        }
    }

    /// Records a failed attempt; returns how long to wait before the next one.
    pub(crate) fn failed(&mut self) -> Duration {
        let wait = self.next;
        self.next = self.next.saturating_mul(2).min(self.max);
        wait
    }

    /// Records a success: the next failure waits `min` again.
    pub(crate) fn succeeded(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(MS(100), MS(5000));
        let waits: Vec<u64> = (0..9).map(|_| b.failed().as_millis() as u64).collect();
        assert_eq!(waits, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000]);
        b.succeeded();
        assert_eq!(b.failed(), MS(100));
    }

    #[test]
    fn tolerates_odd_settings() {
        let mut b = Backoff::new(MS(300), MS(100));
        assert_eq!((b.failed(), b.failed()), (MS(300), MS(300)));
        let mut b = Backoff::new(Duration::ZERO, MS(10));
        let waits: Vec<Duration> = (0..6).map(|_| b.failed()).collect();
        assert_eq!(waits, [MS(1), MS(2), MS(4), MS(8), MS(10), MS(10)]);
        let mut b = Backoff::new(Duration::MAX, Duration::MAX);
        assert_eq!((b.failed(), b.failed()), (LONGEST, LONGEST));
    }
}
