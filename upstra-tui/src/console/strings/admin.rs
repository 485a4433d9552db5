//! The words of the accounts view and its requests, in one struct per language
//! (`admin_en`, `admin_fr`).

use upstra_core::api::v1::{GrantView, SessionScope, UserView};

use crate::console::call::Request;
use crate::console::state::AdminTab;
use upstra_core::api::v1::ConflictReason;

pub struct AdminWords {
    pub title: &'static str,
    pub tab: fn(AdminTab) -> &'static str,
    pub loading: &'static str,
    /// For someone without the admin permission, at the top of the people tab.
    pub not_admin: &'static str,
    pub no_users: &'static str,
    pub col_name: &'static str,
    pub col_role: &'static str,
    pub col_scoped: &'static str,
    pub col_two_factor: &'static str,
    pub col_state: &'static str,
    pub col_created: &'static str,
    /// Active, disabled, must change their password.
    pub user_state: fn(&UserView) -> &'static str,
    pub yes: &'static str,
    pub no: &'static str,
    pub roles_title: &'static str,
    pub col_permissions: &'static str,
    pub builtin: &'static str,
    pub grants_title: &'static str,
    pub col_user: &'static str,
    pub col_on: &'static str,
    pub presence_title: &'static str,
    pub nobody: &'static str,
    pub col_since: &'static str,
    pub col_connections: &'static str,
    pub col_uids: &'static str,
    /// "Your sessions", "Sessions of bob".
    pub sessions_title: fn(Option<&str>) -> String,
    pub col_id: &'static str,
    pub col_scope: &'static str,
    pub col_last_seen: &'static str,
    pub col_expires: &'static str,
    pub scope: fn(SessionScope) -> &'static str,
    pub this_one: &'static str,
    /// The footer: the tabs and the lines.
    pub hint_tabs: &'static str,
    pub hint_rows: &'static str,

    pub secret_title: &'static str,
    pub secret_intro: fn(&str) -> String,
    pub secret_expires: fn(&str) -> String,
    pub secret_close: &'static str,

    pub question: fn(&Request) -> String,
    pub detail: fn(&Request) -> Option<String>,
    pub working: fn(&Request) -> String,
    pub done: fn(&Request) -> String,
    pub failed: fn(&Request, &str) -> String,
    pub user_added: fn(&str) -> String,
    pub grant_added: fn(&GrantView) -> String,
    pub sessions_ended: fn(&str, u32) -> String,
    /// A form sent with an empty field; its label is given.
    pub need_field: fn(&str) -> String,

    /// A permission in a few words, beside its name in the new role's form.
    pub permission: fn(&str) -> &'static str,
    pub role_title: &'static str,
    pub role_permissions: &'static str,
    pub role_hint: &'static str,
    pub role_footer: &'static str,
    pub need_permission: &'static str,
    pub role_created: fn(&str) -> String,
    pub builtin_role: fn(&str) -> String,
    /// The role picker: "Role of bob", and the mark beside the role they have.
    pub picker_title: fn(&str) -> String,
    pub picker_current: &'static str,
    pub picker_footer: &'static str,
    /// A refusal of the daemon about accounts, as a sentence, by its reason code; `None` for
    /// the reasons that are not about accounts.
    pub problem: fn(ConflictReason) -> Option<String>,
}
