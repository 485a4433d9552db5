//! Builders for the dashboard tests: an hour of UPS history, the events of an outage, and
//! watches waiting to restore.

use upstra_core::api::v1::{
    PlanStatus, PlanType, RestoreWait, RunStatus, StepStatus, UpsHistory, UpsSample, WatchView,
};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UpsId;
use upstra_core::state::Timestamp;

use super::plan::{READ_AT, quiet, watch};

/// The daemon's sample span.
pub const SAMPLE_S: u64 = 30;

fn sample(at: i64, charge: Option<f32>, runtime: Option<u64>, on_battery: bool) -> UpsSample {
    UpsSample {
        at: Timestamp(at),
        charge_min_pct: charge,
        charge_avg_pct: charge,
        runtime_min_s: runtime,
        runtime_avg_s: runtime,
        on_battery,
        readings: u32::from(charge.is_some()) * 30,
    }
}

/// An hour of `ups` on mains, full.
pub fn steady(ups: &str) -> UpsHistory {
    steady_at(ups, 100.0)
}

/// An hour of `ups` on mains at `charge`.
pub fn steady_at(ups: &str, charge: f32) -> UpsHistory {
    let start = READ_AT.millis() - 3_600_000;
    UpsHistory {
        ups: ups.into(),
        sample_s: SAMPLE_S,
        samples: (0..120)
            .map(|i| sample(start + i * 30_000, Some(charge), Some(2400), false))
            .collect(),
    }
}

/// Forty minutes on mains, a minute without an answer, then twenty on battery draining
/// from 100 % to 64 %.
pub fn draining(ups: &str) -> UpsHistory {
    let start = READ_AT.millis() - 3_600_000;
    let samples = (0..120)
        .map(|i| {
            let at = start + i * 30_000;
            match i {
                0..78 => sample(at, Some(100.0), Some(2400), false),
                78..80 => sample(at, None, None, false),
                _ => {
                    let k = (i - 80) as f32;
                    let charge = 100.0 - k * 0.9;
                    sample(at, Some(charge), Some((charge * 24.0) as u64), true)
                }
            }
        })
        .collect();
    UpsHistory {
        ups: ups.into(),
        sample_s: SAMPLE_S,
        samples,
    }
}

fn record(seq: u64, secs_before: i64, event: DomainEvent) -> EventRecord {
    EventRecord {
        seq,
        at: Timestamp(READ_AT.millis() - secs_before * 1000),
        event,
    }
}

fn id(name: &str) -> UpsId {
    UpsId::new(name).expect("a UPS name")
}

/// What the daemon logged from mains loss to a shed with a failed step; battery readings and
/// step starts among them, which the dashboard leaves out.
pub fn outage_events() -> Vec<EventRecord> {
    vec![
        record(
            1,
            1200,
            DomainEvent::UpsStatusChanged {
                ups: id("ups-a1"),
                from: "OL CHRG".into(),
                to: "OB DISCHRG".into(),
            },
        ),
        record(
            2,
            1200,
            DomainEvent::OutageGraceStarted {
                ups: id("ups-a1"),
                grace_s: 60,
            },
        ),
        record(
            3,
            1170,
            DomainEvent::UpsBatteryChanged {
                ups: id("ups-a1"),
                charge_pct: Some(98.0),
                runtime_s: Some(2350),
            },
        ),
        record(
            4,
            1140,
            DomainEvent::OutageTriggered {
                ups: id("ups-a1"),
                reason: "on battery for 60 s".into(),
            },
        ),
        record(
            5,
            1140,
            DomainEvent::RunStarted {
                run: 3,
                plan: PlanType::Shed,
                ups: vec![id("ups-a1")],
                reason: "on battery for 60 s".into(),
                steps: 4,
                estimate_s: 300,
            },
        ),
        record(
            6,
            1139,
            DomainEvent::StepStarted {
                run: 3,
                step: 1,
                action: "migrate VM web-01 from esx-a1 to esx-b1".into(),
            },
        ),
        record(
            7,
            1100,
            DomainEvent::StepEnded {
                run: 3,
                step: 1,
                state: StepStatus::Done,
                detail: "web-01 now on esx-b1".into(),
            },
        ),
        record(
            8,
            1000,
            DomainEvent::StepEnded {
                run: 3,
                step: 3,
                state: StepStatus::Failed,
                detail: "BMC of nas-a1 did not answer within 30 s".into(),
            },
        ),
    ]
}

/// The shed ended, mains came back, and the restore ran.
pub fn after_run_events() -> Vec<EventRecord> {
    let mut events = outage_events();
    events.extend([
        record(
            9,
            900,
            DomainEvent::RunEnded {
                run: 3,
                plan: PlanType::Shed,
                state: RunStatus::Finished,
                done: 3,
                failed: 1,
                skipped: 0,
            },
        ),
        record(
            10,
            600,
            DomainEvent::OutageMainsReturned { ups: id("ups-a1") },
        ),
        record(
            11,
            300,
            DomainEvent::OutageRestoreReady { ups: id("ups-a1") },
        ),
        record(
            12,
            60,
            DomainEvent::RunEnded {
                run: 4,
                plan: PlanType::Restore,
                state: RunStatus::Finished,
                done: 5,
                failed: 1,
                skipped: 0,
            },
        ),
    ]);
    events
}

/// ups-a1 back on mains, its restore waiting as `wait` says.
pub fn waiting(wait: RestoreWait) -> PlanStatus {
    let a1 = WatchView {
        restore_wait: Some(wait),
        ..watch("ups-a1", "power_back", None)
    };
    PlanStatus {
        watches: vec![a1, watch("ups-b1", "online", None)],
        unrestored: vec![3],
        ..quiet()
    }
}

/// Mains back for 18 s of the 60 s needed; the restore starts in 42 s by the daemon's clock.
pub fn stable_wait() -> PlanStatus {
    waiting(RestoreWait {
        stable_s: 18,
        stable_needed_s: 60,
        charge_pct: Some(80),
        charge_needed_pct: Some(50),
        restore_at: Some(Timestamp(READ_AT.millis() + 42_000)),
        needs_operator: false,
    })
}

/// Mains stable long enough, but the battery is at 35 % of the 50 % needed.
pub fn charge_wait() -> PlanStatus {
    waiting(RestoreWait {
        stable_s: 240,
        stable_needed_s: 60,
        charge_pct: Some(35),
        charge_needed_pct: Some(50),
        restore_at: None,
        needs_operator: false,
    })
}

/// A shed an operator started: only an operator's restore undoes it.
pub fn operator_wait() -> PlanStatus {
    waiting(RestoreWait {
        stable_s: 300,
        stable_needed_s: 60,
        charge_pct: Some(100),
        charge_needed_pct: Some(50),
        restore_at: None,
        needs_operator: true,
    })
}
