//! Which notifications mean "this UPS's power changed: read it now". A trap never decides
//! anything by itself (anyone can send one); it only brings the next poll forward.

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

/// A UDP trap and inform receiver (v1 and v2c; informs are acknowledged). The community is
/// not checked: a trap only brings a poll forward, so what matters is the source address,
/// which the caller matches against the declared agents.
pub struct Receiver(async_snmp::notification::NotificationReceiver);

impl Receiver {
    /// Binds `addr`; datagrams past `max_datagram` bytes are dropped unread.
    pub async fn bind(
        addr: std::net::SocketAddr,
        max_datagram: usize,
    ) -> Result<Self, crate::SnmpError> {
        async_snmp::notification::NotificationReceiver::builder()
            .bind(addr.to_string())
            .max_message_size(max_datagram)
            .build()
            .await
            .map(Self)
            .map_err(crate::SnmpError::from)
    }

    pub fn local_addr(&self) -> std::net::SocketAddr {
        self.0.local_addr()
    }

    /// The next notification; malformed datagrams are skipped by the receiver itself.
    pub async fn recv(&self) -> Result<Trap, crate::SnmpError> {
        let r = self.0.recv().await?;
        Ok(Trap {
            source: r.source,
            trap_oid: r.notification.trap_oid().ok().map(|o| o.to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
