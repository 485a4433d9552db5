//! The SNMP trap and inform receiver (`snmp_trap_listen`). A trap never decides anything: it
//! only makes the monitor read, at once, the UPS it came from. So a forged trap costs one
//! read and cannot start a shed, and a lost trap costs only the poll interval.
//!
//! Bounded: datagrams past [`MAX_TRAP_DATAGRAM`] are dropped by the receiver; a source gets
//! at most [`TRAPS_PER_SOURCE_PER_SECOND`] reads out of turn (a flood must not keep the
//! monitor reading one UPS); a source that is no declared UPS is dropped and counted. Informs
//! are acknowledged, so a card that sends informs stops resending them.
//!
//! SNMPv3 notifications are taken from the users declared for v3 UPS: only from the UPS's
//! address, authenticated as its user at its declared level (`authNoPriv` or `authPriv`).
//! The receiver follows applies (it rebinds when the declared v3 users change), and its own
//! engine ID and boots counter (for v3 informs) are kept in the data directory's
//! [`ENGINE_FILE`].

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use upstra_adapter_snmp::engine::AuthoritativeEngine;
use upstra_adapter_snmp::trap::{Receiver, Trap, TrapUser};
use upstra_core::ids::UpsId;
use upstra_core::model::Inventory;
use upstra_core::snmp::SnmpSecurity;

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
    /// SNMPv3, not authenticated as the user declared for the UPS at its address (unknown
    /// user, wrong key, lower security level than declared).
    Unauthenticated,
}

impl TrapOutcome {
    pub const ALL: [Self; 6] = [
        Self::Read,
        Self::NotPower,
        Self::UnknownSource,
        Self::RateLimited,
        Self::Malformed,
        Self::Unauthenticated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::NotPower => "not_power",
            Self::UnknownSource => "unknown_source",
            Self::RateLimited => "rate_limited",
            Self::Malformed => "malformed",
            Self::Unauthenticated => "unauthenticated",
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

/// How often the receiver looks whether an apply changed the declared v3 users (a pointer
/// comparison when nothing changed): an applied v3 UPS's traps are taken within this, and a
/// removed one's refused.
const USERS_CHECK: Duration = Duration::from_secs(1);

/// The receiver's SNMPv3 engine state, in the data directory.
const ENGINE_FILE: &str = "snmp-engine";

/// What woke the receiving loop.
enum Wake {
    Stop,
    Check,
    Received(Result<Trap, upstra_adapter_snmp::SnmpError>),
}

/// Receives until `stop` fires.
pub async fn serve(receiver: Receiver, shared: Arc<Shared>, stop: CancellationToken) {
    let addr = receiver.local_addr();
    tracing::info!(%addr, "receiving SNMP traps");
    // Every outcome's series exists from the start, so a rate over it needs no first event.
    for outcome in TrapOutcome::ALL {
        shared.metrics.snmp_traps(outcome.as_str(), 0);
    }
    let mut windows: HashMap<IpAddr, (Instant, u32)> = HashMap::new();
    let mut v3 = V3State::default();
    let mut receiver = Some(receiver);
    let mut check = tokio::time::interval(USERS_CHECK);
    check.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        // The check drops a pending `recv`. A trap is read and judged without waiting, so
        // only an inform whose answer is being sent at that instant can be cut short; its
        // sender sends it again, as it does for a lost answer.
        let wake = match &receiver {
            Some(r) => tokio::select! {
                () = stop.cancelled() => Wake::Stop,
                _ = check.tick() => Wake::Check,
                got = r.recv() => Wake::Received(got),
            },
            None => tokio::select! {
                () = stop.cancelled() => Wake::Stop,
                _ = check.tick() => Wake::Check,
            },
        };
        let received = match wake {
            Wake::Stop => break,
            Wake::Check => {
                v3.follow(&shared, addr, &mut receiver).await;
                continue;
            }
            Wake::Received(got) => got,
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

/// The v3 side of the receiver: the users it was bound with, and what it dropped.
#[derive(Default)]
struct V3State {
    /// The inventory last looked at, to skip the work when no apply happened.
    seen: Option<Arc<Inventory>>,
    users: Vec<TrapUser>,
    /// Made when a first v3 user is declared, then kept: its clock must go on.
    engine: Option<AuthoritativeEngine>,
    /// The receiver's drop counts already added to the metrics.
    dropped: (u64, u64),
}

impl V3State {
    /// Rebinds the receiver when the declared v3 users changed, and counts what it dropped.
    /// A rebind closes the socket for an instant; a trap lost then costs a poll interval.
    async fn follow(&mut self, shared: &Shared, addr: SocketAddr, receiver: &mut Option<Receiver>) {
        if let Some(r) = receiver.as_ref() {
            let (unknown, unauthenticated) = r.v3_dropped();
            shared.metrics.snmp_traps(
                TrapOutcome::UnknownSource.as_str(),
                unknown.saturating_sub(self.dropped.0),
            );
            let before = shared.metrics.snmp_traps(
                TrapOutcome::Unauthenticated.as_str(),
                unauthenticated.saturating_sub(self.dropped.1),
            );
            if unauthenticated > self.dropped.1 && before == 0 {
                tracing::warn!(
                    "SNMP v3 trap not authenticated as the declared user of its UPS: dropped (counted in /metrics)"
                );
            }
            self.dropped = (unknown, unauthenticated);
        }
        let inventory = shared.inventory();
        let unchanged = self
            .seen
            .as_ref()
            .is_some_and(|s| Arc::ptr_eq(s, &inventory));
        if unchanged && receiver.is_some() {
            return;
        }
        self.seen = Some(inventory.clone());
        let users = v3_users(&inventory);
        if users == self.users && receiver.is_some() {
            return;
        }
        if !users.is_empty() && self.engine.is_none() {
            let file = shared.config.data_dir.join(ENGINE_FILE);
            match upstra_adapter_snmp::engine::load_or_install(&file) {
                Ok(engine) => self.engine = Some(engine),
                Err(e) => {
                    tracing::error!(error = %e, "SNMP v3 traps cannot be received: v3 UPS are read at the poll interval only");
                }
            }
        }
        // The old socket is closed before the new one takes its address.
        *receiver = None;
        let bound = match &self.engine {
            Some(engine) => {
                Receiver::bind_with_users(addr, MAX_TRAP_DATAGRAM, &users, engine).await
            }
            None => Receiver::bind(addr, MAX_TRAP_DATAGRAM)
                .await
                .map(|r| (r, Vec::new())),
        };
        match bound {
            Ok((r, warnings)) => {
                for w in warnings {
                    tracing::warn!("{w}");
                }
                tracing::info!(%addr, v3_users = users.len(), "SNMP trap receiver follows the lab's v3 users");
                *receiver = Some(r);
                self.users = users;
                self.dropped = (0, 0);
            }
            // Tried again at the next check.
            Err(e) => tracing::error!(%addr, error = %e, "SNMP trap receiver cannot bind again"),
        }
    }
}

/// The v3 users declared for SNMP UPS whose agent address is a literal and whose secrets
/// were read.
fn v3_users(inventory: &Inventory) -> Vec<TrapUser> {
    let mut users: Vec<TrapUser> = inventory
        .ups
        .values()
        .filter_map(|u| {
            let endpoint = u.snmp()?;
            let SnmpSecurity::V3(usm) = &endpoint.security else {
                return None;
            };
            let source = endpoint.host.parse::<IpAddr>().ok()?;
            let secrets_read = usm.auth_password.is_some()
                && (usm.privacy.is_none() || usm.priv_password.is_some());
            secrets_read.then(|| TrapUser {
                source,
                usm: usm.clone(),
            })
        })
        .collect();
    users.sort_by(|a, b| (a.source, &a.usm.user).cmp(&(b.source, &b.usm.user)));
    users
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
