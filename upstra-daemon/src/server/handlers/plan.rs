//! The outage plans: show, simulate, run, cancel, restore, status. Each needs PLAN on
//! everything (checked by the guard); the conductor audits what it starts and stops.

use upstra_core::api::v1::{
    ApiError, PlanRunRequest, PlanStatus, PlanView, RunView, SimulationReport,
};

use crate::outage::{self, Actor};
use crate::server::service::Connection;
use crate::store::AuditEntry;

fn actor(c: &Connection) -> Result<Actor, ApiError> {
    Ok(Actor {
        user: c.who()?.user.clone(),
        peer_uid: c.peer_uid,
    })
}

pub async fn show(c: &Connection, ups: Option<String>) -> Result<PlanView, ApiError> {
    c.who()?;
    let ups = match ups {
        Some(name) => Some(c.resolved_ups(&name)?.to_string()),
        None => None,
    };
    c.shared.outage.show(ups).await
}

pub async fn simulate(c: &Connection, ups: String) -> Result<SimulationReport, ApiError> {
    let who = c.who()?.user.clone();
    let ups = c.resolved_ups(&ups)?.to_string();
    let report = outage::simulate(&c.shared, &ups).await;
    let result = match &report {
        Ok(r) if r.checks.iter().all(|check| check.ok) => "ok",
        Ok(_) => "problems",
        Err(_) => "failed",
    };
    c.audit(
        AuditEntry::new("plan_simulate", result)
            .actor(&who)
            .target(format!("ups:{ups}")),
    )
    .await;
    report
}

pub async fn run(c: &Connection, req: PlanRunRequest) -> Result<RunView, ApiError> {
    let ups = c.resolved_ups(&req.ups)?.to_string();
    c.shared
        .outage
        .run(ups, req.auto_restore, req.include_this_host, actor(c)?)
        .await
}

pub async fn cancel(c: &Connection) -> Result<RunView, ApiError> {
    c.shared.outage.cancel(actor(c)?).await
}

pub async fn restore(c: &Connection) -> Result<RunView, ApiError> {
    c.shared.outage.restore(actor(c)?).await
}

pub async fn status(c: &Connection) -> Result<PlanStatus, ApiError> {
    c.who()?;
    c.shared.outage.status().await
}
