//! Which notifications mean "this UPS's power changed: read it now". A trap never decides
//! anything by itself (anyone can send one); it only brings the next poll forward.

use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_snmp::notification::{NotificationAcceptance, NotificationEnvelope};
use async_snmp::{AuthoritativeEngine, SecurityLevel, UsmUser, Version};
use upstra_core::snmp::SnmpUsm;

/// RFC 1628 `upsTrapOnBattery` and `upsTrapAlarmEntryAdded` (v2 notification OIDs).
const IETF: [&str; 2] = ["1.3.6.1.2.1.33.2.1", "1.3.6.1.2.1.33.2.3"];
/// PowerNet-MIB enterprise 318 traps, as SNMPv2 OIDs `enterprise.0.specific`: upsOnBattery
/// (5), lowBattery (7), powerRestored (9), returnFromLowBattery (11).
const APC_ENTERPRISE: &str = "1.3.6.1.4.1.318";
const APC_SPECIFIC: [u32; 4] = [5, 7, 9, 11];
/// XUPS-MIB `xupsTrapDefined` (1.3.6.1.4.1.534.1.11.4.1) traps: xupsOnBattery (3),
/// xupsLowBattery (4), xupsUtilityPowerRestored (5).
const EATON_ENTERPRISE: &str = "1.3.6.1.4.1.534.1.11.4.1";
const EATON_SPECIFIC: [u32; 3] = [3, 4, 5];

/// Whether a notification with this trap OID (SNMPv2 form, dotted) is one of the UPS power
/// traps the daemon reacts to. SNMPv1 traps are given in their v2 form (RFC 3584:
/// `enterprise.0.specific`).
pub fn is_power_trap(trap_oid: &str) -> bool {
    if IETF.contains(&trap_oid) {
        return true;
    }
    let specific = |enterprise: &str, codes: &[u32]| {
        trap_oid
            .strip_prefix(enterprise)
            .and_then(|rest| rest.strip_prefix(".0."))
            .and_then(|n| n.parse::<u32>().ok())
            .is_some_and(|n| codes.contains(&n))
    };
    specific(APC_ENTERPRISE, &APC_SPECIFIC) || specific(EATON_ENTERPRISE, &EATON_SPECIFIC)
}

/// One notification received: where from, and its trap OID (SNMPv2 form, dotted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trap {
    pub source: std::net::SocketAddr,
    pub trap_oid: Option<String>,
}

/// A v3 user the receiver authenticates notifications with, and the address of the agent
/// it is declared for: a v3 notification is taken only from that address, as that user, at
/// the declared security level or above.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapUser {
    pub source: IpAddr,
    pub usm: SnmpUsm,
}

/// v3 notifications the receiver dropped, since it was bound.
#[derive(Debug, Default)]
struct Rejections {
    /// Authenticated, but from an address no v3 UPS is declared at.
    unknown_source: AtomicU64,
    /// From a declared address, but not as its user or below its security level.
    wrong_user: AtomicU64,
}

/// A UDP trap and inform receiver (v1, v2c, and v3 for the users it is bound with; informs
/// are acknowledged). The v1/v2c community is not checked: a trap only brings a poll
/// forward, so what matters is the source address, which the caller matches against the
/// declared agents. A v3 notification is checked here, before an inform is acknowledged.
pub struct Receiver {
    inner: async_snmp::notification::NotificationReceiver,
    rejected: Arc<Rejections>,
}

impl Receiver {
    /// Binds `addr` for v1 and v2c; datagrams past `max_datagram` bytes are dropped unread.
    pub async fn bind(addr: SocketAddr, max_datagram: usize) -> Result<Self, crate::SnmpError> {
        async_snmp::notification::NotificationReceiver::builder()
            .bind(addr.to_string())
            .max_message_size(max_datagram)
            .build()
            .await
            .map(|inner| Self {
                inner,
                rejected: Arc::default(),
            })
            .map_err(crate::SnmpError::from)
    }

    /// Binds `addr` for v1, v2c and v3 `users`, with the receiver's own `engine` (for
    /// informs). Also returns what an operator should know: a user name declared with two
    /// sets of keys can be checked with one only (the first declared), so the other UPS's
    /// v3 traps are dropped as unauthenticated; its polls are not affected.
    pub async fn bind_with_users(
        addr: SocketAddr,
        max_datagram: usize,
        users: &[TrapUser],
        engine: &AuthoritativeEngine,
    ) -> Result<(Self, Vec<String>), crate::SnmpError> {
        if users.is_empty() {
            return Ok((Self::bind(addr, max_datagram).await?, Vec::new()));
        }
        let mut warnings = Vec::new();
        let mut by_name: BTreeMap<&str, &SnmpUsm> = BTreeMap::new();
        for u in users {
            match by_name.get(u.usm.user.as_str()) {
                Some(first) if **first != u.usm => warnings.push(format!(
                    "SNMP v3 user `{}` is declared with different keys for the agent at {}: \
                     traps are checked with the first declaration's keys only, so that agent's \
                     v3 traps will be dropped (its polls are not affected); give it a user of \
                     its own",
                    upstra_core::text::escape(&u.usm.user),
                    u.source
                )),
                Some(_) => {}
                None => {
                    by_name.insert(&u.usm.user, &u.usm);
                }
            }
        }
        let rejected = Arc::new(Rejections::default());
        let declared: Vec<(IpAddr, Vec<u8>, SecurityLevel)> = users
            .iter()
            .map(|u| {
                let level = if u.usm.privacy.is_some() {
                    SecurityLevel::AuthPriv
                } else {
                    SecurityLevel::AuthNoPriv
                };
                (
                    u.source.to_canonical(),
                    u.usm.user.clone().into_bytes(),
                    level,
                )
            })
            .collect();
        let policy = {
            let rejected = rejected.clone();
            move |n: &NotificationEnvelope<'_>| {
                if n.version != Version::V3 {
                    return NotificationAcceptance::Accept;
                }
                let source = n.source.ip().to_canonical();
                let mut at_source = declared
                    .iter()
                    .filter(|(ip, _, _)| *ip == source)
                    .peekable();
                if at_source.peek().is_none() {
                    rejected.unknown_source.fetch_add(1, Ordering::Relaxed);
                    return NotificationAcceptance::Reject;
                }
                let as_declared = at_source.any(|(_, user, level)| {
                    n.username == Some(user.as_slice()) && n.security_level >= Some(*level)
                });
                if as_declared {
                    NotificationAcceptance::Accept
                } else {
                    rejected.wrong_user.fetch_add(1, Ordering::Relaxed);
                    NotificationAcceptance::Reject
                }
            }
        };
        let mut builder = async_snmp::notification::NotificationReceiver::builder()
            .bind(addr.to_string())
            .max_message_size(max_datagram)
            .authoritative_engine(engine.clone())
            .acceptance_policy(policy);
        for usm in by_name.values() {
            let usm = *usm;
            builder = builder
                .usm_user(usm.user.clone().into_bytes(), |u| v3_user(u, usm))
                .map_err(|e| crate::SnmpError::BadCredentials(e.to_string()))?;
        }
        let inner = builder.build().await.map_err(crate::SnmpError::from)?;
        Ok((Self { inner, rejected }, warnings))
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr()
    }

    /// The next notification; malformed datagrams are skipped by the receiver itself, and
    /// v3 ones that fail the checks are dropped (see [`Self::v3_dropped`]).
    pub async fn recv(&self) -> Result<Trap, crate::SnmpError> {
        let r = self.inner.recv().await?;
        Ok(Trap {
            source: r.source,
            trap_oid: r.notification.trap_oid().ok().map(|o| o.to_string()),
        })
    }

    /// v3 notifications dropped since the receiver was bound: (from an address no v3 UPS is
    /// declared at, not authenticated as the declared user). The second counts USM's own
    /// refusals (unknown user, wrong digest, undecryptable, unsupported level) and
    /// the authenticated ones from a declared address as another user or below its level.
    /// USM's unknown-engine and time-window reports are left out: they are part of an
    /// inform sender's ordinary discovery.
    pub fn v3_dropped(&self) -> (u64, u64) {
        let usm = [
            self.inner.usm_unknown_usernames(),
            self.inner.usm_wrong_digests(),
            self.inner.usm_decryption_errors(),
            self.inner.usm_unsupported_sec_levels(),
        ]
        .into_iter()
        .map(u64::from)
        .sum::<u64>();
        (
            self.rejected.unknown_source.load(Ordering::Relaxed),
            usm + self.rejected.wrong_user.load(Ordering::Relaxed),
        )
    }
}

/// The receiver's copy of a declared v3 user. Secrets not read yet cannot happen here (the
/// caller leaves such users out); a missing one is an error, not an empty password.
fn v3_user(u: UsmUser, usm: &SnmpUsm) -> async_snmp::CryptoResult<UsmUser> {
    let auth = crate::monitor::auth_protocol_of(usm.auth_protocol);
    let auth_pw = usm.auth_password.as_ref().map_or("", |p| p.expose());
    match (usm.privacy, usm.priv_password.as_ref()) {
        (Some(p), Some(priv_pw)) => u.auth_priv(
            auth,
            auth_pw,
            crate::monitor::priv_protocol_of(p),
            priv_pw.expose(),
        ),
        _ => u.auth(auth, auth_pw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(source: &str, name: &str, password: &str) -> TrapUser {
        TrapUser {
            source: source.parse().expect("ip"),
            usm: SnmpUsm {
                user: name.into(),
                auth_protocol: upstra_core::snmp::SnmpAuthProtocol::Sha256,
                auth_password: Some(upstra_core::secret::Secret::new(password)),
                privacy: None,
                priv_password: None,
            },
        }
    }

    #[tokio::test]
    async fn one_user_name_with_two_keys_is_said_and_the_same_keys_twice_is_not() {
        let dir = tempfile::tempdir().expect("dir");
        let engine = crate::engine::load_or_install(&dir.path().join("engine")).expect("engine");
        let any: SocketAddr = "127.0.0.1:0".parse().expect("addr");
        let shared_keys = [
            user("10.0.0.5", "upsmon", "password-one"),
            user("10.0.0.6", "upsmon", "password-one"),
        ];
        let (_r, warnings) = Receiver::bind_with_users(any, 4096, &shared_keys, &engine)
            .await
            .expect("binds");
        assert!(warnings.is_empty(), "{warnings:?}");
        let two_keys = [
            user("10.0.0.5", "upsmon", "password-one"),
            user("10.0.0.6", "upsmon", "password-two"),
        ];
        let (_r, warnings) = Receiver::bind_with_users(any, 4096, &two_keys, &engine)
            .await
            .expect("binds");
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].contains("10.0.0.6"), "{warnings:?}");
        assert!(!warnings[0].contains("password"), "no secret in a log line");
    }

    #[test]
    fn knows_the_power_traps_and_nothing_else() {
        assert!(is_power_trap("1.3.6.1.2.1.33.2.1"));
        assert!(is_power_trap("1.3.6.1.2.1.33.2.3"));
        assert!(
            !is_power_trap("1.3.6.1.2.1.33.2.2"),
            "test completed is not power"
        );
        assert!(is_power_trap("1.3.6.1.4.1.318.0.5"));
        assert!(is_power_trap("1.3.6.1.4.1.318.0.9"));
        assert!(!is_power_trap("1.3.6.1.4.1.318.0.6"));
        assert!(is_power_trap("1.3.6.1.4.1.534.1.11.4.1.0.3"));
        assert!(!is_power_trap("1.3.6.1.4.1.534.1.11.4.1.0.33"));
        assert!(!is_power_trap("1.3.6.1.6.3.1.1.5.1"), "coldStart");
    }
}
