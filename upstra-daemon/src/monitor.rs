//! The monitor: reads every UPS, BMC and the hypervisor on their intervals, keeps [`Live`]
//! current and turns changes into events.
//!
//! Reads run concurrently with a deadline each, so one slow or dead peer never delays the
//! others.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::future::join_all;
use tokio_util::sync::CancellationToken;
use upstra_core::events::DomainEvent;
use upstra_core::state::UpsLive;
use upstra_core::traits::{AdapterError, Bmc, Hypervisor, UpsMonitor};

use crate::clock;
use crate::shared::Shared;

/// The drivers the monitor reads through.
#[derive(Clone)]
pub struct DriverSet {
    pub ups: Arc<dyn UpsMonitor>,
    pub bmc: Arc<dyn Bmc>,
    pub hypervisor: Arc<dyn Hypervisor>,
}

/// Runs until `stop` fires.
pub async fn run(shared: Arc<Shared>, drivers: DriverSet, stop: CancellationToken) {
    let config = &shared.config;
    let mut ups_tick = tokio::time::interval(config.ups_poll_interval);
    let mut sync_tick = tokio::time::interval(config.sync_interval);
    ups_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    sync_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ups_tick.tick() => poll_ups(&shared, &drivers).await,
            _ = sync_tick.tick() => {
                poll_servers(&shared, &drivers).await;
                sync_hypervisor(&shared, &drivers).await;
            }
        }
    }
}

/// Deadline for one read.
const READ_DEADLINE: Duration = Duration::from_secs(5);

async fn within<T>(
    peer: &str,
    f: impl Future<Output = Result<T, AdapterError>>,
) -> Result<T, AdapterError> {
    tokio::time::timeout(READ_DEADLINE, f)
        .await
        .unwrap_or_else(|_| {
            Err(AdapterError::Timeout {
                peer: peer.to_owned(),
                secs: READ_DEADLINE.as_secs(),
            })
        })
}

async fn poll_ups(shared: &Shared, drivers: &DriverSet) {
    let inventory = shared.inventory();
    let reads = inventory.ups.values().map(|ups| async move {
        (
            ups.id.clone(),
            within(ups.id.as_str(), drivers.ups.read(ups)).await,
        )
    });
    for (id, result) in join_all(reads).await {
        let now = clock::now();
        let new = match result {
            Ok(reading) => UpsLive::Reading { reading, at: now },
            Err(e) => UpsLive::CommsLost {
                reason: e.to_string(),
                since: now,
            },
        };
        let old = shared
            .live
            .ups
            .write()
            .map(|mut m| m.insert(id.clone(), new.clone()))
            .unwrap_or_default();
        match (old.unwrap_or_default(), new) {
            (UpsLive::Reading { reading: a, .. }, UpsLive::Reading { reading: b, .. })
                if a.flags != b.flags =>
            {
                shared.events.push(DomainEvent::UpsStatusChanged {
                    ups: id,
                    from: a.status_line(),
                    to: b.status_line(),
                });
            }
            (UpsLive::CommsLost { .. }, UpsLive::Reading { .. }) => {
                shared
                    .events
                    .push(DomainEvent::UpsCommsRestored { ups: id });
            }
            (UpsLive::Reading { .. } | UpsLive::Unknown, UpsLive::CommsLost { reason, .. }) => {
                shared
                    .events
                    .push(DomainEvent::UpsCommsLost { ups: id, reason });
            }
            _ => {}
        }
    }
}

async fn poll_servers(shared: &Shared, drivers: &DriverSet) {
    let inventory = shared.inventory();
    let reads = inventory.servers.values().map(|s| async move {
        (
            s.id.clone(),
            within(s.id.as_str(), drivers.bmc.status(s)).await,
        )
    });
    for (id, result) in join_all(reads).await {
        let Ok(status) = result else { continue };
        let mut servers = shared
            .live
            .servers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = servers.entry(id.clone()).or_default();
        let before = entry.power;
        entry.power = status.power;
        entry.health = status.health;
        entry.watts = status.watts;
        drop(servers);
        if before != status.power {
            shared.events.push(DomainEvent::ServerPowerChanged {
                server: id,
                from: before,
                to: status.power,
            });
        }
    }
}

async fn sync_hypervisor(shared: &Shared, drivers: &DriverSet) {
    let Ok(inv) = within("hypervisor", drivers.hypervisor.inventory()).await else {
        return;
    };
    let inventory = shared.inventory();
    {
        let mut servers = shared
            .live
            .servers
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        for host in &inv.hosts {
            if let Some(server) = inventory
                .servers
                .values()
                .find(|s| s.vsphere_host.as_deref() == Some(&host.name))
            {
                let live = servers.entry(server.id.clone()).or_default();
                live.in_maintenance = Some(host.in_maintenance);
                live.connected = Some(host.connected);
            }
        }
    }
    let mut events = Vec::new();
    {
        let mut vms = shared
            .live
            .vms
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seen: std::collections::BTreeSet<_> = inv.vms.iter().map(|v| v.id.clone()).collect();
        for vm in &inv.vms {
            match vms.get(&vm.id) {
                Some(old) if old.power != vm.power => events.push(DomainEvent::VmPowerChanged {
                    vm: vm.id.clone(),
                    name: vm.name.clone(),
                    from: old.power,
                    to: vm.power,
                }),
                Some(old) if old.host != vm.host => events.push(DomainEvent::VmMoved {
                    vm: vm.id.clone(),
                    name: vm.name.clone(),
                    from: old.host.clone(),
                    to: vm.host.clone(),
                }),
                _ => {}
            }
            vms.insert(vm.id.clone(), vm.clone());
        }
        vms.retain(|id, vm| {
            let keep = seen.contains(id);
            if !keep {
                events.push(DomainEvent::VmGone {
                    vm: id.clone(),
                    name: vm.name.clone(),
                });
            }
            keep
        });
    }
    for e in events {
        shared.events.push(e);
    }
}
