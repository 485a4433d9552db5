//! `migrate_to` of an inbound declaration, checked again by the daemon against what it will
//! hold after the apply: the servers of the declaration over the stored ones, and the `[plan]`
//! that will be in force (the declaration's, else the stored one).

use crate::ids::ServerId;
use crate::model::Inventory;
use crate::outage::{MAX_MIGRATE_TO, NeverTarget, never_moves_vms, never_target};

/// Resolves each server's asked-for preferred targets onto `inv`, returning the problems.
pub(super) fn migrate_to(
    inv: &mut Inventory,
    asked: Vec<(ServerId, Vec<String>)>,
    existing: &Inventory,
) -> Vec<String> {
    let mut problems = Vec::new();
    let settings = inv
        .plan
        .clone()
        .or_else(|| existing.plan.clone())
        .unwrap_or_default();
    for (id, names) in asked {
        let what = format!("server `{id}`");
        if names.len() > MAX_MIGRATE_TO {
            problems.push(format!(
                "{what}: migrate_to lists {} hosts, at most {MAX_MIGRATE_TO}",
                names.len()
            ));
            continue;
        }
        let Some(source) = inv.servers.get(&id) else {
            continue;
        };
        if let Some(why) = never_moves_vms(source).filter(|_| !names.is_empty()) {
            problems.push(format!("{what}: {why}"));
            continue;
        }
        let mut targets: Vec<ServerId> = Vec::new();
        for name in names {
            let target = match ServerId::new(name) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{what}: migrate_to {e}"));
                    continue;
                }
            };
            let declared = inv
                .servers
                .get(&target)
                .or_else(|| existing.servers.get(&target));
            let problem = match declared {
                _ if targets.contains(&target) => Some("is listed twice".to_owned()),
                None => Some("is not a declared server".to_owned()),
                Some(t) => never_target(source, t, &settings).map(|why| match why {
                    NeverTarget::Itself => "is the server itself".to_owned(),
                    other => other.to_string(),
                }),
            };
            match problem {
                Some(problem) => problems.push(format!("{what}: migrate_to `{target}` {problem}")),
                None => targets.push(target),
            }
        }
        if let Some(server) = inv.servers.get_mut(&id) {
            server.migrate_to = targets;
        }
    }
    problems
}
