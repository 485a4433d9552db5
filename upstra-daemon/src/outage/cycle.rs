//! A UPS told to cut its output and restore it on mains does so on its own clock: a restore
//! that powered servers on before the cut would see them lose power again, uncleanly. When the
//! daemon is still up after the command (mains came back in the power race, or this host did
//! not go down), the restore waits until every such UPS has cut and restored its output.

use std::time::Duration;

use upstra_core::state::Timestamp;

use crate::store::RunRecord;

/// From a UPS's cut to its output being back once mains is on: its own start delay
/// (`ups.delay.start`, seconds on most units) and the output settling. A minute covers the
/// common units; one that takes longer starts a restore on a live output, which is what an
/// operator would see without this wait.
pub const OUTPUT_RETURN_WAIT: Duration = Duration::from_secs(60);

/// How long the restore of `sheds` must still wait at `now`, if at all.
pub fn still_to_wait(sheds: &[RunRecord], now: Timestamp) -> Option<Duration> {
    let back_at = sheds
        .iter()
        .flat_map(|s| s.info.output_cut_at.values())
        .max()?
        .millis()
        .saturating_add(i64::try_from(OUTPUT_RETURN_WAIT.as_millis()).unwrap_or(i64::MAX));
    let left = back_at.saturating_sub(now.millis());
    (left > 0).then(|| Duration::from_millis(u64::try_from(left).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_ups_command_means_no_wait() {
        assert_eq!(still_to_wait(&[], Timestamp(1_000)), None);
    }
}
