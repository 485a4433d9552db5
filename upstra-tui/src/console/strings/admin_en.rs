//! The accounts view in English.

use upstra_core::api::v1::SessionScope;

use super::admin::AdminWords;
use crate::console::call::Request;
use crate::console::state::AdminTab;
use upstra_core::api::v1::ConflictReason;

pub static ADMIN: AdminWords = AdminWords {
    title: "Accounts",
    tab: |t| match t {
        AdminTab::Users => "Users",
        AdminTab::Roles => "Roles",
        AdminTab::Grants => "Grants",
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
    roles_title: "Roles (+ creates one, Delete removes one not built in)",
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
        SessionScope::Unknown => "?",
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
        Request::RemoveUser { user } => format!(
            "Remove user {user}? Their grants go with them and their sessions end; this cannot \
             be undone."
        ),
        Request::SetRole { user, role } => format!(
            "Give {user} the role {role} on everything, instead of the one they have there?"
        ),
        Request::RemoveRole { name } => format!("Remove role {name}?"),
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
        Request::RemoveUser { .. } => {
            Some("Disabling the user instead keeps the account and its history.".to_owned())
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
        Request::RemoveUser { user } => format!("Removing {user}…"),
        Request::SetRole { user, role } => format!("Giving {user} the role {role}…"),
        Request::RemoveRole { name } => format!("Removing role {name}…"),
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
        Request::RemoveUser { user } => format!("{user} is removed."),
        Request::SetRole { user, role } => format!("{user} now has role {role} on everything."),
        Request::RemoveRole { name } => format!("Role {name} is removed."),
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
            Request::RemoveUser { user } => format!("remove {user}"),
            Request::SetRole { user, role } => format!("give {user} the role {role}"),
            Request::RemoveRole { name } => format!("remove role {name}"),
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

    permission: |name| match name {
        "read" => "see the lab and its state",
        "write" => "change the inventory",
        "delete" => "remove objects from the inventory",
        "power" => "power servers and VMs on and off",
        "migrate" => "migrate VMs, maintenance mode",
        "ssh" => "open a shell on a server",
        "plan" => "run and cancel outage plans",
        "audit" => "read the audit trail",
        "admin" => "users, roles, grants, settings",
        _ => "",
    },
    role_title: "New role",
    role_permissions: "Permissions",
    role_hint: "Space ticks or unticks the permission under the marker. A role is given to users \
                with + in the grants tab, or on everything with A in the users tab.",
    role_footer: "Tab ↑↓ move  Space tick  Enter create  Esc cancel",
    need_permission: "Tick at least one permission.",
    role_created: |name| format!("Role {name} created."),
    builtin_role: |name| format!("{name} is a built-in role: it cannot be removed."),
    picker_title: |user| format!("Role of {user} on everything"),
    picker_current: "now",
    picker_footer: "↑↓ choose  Enter give this role  Esc cancel",
    problem: |p| {
        Some(match p {
            ConflictReason::LastAdmin => {
                "They are the last admin: make another user admin first.".to_owned()
            }
            ConflictReason::BuiltinRole => "It is a built-in role.".to_owned(),
            ConflictReason::RoleInUse { grants: 1 } => {
                "A grant still gives it: remove that grant first, in the grants tab.".to_owned()
            }
            ConflictReason::RoleInUse { grants: n } => {
                format!("{n} grants still give it: remove them first, in the grants tab.")
            }
            ConflictReason::RoleExists => "A role of that name exists already.".to_owned(),
            _ => return None,
        })
    },
};
