//! The last hour of every UPS, in memory: what a console opened in the middle of an outage
//! draws as the battery's course (`ups_history`). The monitor records each reading; readings
//! are summed up per [`SAMPLE_SPAN`] so that the series stays small whatever the poll
//! interval, and only [`SAMPLES_KEPT`] closed samples are kept per UPS.
//!
//! Nothing is written to the store: after a restart the series starts again, which is what
//! the daemon itself knows of the battery then.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use upstra_core::api::v1::{UpsHistory, UpsSample};
use upstra_core::ids::UpsId;
use upstra_core::state::{Timestamp, UpsReading};

/// How long one sample sums up: fine enough that a demo outage of a few minutes draws a
/// curve, coarse enough that an hour is a short series.
pub const SAMPLE_SPAN_S: u64 = 30;
/// Samples kept per UPS: one hour of [`SAMPLE_SPAN_S`]. At about 200 bytes of JSON each, a
/// UPS's hour is about 25 KB on the wire.
pub const SAMPLES_KEPT: usize = 120;
/// UPS in one answer at most: 128 hours of 25 KB stay far under the 8 MiB frame, and a
/// dashboard shows a few UPS, not hundreds.
pub const UPS_PER_ANSWER: usize = 128;

const SPAN_MS: i64 = SAMPLE_SPAN_S as i64 * 1000;

/// The readings of one span as they come, summed up when the span ends.
#[derive(Debug, Clone, Default)]
struct Open {
    start: i64,
    readings: u32,
    charge_min: Option<f32>,
    charge_sum: f64,
    charges: u32,
    runtime_min: Option<u64>,
    runtime_sum: u128,
    runtimes: u32,
    on_battery: bool,
}

impl Open {
    fn starting(start: i64) -> Self {
        Self {
            start,
            ..Self::default()
        }
    }

    fn add(&mut self, r: &UpsReading) {
        self.readings = self.readings.saturating_add(1);
        self.on_battery |= r.on_battery();
        if let Some(c) = r.charge_pct {
            self.charge_min = Some(self.charge_min.map_or(c, |m| m.min(c)));
            self.charge_sum += f64::from(c);
            self.charges += 1;
        }
        if let Some(s) = r.runtime_s {
            self.runtime_min = Some(self.runtime_min.map_or(s, |m| m.min(s)));
            self.runtime_sum += u128::from(s);
            self.runtimes += 1;
        }
    }

    fn sample(&self) -> UpsSample {
        #[allow(clippy::cast_possible_truncation)]
        let charge_avg =
            (self.charges > 0).then(|| (self.charge_sum / f64::from(self.charges)) as f32);
        let runtime_avg = (self.runtimes > 0).then(|| {
            u64::try_from(self.runtime_sum / u128::from(self.runtimes)).unwrap_or(u64::MAX)
        });
        UpsSample {
            at: Timestamp(self.start),
            charge_min_pct: self.charge_min,
            charge_avg_pct: charge_avg,
            runtime_min_s: self.runtime_min,
            runtime_avg_s: runtime_avg,
            on_battery: self.on_battery,
            readings: self.readings,
        }
    }
}

#[derive(Debug, Default)]
struct Series {
    closed: VecDeque<UpsSample>,
    open: Option<Open>,
}

impl Series {
    /// Closes the open span if `now` is past it; a span without any reading (the UPS did not
    /// answer) is kept as an empty sample, so the curve shows the gap instead of hiding it.
    fn roll(&mut self, now: i64) {
        let start = now - now.rem_euclid(SPAN_MS);
        match &self.open {
            Some(open) if open.start == start => return,
            Some(open) if open.start < start => {
                let mut at = open.start;
                self.push(open.sample());
                // Spans that passed without a reading, up to the hour kept.
                let missed = usize::try_from((start - at) / SPAN_MS - 1).unwrap_or(0);
                for _ in 0..missed.min(SAMPLES_KEPT) {
                    at += SPAN_MS;
                    self.push(Open::starting(at).sample());
                }
            }
            // The clock went back: start afresh rather than reorder the series.
            Some(_) => self.closed.clear(),
            None => {}
        }
        self.open = Some(Open::starting(start));
    }

    fn push(&mut self, sample: UpsSample) {
        if self.closed.len() == SAMPLES_KEPT {
            self.closed.pop_front();
        }
        self.closed.push_back(sample);
    }
}

/// Every UPS's recent course.
#[derive(Debug, Default)]
pub struct History {
    series: Mutex<HashMap<UpsId, Series>>,
}

impl History {
    /// Counts one reading of `ups` at `now`.
    pub fn record(&self, ups: &UpsId, reading: &UpsReading, now: Timestamp) {
        let mut series = self.lock();
        let s = series.entry(ups.clone()).or_default();
        s.roll(now.millis());
        if let Some(open) = &mut s.open {
            open.add(reading);
        }
    }

    /// A read that failed: time passes for `ups` without a reading.
    pub fn missed(&self, ups: &UpsId, now: Timestamp) {
        let mut series = self.lock();
        series.entry(ups.clone()).or_default().roll(now.millis());
    }

    /// The last hour of `ups`, the span going on last (summed up so far).
    pub fn of(&self, ups: &UpsId) -> UpsHistory {
        let series = self.lock();
        let samples = series.get(ups).map_or_else(Vec::new, |s| {
            let mut samples: Vec<_> = s.closed.iter().cloned().collect();
            samples.extend(s.open.as_ref().map(Open::sample));
            // The open span replaces the oldest so the answer stays within the hour.
            let over = samples.len().saturating_sub(SAMPLES_KEPT);
            samples.drain(..over);
            samples
        });
        UpsHistory {
            ups: ups.to_string(),
            sample_s: SAMPLE_SPAN_S,
            samples,
        }
    }

    /// Forgets UPS no longer declared.
    pub fn retain(&self, keep: impl Fn(&UpsId) -> bool) {
        self.lock().retain(|id, _| keep(id));
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UpsId, Series>> {
        self.series
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::state::UpsFlag;

    fn reading(charge: f32, runtime: u64, on_battery: bool) -> UpsReading {
        UpsReading {
            flags: vec![if on_battery { UpsFlag::Ob } else { UpsFlag::Ol }],
            charge_pct: Some(charge),
            runtime_s: Some(runtime),
            load_pct: Some(30.0),
            input_voltage: Some(230.0),
        }
    }

    fn ups() -> UpsId {
        UpsId::new("ups-a").expect("id")
    }

    #[test]
    fn a_span_keeps_the_lowest_and_the_mean_of_its_readings() {
        let h = History::default();
        let t0 = 1_000 * SPAN_MS;
        h.record(&ups(), &reading(80.0, 600, true), Timestamp(t0));
        h.record(&ups(), &reading(70.0, 500, true), Timestamp(t0 + 1000));
        let got = h.of(&ups());
        assert_eq!(got.samples.len(), 1);
        let s = &got.samples[0];
        assert_eq!(s.charge_min_pct, Some(70.0));
        assert_eq!(s.charge_avg_pct, Some(75.0));
        assert_eq!(s.runtime_min_s, Some(500));
        assert_eq!(s.runtime_avg_s, Some(550));
        assert!(s.on_battery);
        assert_eq!(s.readings, 2);
    }

    #[test]
    fn the_series_never_holds_more_than_an_hour() {
        let h = History::default();
        let t0 = 1_000 * SPAN_MS;
        for i in 0..(3 * SAMPLES_KEPT as i64) {
            h.record(
                &ups(),
                &reading(50.0, 300, false),
                Timestamp(t0 + i * SPAN_MS),
            );
        }
        let got = h.of(&ups());
        assert_eq!(got.samples.len(), SAMPLES_KEPT);
        let last = got.samples.last().expect("a sample").at.millis();
        assert_eq!(last, t0 + (3 * SAMPLES_KEPT as i64 - 1) * SPAN_MS);
    }

    #[test]
    fn spans_without_a_reading_show_as_gaps() {
        let h = History::default();
        let t0 = 1_000 * SPAN_MS;
        h.record(&ups(), &reading(90.0, 900, false), Timestamp(t0));
        h.missed(&ups(), Timestamp(t0 + 3 * SPAN_MS));
        let got = h.of(&ups());
        let readings: Vec<u32> = got.samples.iter().map(|s| s.readings).collect();
        assert_eq!(readings, [1, 0, 0, 0]);
        assert_eq!(got.samples[1].charge_min_pct, None);
    }
}
