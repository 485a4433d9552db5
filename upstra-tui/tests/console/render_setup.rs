//! What the setup wizard draws, in English and French at 80×24 and 200×50: the first admin,
//! the menu, a UPS form (password masked), a lab file's dry run, and the live check.

use crate::support;
use crate::support::setup::{choose, on_empty_lab};

use support::replied;
use support::{apply, ups};
use upstra_core::api::v1::{ApplyReport, Change, ChangeKind, EntityKind, Health, SyncReport};
use upstra_tui::console::action::{Action, FormAction};
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::{SetupChoice, State};

#[test]
fn setup_first_admin() {
    let mut state = State::new("/run/upstra/upstra.sock");
    apply(&mut state, vec![Action::Start { session: None }]);
    replied(
        &mut state,
        Reply::Health(Ok(Health {
            version: "0".into(),
            api_version: 1,
            has_users: false,
            simulated: false,
        })),
    );
    apply(
        &mut state,
        "admin"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .chain([Action::Form(FormAction::Move(1))])
            .chain(
                "hunter22"
                    .chars()
                    .map(|c| Action::Form(FormAction::Char(c))),
            )
            .collect(),
    );
    screens!("setup_first_admin", state);
}

#[test]
fn setup_menu() {
    let mut state = on_empty_lab("/run/upstra/upstra.sock", "read,write");
    apply(&mut state, vec![Action::Form(FormAction::Move(1))]);
    screens!("setup_menu", state);
}

#[test]
fn setup_ups_form() {
    let mut state = on_empty_lab("/run/upstra/upstra.sock", "read,write");
    choose(&mut state, SetupChoice::Ups);
    apply(
        &mut state,
        "ups-a1"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .chain([Action::Form(FormAction::Move(-1))])
            .chain("s3cret".chars().map(|c| Action::Form(FormAction::Char(c))))
            .collect(),
    );
    screens!("setup_ups_form", state);
}

#[test]
fn setup_lab_file_review() {
    let mut state = on_empty_lab("/run/upstra/upstra.sock", "read,write");
    choose(&mut state, SetupChoice::LabFile);
    let change = |entity, name: &str, kind| Change {
        entity,
        name: name.into(),
        kind,
    };
    state.setup.busy = false;
    replied(
        &mut state,
        Reply::Applied {
            dry_run: true,
            result: Ok(ApplyReport {
                dry_run: true,
                changes: vec![
                    change(EntityKind::Room, "lab-a", ChangeKind::Create),
                    change(EntityKind::Ups, "ups-a1", ChangeKind::Create),
                    change(EntityKind::Server, "esx-a1", ChangeKind::Create),
                    change(EntityKind::Vcenter, "vcenter", ChangeKind::Create),
                ],
                warnings: vec!["vcenter: its certificate is not pinned yet".into()],
            }),
        },
    );
    screens!("setup_lab_file_review", state);
}

#[test]
fn setup_live_check() {
    let mut state = on_empty_lab("/run/upstra/upstra.sock", "read,write");
    let epoch = state.epoch;
    let mut lab = support::lab();
    lab.ups[1].reachability = "comms_lost".into();
    lab.ups[1].comms_lost_reason = Some("connection refused".into());
    lab.servers.truncate(2);
    lab.servers[0].bmc_url = Some("https://10.0.0.21/redfish/v1/Systems/1".into());
    lab.ups.push(ups("ups-c1", "lab-b", "OL", 100.0));
    choose(&mut state, SetupChoice::Check);
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(lab),
        }],
    );
    replied(
        &mut state,
        Reply::Synced(Ok(SyncReport {
            ups_read: 2,
            servers_read: 1,
            vms: 4,
            problems: vec!["ups ups-b1: connection refused".into()],
        })),
    );
    screens!("setup_live_check", state);
}
