//! What the composer tells, and when it stays quiet.

use std::time::Duration;

use upstra_core::api::v1::{PlanType, RunStatus, StepStatus};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::ids::UpsId;
use upstra_core::state::Timestamp;

use super::compose::*;

struct NoReports;

impl Reports for NoReports {
    fn report(&mut self, run: i64, plan: PlanType, state: RunStatus, c: (u32, u32, u32)) -> Report {
        Report {
            run,
            plan,
            state,
            done: c.0,
            failed: c.1,
            skipped: c.2,
            ..Report::default()
        }
    }
}

const WINDOW_S: i64 = 10;

struct Feed {
    composer: Composer,
    seq: u64,
}

impl Feed {
    fn new() -> Self {
        Self {
            composer: Composer::new(Duration::from_secs(WINDOW_S.unsigned_abs())),
            seq: 0,
        }
    }

    fn at(&mut self, s: i64, event: DomainEvent) -> Vec<&'static str> {
        self.seq += 1;
        let record = EventRecord {
            seq: self.seq,
            at: Timestamp(s * 1000),
            event,
        };
        let mut kinds: Vec<_> = self
            .composer
            .event(&record, &mut NoReports)
            .iter()
            .map(|d| d.kind)
            .collect();
        kinds.extend(self.tick(s));
        kinds
    }

    fn tick(&mut self, s: i64) -> Vec<&'static str> {
        self.composer
            .tick(s * 1000)
            .iter()
            .map(|d| d.kind)
            .collect()
    }
}

fn ups() -> UpsId {
    UpsId::new("ups-one").expect("id")
}

fn battery() -> DomainEvent {
    DomainEvent::OutageGraceStarted {
        ups: ups(),
        grace_s: 120,
    }
}

fn mains() -> DomainEvent {
    DomainEvent::OutagePowerReturned {
        ups: ups(),
        after_s: 2,
    }
}

#[test]
fn mains_flapping_is_one_message_once_it_has_been_quiet_for_the_window() {
    let mut f = Feed::new();
    let mut told = Vec::new();
    for i in 0..15 {
        told.extend(f.at(4 * i, battery()));
        told.extend(f.at(4 * i + 2, mains()));
    }
    assert!(told.is_empty(), "nothing while it flaps: {told:?}");
    assert_eq!(f.composer.settled(), 0, "the episode holds the cursor");
    assert!(f.tick(58 + WINDOW_S - 1).is_empty());
    let drafts = f.composer.tick((58 + WINDOW_S) * 1000);
    assert_eq!(drafts.len(), 1);
    assert_eq!(
        drafts[0].facts,
        Facts::Flapping {
            ups: "ups-one".into(),
            failures: 15,
            span_s: 58
        }
    );
    assert_eq!(drafts[0].key, "flap1", "keyed by the episode's first event");
    assert_eq!(f.composer.settled(), 30);
}

#[test]
fn a_ups_that_stays_on_battery_is_told_after_the_window_or_when_acted_on() {
    let mut f = Feed::new();
    assert!(f.at(0, battery()).is_empty());
    assert_eq!(f.tick(WINDOW_S), ["ups_on_battery"]);
    assert!(
        f.at(
            30,
            DomainEvent::OutageTriggered {
                ups: ups(),
                reason: "grace".into()
            }
        )
        .is_empty(),
        "told once"
    );

    let mut g = Feed::new();
    g.at(0, battery());
    let told = g.at(
        3,
        DomainEvent::RunStarted {
            run: 1,
            plan: PlanType::Shed,
            ups: vec![ups()],
            reason: "grace period over".into(),
            steps: 4,
            estimate_s: 90,
        },
    );
    assert_eq!(
        told,
        ["ups_on_battery", "plan_triggered"],
        "before the window: at once"
    );
}

#[test]
fn identical_alerts_about_one_ups_are_told_once_per_window() {
    let mut f = Feed::new();
    let lost = || DomainEvent::UpsCommsLost {
        ups: ups(),
        reason: "timeout".into(),
    };
    assert_eq!(f.at(0, lost()), ["ups_comms_lost"]);
    assert!(f.at(5, lost()).is_empty());
    assert_eq!(
        f.at(6, DomainEvent::UpsCommsRestored { ups: ups() }),
        ["ups_comms_restored"]
    );
    assert_eq!(f.at(WINDOW_S + 1, lost()), ["ups_comms_lost"]);
    let lb = |from: &str, to: &str| DomainEvent::UpsStatusChanged {
        ups: ups(),
        from: from.into(),
        to: to.into(),
    };
    assert_eq!(
        f.at(20, lb("OB DISCHRG", "OB DISCHRG LB")),
        ["ups_low_battery"]
    );
    assert!(
        f.at(21, lb("OB DISCHRG LB", "OB LB")).is_empty(),
        "still low"
    );
}

#[test]
fn the_other_alerts_are_told() {
    let mut f = Feed::new();
    assert_eq!(
        f.at(
            0,
            DomainEvent::DaemonUncleanStart {
                previous_start: None
            }
        ),
        ["daemon_unclean_start"]
    );
    assert_eq!(
        f.at(
            1,
            DomainEvent::LoginFailuresBurst {
                failures: 10,
                within_s: 300,
                users: vec!["root".into()]
            }
        ),
        ["login_failures"]
    );
    let broken = || DomainEvent::AuditChainBroken {
        verified: 4,
        problem: "record 5 does not match".into(),
    };
    assert_eq!(f.at(2, broken()), ["audit_chain_broken"]);
    assert!(f.at(3, broken()).is_empty(), "once per window");
    f.at(
        4,
        DomainEvent::StepStarted {
            run: 1,
            step: 2,
            action: "power off esx-1".into(),
        },
    );
    assert_eq!(
        f.at(
            5,
            DomainEvent::StepEnded {
                run: 1,
                step: 2,
                state: StepStatus::Failed,
                detail: "timeout".into()
            }
        ),
        ["step_failed"]
    );
    let drafts = f.composer.event(
        &EventRecord {
            seq: 99,
            at: Timestamp(6000),
            event: DomainEvent::RunEnded {
                run: 1,
                plan: PlanType::Shed,
                state: RunStatus::Finished,
                done: 3,
                failed: 1,
                skipped: 0,
            },
        },
        &mut NoReports,
    );
    let Facts::PlanFinished(report) = &drafts[0].facts else {
        panic!("{drafts:?}");
    };
    assert_eq!(report.failures, ["#2 power off esx-1: timeout"]);
}

/// The daemon never holds one (its store and the bus leave them out), but were it handed an
/// event of a kind it does not know, it would tell nobody and break no window in progress.
#[test]
fn an_event_of_an_unknown_kind_tells_nothing() {
    let mut feed = Feed::new();
    assert!(feed.at(0, battery()).is_empty());
    assert!(
        feed.at(
            1,
            DomainEvent::Unknown {
                kind: "from_the_future".into(),
                fields: serde_json::Map::new(),
            },
        )
        .is_empty()
    );
    assert_eq!(feed.tick(WINDOW_S), ["ups_on_battery"]);
}
