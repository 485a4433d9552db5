//! Which events a reader wants: `upstra events --kind/--since/--readings`, and any list of
//! events in the console (the dashboard's last events) that must not drown in battery readings.
//!
//! Battery readings (`ups_battery_changed`) are left out unless asked for. During an outage a
//! UPS reports a new charge or runtime every few polls, so a one-hour cut on four UPS is
//! hundreds of lines between the few that matter (the trigger, the steps, the failures).
//! Coalescing them (one per UPS per minute) would still be the bulk of the log and would show
//! figures that were never read together; the current figures are in `upstra ups list` and the
//! console's gauges, and `--readings` (or `--kind ups_battery_changed`) shows every one.
//!
//! The filter runs in the client, on the pages `events_since` returns: the daemon's ring holds
//! at most `EVENT_RING` (10,000) events, so reading them all costs a bounded few megabytes,
//! and a daemon of any version answers the same call. Filtering there would need a new method
//! for a saving the ring's bound already caps.

use std::collections::BTreeSet;
use std::time::SystemTime;

use upstra_core::events::{DomainEvent, EventRecord, KINDS};
use upstra_core::state::Timestamp;

use crate::format;

/// The kind of a battery reading.
pub const READING: &str = "ups_battery_changed";

/// Whether `event` is a battery reading (one followed from another site included).
pub fn is_reading(event: &DomainEvent) -> bool {
    match event {
        DomainEvent::UpsBatteryChanged { .. } => true,
        DomainEvent::Remote { event, .. } => is_reading(event),
        _ => false,
    }
}

/// What a reader asked for. The default keeps everything but battery readings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// Only these kinds (an event followed from another site counts as its own kind and as
    /// `remote`); empty means every kind.
    pub kinds: BTreeSet<&'static str>,
    /// Only events at or after this time.
    pub since: Option<Timestamp>,
    /// Keep battery readings even when no kind asks for them.
    pub readings: bool,
}

impl EventFilter {
    /// From the words of the command line: `kinds` as given (each may be a comma list),
    /// `since` an age or a time counted back from `now`.
    pub fn parse(
        kinds: &[String],
        since: Option<&str>,
        readings: bool,
        now: SystemTime,
    ) -> Result<Self, String> {
        let mut wanted = BTreeSet::new();
        for kind in kinds.iter().flat_map(|k| k.split(',')).map(str::trim) {
            if kind.is_empty() {
                continue;
            }
            let known = KINDS.iter().find(|k| **k == kind).ok_or_else(|| {
                format!(
                    "--kind {kind}: no such event kind; the kinds are: {}",
                    KINDS.join(", ")
                )
            })?;
            wanted.insert(*known);
        }
        let since = since
            .map(|text| {
                format::since(text, now).ok_or_else(|| {
                    format!(
                        "--since {text}: give a time (2026-11-25T10:00:00Z) or an age (10m, 2h, 1d)"
                    )
                })
            })
            .transpose()?;
        Ok(Self {
            kinds: wanted,
            since,
            readings,
        })
    }

    /// Whether `record` is shown.
    pub fn keeps(&self, record: &EventRecord) -> bool {
        if self.since.is_some_and(|since| record.at < since) {
            return false;
        }
        let event = &record.event;
        if self.kinds.is_empty() {
            return self.readings || !is_reading(event);
        }
        let inner = match event {
            DomainEvent::Remote { event, .. } => Some(event.kind()),
            _ => None,
        };
        self.kinds.contains(event.kind()) || inner.is_some_and(|k| self.kinds.contains(k))
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use upstra_core::ids::UpsId;

    fn record(at_s: i64, event: DomainEvent) -> EventRecord {
        EventRecord {
            seq: 1,
            at: Timestamp(at_s * 1000),
            event,
        }
    }

    fn reading() -> DomainEvent {
        DomainEvent::UpsBatteryChanged {
            ups: UpsId::new("ups-a1").expect("valid"),
            charge_pct: Some(80.0),
            runtime_s: Some(600),
        }
    }

    fn trigger() -> DomainEvent {
        DomainEvent::OutageTriggered {
            ups: UpsId::new("ups-a1").expect("valid"),
            reason: "low battery".into(),
        }
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(10_000)
    }

    #[test]
    fn readings_stay_out_unless_asked_for() {
        let default = EventFilter::default();
        assert!(!default.keeps(&record(0, reading())));
        assert!(default.keeps(&record(0, trigger())));
        let remote = DomainEvent::Remote {
            site: "b".into(),
            seq: 1,
            at: Timestamp(0),
            event: Box::new(reading()),
        };
        assert!(!default.keeps(&record(0, remote)));
        let readings = EventFilter::parse(&[], None, true, now()).expect("valid");
        assert!(readings.keeps(&record(0, reading())));
        let by_kind = EventFilter::parse(&[READING.into()], None, false, now()).expect("valid");
        assert!(by_kind.keeps(&record(0, reading())));
        assert!(!by_kind.keeps(&record(0, trigger())));
    }

    #[test]
    fn kinds_repeat_or_come_as_a_list_and_since_takes_an_age_or_a_time() {
        let f = EventFilter::parse(
            &["run_started,run_ended".into(), "outage_triggered".into()],
            Some("10m"),
            false,
            now(),
        )
        .expect("valid");
        assert_eq!(f.kinds.len(), 3);
        assert_eq!(f.since, Some(Timestamp((10_000 - 600) * 1000)));
        assert!(!f.keeps(&record(9_000, trigger())), "too old");
        assert!(f.keeps(&record(9_500, trigger())));
        let at =
            EventFilter::parse(&[], Some("1970-01-01T02:00:00Z"), false, now()).expect("valid");
        assert_eq!(at.since, Some(Timestamp(7_200_000)));
    }

    #[test]
    fn bad_input_says_what_is_valid() {
        let err = EventFilter::parse(&["trigger".into()], None, false, now()).expect_err("bad");
        assert!(
            err.starts_with("--kind trigger: no such event kind"),
            "{err}"
        );
        assert!(
            err.contains("outage_triggered") && err.contains(READING),
            "{err}"
        );
        let err = EventFilter::parse(&[], Some("yesterday"), false, now()).expect_err("bad");
        assert!(err.starts_with("--since yesterday: give a time"), "{err}");
    }

    #[test]
    fn every_kind_is_listed_once() {
        let unique: BTreeSet<_> = KINDS.iter().collect();
        assert_eq!(unique.len(), KINDS.len());
        for e in [reading(), trigger()] {
            assert!(KINDS.contains(&e.kind()));
        }
    }
}
