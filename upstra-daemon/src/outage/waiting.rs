//! What a restore waits for, for `plan status` and the console's countdown: mains stable for
//! so long of the policy's wait, the battery's charge against the one needed, and whether an
//! operator must act because the daemon will not restore by itself.

use upstra_core::api::v1::RestoreWait;
use upstra_core::outage::{UpsPolicy, WatchPhase};
use upstra_core::state::Timestamp;

/// A charge reading as a whole percentage.
fn percent(charge: f32) -> u8 {
    #[expect(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        reason = "clamped to 0..=100 first, so the conversion is exact"
    )]
    let pct = charge.round().clamp(0.0, 100.0) as u8;
    pct
}

/// What a restore of a UPS waits for, while one is pending: in `power_back`, or with a shed
/// still open (`open`) that only an operator undoes (`held`: started by hand, or a restore
/// ran to its end without putting everything back). `charge` is the UPS's reading now.
pub fn restore_wait(
    policy: &UpsPolicy,
    phase: &WatchPhase,
    open: bool,
    held: bool,
    charge: Option<f32>,
    now: Timestamp,
) -> Option<RestoreWait> {
    let needs_operator = held || !policy.auto_restore;
    let stable_s = match phase {
        WatchPhase::PowerBack { since } => now.secs_since(*since),
        // Mains held long enough for the restore that ran; the rest is the operator's.
        WatchPhase::Online if open && needs_operator => policy.restore_stable_s,
        // Just restarted, or on battery again: whatever mains does, an operator restores.
        WatchPhase::Triggered { .. } if open && needs_operator => 0,
        _ => return None,
    };
    let charge_pct = charge.map(percent);
    let charge_needed_pct =
        (policy.restore_min_charge_pct > 0).then_some(policy.restore_min_charge_pct);
    let charged = match (charge_pct, charge_needed_pct) {
        (Some(now), Some(needed)) => now >= needed,
        _ => true,
    };
    let left_ms = policy
        .restore_stable_s
        .saturating_sub(stable_s)
        .saturating_mul(1000);
    let restore_at = (!needs_operator && charged).then(|| {
        Timestamp(
            now.millis()
                .saturating_add(i64::try_from(left_ms).unwrap_or(i64::MAX)),
        )
    });
    Some(RestoreWait {
        stable_s,
        stable_needed_s: policy.restore_stable_s,
        charge_pct,
        charge_needed_pct,
        restore_at,
        needs_operator,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> UpsPolicy {
        UpsPolicy {
            restore_stable_s: 60,
            restore_min_charge_pct: 50,
            auto_restore: true,
            ..UpsPolicy::default()
        }
    }

    const NOW: Timestamp = Timestamp(1_000_000);

    fn back_since(secs: i64) -> WatchPhase {
        WatchPhase::PowerBack {
            since: Timestamp(NOW.0 - secs * 1000),
        }
    }

    #[test]
    fn power_back_counts_down_to_the_restore() {
        let w = restore_wait(&policy(), &back_since(18), true, false, Some(55.4), NOW).unwrap();
        assert_eq!(
            (
                w.stable_s,
                w.stable_needed_s,
                w.charge_pct,
                w.charge_needed_pct
            ),
            (18, 60, Some(55), Some(50))
        );
        assert_eq!(w.restore_at, Some(Timestamp(NOW.0 + 42_000)));
        assert!(!w.needs_operator);
    }

    #[test]
    fn too_little_charge_leaves_the_start_unknown() {
        let w = restore_wait(&policy(), &back_since(18), true, false, Some(35.0), NOW).unwrap();
        assert_eq!((w.charge_pct, w.restore_at), (Some(35), None));
    }

    #[test]
    fn a_held_shed_waits_for_an_operator_in_every_phase_but_on_battery() {
        for phase in [
            back_since(600),
            WatchPhase::Online,
            WatchPhase::Triggered { at: NOW },
        ] {
            let w = restore_wait(&policy(), &phase, true, true, Some(90.0), NOW)
                .unwrap_or_else(|| panic!("{phase:?}"));
            assert!(w.needs_operator && w.restore_at.is_none(), "{phase:?}");
        }
        let on_battery = WatchPhase::OnBattery { since: NOW };
        assert_eq!(
            restore_wait(&policy(), &on_battery, true, true, Some(90.0), NOW),
            None
        );
    }

    #[test]
    fn nothing_is_pending_without_an_open_shed_or_mains_back() {
        assert_eq!(
            restore_wait(&policy(), &WatchPhase::Online, false, false, None, NOW),
            None
        );
        let no_auto = UpsPolicy {
            auto_restore: false,
            ..policy()
        };
        let w = restore_wait(&no_auto, &back_since(5), true, false, None, NOW).unwrap();
        assert!(w.needs_operator, "the policy says an operator restores");
    }
}
