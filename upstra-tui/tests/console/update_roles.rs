//! `update` for the accounts view's roles and the rest of user admin: a new role (a name and
//! permissions ticked among the names `upstra_core::rbac` knows), removing a role or a user
//! through the confirm dialog, giving a user a role from a picker, and the daemon's refusals
//! (last admin, built-in role, role still granted) worded in the operator's language.

use crate::support;

use crossterm::event::KeyCode;
use support::{accounts, apply, key, logged_in_with, people, press};
use support::{calls, replied};
use upstra_core::api::v1::{ApiError, ConflictReason, RoleView};
use upstra_tui::console::action::{Action, ConfirmAction, Failure, FormAction};
use upstra_tui::console::call::{Call, Outcome, Reply, Request};
use upstra_tui::console::lang::Lang;
use upstra_tui::console::message::Message;
use upstra_tui::console::state::{AdminTab, Mode, Overlay, RoleDraft, State};

const ADMIN: &str = "read,write,delete,power,migrate,ssh,plan,audit,admin";

/// The accounts view of an admin, with a role of the lab's own, `auditor`.
fn on_accounts() -> State {
    let mut state = logged_in_with(ADMIN);
    key(&mut state, KeyCode::F(5));
    let mut accounts = accounts();
    accounts.roles.push(RoleView {
        name: "auditor".into(),
        permissions: vec!["read".into(), "audit".into()],
        builtin: false,
    });
    replied(&mut state, Reply::Accounts(Ok(accounts)));
    replied(&mut state, Reply::People(Ok(people(None))));
    state
}

fn draft(state: &State) -> &RoleDraft {
    match &state.overlay {
        Some(Overlay::Role(draft)) => draft,
        other => panic!("no role form: {other:?}"),
    }
}

fn asked(state: &State) -> Option<&Request> {
    match &state.overlay {
        Some(Overlay::Ask(a)) => Some(&a.request),
        _ => None,
    }
}

/// The status line's words in `lang`.
fn notice_in(state: &State, lang: Lang) -> String {
    let message = &state.notice.as_ref().expect("a notice").message;
    lang.strings().message(message)
}

fn refused(reason: ConflictReason, message: &str) -> Failure {
    Failure::Refused(ApiError::Conflict {
        message: message.into(),
        reason,
    })
}

#[test]
fn a_new_role_ticks_permissions_among_the_rbac_names_and_sends_them() {
    let mut state = on_accounts();
    apply(&mut state, vec![Action::Expand]);
    assert_eq!(state.admin.tab, AdminTab::Roles);
    press(&mut state, "+");
    assert_eq!(state.mode(), Mode::Form);
    assert_eq!(
        RoleDraft::choices(),
        [
            "read", "write", "delete", "power", "migrate", "ssh", "plan", "audit", "admin"
        ]
    );
    apply(
        &mut state,
        "night-shift"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .collect(),
    );
    // Down to `read`, tick it; down to `power`, tick it; a letter there types nothing.
    apply(
        &mut state,
        vec![
            Action::Form(FormAction::Move(1)),
            Action::Form(FormAction::Char(' ')),
            Action::Form(FormAction::Move(1)),
            Action::Form(FormAction::Move(1)),
            Action::Form(FormAction::Move(1)),
            Action::Form(FormAction::Char(' ')),
            Action::Form(FormAction::Char('x')),
        ],
    );
    assert_eq!(draft(&state).name, "night-shift");
    assert_eq!(draft(&state).permissions.names(), ["read", "power"]);
    // Space twice unticks and ticks again.
    apply(
        &mut state,
        vec![
            Action::Form(FormAction::Char(' ')),
            Action::Form(FormAction::Char(' ')),
        ],
    );
    let effects = apply(&mut state, vec![Action::Form(FormAction::Submit)]);
    assert_eq!(
        calls(&effects),
        vec![Call::CreateRole {
            name: "night-shift".into(),
            permissions: vec!["read".into(), "power".into()],
        }]
    );
    assert!(draft(&state).pending);
    assert!(
        apply(&mut state, vec![Action::Form(FormAction::Char(' '))]).is_empty(),
        "nothing changes while it is sent"
    );
    assert_eq!(draft(&state).permissions.names(), ["read", "power"]);

    let effects = replied(
        &mut state,
        Reply::RoleCreated {
            name: "night-shift".into(),
            result: Ok(()),
        },
    );
    assert!(state.overlay.is_none());
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::RoleCreated("night-shift".into()))
    );
    assert!(calls(&effects).contains(&Call::Accounts), "the roles again");
}

#[test]
fn a_role_needs_a_name_and_a_permission_and_a_refusal_stays_in_the_form() {
    let mut state = on_accounts();
    apply(&mut state, vec![Action::Expand]);
    press(&mut state, "+");
    apply(&mut state, vec![Action::Form(FormAction::Move(-1))]);
    assert_eq!(draft(&state).focus, 9, "Shift-Tab from the name: admin");
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert!(matches!(draft(&state).error, Some(Message::NeedField(_))));
    assert_eq!(draft(&state).focus, 0, "back on the name");
    apply(
        &mut state,
        "auditor"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .collect(),
    );
    assert!(apply(&mut state, vec![Action::Form(FormAction::Submit)]).is_empty());
    assert_eq!(draft(&state).error, Some(Message::NeedPermission));
    assert_eq!(draft(&state).focus, 1, "on the first permission");
    apply(
        &mut state,
        vec![
            Action::Form(FormAction::Char(' ')),
            Action::Form(FormAction::Submit),
        ],
    );
    replied(
        &mut state,
        Reply::RoleCreated {
            name: "auditor".into(),
            result: Err(refused(
                ConflictReason::RoleExists,
                "role `auditor` already exists",
            )),
        },
    );
    let error = draft(&state).error.clone().expect("the reason");
    assert!(!draft(&state).pending);
    assert_eq!(
        Lang::En.strings().message(&error),
        "A role of that name exists already."
    );
    assert_eq!(
        Lang::Fr.strings().message(&error),
        "Un rôle de ce nom existe déjà."
    );
}

#[test]
fn a_built_in_role_is_refused_at_once_and_another_is_asked_about() {
    let mut state = on_accounts();
    apply(&mut state, vec![Action::Expand]);
    key(&mut state, KeyCode::Delete);
    assert!(state.overlay.is_none(), "admin is built in: no question");
    assert_eq!(
        state.notice.as_ref().map(|n| &n.message),
        Some(&Message::BuiltinRole("admin".into()))
    );

    press(&mut state, "G"); // auditor
    key(&mut state, KeyCode::Delete);
    let request = Request::RemoveRole {
        name: "auditor".into(),
    };
    assert_eq!(asked(&state), Some(&request));
    let effects = apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    assert_eq!(calls(&effects), vec![Call::Do(request.clone())]);
    replied(
        &mut state,
        Reply::Done {
            request,
            result: Err(refused(
                ConflictReason::RoleInUse { grants: 2 },
                "role `auditor` is used by 2 grant(s); remove them first (`upstra grant list`)",
            )),
        },
    );
    assert_eq!(
        notice_in(&state, Lang::En),
        "Could not remove role auditor: 2 grants still give it: remove them first, in the \
         grants tab."
    );
}

#[test]
fn removing_a_user_asks_first_and_the_last_admin_refusal_reads_in_both_languages() {
    let mut state = on_accounts();
    key(&mut state, KeyCode::Delete);
    let request = Request::RemoveUser {
        user: "alice".into(),
    };
    assert_eq!(asked(&state), Some(&request));
    assert!(request.is_destructive());
    let effects = apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    assert_eq!(calls(&effects), vec![Call::Do(request.clone())]);
    replied(
        &mut state,
        Reply::Done {
            request,
            result: Err(refused(
                ConflictReason::LastAdmin,
                "`alice` is the last admin and cannot be removed; make another user admin first",
            )),
        },
    );
    assert_eq!(
        notice_in(&state, Lang::En),
        "Could not remove alice: They are the last admin: make another user admin first."
    );
    assert_eq!(
        notice_in(&state, Lang::Fr),
        "Impossible de supprimer alice : C'est le dernier admin : donnez d'abord le rôle \
         admin à un autre utilisateur."
    );
}

#[test]
fn a_removed_user_refreshes_the_accounts() {
    let mut state = on_accounts();
    press(&mut state, "j");
    key(&mut state, KeyCode::Delete);
    apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    let effects = replied(
        &mut state,
        Reply::Done {
            request: Request::RemoveUser { user: "bob".into() },
            result: Ok(Outcome::Done),
        },
    );
    assert!(calls(&effects).contains(&Call::Accounts));
    assert_eq!(notice_in(&state, Lang::En), "bob is removed.");
}

#[test]
fn a_role_is_picked_from_the_roles_then_confirmed() {
    let mut state = on_accounts();
    press(&mut state, "j"); // bob, a viewer
    press(&mut state, "A");
    let Some(Overlay::Roles(picker)) = &state.overlay else {
        panic!("no role picker: {:?}", state.overlay);
    };
    assert_eq!(picker.user, "bob");
    assert_eq!(picker.roles, ["admin", "operator", "viewer", "auditor"]);
    assert_eq!(picker.selected, 2, "on the role bob has");
    assert_eq!(state.mode(), Mode::Hosts);

    // The role he has already: nothing to ask.
    press(&mut state, "\n");
    assert!(state.overlay.is_none());

    press(&mut state, "Ak\n");
    let request = Request::SetRole {
        user: "bob".into(),
        role: "operator".into(),
    };
    assert_eq!(asked(&state), Some(&request));
    let effects = apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    assert_eq!(calls(&effects), vec![Call::Do(request.clone())]);
    let effects = replied(
        &mut state,
        Reply::Done {
            request,
            result: Ok(Outcome::Done),
        },
    );
    assert!(calls(&effects).contains(&Call::Accounts));
    assert_eq!(
        notice_in(&state, Lang::En),
        "bob now has role operator on everything."
    );
}

#[test]
fn demoting_the_last_admin_is_refused_by_the_daemon_and_said_so() {
    let mut state = on_accounts();
    press(&mut state, "Aj\n"); // alice: admin → operator
    apply(
        &mut state,
        vec![
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    replied(
        &mut state,
        Reply::Done {
            request: Request::SetRole {
                user: "alice".into(),
                role: "operator".into(),
            },
            result: Err(refused(
                ConflictReason::LastAdmin,
                "`alice` is the last admin and cannot be demoted; make another user admin first",
            )),
        },
    );
    assert_eq!(
        notice_in(&state, Lang::En),
        "Could not give alice the role operator: They are the last admin: make another user \
         admin first."
    );
}

#[test]
fn without_admin_the_account_changes_are_refused_before_any_question() {
    let mut state = logged_in_with("read");
    key(&mut state, KeyCode::F(5));
    press(&mut state, "A");
    assert!(state.overlay.is_none());
    assert!(matches!(
        state.notice.as_ref().map(|n| &n.message),
        Some(Message::Refused(ApiError::Forbidden { .. }))
    ));
}
