//! Which event the status line shows. During an outage it follows the outage: the trigger, a
//! step that failed, the end of a run, mains back; battery readings (one a second per UPS) and
//! the routine events of a run in progress never push those away, and an outage event takes
//! the place of the answer to the operator's last action, which the outage has overtaken.

use upstra_core::api::v1::{RunStatus, StepStatus};
use upstra_core::events::{DomainEvent, EventRecord};
use upstra_core::state::Timestamp;

/// How long an outage event holds the status line against routine news (a VM moved, a step
/// done): long enough to be read by an operator who looked away, short enough that the line
/// does not speak of yesterday's outage.
pub const OUTAGE_HOLD_MS: i64 = 10 * 60 * 1000;

/// How much an event matters to the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Weight {
    /// A reading: never shown on the status line.
    Noise,
    /// Shown while nothing weightier is recent.
    Routine,
    /// A turn of the outage: the grace period, a run starting or ending, mains back.
    Outage,
    /// Something went wrong or the daemon acts: a failed step, the trigger, comms lost.
    Alarm,
}

pub fn weight(event: &DomainEvent) -> Weight {
    match event {
        DomainEvent::UpsBatteryChanged { .. } => Weight::Noise,
        DomainEvent::Remote { event, .. } => weight(event),
        DomainEvent::OutageTriggered { .. }
        | DomainEvent::OutagePowerLostAgain { .. }
        | DomainEvent::OutageCommsAlarm { .. }
        | DomainEvent::UpsCommsLost { .. }
        | DomainEvent::PeerUnreachable { .. } => Weight::Alarm,
        DomainEvent::StepEnded { state, .. } if *state == StepStatus::Failed => Weight::Alarm,
        DomainEvent::RunEnded { state, failed, .. }
            if *failed > 0 || *state != RunStatus::Finished =>
        {
            Weight::Alarm
        }
        DomainEvent::OutageGraceStarted { .. }
        | DomainEvent::OutagePowerReturned { .. }
        | DomainEvent::OutageMainsReturned { .. }
        | DomainEvent::OutageRestoreReady { .. }
        | DomainEvent::RunStarted { .. }
        | DomainEvent::RunStopping { .. }
        | DomainEvent::RunEnded { .. } => Weight::Outage,
        _ => Weight::Routine,
    }
}

/// The event the status line shows and when it happened.
#[derive(Debug, Clone, PartialEq)]
pub struct Shown {
    pub event: DomainEvent,
    pub at: Timestamp,
}

/// What the status line shows after `record`, given what it shows now: an outage event always
/// takes the line; a routine one only from another routine one or an outage event older than
/// [`OUTAGE_HOLD_MS`]; noise never.
pub fn next(shown: Option<&Shown>, record: &EventRecord) -> Option<Shown> {
    let incoming = weight(&record.event);
    let takes = match incoming {
        Weight::Noise => false,
        Weight::Outage | Weight::Alarm => true,
        Weight::Routine => shown.is_none_or(|s| {
            weight(&s.event) <= Weight::Routine
                || record.at.millis().saturating_sub(s.at.millis()) > OUTAGE_HOLD_MS
        }),
    };
    takes.then(|| Shown {
        event: record.event.clone(),
        at: record.at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::ids::UpsId;

    fn record(at: i64, event: DomainEvent) -> EventRecord {
        EventRecord {
            seq: 0,
            at: Timestamp(at),
            event,
        }
    }

    #[test]
    fn readings_and_routine_news_do_not_push_the_outage_away() {
        let ups = UpsId::new("ups-a1").expect("valid");
        let trigger = record(
            0,
            DomainEvent::OutageTriggered {
                ups: ups.clone(),
                reason: "grace over".into(),
            },
        );
        let shown = next(None, &trigger).expect("the trigger shows");
        let reading = record(
            1000,
            DomainEvent::UpsBatteryChanged {
                ups: ups.clone(),
                charge_pct: Some(90.0),
                runtime_s: Some(600),
            },
        );
        assert_eq!(next(Some(&shown), &reading), None);
        let step = record(
            2000,
            DomainEvent::StepStarted {
                run: 1,
                step: 1,
                action: "migrate".into(),
            },
        );
        assert_eq!(next(Some(&shown), &step), None);
        let later = record(OUTAGE_HOLD_MS + 1000, step.event.clone());
        assert!(
            next(Some(&shown), &later).is_some(),
            "an old outage gives way"
        );
        let failed = record(
            3000,
            DomainEvent::StepEnded {
                run: 1,
                step: 2,
                state: StepStatus::Failed,
                detail: "BMC silent".into(),
            },
        );
        assert_eq!(weight(&failed.event), Weight::Alarm);
        assert!(next(Some(&shown), &failed).is_some());
    }
}
