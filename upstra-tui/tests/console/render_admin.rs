//! What the accounts view draws, in English and French at 80×24 and 200×50: users, roles,
//! grants, sessions and who is connected (also for someone who is not an admin), the new user
//! form with its passwords masked, the new role form, the role picker, a reset secret shown
//! once, and the daemon refusing to remove the last admin.

use crate::support;

use crossterm::event::KeyCode;
use support::replied;
use support::{accounts, apply, key, logged_in_with, people, press};
use upstra_core::api::v1::{ApiError, ConflictReason, ResetSecret};
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;
use upstra_tui::console::action::{Action, Failure, FormAction};
use upstra_tui::console::call::{Outcome, Reply, Request};
use upstra_tui::console::state::State;

const ADMIN: &str = "read,write,delete,power,migrate,ssh,plan,audit,admin";

fn on_accounts(permissions: &str) -> State {
    let mut state = logged_in_with(permissions);
    key(&mut state, KeyCode::F(5));
    replied(&mut state, Reply::Accounts(Ok(accounts())));
    replied(&mut state, Reply::People(Ok(people(None))));
    state
}

#[test]
fn accounts_users() {
    let mut state = on_accounts(ADMIN);
    press(&mut state, "j");
    screens!("accounts_users", state);
}

#[test]
fn accounts_roles() {
    let mut state = on_accounts(ADMIN);
    apply(&mut state, vec![Action::Expand]);
    press(&mut state, "j");
    screens!("accounts_roles", state);
}

#[test]
fn accounts_grants() {
    let mut state = on_accounts(ADMIN);
    apply(&mut state, vec![Action::Expand, Action::Expand]);
    screens!("accounts_grants", state);
}

#[test]
fn accounts_new_role_form() {
    let mut state = on_accounts(ADMIN);
    apply(&mut state, vec![Action::Expand]);
    press(&mut state, "+");
    let mut actions: Vec<Action> = "night-shift"
        .chars()
        .map(|c| Action::Form(FormAction::Char(c)))
        .collect();
    // Tick read and power; leave the marker on power.
    actions.extend([
        Action::Form(FormAction::Move(1)),
        Action::Form(FormAction::Char(' ')),
        Action::Form(FormAction::Move(3)),
        Action::Form(FormAction::Char(' ')),
    ]);
    apply(&mut state, actions);
    screens!("accounts_new_role", state);
}

#[test]
fn accounts_role_picker() {
    let mut state = on_accounts(ADMIN);
    press(&mut state, "jA");
    screens!("accounts_role_picker", state);
}

#[test]
fn accounts_removing_the_last_admin_is_refused() {
    let mut state = on_accounts(ADMIN);
    replied(
        &mut state,
        Reply::Done {
            request: Request::RemoveUser {
                user: "alice".into(),
            },
            result: Err(Failure::Refused(ApiError::Conflict {
                message: "`alice` is the last admin and cannot be removed; make another user \
                          admin first"
                    .into(),
                reason: ConflictReason::LastAdmin,
            })),
        },
    );
    screens!("accounts_last_admin_refused", state);
}

#[test]
fn accounts_sessions_and_presence() {
    let mut state = on_accounts(ADMIN);
    apply(&mut state, vec![Action::Collapse]);
    screens!("accounts_people", state);
}

#[test]
fn accounts_for_someone_who_is_not_an_admin() {
    let state = on_accounts("read");
    screens!("accounts_not_admin", state);
}

#[test]
fn accounts_new_user_form() {
    let mut state = on_accounts(ADMIN);
    press(&mut state, "+");
    apply(
        &mut state,
        "dave"
            .chars()
            .map(|c| Action::Form(FormAction::Char(c)))
            .chain([
                Action::Form(FormAction::Move(1)),
                Action::Form(FormAction::Move(1)),
            ])
            .chain("s3cret!".chars().map(|c| Action::Form(FormAction::Char(c))))
            .collect(),
    );
    screens!("accounts_new_user", state);
}

#[test]
fn accounts_reset_secret_shown_once() {
    let mut state = on_accounts(ADMIN);
    replied(
        &mut state,
        Reply::Done {
            request: Request::ResetPassword { user: "bob".into() },
            result: Ok(Outcome::Reset(ResetSecret {
                secret: Secret::new("7HQ2-K9PX-M4TR-W8ZD"),
                expires_at: Timestamp(1_795_600_900_000),
            })),
        },
    );
    screens!("accounts_reset_secret", state);
}
