//! The accounts view in English.

use upstra_core::api::v1::SessionScope;

use super::admin::AdminWords;
use crate::console::call::Request;
use crate::console::state::AdminTab;

pub static ADMIN: AdminWords = AdminWords {
    title: "Accounts",
    tab: |t| match t {
        AdminTab::Users => "Users",
        AdminTab::Access => "Roles and grants",
        AdminTab::People => "Sessions and who is on",
    },
    loading: "Reading the accounts…",
    not_admin: "Users, roles and grants need the admin permission: here are your own sessions \
                and who is connected.",
    no_users: "No user.",
    col_name: "User",
    col_role: "Role",
    col_scoped: "Grants",
    col_two_factor: "2FA",
    col_state: "State",
    col_created: "Created (UTC)",
    user_state: |u| {
        if u.disabled {
            "DISABLED"
        } else if u.must_change_password {
            "must change password"
        } else {
            "active"
        }
    },
    yes: "yes",
    no: "no",
    roles_title: "Roles",
    col_permissions: "Permissions",
    builtin: "built in",
    grants_title: "Grants (Delete removes one, + adds one)",
    col_user: "User",
    col_on: "On",
    presence_title: "Connected now",
    nobody: "Nobody else.",
    col_since: "Since (UTC)",
    col_connections: "Connections",
    col_uids: "Unix uids",
    sessions_title: |of| match of {
        None => "Your sessions (Delete ends one)".to_owned(),
        Some(user) => format!("Sessions of {user} (Delete ends them all)"),
    },
    col_id: "Id",
    col_scope: "May",
    col_last_seen: "Last seen",
    col_expires: "Expires",
    scope: |s| match s {
        SessionScope::Full => "everything",
        SessionScope::EnrollTwoFactor => "set up 2FA",
        SessionScope::ChangePassword => "change password",
    },
    this_one: "this one",
    hint_tabs: "tabs",
    hint_rows: "lines",

    secret_title: "One-time secret",
    secret_intro: |user| {
        format!(
            "Give this secret to {user}. It logs them in once, to choose a new password; \
             their other sessions were ended:"
        )
    },
    secret_expires: |at| format!("It works until {at} and is not shown again."),
    secret_close: "Enter: it is handed over (the secret is wiped from this console)",

    question: |r| match r {
        Request::SetDisabled {
            user,
            disabled: true,
        } => format!("Disable user {user}? Their sessions end at once."),
        Request::SetDisabled {
            user,
            disabled: false,
        } => format!("Enable user {user} again?"),
        Request::ResetPassword { user } => format!(
            "Reset the password of {user}? Their password stops working and their sessions \
             end; they log in once with a secret shown next."
        ),
        Request::RemoveGrant(g) => {
            format!(
                "Remove the grant of role {} to {} on {}?",
                g.role, g.user, g.resource
            )
        }
        Request::EndSession { id } => format!(
            "End your session {id}? If it is this one, the console asks you to log in again."
        ),
        Request::EndSessionsOf { user } => format!("End every session of {user}?"),
        _ => String::new(),
    },
    detail: |r| match r {
        Request::SetDisabled { disabled: true, .. } => {
            Some("They cannot log in until an admin enables them again.".to_owned())
        }
        _ => None,
    },
    working: |r| match r {
        Request::SetDisabled {
            user,
            disabled: true,
        } => format!("Disabling {user}…"),
        Request::SetDisabled { user, .. } => format!("Enabling {user}…"),
        Request::ResetPassword { user } => format!("Resetting the password of {user}…"),
        Request::RemoveGrant(g) => format!("Removing the grant of {} on {}…", g.user, g.resource),
        Request::EndSession { id } => format!("Ending session {id}…"),
        Request::EndSessionsOf { user } => format!("Ending the sessions of {user}…"),
        _ => String::new(),
    },
    done: |r| match r {
        Request::SetDisabled {
            user,
            disabled: true,
        } => format!("{user} is disabled."),
        Request::SetDisabled { user, .. } => format!("{user} is enabled."),
        Request::ResetPassword { user } => {
            format!("The password of {user} was reset: hand over the secret.")
        }
        Request::RemoveGrant(g) => format!(
            "{} no longer has role {} on {}.",
            g.user, g.role, g.resource
        ),
        Request::EndSession { id } => format!("Session {id} ended."),
        Request::EndSessionsOf { user } => format!("The sessions of {user} ended."),
        _ => String::new(),
    },
    failed: |r, why| {
        let what = match r {
            Request::SetDisabled {
                user,
                disabled: true,
            } => format!("disable {user}"),
            Request::SetDisabled { user, .. } => format!("enable {user}"),
            Request::ResetPassword { user } => format!("reset the password of {user}"),
            Request::RemoveGrant(g) => format!("remove the grant of {} on {}", g.user, g.resource),
            Request::EndSession { id } => format!("end session {id}"),
            Request::EndSessionsOf { user } => format!("end the sessions of {user}"),
            _ => "do this".to_owned(),
        };
        format!("Could not {what}: {why}")
    },
    user_added: |name| format!("User {name} added."),
    grant_added: |g| format!("{} now has role {} on {}.", g.user, g.role, g.resource),
    sessions_ended: |user, n| match n {
        0 => format!("{user} had no session."),
        1 => format!("1 session of {user} ended."),
        n => format!("{n} sessions of {user} ended."),
    },
    need_field: |label| format!("Fill in “{label}”."),
};
