//! The conductor and the executor in process, on the simulated drivers: a real store in a
//! temp dir, the simulated lab as UPS, BMC and vCenter, no socket and no peer. The UPS are
//! read the way the monitor reads them (`monitor::read_all_ups`), so readings reach the
//! conductor by the same path; what the steps did is read back from the simulated lab.
//!
//! The watches count time on the wall clock, so the grace and the restore wait are set to
//! zero here: "past the grace period" is the second reading on battery. A test whose steps
//! retry runs on paused tokio time, which skips their backoff; its deadlines are on the
//! machine's clock.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;
use upstra_core::api::v1::{PlanStatus, PlanType, RunStatus, RunView, StepStatus, StepView};
use upstra_core::events::DomainEvent;
use upstra_core::ids::UpsId;
use upstra_core::lab::{KnownNames, parse};
use upstra_core::model::{Inventory, Server, VmPower};
use upstra_core::state::PowerState;
use upstra_core::traits::{Bmc, Hypervisor, UpsOutputControl};

use crate::config::{Config, Drivers};
use crate::monitor::{Retry, read_all_ups, sync_peers};
use crate::shared::Shared;
use crate::sim::SimLab;

use crate::test_lab::TWO_ROOMS as LAB;

/// How long a whole run may take on a loaded machine; the simulated peers answer at once,
/// so a run normally ends in well under a second.
const RUN_DEADLINE: Duration = Duration::from_secs(60);
/// Readings fed before giving up on a decision the watch should take within a few.
const MAX_READINGS: usize = 20;

/// A daemon's state on the simulated drivers with its conductor running, and no monitor:
/// the test reads the UPS when it wants the conductor to see them.
struct SimDaemon {
    shared: Arc<Shared>,
    _dir: tempfile::TempDir,
}

impl SimDaemon {
    async fn start(adjust: impl FnOnce(&mut Inventory)) -> Self {
        Self::start_on(LAB, adjust).await
    }

    async fn start_on(lab: &str, adjust: impl FnOnce(&mut Inventory)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let (data, store) = crate::test_lab::store_in(dir.path());
        let mut inventory = parse(lab, &KnownNames::default()).expect("lab").inventory;
        adjust(&mut inventory);
        let config = Config {
            data_dir: data,
            drivers: Drivers::Simulated,
            ..Config::default()
        };
        let (shared, inbox) = Shared::new(config, store, inventory, Default::default());
        let shared = Arc::new(shared);
        tokio::spawn(super::start(shared.clone(), inbox));
        // What the monitor knows before a cut: every BMC, vCenter and UPS read once.
        sync_peers(&shared, Retry::Everything).await;
        read_all_ups(&shared).await;
        Self { shared, _dir: dir }
    }

    fn lab(&self) -> &SimLab {
        self.shared
            .drivers
            .simulated_lab()
            .expect("simulated drivers")
    }

    fn server(&self, name: &str) -> Server {
        self.shared
            .inventory()
            .servers
            .values()
            .find(|s| s.id.as_str() == name)
            .cloned()
            .expect("declared server")
    }

    async fn power_of(&self, name: &str) -> PowerState {
        self.lab()
            .status(&self.server(name))
            .await
            .expect("simulated BMC")
            .power
    }

    /// The VMs running on `host`, by id.
    async fn running_on(&self, host: &str) -> BTreeSet<String> {
        let inv = self.lab().inventory().await.expect("simulated vCenter");
        inv.vms
            .iter()
            .filter(|v| v.host.as_deref() == Some(host) && v.power == VmPower::PoweredOn)
            .map(|v| v.id.to_string())
            .collect()
    }

    async fn status(&self) -> PlanStatus {
        self.shared.outage.status().await.expect("plan status")
    }

    /// Cuts or brings back the mains of `ups`, then reads every UPS once, as the monitor's
    /// next poll would. The conductor handles the reading before any later question.
    async fn mains(&self, ups: &str, present: bool) {
        self.lab().set_mains(&ups_id(ups), present);
        read_all_ups(&self.shared).await;
    }

    /// Reads the UPS until `done` holds of the plan status, at most [`MAX_READINGS`] times.
    async fn read_until(&self, done: impl Fn(&PlanStatus) -> bool) -> PlanStatus {
        for _ in 0..MAX_READINGS {
            let status = self.status().await;
            if done(&status) {
                return status;
            }
            read_all_ups(&self.shared).await;
        }
        panic!(
            "not reached after {MAX_READINGS} readings: {:?}",
            self.status().await
        );
    }

    /// Waits for run `id` to end, woken by each new event, within [`RUN_DEADLINE`].
    async fn ended(&self, id: i64) -> RunView {
        let never = CancellationToken::new();
        // The machine's clock: a test on paused time jumps tokio's ahead while the store works.
        let deadline = std::time::Instant::now() + RUN_DEADLINE;
        loop {
            let seen = self.shared.events.last_seq();
            let status = self.status().await;
            if status.active.is_none()
                && let Some(run) = status.recent.iter().find(|r| r.id == id)
                && !run.state.is_active()
            {
                return run.clone();
            }
            assert!(
                std::time::Instant::now() < deadline,
                "run {id} still going after {RUN_DEADLINE:?}: {status:?}"
            );
            // The end reaches the conductor just after the run's last event: look again
            // shortly even if no event follows.
            let _ = tokio::time::timeout(
                Duration::from_millis(100),
                self.shared.events.wait_after(seen, &never),
            )
            .await;
        }
    }

    async fn events(&self) -> Vec<DomainEvent> {
        let never = CancellationToken::new();
        let page = self.shared.events.since(0, Duration::ZERO, &never).await;
        page.events.into_iter().map(|r| r.event).collect()
    }
}

fn ups_id(name: &str) -> UpsId {
    UpsId::new(name).expect("UPS name")
}

/// Every UPS sheds on its second reading on battery and restores as soon as mains is back.
fn act_at_once(inventory: &mut Inventory) {
    for ups in inventory.ups.values_mut() {
        ups.policy.grace_s = 0;
        ups.policy.restore_stable_s = 0;
        ups.policy.restore_min_charge_pct = 0;
        ups.policy.auto_restore = true;
    }
}

fn last_run(status: &PlanStatus, kind: PlanType) -> Option<&RunView> {
    status.recent.iter().find(|r| r.plan.kind == kind)
}

#[tokio::test]
async fn a_ups_on_battery_past_its_grace_sheds_and_every_step_finishes() {
    let d = SimDaemon::start(act_at_once).await;
    let on_a = d.running_on("esx-a.lab").await;
    assert!(!on_a.is_empty(), "the simulated lab runs VMs on esx-a");

    d.mains("ups-a", false).await;
    let status = d
        .read_until(|s| last_run(s, PlanType::Shed).is_some())
        .await;
    let shed = last_run(&status, PlanType::Shed).expect("a shed");
    let shed = d.ended(shed.id).await;

    assert_eq!(shed.state, RunStatus::Finished, "{shed:?}");
    assert!(!shed.plan.steps.is_empty(), "{shed:?}");
    assert_eq!(shed.counts.failed, 0, "{shed:?}");
    assert_eq!(shed.counts.skipped, 0, "{shed:?}");
    assert_eq!(shed.counts.done as usize, shed.plan.steps.len(), "{shed:?}");
    assert_eq!(d.power_of("esx-a").await, PowerState::Off);
    assert_eq!(d.power_of("esx-b").await, PowerState::On);
    assert!(
        d.running_on("esx-a.lab").await.is_empty(),
        "nothing runs on the host that was shut down"
    );
    let on_b = d.running_on("esx-b.lab").await;
    assert!(
        on_a.iter().any(|vm| on_b.contains(vm)),
        "some of esx-a's VMs were moved to esx-b: {on_a:?} -> {on_b:?}"
    );
}

#[tokio::test]
async fn mains_back_within_the_grace_period_cancels_without_shedding() {
    let d = SimDaemon::start(|_| {}).await;
    let grace_s = d.shared.inventory().ups[&ups_id("ups-a")].policy.grace_s;
    assert!(grace_s >= 10, "the default grace outlasts this test");
    let on_a = d.running_on("esx-a.lab").await;

    d.mains("ups-a", false).await;
    d.mains("ups-a", true).await;
    let status = d.status().await;

    assert!(status.active.is_none(), "{status:?}");
    assert!(status.recent.is_empty(), "no run was started: {status:?}");
    let events = d.events().await;
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DomainEvent::OutageGraceStarted { .. })),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| matches!(e, DomainEvent::OutagePowerReturned { .. })),
        "{events:?}"
    );
    assert_eq!(d.power_of("esx-a").await, PowerState::On);
    assert_eq!(d.running_on("esx-a.lab").await, on_a);
}

#[tokio::test]
async fn a_restore_after_the_shed_brings_hosts_and_vms_back() {
    let d = SimDaemon::start(act_at_once).await;
    let on_a = d.running_on("esx-a.lab").await;
    d.mains("ups-a", false).await;
    let status = d
        .read_until(|s| last_run(s, PlanType::Shed).is_some())
        .await;
    let shed = d
        .ended(last_run(&status, PlanType::Shed).expect("a shed").id)
        .await;
    assert_eq!(shed.state, RunStatus::Finished, "{shed:?}");
    assert_eq!(d.power_of("esx-a").await, PowerState::Off);

    d.mains("ups-a", true).await;
    let status = d
        .read_until(|s| last_run(s, PlanType::Restore).is_some())
        .await;
    let restore = d
        .ended(last_run(&status, PlanType::Restore).expect("a restore").id)
        .await;

    assert_eq!(restore.state, RunStatus::Finished, "{restore:?}");
    assert_eq!(restore.undoes, vec![shed.id]);
    assert_eq!(restore.counts.failed, 0, "{restore:?}");
    assert_eq!(d.power_of("esx-a").await, PowerState::On);
    assert_eq!(
        d.running_on("esx-a.lab").await,
        on_a,
        "esx-a's VMs are back where they ran, running"
    );
    let status = d.status().await;
    assert!(status.unrestored.is_empty(), "{status:?}");
}

/// [`LAB`], plus an ESXi host with two PSUs on `ups-a` and `ups-c`, neither carrying it
/// alone: it is shed with `esx-a`, and cannot power on while `ups-c`'s output is off.
const LAB_WITH_DUAL_FED_HOST: &str = r#"
[[ups]]
name = "ups-c"
room = "lab-a"
nut = "ups-c@127.0.0.1:1"
[[server]]
name = "esx-ac"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a", "ups-c"]
feeds_required = 2
vsphere_host = "esx-ac.lab"
"#;

/// The restore powers `esx-ac` on while `ups-c` has cut its output: the simulated BMC refuses,
/// the step fails after its retries (paused time skips their backoff), what needs that host
/// (its reconnection, leaving maintenance, its VMs coming back) is skipped, and `esx-a`'s part
/// of the restore still finishes.
#[tokio::test(start_paused = true)]
async fn a_failed_step_fails_only_the_steps_that_need_it() {
    let lab = format!("{LAB}{LAB_WITH_DUAL_FED_HOST}");
    let d = SimDaemon::start_on(&lab, |inventory| {
        act_at_once(inventory);
        // `ups-c` stays on battery through the restore: its grace outlasts the test.
        if let Some(c) = inventory.ups.get_mut(&ups_id("ups-c")) {
            c.policy.grace_s = 3600;
        }
    })
    .await;
    let on_a = d.running_on("esx-a.lab").await;
    assert!(!d.running_on("esx-ac.lab").await.is_empty());
    d.mains("ups-a", false).await;
    let status = d
        .read_until(|s| last_run(s, PlanType::Shed).is_some())
        .await;
    let shed = d
        .ended(last_run(&status, PlanType::Shed).expect("a shed").id)
        .await;
    assert_eq!(shed.state, RunStatus::Finished, "{shed:?}");
    assert_eq!(d.power_of("esx-a").await, PowerState::Off);
    assert_eq!(d.power_of("esx-ac").await, PowerState::Off);

    // `ups-c` cuts its output now and, without mains, keeps it off.
    let ups_c = d.shared.inventory().ups[&ups_id("ups-c")].clone();
    d.lab()
        .ups_off_then_return(&ups_c, 0)
        .await
        .expect("simulated UPS-off");
    d.mains("ups-c", false).await;
    d.mains("ups-a", true).await;
    let status = d
        .read_until(|s| last_run(s, PlanType::Restore).is_some())
        .await;
    let restore = d
        .ended(last_run(&status, PlanType::Restore).expect("a restore").id)
        .await;

    let (on_ac, elsewhere): (Vec<&StepView>, Vec<&StepView>) = restore
        .plan
        .steps
        .iter()
        .partition(|s| s.action.contains("esx-ac"));
    let state_of =
        |steps: &[&StepView], state| steps.iter().filter(|s| s.state == Some(state)).count();
    assert_eq!(state_of(&on_ac, StepStatus::Failed), 1, "{on_ac:#?}");
    assert!(
        on_ac
            .iter()
            .any(|s| s.state == Some(StepStatus::Failed) && s.action == "power on server esx-ac"),
        "{on_ac:#?}"
    );
    assert!(state_of(&on_ac, StepStatus::Skipped) > 0, "{on_ac:#?}");
    assert_eq!(
        state_of(&on_ac, StepStatus::Failed) + state_of(&on_ac, StepStatus::Skipped),
        on_ac.len(),
        "everything that needs esx-ac is skipped: {on_ac:#?}"
    );
    assert_eq!(
        state_of(&elsewhere, StepStatus::Done),
        elsewhere.len(),
        "what does not need esx-ac finishes: {elsewhere:#?}"
    );
    assert_eq!(d.power_of("esx-ac").await, PowerState::Off);
    assert_eq!(d.power_of("esx-a").await, PowerState::On);
    assert_eq!(d.running_on("esx-a.lab").await, on_a);
}
