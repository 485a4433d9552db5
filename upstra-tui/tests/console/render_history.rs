//! What the history view draws, in English and French at 80×24 and 200×50: the charts per
//! day and per action over the records, a filtered list, the filter form, and no permission.

use crate::support;

use crossterm::event::KeyCode;
use support::{apply, audit_trail, key, logged_in_with, press};
use upstra_tui::console::action::{Action, FormAction};
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::State;

fn on_history() -> State {
    let mut state = logged_in_with("read,audit");
    key(&mut state, KeyCode::F(4));
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::Replied {
            epoch,
            reply: Box::new(Reply::Audit(Ok(audit_trail()))),
        }],
    );
    state
}

#[test]
fn history_with_its_charts() {
    let mut state = on_history();
    press(&mut state, "jj");
    screens!("history", state);
}

#[test]
fn history_filter_form() {
    let mut state = on_history();
    press(&mut state, "/");
    apply(
        &mut state,
        "alice"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .collect(),
    );
    screens!("history_filter_form", state);
}

#[test]
fn history_without_the_permission() {
    let mut state = logged_in_with("read");
    key(&mut state, KeyCode::F(4));
    screens!("history_forbidden", state);
}

/// Records of an outage and of operators, as the daemon keeps them: one VM audited by its
/// vCenter id before names (the daemon names it), details as JSON.
fn outage_trail() -> Vec<upstra_core::api::v1::AuditView> {
    use support::audit;
    let at = 1_795_420_800;
    let with = |mut r: upstra_core::api::v1::AuditView, detail: &str| {
        r.detail = Some(detail.into());
        r
    };
    let mut old = with(
        audit(1, at, "bob", "vm_migrate", Some("vm:vm-101"), "ok"),
        r#"{"from":"esx-b1","to":"esx-a2"}"#,
    );
    old.target_name = Some("vm:db-01".into());
    vec![
        old,
        with(
            audit(2, at + 60, "alice", "plan_run", Some("ups:ups-a1"), "ok"),
            r#"{"reason":"run by alice","ups":["ups-a1"],"steps":12}"#,
        ),
        with(
            audit(3, at + 120, "alice", "vm_power", Some("vm:web-01"), "ok"),
            r#"{"action":"off","before":"poweredOn","vm_id":"vm-102"}"#,
        ),
    ]
}

#[test]
fn history_in_names_and_words() {
    let mut state = logged_in_with("read,audit");
    key(&mut state, KeyCode::F(4));
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::Replied {
            epoch,
            reply: Box::new(Reply::Audit(Ok(outage_trail()))),
        }],
    );
    // The oldest: the migration recorded with the VM's id.
    press(&mut state, "jj");
    let drawn = support::draw(&state, 200, 50).backend().to_string();
    assert!(drawn.contains("vm:db-01"), "{drawn}");
    assert!(!drawn.contains("vm-101"), "{drawn}");
    assert!(drawn.contains("moved from esx-b1 to esx-a2"), "{drawn}");
    assert!(!drawn.contains('{'), "{drawn}");
    screens!("history_names_and_words", state);
}
