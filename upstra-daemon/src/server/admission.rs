//! Which connections the daemon keeps: a cap, a share kept for root, and who is shed first.
//!
//! Every accepted connection registers here and gets a [`Peer`]. Connections from uid 0 are
//! always admitted and never shed, so the operator can look at a daemon under attack. The
//! others share `max_connections - ROOT_RESERVE` places. When those are taken, or when the
//! process runs out of descriptors, a connection that has not shown a valid session is closed
//! to make room: one of the Unix user holding the most such connections, oldest first, so a
//! flood from one user sheds its own connections before anyone else's. Authenticated
//! connections are never shed by newcomers: a newcomer finding no one to shed is refused.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

/// Places of the cap kept for root's connections: the non-root ones never take them. A few
/// consoles and scripts of the operator fit.
pub const ROOT_RESERVE: usize = 16;

/// One registered connection.
pub struct Peer {
    pub id: u64,
    pub uid: u32,
    /// Set once a request on the connection carried a valid session.
    pub authenticated: Arc<AtomicBool>,
    /// Fired to close the connection when it is shed.
    pub shed: CancellationToken,
    /// Fired by the connection's task once it has closed its socket.
    pub closed: CancellationToken,
}

impl Peer {
    fn sheddable(&self) -> bool {
        self.uid != 0 && !self.authenticated.load(Ordering::Relaxed)
    }
}

/// The registry of open connections.
pub struct Admission {
    /// Places for non-root connections.
    places: usize,
    peers: Mutex<HashMap<u64, Arc<Peer>>>,
}

/// The answer to a new connection.
pub enum Verdict {
    /// Admitted; `shed` names a connection closed to make room.
    Admitted(Arc<Peer>),
    /// No room and no one to shed.
    Refused,
}

impl Admission {
    pub fn new(max_connections: usize) -> Self {
        Self {
            places: max_connections.saturating_sub(ROOT_RESERVE).max(1),
            peers: Mutex::new(HashMap::new()),
        }
    }

    /// Admits a connection from `uid`, shedding another when the places are all taken.
    pub fn admit(&self, id: u64, uid: u32) -> Verdict {
        let mut peers = self
            .peers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if uid != 0 {
            let taken = peers.values().filter(|p| p.uid != 0).count();
            if taken >= self.places {
                match pick_victim(&peers) {
                    Some(victim) => {
                        tracing::debug!(
                            shed_uid = victim.uid,
                            "connection cap reached: closing a connection without a session"
                        );
                        victim.shed.cancel();
                        peers.remove(&victim.id);
                    }
                    None => return Verdict::Refused,
                }
            }
        }
        let peer = Arc::new(Peer {
            id,
            uid,
            authenticated: Arc::new(AtomicBool::new(false)),
            shed: CancellationToken::new(),
            closed: CancellationToken::new(),
        });
        peers.insert(id, peer.clone());
        Verdict::Admitted(peer)
    }

    /// Sheds one connection to free its descriptor; returns its `closed` token to wait on, or
    /// `None` when every connection is root's or authenticated.
    pub fn shed_one(&self) -> Option<CancellationToken> {
        let mut peers = self
            .peers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let victim = pick_victim(&peers)?;
        victim.shed.cancel();
        peers.remove(&victim.id);
        Some(victim.closed.clone())
    }

    /// Forgets a connection that has closed.
    pub fn remove(&self, id: u64) {
        self.peers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .remove(&id);
    }

    /// Connections registered now.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.peers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .len()
    }
}

/// The oldest unauthenticated non-root connection of the uid holding the most of them.
fn pick_victim(peers: &HashMap<u64, Arc<Peer>>) -> Option<Arc<Peer>> {
    let mut per_uid: HashMap<u32, usize> = HashMap::new();
    for peer in peers.values().filter(|p| p.sheddable()) {
        *per_uid.entry(peer.uid).or_default() += 1;
    }
    let (&uid, _) = per_uid
        .iter()
        .max_by_key(|(uid, n)| (**n, std::cmp::Reverse(**uid)))?;
    peers
        .values()
        .filter(|p| p.uid == uid && p.sheddable())
        .min_by_key(|p| p.id)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admitted(v: Verdict) -> Arc<Peer> {
        match v {
            Verdict::Admitted(p) => p,
            Verdict::Refused => panic!("refused"),
        }
    }

    #[test]
    fn a_full_cap_sheds_the_busiest_users_oldest_anonymous_connection() {
        let admission = Admission::new(ROOT_RESERVE + 4);
        let honest = admitted(admission.admit(1, 1000));
        let flood: Vec<_> = (2..5)
            .map(|id| admitted(admission.admit(id, 2000)))
            .collect();
        let newcomer = admitted(admission.admit(5, 2000));
        assert!(
            flood[0].shed.is_cancelled(),
            "the flooder's oldest goes first"
        );
        assert!(!honest.shed.is_cancelled());
        assert!(!newcomer.shed.is_cancelled());
        assert_eq!(admission.len(), 4);
    }

    #[test]
    fn authenticated_and_root_connections_are_never_shed() {
        let admission = Admission::new(ROOT_RESERVE + 2);
        for id in 1..=2 {
            admitted(admission.admit(id, 1000))
                .authenticated
                .store(true, Ordering::Relaxed);
        }
        assert!(matches!(admission.admit(3, 2000), Verdict::Refused));
        assert!(admission.shed_one().is_none());
        // Root gets through past the cap, and is not a candidate for shedding.
        let roots: Vec<_> = (10..40)
            .map(|id| admitted(admission.admit(id, 0)))
            .collect();
        assert!(admission.shed_one().is_none());
        assert!(roots.iter().all(|r| !r.shed.is_cancelled()));
        admission.remove(1);
        assert!(matches!(admission.admit(4, 2000), Verdict::Admitted(_)));
    }
}
