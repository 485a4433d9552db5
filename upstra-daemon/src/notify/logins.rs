//! Bursts of failed logins: one event when many fail within a short time, so that someone
//! guessing passwords is told, and an operator mistyping once is not.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use upstra_core::events::DomainEvent;

/// This many failures within [`BURST_WINDOW`] is a burst: well above an operator mistyping
/// a few times, well below what a guesser needs.
pub const BURST_FAILURES: usize = 10;
/// The window failures are counted in; after a burst is raised, the next one may be raised
/// only this long later (one message per burst, not per failure).
pub const BURST_WINDOW: Duration = Duration::from_secs(5 * 60);
/// User names named in the event, the most tried first.
const USERS_NAMED: usize = 3;
/// The longest user name kept in the event: what the caller typed, possibly hostile.
const USER_CHARS: usize = 64;

#[derive(Debug, Default)]
pub struct LoginBursts {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// The failures of the window, at most [`BURST_FAILURES`] of them.
    recent: VecDeque<(Instant, String)>,
    raised: Option<Instant>,
}

impl LoginBursts {
    /// Records a failed login for `user` at `now`; the event to raise when it makes a burst.
    pub fn failed(&self, user: &str, now: Instant) -> Option<DomainEvent> {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while s
            .recent
            .front()
            .is_some_and(|(at, _)| now.duration_since(*at) > BURST_WINDOW)
        {
            s.recent.pop_front();
        }
        s.recent
            .push_back((now, user.chars().take(USER_CHARS).collect()));
        if s.recent.len() > BURST_FAILURES {
            s.recent.pop_front();
        }
        let quiet = s
            .raised
            .is_none_or(|r| now.duration_since(r) > BURST_WINDOW);
        if s.recent.len() < BURST_FAILURES || !quiet {
            return None;
        }
        s.raised = Some(now);
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, u) in &s.recent {
            *counts.entry(u.as_str()).or_default() += 1;
        }
        let mut users: Vec<(&str, usize)> = counts.into_iter().collect();
        users.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        Some(DomainEvent::LoginFailuresBurst {
            failures: u32::try_from(s.recent.len()).unwrap_or(u32::MAX),
            within_s: BURST_WINDOW.as_secs(),
            users: users
                .into_iter()
                .take(USERS_NAMED)
                .map(|(u, _)| u.to_owned())
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_failures_in_five_minutes_raise_one_event_per_burst() {
        let b = LoginBursts::default();
        let t0 = Instant::now();
        let at = |s: u64| t0 + Duration::from_secs(s);
        for i in 0..9 {
            assert!(b.failed("root", at(i)).is_none(), "failure {i}");
        }
        let Some(DomainEvent::LoginFailuresBurst {
            failures, users, ..
        }) = b.failed("admin", at(9))
        else {
            panic!("the tenth failure is a burst");
        };
        assert_eq!((failures, users), (10, vec!["root".into(), "admin".into()]));
        assert!(b.failed("root", at(10)).is_none(), "one event per burst");
        // Failures spread over more than the window are no burst.
        let slow = LoginBursts::default();
        for i in 0..30 {
            assert!(slow.failed("x", at(i * 60)).is_none());
        }
    }
}
