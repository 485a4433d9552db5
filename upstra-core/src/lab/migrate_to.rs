//! `migrate_to = ["esx-03", ...]` on a `[[server]]`: the hypervisors its VMs go to first when
//! it is shed, most wanted first.
//!
//! Checked once every server is read, since it names other servers. Everything that makes a
//! preference impossible to honour is an error with its line rather than a warning: a warning
//! scrolls past at `apply`, and the operator learns in the middle of an outage that the VMs
//! went elsewhere. What only an outage can tell (a target disconnected, full, or shed by that
//! particular outage) is said by the plan instead.

use toml::Spanned;

use super::{Checker, KnownNames};
use crate::ids::ServerId;
use crate::model::Inventory;
use crate::outage::{MAX_MIGRATE_TO, NeverTarget, never_moves_vms, never_target};

impl Checker<'_> {
    /// Resolves and checks each server's `migrate_to`, storing the valid names on it. A
    /// target declared only in the store (not in this file) is checked by name alone here;
    /// the daemon checks the rest against what it stores.
    pub(super) fn migrate_to(
        &mut self,
        inventory: &mut Inventory,
        preferences: Vec<(ServerId, Spanned<Vec<Spanned<String>>>)>,
        known: &KnownNames,
    ) {
        let settings = inventory.plan.clone();
        for (id, listed) in preferences {
            let span = listed.span();
            let listed = listed.into_inner();
            if listed.len() > MAX_MIGRATE_TO {
                self.error(
                    span.clone(),
                    format!(
                        "server `{id}`: migrate_to lists {} hosts, at most {MAX_MIGRATE_TO}: \
                         past the first few, the planner's own choice does the same",
                        listed.len()
                    ),
                );
                continue;
            }
            let Some(source) = inventory.servers.get(&id) else {
                continue;
            };
            let plan = settings.clone().unwrap_or_default();
            if let Some(why) = never_moves_vms(source) {
                self.error(span, format!("server `{id}`: {why}"));
                continue;
            }
            let mut targets: Vec<ServerId> = Vec::new();
            for name in listed {
                let nspan = name.span();
                let Some(target) = self.ok(nspan.clone(), ServerId::new(name.into_inner())) else {
                    continue;
                };
                let problem = match inventory.servers.get(&target) {
                    _ if targets.contains(&target) => {
                        Some(format!("migrate_to `{target}` is listed twice"))
                    }
                    Some(declared) => match never_target(source, declared, &plan) {
                        // Whether hosts without UPS may take VMs is a [plan] setting: without
                        // [plan] in this file, the stored one applies, which the daemon checks.
                        Some(NeverTarget::NoManagedUps) if settings.is_none() => None,
                        Some(NeverTarget::Itself) => Some(NeverTarget::Itself.to_string()),
                        Some(why) => Some(format!("migrate_to `{target}` {why}")),
                        None => None,
                    },
                    None if known.servers.contains(&target) => None,
                    None => Some(format!(
                        "migrate_to `{target}` is not a declared server: name a hypervisor of this lab"
                    )),
                };
                match problem {
                    Some(message) => self.error(nspan, format!("server `{id}`: {message}")),
                    None => targets.push(target),
                }
            }
            if let Some(server) = inventory.servers.get_mut(&id) {
                server.migrate_to = targets;
            }
        }
    }
}
