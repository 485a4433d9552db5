//! `ups_history`: the last hour of the UPS the caller may read, as `list_ups` shows them.

use upstra_core::access::{self, Resource};
use upstra_core::api::v1::{ApiError, UpsHistory};
use upstra_core::rbac::Permissions;

use crate::server::service::Connection;
use crate::ups_history::UPS_PER_ANSWER;

pub fn ups_history(c: &Connection) -> Result<Vec<UpsHistory>, ApiError> {
    let who = c.who()?;
    let (inv, topo) = (c.shared.inventory(), c.topology_for_reading());
    let history = &c.shared.monitor.history;
    history.retain(|id| inv.ups.contains_key(id));
    Ok(inv
        .ups
        .values()
        .filter(|u| {
            access::permissions_on(&who.grants, &Resource::Ups(u.id.clone()), &topo)
                .contains(Permissions::READ)
        })
        .take(UPS_PER_ANSWER)
        .map(|u| history.of(&u.id))
        .collect())
}
