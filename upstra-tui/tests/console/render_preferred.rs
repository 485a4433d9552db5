//! The plan view says where the VMs of a server with preferred hosts (`migrate_to`) go, and
//! why a preferred host was passed over, in English and French.

use crate::support;

use support::plan::{quiet, shed};
use support::replied;
use support::{key, logged_in, press};
use upstra_core::ids::ServerId;
use upstra_core::outage::{PreferredChoice, Skipped, Unfit};
use upstra_tui::console::call::Reply;

fn sid(s: &str) -> ServerId {
    ServerId::new(s).expect("name")
}

#[test]
fn plan_preview_with_preferred_hosts() {
    let mut plan = shed();
    plan.preferred = vec![
        PreferredChoice {
            vm: "web-01".into(),
            from: sid("esx-a1"),
            used: Some(sid("esx-b2")),
            skipped: vec![Skipped {
                server: sid("esx-a2"),
                why: Unfit::Shed,
            }],
        },
        PreferredChoice {
            // A VM's name is vCenter's free text.
            vm: "db\u{1b}[2J".into(),
            from: sid("esx-a1"),
            used: None,
            skipped: vec![Skipped {
                server: sid("esx-b2"),
                why: Unfit::NoRoom,
            }],
        },
    ];
    let mut state = logged_in();
    press(&mut state, "j");
    key(&mut state, crossterm::event::KeyCode::F(3));
    replied(
        &mut state,
        Reply::PlanShown {
            ups: Some("ups-a1".into()),
            result: Ok(plan),
        },
    );
    replied(&mut state, Reply::PlanStatus(Ok(quiet())));
    screens!("plan_preferred", state);
}

#[test]
fn a_server_with_preferred_hosts_lists_them_in_its_details() {
    let mut state = logged_in();
    let mut lists = support::lab();
    for s in &mut lists.servers {
        if s.name == "esx-a1" {
            s.migrate_to = vec!["esx-b1".into(), "esx-b2".into()];
        }
    }
    let epoch = state.epoch;
    support::apply(
        &mut state,
        vec![upstra_tui::console::action::Action::ListsLoaded {
            epoch,
            result: Ok(lists),
        }],
    );
    // lab-a, ups-a1, then esx-a1.
    support::apply(
        &mut state,
        vec![
            upstra_tui::console::action::Action::Down,
            upstra_tui::console::action::Action::Down,
        ],
    );
    screens!("server_migrate_to", state);
}
