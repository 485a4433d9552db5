//! A UPS told to cut its output and restore it on mains does so on its own clock: a restore
//! that powered servers on before the cut would see them lose power again, uncleanly. When the
//! daemon is still up after the command (mains came back in the power race, or this host did
//! not go down), the restore waits until every such UPS has cut and restored its output.

use std::time::Duration;

use upstra_core::ids::UpsId;
use upstra_core::model::Inventory;
use upstra_core::outage::policy::DEFAULT_OUTPUT_RETURN_S;
use upstra_core::state::Timestamp;

use crate::store::RunRecord;

/// How long the restore of `sheds` must still wait at `now`, if at all: each UPS's cut plus
/// the time its policy gives its output to return (`output_return`).
pub fn still_to_wait(
    sheds: &[RunRecord],
    inventory: &Inventory,
    now: Timestamp,
) -> Option<Duration> {
    wait_past_cuts(
        sheds.iter().flat_map(|s| s.info.output_cut_at.iter()),
        |ups| output_return_s(inventory, ups),
        now,
    )
}

/// A UPS no longer in the lab keeps the default: its unit has not changed since the command.
fn output_return_s(inventory: &Inventory, ups: &UpsId) -> u64 {
    inventory
        .ups
        .get(ups)
        .map_or(DEFAULT_OUTPUT_RETURN_S, |u| u.policy.output_return_s)
}

fn wait_past_cuts<'a>(
    cuts: impl Iterator<Item = (&'a UpsId, &'a Timestamp)>,
    output_return_s: impl Fn(&UpsId) -> u64,
    now: Timestamp,
) -> Option<Duration> {
    let back_at = cuts
        .map(|(ups, cut)| {
            let wait_ms = output_return_s(ups).saturating_mul(1000);
            cut.millis()
                .saturating_add(i64::try_from(wait_ms).unwrap_or(i64::MAX))
        })
        .max()?;
    let left = back_at.saturating_sub(now.millis());
    (left > 0).then(|| Duration::from_millis(u64::try_from(left).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_ups_command_means_no_wait() {
        assert_eq!(
            still_to_wait(&[], &Inventory::default(), Timestamp(1_000)),
            None
        );
    }

    #[test]
    fn the_restore_waits_for_the_last_output_to_return_by_each_ups_policy() {
        let quick = UpsId::new("quick").unwrap();
        let slow = UpsId::new("slow").unwrap();
        let cuts = [(quick.clone(), Timestamp(10_000)), (slow, Timestamp(5_000))];
        let return_s = |ups: &UpsId| if *ups == quick { 15 } else { 180 };
        let wait = |now| wait_past_cuts(cuts.iter().map(|(u, t)| (u, t)), return_s, now);
        // The slow unit's output is back 180 s after its cut, later than the quick one's.
        assert_eq!(wait(Timestamp(5_000)), Some(Duration::from_secs(180)));
        assert_eq!(wait(Timestamp(185_000)), None);
    }

    #[test]
    fn a_ups_gone_from_the_lab_waits_the_default() {
        let gone = UpsId::new("gone").unwrap();
        assert_eq!(
            output_return_s(&Inventory::default(), &gone),
            DEFAULT_OUTPUT_RETURN_S
        );
    }
}
