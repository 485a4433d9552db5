//! A restore starts a server only once what it depends on has booted: a hypervisor when
//! vCenter sees it connected, not when its BMC first says On.

use super::fixture::{Lab, lines};
use crate::outage::{Before, JournalEntry, StepEstimates, StepState, restore_plan};
use crate::state::PowerState;

#[test]
fn a_server_powers_on_after_the_hypervisor_it_depends_on_reconnected() {
    let mut lab = Lab::new(&["ups-a"]);
    lab.host("esx-a1", &["ups-a"], 64)
        .host("esx-san", &["ups-a"], 64)
        .depends("esx-a1", "esx-san")
        .at_risk(&["ups-a"]);
    let journal: Vec<JournalEntry> = lab
        .plan()
        .steps
        .into_iter()
        .map(|step| JournalEntry {
            step,
            state: StepState::Done,
            before: Some(Before::Server {
                power: PowerState::On,
                in_maintenance: Some(false),
            }),
        })
        .collect();
    let plan = restore_plan(&journal, &lab.inventory, &StepEstimates::default());
    plan.check().expect("well-formed restore plan");
    let lines = lines(&plan);
    assert_eq!(
        lines[..3],
        [
            "#1 power on server esx-san",
            "#2 wait for esx-san to reconnect to vCenter after #1",
            "#3 power on server esx-a1 after #2",
        ],
        "{lines:#?}"
    );
}
