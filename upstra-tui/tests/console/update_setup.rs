//! `update` for the first-run setup wizard: the first admin when the store has no user (then
//! a login with it), the lab when a session that may write finds none (once), a UPS added
//! through its form with the password moved into the declaration, a lab file read, reviewed
//! as a dry run and applied, and the live check after each apply.

use crate::support;
use crate::support::setup::{choose, on_empty_lab};

use std::path::PathBuf;
use support::{calls, replied};

use support::apply;
use upstra_core::api::v1::{
    ApplyReport, Change, ChangeKind, EntityKind, Health, LabSpec, LoginSpec, RoomSpec, SyncReport,
    UpsSpec,
};
use upstra_core::secret::Secret;
use upstra_tui::console::action::{Action, Effect, FormAction};
use upstra_tui::console::call::{Call, LabFile, Reply};
use upstra_tui::console::message::Message;
use upstra_tui::console::state::{FieldName, Lists, Mode, Screen, SetupChoice, SetupStep, State};

fn typed(state: &mut State, text: &str) {
    apply(
        state,
        text.chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .collect(),
    );
}

fn next(state: &mut State) {
    apply(state, vec![Action::Form(FormAction::Move(1))]);
}

fn health(has_users: bool) -> Health {
    Health {
        version: "0".into(),
        api_version: 1,
        has_users,
        simulated: false,
    }
}

fn report(dry_run: bool, changes: &[(EntityKind, &str)]) -> ApplyReport {
    ApplyReport {
        dry_run,
        changes: changes
            .iter()
            .map(|(entity, name)| Change {
                entity: *entity,
                name: (*name).into(),
                kind: ChangeKind::Create,
            })
            .collect(),
        warnings: Vec::new(),
    }
}

#[test]
fn a_store_without_users_opens_the_wizard_on_the_first_admin_then_logs_in() {
    let mut state = State::new("/s");
    apply(&mut state, vec![Action::Start { session: None }]);
    assert_eq!(state.screen, Screen::Login);
    replied(&mut state, Reply::Health(Ok(health(false))));
    assert_eq!(state.screen, Screen::Setup);
    assert_eq!(state.setup.step, SetupStep::Admin);
    assert_eq!(state.mode(), Mode::Setup);
    typed(&mut state, "root-admin");
    next(&mut state);
    typed(&mut state, "long enough password");
    next(&mut state);
    typed(&mut state, "long enough passwrd");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    let form = state.setup.form.as_ref().expect("the form");
    assert_eq!(form.error, Some(Message::PasswordsDiffer));
    typed(&mut state, "long enough password");
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert_eq!(
        effects,
        vec![Effect::Call {
            epoch: state.epoch,
            token: None,
            call: Call::Setup {
                user: "root-admin".into(),
                password: Secret::new("long enough password"),
            },
        }]
    );
    let effects = replied(&mut state, Reply::Setup(Ok(())));
    assert_eq!(
        effects,
        vec![Effect::Login {
            user: "root-admin".into(),
            password: Secret::new("long enough password"),
        }]
    );
    assert_eq!(state.screen, Screen::Login);
    assert!(state.login.pending);
    assert!(state.setup.form.is_none(), "the typed password is gone");
    // A store with users keeps the login.
    let mut other = State::new("/s");
    apply(&mut other, vec![Action::Start { session: None }]);
    replied(&mut other, Reply::Health(Ok(health(true))));
    assert_eq!(other.screen, Screen::Login);
}

#[test]
fn an_empty_lab_opens_the_wizard_once_for_who_may_write() {
    let mut state = on_empty_lab("/s", "read,write");
    assert_eq!(state.screen, Screen::Setup);
    assert_eq!(state.setup.step, SetupStep::Menu);
    // Esc finishes: the lab view, followed.
    let effects = apply(&mut state, vec![Action::CloseOverlay]);
    assert_eq!(state.screen, Screen::Tree);
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FollowEvents { .. }))
    );
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(Lists::default()),
        }],
    );
    assert_eq!(state.screen, Screen::Tree, "not twice");
    let viewer = on_empty_lab("/s", "read");
    assert_eq!(viewer.screen, Screen::Tree);
}

#[test]
fn a_ups_added_by_hand_is_applied_then_every_peer_is_read() {
    let mut state = on_empty_lab("/s", "read,write");
    choose(&mut state, SetupChoice::Ups);
    assert_eq!(state.setup.step, SetupStep::Form);
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(
        state.setup.form.as_ref().and_then(|f| f.error.clone()),
        Some(Message::NeedField(FieldName::Name))
    );
    typed(&mut state, "ups-a1");
    next(&mut state);
    typed(&mut state, "lab-a");
    next(&mut state);
    // Read over NUT, the default.
    next(&mut state);
    typed(&mut state, "ups-a1@10.0.0.5:3493");
    next(&mut state);
    typed(&mut state, "monuser");
    next(&mut state);
    typed(&mut state, "nut secret");
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    let want = LabSpec {
        ups: vec![UpsSpec {
            name: "ups-a1".into(),
            room: "lab-a".into(),
            nut: "ups-a1@10.0.0.5:3493".into(),
            snmp: None,
            login: Some(LoginSpec {
                user: "monuser".into(),
                password: Some(Secret::new("nut secret")),
            }),
            policy: Default::default(),
        }],
        ..LabSpec::default()
    };
    assert_eq!(
        calls(&effects),
        vec![Call::Apply {
            spec: Box::new(want),
            dry_run: false
        }]
    );
    assert_eq!(
        state
            .setup
            .form
            .as_ref()
            .map(|f| f.value(FieldName::Password)),
        Some(""),
        "the password moved into the declaration"
    );
    let effects = replied(
        &mut state,
        Reply::Applied {
            dry_run: false,
            result: Ok(report(false, &[(EntityKind::Ups, "ups-a1")])),
        },
    );
    assert!(
        effects
            .iter()
            .any(|e| matches!(e, Effect::FetchLists { .. }))
    );
    assert!(calls(&effects).contains(&Call::Sync));
    assert_eq!(state.setup.step, SetupStep::Check);
    assert_eq!(
        state.setup.declared,
        vec![(EntityKind::Ups, "ups-a1".to_owned())]
    );
    replied(
        &mut state,
        Reply::Synced(Ok(SyncReport {
            ups_read: 1,
            servers_read: 0,
            vms: 0,
            problems: vec!["ups ups-a1: connection refused".into()],
        })),
    );
    assert!(state.setup.sync.is_some());
    apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert_eq!(state.setup.step, SetupStep::Menu);
}

#[test]
fn a_lab_file_is_read_here_reviewed_as_a_dry_run_then_applied() {
    let mut state = on_empty_lab("/s", "read,write");
    choose(&mut state, SetupChoice::LabFile);
    typed(&mut state, "/etc/upstra/lab.toml");
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert_eq!(
        calls(&effects),
        vec![Call::ReadLab {
            path: PathBuf::from("/etc/upstra/lab.toml")
        }]
    );
    // Problems stay in the form, listed.
    replied(
        &mut state,
        Reply::LabRead(Err(vec![
            "lab.toml:3: `rooom` is not a table of a lab file".into(),
        ])),
    );
    assert_eq!(
        state.setup.form.as_ref().and_then(|f| f.error.clone()),
        Some(Message::LabProblems(1))
    );
    assert_eq!(state.setup.problems.len(), 1);
    apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    let spec = LabSpec {
        rooms: vec![RoomSpec {
            name: "lab-a".into(),
            power_on_stagger_s: None,
        }],
        ..LabSpec::default()
    };
    let effects = replied(
        &mut state,
        Reply::LabRead(Ok(LabFile {
            path: "/etc/upstra/lab.toml".into(),
            spec: spec.clone(),
        })),
    );
    assert_eq!(
        calls(&effects),
        vec![Call::Apply {
            spec: Box::new(spec.clone()),
            dry_run: true
        }]
    );
    replied(
        &mut state,
        Reply::Applied {
            dry_run: true,
            result: Ok(report(true, &[(EntityKind::Room, "lab-a")])),
        },
    );
    assert_eq!(state.setup.step, SetupStep::Review);
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert_eq!(
        calls(&effects),
        vec![Call::Apply {
            spec: Box::new(spec),
            dry_run: false
        }]
    );
}

#[test]
fn a_server_with_a_tier_that_is_not_a_number_is_not_sent() {
    let mut state = on_empty_lab("/s", "read,write");
    choose(&mut state, SetupChoice::Server);
    typed(&mut state, "esx-a1");
    next(&mut state);
    typed(&mut state, "lab-a");
    next(&mut state);
    next(&mut state);
    next(&mut state);
    apply(&mut state, vec![Action::Form(FormAction::Backspace)]);
    typed(&mut state, "x");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(
        state.setup.form.as_ref().and_then(|f| f.error.clone()),
        Some(Message::BadNumber(FieldName::Tier))
    );
    // Esc goes back to the menu, Esc again finishes.
    apply(&mut state, vec![Action::CloseOverlay]);
    assert_eq!(state.setup.step, SetupStep::Menu);
    apply(&mut state, vec![Action::CloseOverlay]);
    assert_eq!(state.screen, Screen::Tree);
}
