//! Presence: who is connected right now. A connection belongs to a user from its first
//! authenticated call until it closes; a user is present while they have one.

use std::collections::HashMap;
use std::sync::Mutex;

use upstra_core::api::v1::PresenceView;
use upstra_core::events::DomainEvent;
use upstra_core::ids::UserName;
use upstra_core::state::Timestamp;

use crate::clock;
use crate::live::EventLog;

#[derive(Debug, Clone)]
struct Seen {
    user: String,
    peer_uid: u32,
    since: Timestamp,
}

/// Connections by id, with the user each one belongs to.
#[derive(Debug, Default)]
pub struct Presence {
    connections: Mutex<HashMap<u64, Seen>>,
}

impl Presence {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Seen>> {
        self.connections
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Records that connection `id` made a call as `user`.
    pub fn seen(&self, id: u64, user: &str, peer_uid: u32, events: &EventLog) {
        let mut map = self.lock();
        if map.get(&id).is_some_and(|s| s.user == user) {
            return;
        }
        let was_present = map.values().any(|s| s.user == user);
        let previous = map.insert(
            id,
            Seen {
                user: user.to_owned(),
                peer_uid,
                since: clock::now(),
            },
        );
        let left = previous.filter(|p| !map.values().any(|s| s.user == p.user));
        drop(map);
        if let Some(p) = left.and_then(|p| UserName::new(p.user).ok()) {
            events.push(DomainEvent::UserDisconnected { user: p });
        }
        if !was_present && let Ok(user) = UserName::new(user) {
            events.push(DomainEvent::UserConnected { user });
        }
    }

    /// Records that connection `id` closed.
    pub fn closed(&self, id: u64, events: &EventLog) {
        let mut map = self.lock();
        let Some(gone) = map.remove(&id) else { return };
        let still = map.values().any(|s| s.user == gone.user);
        drop(map);
        if !still && let Ok(user) = UserName::new(gone.user) {
            events.push(DomainEvent::UserDisconnected { user });
        }
    }

    /// Who is connected, by user name.
    pub fn list(&self) -> Vec<PresenceView> {
        let map = self.lock();
        let mut by_user: HashMap<&str, PresenceView> = HashMap::new();
        for s in map.values() {
            let v = by_user.entry(&s.user).or_insert_with(|| PresenceView {
                user: s.user.clone(),
                since: s.since,
                peer_uids: Vec::new(),
                connections: 0,
            });
            v.since = v.since.min(s.since);
            v.connections += 1;
            if !v.peer_uids.contains(&s.peer_uid) {
                v.peer_uids.push(s.peer_uid);
            }
        }
        let mut out: Vec<PresenceView> = by_user.into_values().collect();
        out.sort_by(|a, b| a.user.cmp(&b.user));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn users_come_and_go_with_their_connections() {
        let (p, log) = (Presence::default(), EventLog::default());
        p.seen(1, "alice", 1000, &log);
        p.seen(2, "alice", 1000, &log);
        p.seen(3, "bob", 0, &log);
        let list = p.list();
        assert_eq!(list.len(), 2);
        assert_eq!(list[0].connections, 2);
        p.closed(1, &log);
        assert_eq!(p.list().len(), 2, "alice still has a connection");
        p.closed(2, &log);
        assert_eq!(
            p.list().iter().map(|v| v.user.as_str()).collect::<Vec<_>>(),
            ["bob"]
        );
    }
}
