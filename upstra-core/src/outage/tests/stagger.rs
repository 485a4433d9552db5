//! `power_on_stagger`: the restore's timeline spaces a room's power-on commands.

use super::fixture::Lab;
use crate::ids::RoomId;
use crate::model::{Room, ServerKind};
use crate::outage::{Before, JournalEntry, StepAction, StepEstimates, StepState, restore_plan};
use crate::state::PowerState;

/// A lab of three storage servers of one room on one UPS, shed and to be restored, with the
/// room's stagger set to `stagger_s`.
fn restore_with_stagger(stagger_s: u64) -> crate::outage::Plan {
    let mut lab = Lab::new(&["ups-a"]);
    lab.server("nas-1", ServerKind::Storage, &["ups-a"], 1)
        .server("nas-2", ServerKind::Storage, &["ups-a"], 1)
        .server("nas-3", ServerKind::Storage, &["ups-a"], 1)
        .at_risk(&["ups-a"]);
    let room = RoomId::new("room").expect("room");
    lab.inventory.rooms.insert(
        room.clone(),
        Room {
            id: room,
            power_on_stagger_s: stagger_s,
        },
    );
    let journal: Vec<JournalEntry> = lab
        .plan()
        .steps
        .into_iter()
        .map(|step| JournalEntry {
            step,
            state: StepState::Done,
            before: Some(Before::Server {
                power: PowerState::On,
                in_maintenance: None,
            }),
        })
        .collect();
    let plan = restore_plan(&journal, &lab.inventory, &StepEstimates::default());
    plan.check().expect("well-formed restore plan");
    plan
}

fn power_on_starts(plan: &crate::outage::Plan) -> Vec<u64> {
    plan.steps
        .iter()
        .filter(|s| matches!(s.action, StepAction::PowerOnServer { .. }))
        .map(|s| plan.schedule.start_s[s.id.index()])
        .collect()
}

#[test]
fn a_rooms_power_ons_are_planned_a_stagger_apart() {
    let plan = restore_with_stagger(7);
    assert_eq!(power_on_starts(&plan), [0, 7, 14]);
    let power_on = StepEstimates::default().power_on_server_s;
    assert_eq!(plan.schedule.makespan_s, 14 + power_on);
}

#[test]
fn without_a_stagger_they_start_together() {
    let plan = restore_with_stagger(0);
    assert_eq!(power_on_starts(&plan), [0, 0, 0]);
}
