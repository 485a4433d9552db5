//! The SNMP trap and inform receiver (`snmp_trap_listen`). A trap never decides anything: it
//! only makes the monitor read, at once, the UPS it came from. So a forged trap costs one
//! read and cannot start a shed, and a lost trap costs only the poll interval.
//!
//! Bounded: datagrams past [`MAX_TRAP_DATAGRAM`] are dropped by the receiver; a source gets
//! at most [`TRAPS_PER_SOURCE_PER_SECOND`] reads out of turn (a flood must not keep the
//! monitor reading one UPS); a source that is no declared UPS is dropped and counted. Informs
//! are acknowledged, so a card that sends informs stops resending them.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use upstra_adapter_snmp::trap::Receiver;
use upstra_core::ids::UpsId;
use upstra_core::model::Inventory;

use crate::shared::Shared;

/// UPS traps are a few hundred bytes; 4 KiB leaves room for long community strings and
/// varbind lists while keeping a hostile sender from making the receiver buffer more.
pub const MAX_TRAP_DATAGRAM: usize = 4096;

/// Reads out of turn a source may cause per second. A real UPS sends a handful of traps on a
/// power event; five in a second is every one of them, and the poll interval still reads the
/// UPS whatever a flood does.
pub const TRAPS_PER_SOURCE_PER_SECOND: u32 = 5;

/// After a receive error (a malformed datagram, a socket error), the receiver pauses this
/// long: a hostile or broken sender then costs at most a hundred wake-ups a second.
const RECV_ERROR_PAUSE: Duration = Duration::from_millis(10);

/// What became of a notification, as `/metrics` counts it (`upstra_snmp_traps_total`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapOutcome {
    /// A power trap from a declared UPS: the monitor reads that UPS now.
    Read,
    /// From a declared UPS, but not a power trap (a self-test result, a cold start...).
    NotPower,
    /// From an address that is no declared SNMP UPS.
    UnknownSource,
    /// Past [`TRAPS_PER_SOURCE_PER_SECOND`].
    RateLimited,
    /// Delivered by the receiver but without a trap OID to judge it by. (Datagrams that do
    /// not decode at all are dropped inside the SNMP library, which counts none of them.)
    Malformed,
}

impl TrapOutcome {
    pub const ALL: [Self; 5] = [
        Self::Read,
        Self::NotPower,
        Self::UnknownSource,
        Self::RateLimited,
        Self::Malformed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::NotPower => "not_power",
            Self::UnknownSource => "unknown_source",
            Self::RateLimited => "rate_limited",
            Self::Malformed => "malformed",
        }
    }
}

/// Counts one notification; the count of that outcome before it.
fn count(shared: &Shared, outcome: TrapOutcome) -> u64 {
    shared.metrics.snmp_traps(outcome.as_str(), 1)
}

/// Binds the receiver before anything starts, so a taken port stops the daemon at once.
pub async fn bind(addr: SocketAddr) -> Result<Receiver, crate::Error> {
    Receiver::bind(addr, MAX_TRAP_DATAGRAM)
        .await
        .map_err(|e| crate::Error::SnmpTraps {
            addr,
            reason: e.to_string(),
        })
}

/// Receives until `stop` fires.
pub async fn serve(receiver: Receiver, shared: Arc<Shared>, stop: CancellationToken) {
    tracing::info!(addr = %receiver.local_addr(), "receiving SNMP traps");
    // Every outcome's series exists from the start, so a rate over it needs no first event.
    for outcome in TrapOutcome::ALL {
        shared.metrics.snmp_traps(outcome.as_str(), 0);
    }
    let mut windows: HashMap<IpAddr, (Instant, u32)> = HashMap::new();
    loop {
        let received = tokio::select! {
            () = stop.cancelled() => break,
            r = receiver.recv() => r,
        };
        let received = match received {
            Ok(r) => r,
            Err(e) => {
                tracing::debug!("SNMP trap dropped: {e}");
                // A socket that keeps failing must not spin a core; one datagram in
                // RECV_ERROR_PAUSE is plenty for traps.
                tokio::time::sleep(RECV_ERROR_PAUSE).await;
                continue;
            }
        };
        let source = received.source.ip();
        let ups = ups_at(&shared.inventory(), source);
        if ups.is_empty() {
            let n = count(&shared, TrapOutcome::UnknownSource);
            // The first, then one in a thousand: a flood must not flood the log too.
            if n.is_multiple_of(1000) {
                tracing::warn!(%source, dropped = n + 1, "SNMP trap from an address that is no declared UPS: dropped");
            }
            continue;
        }
        let Some(trap_oid) = received.trap_oid.as_deref() else {
            count(&shared, TrapOutcome::Malformed);
            continue;
        };
        if !upstra_adapter_snmp::trap::is_power_trap(trap_oid) {
            count(&shared, TrapOutcome::NotPower);
            continue;
        }
        if !within_rate(&mut windows, source, Instant::now()) {
            count(&shared, TrapOutcome::RateLimited);
            continue;
        }
        count(&shared, TrapOutcome::Read);
        tracing::info!(%source, ups = ?ups, "SNMP power trap: reading the UPS now");
        shared.monitor.read_ups_now(ups);
    }
}

/// The declared SNMP UPS whose agent is at `ip`. Agents are matched by address literal: a
/// host name in a lab file would need a DNS lookup per trap, which a flood could turn on the
/// resolver.
fn ups_at(inventory: &Inventory, ip: IpAddr) -> Vec<UpsId> {
    inventory
        .ups
        .values()
        .filter(|u| {
            u.snmp()
                .and_then(|s| s.host.parse::<IpAddr>().ok())
                .is_some_and(|host| same_ip(host, ip))
        })
        .map(|u| u.id.clone())
        .collect()
}

/// An IPv4 agent may reach a dual-stack socket as `::ffff:a.b.c.d`.
fn same_ip(declared: IpAddr, seen: IpAddr) -> bool {
    declared == seen || declared.to_canonical() == seen.to_canonical()
}

/// One-second windows per source. Only declared UPS addresses get here, so the map stays as
/// small as the lab.
fn within_rate(
    windows: &mut HashMap<IpAddr, (Instant, u32)>,
    source: IpAddr,
    now: Instant,
) -> bool {
    let (start, count) = windows.entry(source).or_insert((now, 0));
    if now.duration_since(*start) >= Duration::from_secs(1) {
        *start = now;
        *count = 0;
    }
    *count += 1;
    *count <= TRAPS_PER_SOURCE_PER_SECOND
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_gets_a_few_reads_a_second() {
        let mut w = HashMap::new();
        let ip: IpAddr = "127.0.0.1".parse().expect("ip");
        let t0 = Instant::now();
        let allowed = (0..100).filter(|_| within_rate(&mut w, ip, t0)).count();
        assert_eq!(allowed, TRAPS_PER_SOURCE_PER_SECOND as usize);
        assert!(within_rate(&mut w, ip, t0 + Duration::from_millis(1001)));
    }

    #[test]
    fn a_mapped_v4_source_matches_its_v4_declaration() {
        let declared: IpAddr = "10.0.0.5".parse().expect("ip");
        let seen: IpAddr = "::ffff:10.0.0.5".parse().expect("ip");
        assert!(same_ip(declared, seen));
        assert!(!same_ip(declared, "10.0.0.6".parse().expect("ip")));
    }
}
