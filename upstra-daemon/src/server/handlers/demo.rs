//! Demo only: a fake power cut on the simulated lab, so that `upstra demo` can show the
//! outage machinery end to end (grace period, shed, restore) without a real UPS. The cut only
//! changes what the simulated UPS reports; everything after it (the watch, the trigger, the
//! plan, its steps) is the daemon's real code. On the real peers there is nothing to fake:
//! the call is refused and `plan simulate` is the read-only check.

use upstra_core::api::v1::ApiError;

use crate::server::service::Connection;
use crate::store::AuditEntry;

pub async fn power_cut(c: &Connection, ups: String, cut: bool) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let Some(lab) = c.shared.drivers.simulated_lab() else {
        return Err(ApiError::Unavailable {
            message: "only the simulated lab (upstra demo) can fake a power cut; on real UPS, \
                      `upstra plan simulate UPS` checks the plan without changing anything"
                .into(),
        });
    };
    let id = c.resolved_ups(&ups)?;
    lab.set_mains(&id, !cut);
    let action = if cut {
        "demo_power_cut"
    } else {
        "demo_power_back"
    };
    c.audit(
        AuditEntry::new(action, "ok")
            .actor(&who)
            .target(format!("ups:{ups}")),
    )
    .await;
    Ok(())
}
