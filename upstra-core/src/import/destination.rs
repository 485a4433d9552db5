//! The predecessor's `destination` of a plan host becomes `migrate_to` on its source server.
//!
//! The lab file refuses a preference that no outage could honour (a destination on the same
//! UPS only, which goes down with its source), so such a destination is written as a
//! commented-out `migrate_to` with the reason, and listed for review: the imported file still
//! passes `apply --dry-run`, and the operator sees what to fix (typically the UPS feeds, which
//! a plan without the database only stands in for).

use super::map::{Builder, LServer};
use crate::ids::{RoomId, ServerId, UpsId};
use crate::model::{Server, ServerKind};
use crate::outage::{PlanSettings, never_target};

impl Builder {
    /// Records that the predecessor moved `source`'s VMs to `dest` (`origin` says where).
    pub(super) fn destination(&mut self, source: &str, dest: &str, origin: &str) {
        let why_not = {
            let find = |n: &str| {
                self.servers
                    .iter()
                    .find(|s| s.name == n)
                    .and_then(as_server)
            };
            match (find(source), find(dest)) {
                (Some(s), Some(d)) => never_target(&s, &d, &PlanSettings::default()),
                _ => None,
            }
        };
        let Some(server) = self.servers.iter_mut().find(|s| s.name == source) else {
            return;
        };
        match why_not {
            None => {
                server.notes.push(format!(
                    "The predecessor migrated its VMs to {dest} ({origin}): its preferred migration target."
                ));
                server.migrate_to.push(dest.to_owned());
            }
            Some(why) => {
                let why = format!("{dest} {why}");
                server.held_migrate_to.push((dest.to_owned(), why.clone()));
                self.unmapped.push(format!(
                    "{dest} as the preferred migration target of {source} ({origin}): left \
                     commented out at {source}, since {why}"
                ));
            }
        }
    }
}

/// The server as the lab file will declare it, for the same checks as `apply`.
fn as_server(s: &LServer) -> Option<Server> {
    Some(Server {
        id: ServerId::new(s.name.clone()).ok()?,
        room: RoomId::new(s.room.clone()).ok()?,
        kind: ServerKind::parse(s.kind)?,
        feeds: s
            .feeds
            .iter()
            .map(|f| UpsId::new(f.clone()).ok())
            .collect::<Option<_>>()?,
        feeds_required: crate::model::DEFAULT_FEEDS_REQUIRED,
        tier: s.tier,
        depends_on: Vec::new(),
        migrate_to: Vec::new(),
        vsphere_host: s.vsphere_host.clone(),
        bmc: None,
        ssh: None,
        this_host: false,
    })
}
