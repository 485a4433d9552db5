//! The declared inventory and live state: apply, the lists, the event log. Lists show only
//! what the caller may READ.

use std::time::Duration;

use upstra_core::access::{self, Resource, Topology};
use upstra_core::api::v1::{
    ApiError, ApplyReport, EventPage, LabSpec, RoomView, ServerView, UpsView, VmView,
};
use upstra_core::diff::{self, ChangeKind};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UserName;
use upstra_core::model::{Inventory, TlsTrust, UpsSource};
use upstra_core::rbac::Permissions;

use crate::server::service::{Connection, Principal};
use crate::store::AuditEntry;

/// The longest a client may ask `events_since` to wait.
const MAX_EVENT_WAIT: Duration = Duration::from_secs(30);

fn can_read(who: &Principal, topology: &Topology, resource: &Resource) -> bool {
    access::permissions_on(&who.grants, resource, topology).contains(Permissions::READ)
}

pub async fn apply(c: &Connection, spec: LabSpec, dry_run: bool) -> Result<ApplyReport, ApiError> {
    let who = c.who()?;
    let current = c.shared.inventory();
    let desired = spec
        .into_inventory(&current)
        .map_err(|problems| ApiError::Invalid { problems })?;
    let changes = diff::diff(&current, &desired);
    let warnings = apply_warnings(&desired, c.shared.simulated).await;
    if dry_run || diff::is_noop(&changes) {
        return Ok(ApplyReport {
            dry_run,
            changes,
            warnings,
        });
    }
    let created = changes
        .iter()
        .filter(|ch| ch.kind == ChangeKind::Create)
        .count();
    let updated = changes
        .iter()
        .filter(|ch| matches!(ch.kind, ChangeKind::Update { .. }))
        .count();
    let merged = diff::merge(&current, &desired);
    let detail = serde_json::to_value(&changes).ok();
    let (actor, uid) = (who.user.clone(), c.peer_uid);
    c.shared
        .store
        .call(move |db| {
            db.save_declaration(
                &desired,
                &AuditEntry::new("apply", "ok")
                    .actor(&actor)
                    .peer_uid(uid)
                    .maybe_detail(detail.as_ref()),
            )
        })
        .await?;
    c.shared.set_inventory(merged);
    // What was just declared is read now, not at the next sync up to a minute away.
    c.shared.monitor.read_now();
    if let Ok(by) = UserName::new(who.user.clone()) {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        c.shared.events.push(DomainEvent::InventoryApplied {
            by,
            created: count(created),
            updated: count(updated),
        });
    }
    Ok(ApplyReport {
        dry_run,
        changes,
        warnings,
    })
}

pub fn list_rooms(c: &Connection) -> Result<Vec<RoomView>, ApiError> {
    let who = c.who()?;
    let (inv, topo) = (c.shared.inventory(), c.topology_for_reading());
    Ok(inv
        .rooms
        .keys()
        .filter(|room| can_read(who, &topo, &Resource::Room((*room).clone())))
        .map(|room| RoomView {
            name: room.to_string(),
            ups: inv
                .ups
                .values()
                .filter(|u| &u.room == room)
                .map(|u| u.id.to_string())
                .collect(),
            servers: inv
                .servers
                .values()
                .filter(|s| &s.room == room)
                .map(|s| s.id.to_string())
                .collect(),
        })
        .collect())
}

pub fn list_ups(c: &Connection) -> Result<Vec<UpsView>, ApiError> {
    let who = c.who()?;
    let (inv, topo) = (c.shared.inventory(), c.topology_for_reading());
    Ok(c.shared.live.ups(|live| {
        inv.ups
            .values()
            .filter(|u| can_read(who, &topo, &Resource::Ups(u.id.clone())))
            .map(|u| UpsView::new(u, &live.get(&u.id).cloned().unwrap_or_default()))
            .collect()
    }))
}

pub fn list_servers(c: &Connection) -> Result<Vec<ServerView>, ApiError> {
    let who = c.who()?;
    let (inv, topo) = (c.shared.inventory(), c.topology_for_reading());
    Ok(c.shared.live.servers(|live| {
        inv.servers
            .values()
            .filter(|s| can_read(who, &topo, &Resource::Server(s.id.clone())))
            .map(|s| ServerView::new(s, &live.get(&s.id).cloned().unwrap_or_default()))
            .collect()
    }))
}

pub fn list_vms(c: &Connection) -> Result<Vec<VmView>, ApiError> {
    let who = c.who()?;
    let (inv, topo) = (c.shared.inventory(), c.topology_for_reading());
    let hosts = crate::server::resolve::ServersByHost::new(&inv);
    let server_of = |vm: &upstra_core::model::Vm| hosts.host_of(vm).map(|s| &s.id);
    Ok(c.shared.live.vms_and_gone(|vms, gone| {
        let mut out: Vec<VmView> = vms
            .values()
            .filter(|vm| can_read(who, &topo, &Resource::Vm(vm.id.clone())))
            .map(|vm| VmView::new(vm, server_of(vm)))
            .collect();
        // VMs vCenter stopped reporting stay visible as gone, for whoever may read everything.
        if can_read(who, &topo, &Resource::All) {
            out.extend(gone.values().map(|(vm, _)| VmView {
                power: upstra_core::api::v1::VmPowerState::Gone,
                ..VmView::new(vm, server_of(vm))
            }));
        }
        out
    }))
}

/// The resource an event is about, for filtering by READ (`None`: about no single resource).
fn event_resource(event: &DomainEvent) -> Option<Resource> {
    match event {
        DomainEvent::UpsStatusChanged { ups, .. }
        | DomainEvent::UpsCommsLost { ups, .. }
        | DomainEvent::UpsCommsRestored { ups } => Some(Resource::Ups(ups.clone())),
        DomainEvent::ServerPowerChanged { server, .. } => Some(Resource::Server(server.clone())),
        DomainEvent::VmPowerChanged { vm, .. }
        | DomainEvent::VmMoved { vm, .. }
        | DomainEvent::VmGone { vm, .. } => Some(Resource::Vm(vm.clone())),
        _ => None,
    }
}

pub async fn events_since(
    c: &Connection,
    cursor: u64,
    max_wait_ms: u64,
) -> Result<EventPage, ApiError> {
    let who = c.who()?;
    let wait = Duration::from_millis(max_wait_ms).min(MAX_EVENT_WAIT);
    let page = c
        .shared
        .events
        .since(cursor, wait, &c.shared.stopping)
        .await;
    let topo = c.topology_for_reading();
    // Events about no single resource (logins, applies) are shown to whoever may read all.
    let everything = can_read(who, &topo, &Resource::All);
    let events = page
        .events
        .into_iter()
        .filter(|e| event_resource(&e.event).map_or(everything, |r| can_read(who, &topo, &r)))
        .collect();
    Ok(EventPage {
        events,
        next_cursor: page.next_cursor,
        gap: page.gap,
    })
}

/// Warnings for an apply: unpinned TLS peers, and peers that do not answer. Neither stops the
/// apply: the declaration is stored and the operator is told what needs attention.
async fn apply_warnings(desired: &Inventory, simulated: bool) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut probes: Vec<(String, String)> = Vec::new();
    for s in desired.servers.values() {
        if let Some(bmc) = &s.bmc {
            if bmc.url.is_https() && bmc.tls == TlsTrust::Unpinned {
                warnings.push(format!(
                    "server `{}`: the BMC certificate is not pinned, so Upstra will not talk to it until you add tls_fingerprint or ca_file",
                    s.id
                ));
            }
            if let Some(addr) = authority(bmc.url.as_str()) {
                probes.push((format!("server `{}` BMC", s.id), addr));
            }
        }
    }
    for u in desired.ups.values() {
        match &u.source {
            UpsSource::Nut(nut) => {
                probes.push((
                    format!("UPS `{}`", u.id),
                    format!("{}:{}", nut.host, nut.port),
                ));
            }
            // SNMP is UDP: nothing to connect to; the read that follows the apply tells.
            UpsSource::Snmp(snmp) if snmp.security.user().is_none() => warnings.push(format!(
                "UPS `{}`: SNMP {} sends its community in clear and its readings are not \
                 authenticated; prefer version = \"v3\" where the card offers it",
                u.id,
                snmp.security.version()
            )),
            UpsSource::Snmp(_) => {}
        }
    }
    if let Some(vc) = &desired.vcenter {
        if vc.url.is_https() && vc.tls == TlsTrust::Unpinned {
            warnings.push(
                "vcenter: the certificate is not pinned; add tls_fingerprint or ca_file".into(),
            );
        }
        if let Some(addr) = authority(vc.url.as_str()) {
            probes.push(("vcenter".into(), addr));
        }
    }
    if !simulated {
        let checks = probes.into_iter().map(|(what, addr)| async move {
            let connect = tokio::net::TcpStream::connect(addr.clone());
            match tokio::time::timeout(Duration::from_secs(2), connect).await {
                Ok(Ok(_)) => None,
                Ok(Err(e)) => Some(format!("{what}: cannot reach {addr} ({e}); stored anyway")),
                Err(_) => Some(format!(
                    "{what}: no answer from {addr} within 2 s; stored anyway"
                )),
            }
        });
        warnings.extend(
            futures::future::join_all(checks)
                .await
                .into_iter()
                .flatten(),
        );
    }
    warnings
}

/// `host:port` of an http(s) URL, with the scheme's default port.
fn authority(url: &str) -> Option<String> {
    let (default, rest) = if let Some(r) = url.strip_prefix("https://") {
        (443, r)
    } else {
        (80, url.strip_prefix("http://")?)
    };
    let auth = rest.split(['/', '?', '#']).next()?;
    let has_port = auth
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.chars().all(|c| c.is_ascii_digit()));
    Some(if has_port {
        auth.to_owned()
    } else {
        format!("{auth}:{default}")
    })
}
