//! The battery a UPS on battery needs for its shed, for the runtime trigger.
//!
//! The trigger compares the UPS's runtime with the plan's duration at every reading, about
//! once a second per UPS on battery. Making that plan reads the whole lab (every VM) and
//! schedules it: at 1,000 servers and 10,000 VMs, tens of milliseconds of the conductor's one
//! loop per reading, so ten UPS on battery kept it about a third busy, delaying an operator's
//! `plan status` or `cancel`. The plan is kept with what it was made from and made again only
//! when that changed ([`PlanInputs`]): the lab (a sync or a step), the declarations, the UPS
//! at risk or in trouble, or what earlier runs taught the estimates.

use std::collections::{BTreeMap, BTreeSet};

use upstra_core::ids::UpsId;
use upstra_core::outage::shed_plan;

use super::lab::PlanInputs;
use crate::shared::Shared;

/// For each UPS on battery, its need and what the plan behind it was made from.
#[derive(Debug, Default)]
pub(super) struct BatteryNeeds {
    known: BTreeMap<UpsId, (PlanInputs, Option<u64>)>,
    /// Plans made, for the tests.
    made: u64,
}

impl BatteryNeeds {
    /// The battery, in seconds, that shedding `at_risk` takes by the plan made from the last
    /// read; none when there is nothing to shed.
    pub(super) async fn of(
        &mut self,
        shared: &Shared,
        ups: &UpsId,
        at_risk: &BTreeSet<UpsId>,
    ) -> Option<u64> {
        let inputs = PlanInputs::now(shared, at_risk).await;
        if let Some((made_from, need)) = self.known.get(ups)
            && *made_from == inputs
        {
            return *need;
        }
        let plan = shed_plan(
            &inputs.inventory,
            &inputs.lab_state(shared),
            &inputs.estimates,
        );
        self.made += 1;
        let need = (!plan.steps.is_empty()).then(|| plan.needs_battery_s());
        // At most one entry per declared UPS.
        self.known
            .retain(|kept, _| inputs.inventory.ups.contains_key(kept));
        self.known.insert(ups.clone(), (inputs, need));
        need
    }

    /// `ups` is no longer on battery.
    pub(super) fn forget(&mut self, ups: &UpsId) {
        self.known.remove(ups);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use upstra_core::ids::UpsId;
    use upstra_core::lab::{KnownNames, parse};
    use upstra_core::model::VmPower;
    use upstra_core::outage::{Plan, PlanKind, StepState};
    use upstra_core::state::Timestamp;

    use super::BatteryNeeds;
    use crate::monitor::{Retry, read_all_ups, sync_peers};
    use crate::shared::Shared;
    use crate::store::{AuditEntry, RunInfo};
    use crate::test_lab::{TWO_ROOMS, shutdown_step, simulated};

    fn id(name: &str) -> UpsId {
        UpsId::new(name).expect("UPS name")
    }

    fn ups_a_at_risk() -> BTreeSet<UpsId> {
        BTreeSet::from([id("ups-a")])
    }

    /// The daemon's state on the simulated two-room lab, with its store and the conductor's
    /// inbox (no conductor reads it).
    struct Lab {
        shared: Shared,
        _inbox: crate::outage::OrchestratorInbox,
        _dir: tempfile::TempDir,
    }

    /// The lab read once, as the monitor would have by the time a UPS is on battery.
    async fn lab_read() -> Lab {
        let dir = tempfile::tempdir().expect("temp dir");
        let (shared, inbox) = simulated(TWO_ROOMS, dir.path(), |_| {});
        sync_peers(&shared, Retry::Everything).await;
        read_all_ups(&shared).await;
        Lab {
            shared,
            _inbox: inbox,
            _dir: dir,
        }
    }

    #[tokio::test]
    async fn the_plan_is_made_once_while_nothing_it_is_made_from_changes() {
        let lab = lab_read().await;
        let shared = &lab.shared;
        let mut needs = BatteryNeeds::default();

        let first = needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert!(first.is_some(), "esx-a and its VMs are to shed");
        for _ in 0..5 {
            // The UPS read again: new readings, same lab.
            read_all_ups(shared).await;
            let again = needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
            assert_eq!(again, first);
        }
        assert_eq!(needs.made, 1, "readings alone never make the plan again");
    }

    #[tokio::test]
    async fn the_plan_is_made_again_when_the_lab_changes() {
        let lab = lab_read().await;
        let shared = &lab.shared;
        let mut needs = BatteryNeeds::default();
        let with_vms = needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;

        // Every VM stopped: nothing left to move or shut down but the host.
        shared.live.vms_mut(|vms| {
            for vm in vms.values_mut() {
                vm.power = VmPower::PoweredOff;
            }
        });
        let without = needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 2);
        assert!(
            without < with_vms,
            "a plan without VMs to stop takes less battery: {without:?} against {with_vms:?}"
        );

        // A sync writes the lab again, whether or not anything moved.
        sync_peers(shared, Retry::Everything).await;
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 3);
    }

    #[tokio::test]
    async fn the_plan_is_made_again_when_the_ups_at_risk_or_in_trouble_change() {
        let lab = lab_read().await;
        let shared = &lab.shared;
        let mut needs = BatteryNeeds::default();
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;

        // ups-b at risk too: nowhere left to move esx-a's VMs.
        let both = BTreeSet::from([id("ups-a"), id("ups-b")]);
        needs.of(shared, &id("ups-a"), &both).await;
        assert_eq!(needs.made, 2);
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 3);

        // ups-b on battery, with the same UPS at risk: no longer a safe place for them.
        let peers = shared.drivers.simulated_lab().expect("simulated drivers");
        peers.set_mains(&id("ups-b"), false);
        read_all_ups(shared).await;
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 4);
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 4, "and kept while ups-b stays on battery");
    }

    #[tokio::test]
    async fn the_plan_is_made_again_when_an_earlier_run_taught_the_estimates() {
        let lab = lab_read().await;
        let shared = &lab.shared;
        let mut needs = BatteryNeeds::default();
        let before = needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;

        // A shed whose shutdown of esx-a took ten minutes.
        let mut plan = Plan::empty(PlanKind::Shed, 1);
        plan.steps = vec![shutdown_step(0, "esx-a")];
        shared
            .store
            .call(move |db| {
                let run = db.create_run(
                    &plan,
                    &RunInfo::default(),
                    Timestamp(0),
                    &AuditEntry::new("plan_run", "started").at(0),
                )?;
                db.step_attempt(run, 0, Timestamp(1_000))?;
                db.step_dispatched(run, 0, Timestamp(2_000))?;
                db.step_ended(run, 0, StepState::Done, "shut down", Timestamp(602_000))
            })
            .await
            .expect("the run recorded");

        let after = needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 2);
        assert!(
            after > before,
            "a slower shutdown takes more battery: {after:?} against {before:?}"
        );
    }

    #[tokio::test]
    async fn the_plan_is_made_again_after_an_apply_and_each_ups_keeps_its_own() {
        let lab = lab_read().await;
        let shared = &lab.shared;
        let mut needs = BatteryNeeds::default();
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        needs
            .of(shared, &id("ups-b"), &BTreeSet::from([id("ups-b")]))
            .await;
        assert_eq!(needs.made, 2);
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        needs
            .of(shared, &id("ups-b"), &BTreeSet::from([id("ups-b")]))
            .await;
        assert_eq!(needs.made, 2, "one UPS's plan never pushes out another's");

        // The same declarations applied again are new declarations.
        let again = parse(TWO_ROOMS, &KnownNames::default()).expect("lab");
        shared.set_inventory(again.inventory);
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 3);

        needs.forget(&id("ups-a"));
        needs.of(shared, &id("ups-a"), &ups_a_at_risk()).await;
        assert_eq!(needs.made, 4, "back on battery, the plan is made afresh");
    }
}
