//! Operating the lab: sync, power, migration and TLS pinning. Each action goes through the
//! drivers, waits for the peer to reach the target state within `action_timeout`, updates the
//! live state, and is audited with the state before and after.

use std::time::{Duration, Instant};

use upstra_core::api::v1::{
    ActionReport, ApiError, ServerPowerAction, SyncReport, TlsPeer, VmPowerRequest,
};
use upstra_core::model::{CertFingerprint, HttpUrl, Server, TlsTrust, Vm};
use upstra_core::state::PowerState;
use upstra_core::traits::{AdapterError, Hypervisor, ResetType, VmPowerAction};

use crate::server::service::Connection;
use crate::store::AuditEntry;
use crate::store::audit_detail::{ServerPowered, TlsFingerprint, VmMigrated, VmPowered};
use crate::{monitor, refusals};

/// The vCenter, in a sentence.
const VCENTER: &str = "the vCenter";
/// How often a power wait polls the BMC.
const POLL: Duration = Duration::from_millis(500);

/// A peer's failure, as the operator should read it; `what` names the peer in a sentence.
fn peer_error(what: &str, e: AdapterError) -> ApiError {
    match e {
        AdapterError::NotFound { .. } => ApiError::NotFound {
            what: e.to_string(),
        },
        AdapterError::Unsupported { .. } => ApiError::invalid(e.to_string()),
        AdapterError::AuthFailed { .. } => ApiError::Misconfigured {
            message: refusals::describe(what, &e),
        },
        other => ApiError::Unavailable {
            message: other.to_string(),
        },
    }
}

fn elapsed_ms(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

pub async fn sync(c: &Connection) -> Result<SyncReport, ApiError> {
    let who = c.who()?.user.clone();
    let (ups_read, mut problems) = monitor::read_all_ups(&c.shared).await;
    let mut report = monitor::sync_peers(&c.shared, monitor::Retry::Everything).await;
    report.ups_read = ups_read;
    problems.append(&mut report.problems);
    report.problems = problems;
    c.audit(
        AuditEntry::new(
            "sync",
            if report.problems.is_empty() {
                "ok"
            } else {
                "partial"
            },
        )
        .actor(&who),
    )
    .await;
    Ok(report)
}

/// Polls the BMC until the server's power is `target` (or, with `away`, anything but it).
/// Returns that power and when the read that found it began.
async fn wait_power(
    c: &Connection,
    server: &Server,
    target: PowerState,
    away: bool,
    deadline: Instant,
) -> Result<(PowerState, Instant), ApiError> {
    let mut last = PowerState::Unknown;
    loop {
        let began = Instant::now();
        match c.shared.drivers.bmc.status(server).await {
            Ok(status) => {
                last = status.power;
                if (status.power == target) != away {
                    return Ok((status.power, began));
                }
            }
            Err(e) => {
                tracing::debug!(server = %server.id, error = %e, "status read failed while waiting")
            }
        }
        if Instant::now() >= deadline {
            let want = if away {
                format!("leave {target}")
            } else {
                format!("reach {target}")
            };
            return Err(ApiError::Unavailable {
                message: format!(
                    "server `{}` did not {want} within {} s (last seen: {last})",
                    server.id,
                    c.shared.settings.get().action_timeout.as_secs()
                ),
            });
        }
        tokio::time::sleep(POLL).await;
    }
}

pub async fn server_power(
    c: &Connection,
    name: String,
    action: ServerPowerAction,
) -> Result<ActionReport, ApiError> {
    let who = c.who()?.user.clone();
    let server = &c.resolved_server(&name)?;
    let id = server.id.clone();
    if !c.shared.simulated && server.bmc.is_none() {
        return Err(ApiError::invalid(format!(
            "server `{name}` has no BMC declared: add `bmc = {{ url = ..., user = ... }}` to the lab file"
        )));
    }
    let (reset, target) = match action {
        ServerPowerAction::On => (ResetType::On, PowerState::On),
        ServerPowerAction::Off => (ResetType::ForceOff, PowerState::Off),
        ServerPowerAction::Shutdown => (ResetType::GracefulShutdown, PowerState::Off),
        ServerPowerAction::Cycle => (ResetType::GracefulRestart, PowerState::On),
    };
    let before = c
        .shared
        .live
        .servers(|m| m.get(&id).map(|s| s.power))
        .unwrap_or_default();
    let started = Instant::now();
    let deadline = started + c.shared.settings.get().action_timeout;
    let outcome = async {
        c.shared
            .drivers
            .bmc
            .reset(server, reset)
            .await
            .map_err(|e| peer_error(&format!("{}'s BMC", server.id), e))?;
        if action == ServerPowerAction::Cycle {
            // A restart first leaves On; waiting for On straight away could see the old state.
            let _ = wait_power(
                c,
                server,
                PowerState::On,
                true,
                started + Duration::from_secs(30).min(c.shared.settings.get().action_timeout),
            )
            .await;
        }
        wait_power(c, server, target, false, deadline).await
    }
    .await;
    let result = if outcome.is_ok() { "ok" } else { "failed" };
    let detail = ServerPowered {
        action: action.as_str(),
        before: before.to_string(),
        after: outcome
            .as_ref()
            .map_or("unknown".into(), |(power, _)| power.to_string()),
    };
    c.audit(
        AuditEntry::new("server_power", result)
            .actor(&who)
            .target(format!("server:{id}"))
            .detail(&detail),
    )
    .await;
    let (after, read_began) = outcome?;
    c.shared
        .live
        .record_power(&id, after, read_began, &c.shared.events);
    Ok(ActionReport {
        target: format!("server:{id}"),
        action: action.as_str().into(),
        state: after.to_string(),
        took_ms: elapsed_ms(started),
    })
}

/// The hypervisor, or why there is none.
fn hypervisor(c: &Connection) -> Result<std::sync::Arc<dyn Hypervisor>, ApiError> {
    c.shared
        .drivers
        .hypervisor(&c.shared.inventory())
        .map_err(|message| ApiError::Unavailable { message })?
        .ok_or_else(|| {
            ApiError::invalid("no vCenter is declared: add a [vcenter] section to the lab file")
        })
}

/// Reads the hypervisor again so the lists show the result, and returns the VM as it is now.
async fn refresh_vm(c: &Connection, hv: &dyn Hypervisor, vm: &Vm) -> Result<Vm, ApiError> {
    let inv = hv.inventory().await.map_err(|e| peer_error(VCENTER, e))?;
    let now = inv.vms.iter().find(|v| v.id == vm.id).cloned();
    c.shared
        .live
        .apply_hypervisor(&c.shared.inventory(), inv, &c.shared.events);
    now.ok_or_else(|| ApiError::NotFound {
        what: format!("VM `{}` after the action", vm.name),
    })
}

pub async fn vm_power(
    c: &Connection,
    name: String,
    action: VmPowerRequest,
) -> Result<ActionReport, ApiError> {
    let who = c.who()?.user.clone();
    let vm = c.resolved_vm(&name)?;
    let hv = hypervisor(c)?;
    let started = Instant::now();
    let request = match action {
        VmPowerRequest::On => VmPowerAction::On,
        VmPowerRequest::Off => VmPowerAction::Off,
        VmPowerRequest::Shutdown => VmPowerAction::ShutdownGuest,
    };
    let outcome = match tokio::time::timeout(
        c.shared.settings.get().action_timeout,
        hv.vm_power(&vm, request),
    )
    .await
    {
        Ok(r) => r.map_err(|e| peer_error(VCENTER, e)),
        Err(_) => Err(ApiError::Unavailable {
            message: format!(
                "VM `{}` did not finish `{}` in time",
                vm.name,
                action.as_str()
            ),
        }),
    };
    let result = if outcome.is_ok() { "ok" } else { "failed" };
    // The target names the VM as everything else does (plan steps, reports, the console);
    // its vCenter id stays in the detail, for whoever must find it in vCenter.
    let detail = VmPowered {
        action: action.as_str(),
        before: vm.power.as_str(),
        vm_id: vm.id.to_string(),
    };
    c.audit(
        AuditEntry::new("vm_power", result)
            .actor(&who)
            .target(format!("vm:{}", vm.name))
            .detail(&detail),
    )
    .await;
    outcome?;
    let now = refresh_vm(c, hv.as_ref(), &vm).await?;
    Ok(ActionReport {
        target: format!("vm:{}", vm.name),
        action: action.as_str().into(),
        state: now.power.as_str().into(),
        took_ms: elapsed_ms(started),
    })
}

pub async fn vm_migrate(
    c: &Connection,
    name: String,
    to: String,
) -> Result<ActionReport, ApiError> {
    let who = c.who()?.user.clone();
    let vm = c.resolved_vm(&name)?;
    // The destination is the declared server the guard resolved `to` to (by its name or its
    // vSphere host name) and checked the permission on: never the raw name.
    let destination = c.resolved_server(&to)?;
    let host = destination.vsphere_host.clone().ok_or_else(|| {
        ApiError::invalid(format!(
            "server `{}` has no vsphere_host in the lab file, so no VM can move to it",
            destination.id
        ))
    })?;
    let hv = hypervisor(c)?;
    let started = Instant::now();
    let outcome = match tokio::time::timeout(
        c.shared.settings.get().action_timeout,
        hv.migrate(&vm, &host),
    )
    .await
    {
        Ok(r) => r.map_err(|e| peer_error(VCENTER, e)),
        Err(_) => Err(ApiError::Unavailable {
            message: format!("moving VM `{}` to {host} did not finish in time", vm.name),
        }),
    };
    let result = if outcome.is_ok() { "ok" } else { "failed" };
    // Hosts by the names of the servers the lab declares for them, like the rest of the
    // history; the vSphere host names stay alongside.
    let source = vm.host.as_deref().map(|h| {
        c.shared
            .inventory()
            .servers
            .values()
            .find(|s| s.vsphere_host.as_deref() == Some(h))
            .map_or_else(|| h.to_owned(), |s| s.id.to_string())
    });
    let detail = VmMigrated {
        from: source.as_deref().unwrap_or("unknown"),
        to: destination.id.to_string(),
        from_host: vm.host.as_deref().unwrap_or("unknown"),
        to_host: &host,
        vm_id: vm.id.to_string(),
    };
    c.audit(
        AuditEntry::new("vm_migrate", result)
            .actor(&who)
            .target(format!("vm:{}", vm.name))
            .detail(&detail),
    )
    .await;
    outcome?;
    let now = refresh_vm(c, hv.as_ref(), &vm).await?;
    let state = format!(
        "{} on {}",
        now.power.as_str(),
        now.host.as_deref().unwrap_or("unknown host")
    );
    Ok(ActionReport {
        target: format!("vm:{}", vm.name),
        action: "migrate".into(),
        state,
        took_ms: elapsed_ms(started),
    })
}

/// The URL of a TLS peer, which must be https.
fn peer_url(c: &Connection, peer: &TlsPeer) -> Result<HttpUrl, ApiError> {
    let inventory = c.shared.inventory();
    let url = match peer {
        TlsPeer::Vcenter => inventory
            .vcenter
            .as_ref()
            .map(|v| v.url.clone())
            .ok_or_else(|| ApiError::invalid("no vCenter is declared"))?,
        TlsPeer::Bmc(name) => c
            .resolved_server(name)?
            .bmc
            .map(|b| b.url)
            .ok_or_else(|| ApiError::invalid(format!("server `{name}` has no BMC declared")))?,
    };
    if !url.is_https() {
        return Err(ApiError::invalid(format!(
            "{url} is plain http: there is no certificate to pin"
        )));
    }
    Ok(url)
}

pub async fn tls_fingerprint(c: &Connection, peer: TlsPeer) -> Result<String, ApiError> {
    let who = c.who()?.user.clone();
    let url = peer_url(c, &peer)?;
    let fp = upstra_adapter_tls::fetch_fingerprint(&url, Duration::from_secs(10))
        .await
        .map_err(|e| ApiError::Unavailable {
            message: e.to_string(),
        })?;
    c.audit(
        AuditEntry::new("tls_fingerprint", "ok")
            .actor(&who)
            .target(url.as_str())
            .detail(&TlsFingerprint {
                fingerprint: fp.to_string(),
            }),
    )
    .await;
    Ok(fp.to_string())
}

pub async fn tls_pin(c: &Connection, peer: TlsPeer, fingerprint: String) -> Result<(), ApiError> {
    let who = c.who()?.user.clone();
    let fp = CertFingerprint::parse(&fingerprint).map_err(|e| ApiError::invalid(e.to_string()))?;
    peer_url(c, &peer)?;
    let mut inventory = (*c.shared.inventory()).clone();
    let (target, servers, vcenter) = match &peer {
        TlsPeer::Vcenter => {
            let vc = inventory
                .vcenter
                .as_mut()
                .ok_or_else(|| ApiError::invalid("no vCenter is declared"))?;
            vc.tls = TlsTrust::Fingerprint(fp.clone());
            ("vcenter".to_owned(), Vec::new(), Some(vc.clone()))
        }
        TlsPeer::Bmc(name) => {
            let id = c.resolved_server(name)?.id;
            let server = inventory
                .servers
                .get_mut(&id)
                .ok_or_else(|| ApiError::NotFound {
                    what: format!("server `{name}`"),
                })?;
            if let Some(bmc) = server.bmc.as_mut() {
                bmc.tls = TlsTrust::Fingerprint(fp.clone());
            }
            (format!("server:{id}"), vec![server.clone()], None)
        }
    };
    let detail = TlsFingerprint {
        fingerprint: fp.to_string(),
    };
    let (actor, uid, t) = (who.clone(), c.peer_uid, target.clone());
    c.shared
        .store
        .call(move |db| {
            db.save_inventory(
                &[],
                &[],
                &servers.iter().collect::<Vec<_>>(),
                vcenter.as_ref(),
                &AuditEntry::new("tls_pin", "ok")
                    .actor(&actor)
                    .peer_uid(uid)
                    .target(&t)
                    .detail(&detail),
            )
        })
        .await?;
    c.shared.set_inventory(inventory);
    Ok(())
}
