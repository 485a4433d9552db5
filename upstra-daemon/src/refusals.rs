//! Peers that refused our credentials, and when the monitor may try them again.
//!
//! A wrong password does not fix itself, and every retry is a failed login on the peer: an iLO
//! answers a run of them with login delays and security alerts, and may lock the account. So a
//! peer that refused the credentials is left alone for a while (the sync interval, doubling on
//! each new refusal up to [`BACKOFF_CAP`]) instead of being tried on every sync. The wait ends
//! early when its declaration changes (a new password file applied) or when an operator asks
//! for `upstra sync`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use upstra_core::model::{Server, VCenter};
use upstra_core::traits::AdapterError;

/// The longest wait between two tries of a peer that keeps refusing the credentials: long
/// enough that a wrong password costs the peer four failed logins an hour, short enough that a
/// password fixed on the peer's side is noticed within a quarter of an hour.
pub const BACKOFF_CAP: Duration = Duration::from_secs(15 * 60);

/// What to do about a refusal of the credentials: only a new declaration helps.
pub const CREDENTIALS_FIX: &str = "fix its user or password_file in the lab file";

/// `e` as an operator should read it, `what` naming the peer as the lab file declares it
/// (`esx-01's BMC`, `the vCenter`). A refusal of the credentials is a configuration problem,
/// not a passing one, so it says what to fix and where instead of "cannot reach".
pub fn describe(what: &str, e: &AdapterError) -> String {
    match e {
        AdapterError::AuthFailed { .. } => {
            format!("{what} refused the credentials: {CREDENTIALS_FIX}")
        }
        other => other.to_string(),
    }
}

/// What was declared for a peer when it refused: a different declaration is tried at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Declared {
    /// Boxed: a server's declaration is several times a vCenter's.
    Bmc(Box<Server>),
    Vcenter(VCenter),
}

#[derive(Debug)]
struct Refusal {
    declared: Declared,
    error: AdapterError,
    /// The wait that ended (or will end) at `next_try`; the next refusal doubles it.
    wait: Duration,
    next_try: Instant,
}

/// The refusals the monitor remembers, keyed by peer.
#[derive(Debug, Default)]
pub struct Refusals {
    peers: Mutex<HashMap<String, Refusal>>,
}

impl Refusals {
    fn peers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Refusal>> {
        self.peers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The refusal to report instead of trying `peer` now, while its wait runs and its
    /// declaration is the one refused; `None` when it should be tried.
    pub fn held(&self, peer: &str, declared: &Declared, now: Instant) -> Option<AdapterError> {
        self.peers()
            .get(peer)
            .filter(|r| &r.declared == declared && now < r.next_try)
            .map(|r| r.error.clone())
    }

    /// Records the outcome of a try: a refusal of the credentials starts (or doubles) the wait,
    /// anything else forgets the peer. `first_wait` is the sync interval.
    pub fn record(
        &self,
        peer: &str,
        declared: &Declared,
        outcome: Option<&AdapterError>,
        first_wait: Duration,
        now: Instant,
    ) {
        let mut peers = self.peers();
        let Some(error @ AdapterError::AuthFailed { .. }) = outcome else {
            peers.remove(peer);
            return;
        };
        let wait = match peers.get(peer) {
            Some(r) if &r.declared == declared => r.wait.saturating_mul(2),
            _ => first_wait,
        }
        .min(BACKOFF_CAP);
        if wait > first_wait {
            tracing::warn!(
                %peer,
                next_try_s = wait.as_secs(),
                "credentials refused again; trying less often so the peer does not lock the account"
            );
        }
        peers.insert(
            peer.to_owned(),
            Refusal {
                declared: declared.clone(),
                error: error.clone(),
                wait,
                next_try: now + wait,
            },
        );
    }

    /// Forgets every wait: an operator asked to try everything now (`upstra sync`).
    pub fn clear(&self) {
        self.peers().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::lab::{KnownNames, parse};
    use upstra_core::secret::Secret;

    fn server(password: &str) -> Declared {
        let lab = "[[room]]\nname = \"lab\"\n[[ups]]\nname = \"ups-a\"\nroom = \"lab\"\n\
             nut = \"ups-a@127.0.0.1:1\"\n[[server]]\nname = \"esx-01\"\nroom = \"lab\"\n\
             feeds = [\"ups-a\"]\nbmc = { url = \"https://127.0.0.1:8443/redfish/v1/Systems/1\", user = \"admin\" }\n";
        let inv = parse(lab, &KnownNames::default())
            .expect("valid lab")
            .inventory;
        let mut server = inv.servers.into_values().next().expect("one server");
        if let Some(bmc) = server.bmc.as_mut() {
            bmc.login.password = Some(Secret::new(password));
        }
        Declared::Bmc(Box::new(server))
    }

    fn refused() -> AdapterError {
        AdapterError::AuthFailed {
            peer: "esx-01".into(),
        }
    }

    #[test]
    fn refusals_wait_the_interval_then_double_up_to_the_cap() {
        let refusals = Refusals::default();
        let declared = server("wrong");
        let interval = Duration::from_secs(60);
        let mut now = Instant::now();
        let mut waits = Vec::new();
        for _ in 0..7 {
            assert_eq!(refusals.held("esx-01", &declared, now), None, "due now");
            refusals.record("esx-01", &declared, Some(&refused()), interval, now);
            let start = now;
            while refusals.held("esx-01", &declared, now).is_some() {
                now += Duration::from_secs(1);
            }
            waits.push((now - start).as_secs());
        }
        assert_eq!(waits, [60, 120, 240, 480, 900, 900, 900]);
    }

    #[test]
    fn a_new_declaration_another_error_or_a_sync_ends_the_wait() {
        let refusals = Refusals::default();
        let declared = server("wrong");
        let now = Instant::now();
        let interval = Duration::from_secs(60);
        refusals.record("esx-01", &declared, Some(&refused()), interval, now);
        assert_eq!(
            refusals.held("esx-01", &declared, now),
            Some(refused()),
            "held"
        );
        assert_eq!(
            refusals.held("esx-01", &server("the-fixed-one"), now),
            None,
            "a new password is tried at once"
        );
        refusals.clear();
        assert_eq!(refusals.held("esx-01", &declared, now), None, "after sync");

        refusals.record("esx-01", &declared, Some(&refused()), interval, now);
        let down = AdapterError::Timeout {
            peer: "esx-01".into(),
            secs: 5,
        };
        refusals.record("esx-01", &declared, Some(&down), interval, now);
        assert_eq!(
            refusals.held("esx-01", &declared, now),
            None,
            "an unreachable peer is no credential problem"
        );
    }
}
