//! The per-UPS watch: grace, immediate triggers, self-tests, comms loss, the way back.

use crate::outage::{CommsLostPolicy, Decision, PowerWatch, TriggerReason, UpsPolicy, WatchPhase};
use crate::state::{Timestamp, UpsFlag, UpsLive, UpsReading};

fn at(s: i64) -> Timestamp {
    Timestamp(s * 1000)
}

fn reading(status: &str, charge: f32, runtime_s: u64) -> UpsLive {
    UpsLive::Reading {
        reading: UpsReading {
            flags: UpsFlag::parse_status(status),
            charge_pct: Some(charge),
            runtime_s: Some(runtime_s),
            ..UpsReading::default()
        },
        at: Timestamp(0),
    }
}

/// Feeds `(second, status)` readings (charge 90 %, runtime 1 h) and collects the decisions.
fn run(w: &mut PowerWatch, policy: &UpsPolicy, seq: &[(i64, &str)]) -> Vec<(i64, Decision)> {
    let mut out = Vec::new();
    for (t, status) in seq {
        for d in w.observe(&reading(status, 90.0, 3600), at(*t), policy, Some(600)) {
            out.push((*t, d));
        }
    }
    out
}

fn sheds(decisions: &[(i64, Decision)]) -> Vec<(i64, TriggerReason)> {
    decisions
        .iter()
        .filter_map(|(t, d)| match d {
            Decision::Shed(r) => Some((*t, r.clone())),
            _ => None,
        })
        .collect()
}

#[test]
fn a_blip_shorter_than_the_grace_period_does_nothing() {
    let mut w = PowerWatch::default();
    let d = run(
        &mut w,
        &UpsPolicy::default(),
        &[(0, "OL"), (1, "OB DISCHRG"), (30, "OB"), (31, "OL CHRG")],
    );
    assert_eq!(
        d,
        [
            (1, Decision::GraceStarted { grace_s: 60 }),
            (31, Decision::PowerReturnedInGrace { after_s: 30 })
        ]
    );
    assert_eq!(w.phase, WatchPhase::Online);
}

#[test]
fn the_grace_period_ends_in_a_shed() {
    let mut w = PowerWatch::default();
    let d = run(
        &mut w,
        &UpsPolicy::default(),
        &[(0, "OB"), (59, "OB"), (60, "OB")],
    );
    assert_eq!(
        sheds(&d),
        [(60, TriggerReason::GraceExpired { grace_s: 60 })]
    );
}

#[test]
fn low_battery_acts_at_once_but_not_on_a_single_odd_poll() {
    let p = UpsPolicy::default();
    let mut w = PowerWatch::default();
    assert!(sheds(&run(&mut w, &p, &[(0, "OB"), (1, "OB LB"), (2, "OB")])).is_empty());
    assert_eq!(
        sheds(&run(&mut w, &p, &[(3, "OB LB"), (4, "OB LB")])),
        [(4, TriggerReason::LowBattery)]
    );
    // LB on mains is a charging battery, not an outage.
    let mut w = PowerWatch::default();
    assert!(
        sheds(&run(
            &mut w,
            &p,
            &[(0, "OL LB"), (1, "OL LB"), (2, "OL LB")]
        ))
        .is_empty()
    );
}

#[test]
fn forced_shutdown_acts_when_it_appears_and_a_latched_one_does_not_repeat() {
    let p = UpsPolicy::default();
    let mut w = PowerWatch::default();
    assert_eq!(
        sheds(&run(&mut w, &p, &[(0, "OL"), (1, "FSD OL")])),
        [(1, TriggerReason::ForcedShutdown)]
    );
    w.restored();
    assert!(sheds(&run(&mut w, &p, &[(500, "FSD OL"), (501, "FSD OL")])).is_empty());
}

#[test]
fn self_tests_are_not_outages() {
    let mut w = PowerWatch::default();
    let d = run(
        &mut w,
        &UpsPolicy::default(),
        &[
            (0, "OB CAL"),
            (100, "OB CAL"),
            (200, "OB TEST"),
            (300, "OL"),
        ],
    );
    assert_eq!(d, [(0, Decision::SelfTestIgnored)]);
}

#[test]
fn a_self_test_that_starts_during_a_dip_ends_the_grace_period() {
    let mut w = PowerWatch::default();
    let d = run(
        &mut w,
        &UpsPolicy::default(),
        &[(0, "OB"), (10, "OB CAL"), (100, "OB CAL")],
    );
    assert_eq!(
        d,
        [
            (0, Decision::GraceStarted { grace_s: 60 }),
            (10, Decision::SelfTestIgnored)
        ]
    );
}

#[test]
fn short_runtime_acts_before_the_grace_period_ends() {
    let mut w = PowerWatch::default();
    let p = UpsPolicy::default();
    let mut d = Vec::new();
    for (t, runtime) in [(0, 3600), (1, 500), (2, 450)] {
        d.extend(w.observe(&reading("OB", 50.0, runtime), at(t), &p, Some(600)));
    }
    assert_eq!(
        d.last(),
        Some(&Decision::Shed(TriggerReason::RuntimeShort {
            runtime_s: 450,
            needed_s: 600
        }))
    );
}

#[test]
fn mains_back_waits_for_stability_and_charge_then_restores() {
    let p = UpsPolicy::default();
    let mut w = PowerWatch::default();
    run(&mut w, &p, &[(0, "OB"), (60, "OB")]);
    assert!(matches!(w.phase, WatchPhase::Triggered { .. }));
    // One odd OL poll is not mains back.
    assert!(run(&mut w, &p, &[(61, "OL"), (62, "OB")]).is_empty());
    assert_eq!(
        run(&mut w, &p, &[(70, "OL"), (71, "OL")]),
        [(71, Decision::MainsReturned)]
    );
    // A dip during the stability wait is a new loss.
    assert_eq!(
        run(&mut w, &p, &[(100, "OB")]),
        [(100, Decision::PowerLostAgain)]
    );
    run(&mut w, &p, &[(110, "OL"), (111, "OL")]);
    let low = w.observe(&reading("OL CHRG", 20.0, 900), at(300), &p, None);
    assert!(low.is_empty(), "charge below the minimum: wait");
    let ready = w.observe(&reading("OL CHRG", 35.0, 1200), at(301), &p, None);
    assert_eq!(ready, [Decision::RestoreReady]);
    assert_eq!(w.phase, WatchPhase::Restoring);
}

#[test]
fn silence_alarms_once_or_acts_after_its_delay() {
    let silent = |since| UpsLive::CommsLost {
        reason: "upsd: DATA-STALE".into(),
        since: at(since),
    };
    let mut w = PowerWatch::default();
    let alarm = UpsPolicy::default();
    assert_eq!(
        w.observe(&silent(0), at(5), &alarm, None),
        [Decision::CommsLostAlarm {
            reason: "upsd: DATA-STALE".into(),
            silent_s: 5,
            acts_in_s: None,
        }]
    );
    assert!(w.observe(&silent(0), at(3600), &alarm, None).is_empty());

    let act = UpsPolicy {
        comms_lost: CommsLostPolicy::ActAfter { secs: 300 },
        ..UpsPolicy::default()
    };
    let mut w = PowerWatch::default();
    // The alarm says when the daemon will act, not "alarm only".
    assert_eq!(
        w.observe(&silent(0), at(10), &act, None),
        [Decision::CommsLostAlarm {
            reason: "upsd: DATA-STALE".into(),
            silent_s: 10,
            acts_in_s: Some(290),
        }]
    );
    assert_eq!(
        w.observe(&silent(0), at(300), &act, None),
        [Decision::Shed(TriggerReason::CommsLost { secs: 300 })]
    );
}

#[test]
fn silence_during_the_grace_period_does_not_stop_it() {
    let p = UpsPolicy::default();
    let mut w = PowerWatch::default();
    run(&mut w, &p, &[(0, "OB")]);
    let silent = UpsLive::CommsLost {
        reason: "connection refused".into(),
        since: at(10),
    };
    // Silent 10 s into a 60 s grace period: the alarm says the grace period still ends.
    assert_eq!(
        w.observe(&silent, at(20), &p, None),
        [Decision::CommsLostAlarm {
            reason: "connection refused".into(),
            silent_s: 10,
            acts_in_s: Some(40),
        }]
    );
    let d = w.observe(&silent, at(61), &p, None);
    assert_eq!(
        d.last(),
        Some(&Decision::Shed(TriggerReason::GraceExpired { grace_s: 60 }))
    );
}

#[test]
fn flapping_every_two_seconds_for_a_minute_triggers_nothing() {
    let mut w = PowerWatch::default();
    let seq: Vec<(i64, &str)> = (0..60)
        .map(|t| (t, if (t / 2) % 2 == 0 { "OB" } else { "OL" }))
        .collect();
    let d = run(&mut w, &UpsPolicy::default(), &seq);
    assert!(sheds(&d).is_empty());
}
