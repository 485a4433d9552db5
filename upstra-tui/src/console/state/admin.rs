//! What the accounts view knows: users, roles and grants (for admins), who is connected and
//! one user's sessions (for everyone: their own), and a reset secret while it is shown once;
//! the new role being drawn up, and the role picker of a user.

use std::fmt;

use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;

use crate::console::call::{Accounts, People};
use crate::console::message::Message;

/// The tabs of the accounts view, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminTab {
    #[default]
    Users,
    Roles,
    Grants,
    /// Who is connected, and sessions.
    People,
}

impl AdminTab {
    pub const ALL: [Self; 4] = [Self::Users, Self::Roles, Self::Grants, Self::People];
}

/// The accounts view's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Admin {
    pub tab: AdminTab,
    pub accounts: Accounts,
    pub people: People,
    pub accounts_loaded: bool,
    pub people_loaded: bool,
    pub fetching_accounts: bool,
    pub fetching_people: bool,
    /// The selected line of the tab shown: a user, a grant, a session.
    pub selected: usize,
    /// The user whose sessions the people tab lists (`None`: one's own).
    pub sessions_of: Option<String>,
    pub problem: Option<Message>,
}

impl Admin {
    /// How many lines the tab shown selects among.
    pub fn rows(&self) -> usize {
        match self.tab {
            AdminTab::Users => self.accounts.users.len(),
            AdminTab::Roles => self.accounts.roles.len(),
            AdminTab::Grants => self.accounts.grants.len(),
            AdminTab::People => self.people.sessions.len(),
        }
    }

    pub fn clamp(&mut self) {
        self.selected = self.selected.min(self.rows().saturating_sub(1));
    }
}

/// A password reset's one-time secret, on screen until the operator closes it.
#[derive(Clone, PartialEq, Eq)]
pub struct Revealed {
    pub user: String,
    pub secret: Secret,
    pub expires_at: Timestamp,
}

impl fmt::Debug for Revealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Revealed")
            .field("user", &self.user)
            .field("secret", &self.secret)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A new role: its name, and the permissions ticked among the daemon's names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoleDraft {
    pub name: String,
    pub permissions: Permissions,
    /// 0 is the name; `1 + i` the `i`th of [`RoleDraft::choices`].
    pub focus: usize,
    pub error: Option<Message>,
    /// Sent; waiting for the daemon.
    pub pending: bool,
}

impl RoleDraft {
    /// The permissions to choose from, in the order `upstra_core::rbac` names them.
    pub fn choices() -> Vec<String> {
        Permissions::ALL.names()
    }

    /// The permission focused, if the focus is on one.
    pub fn focused(&self) -> Option<String> {
        Self::choices().get(self.focus.checked_sub(1)?).cloned()
    }

    /// Ticks or unticks the permission named `name`.
    pub fn toggle(&mut self, name: &str) {
        if let Ok(bit) = Permissions::parse_names(&[name]) {
            self.permissions =
                Permissions::from_bits_truncate(self.permissions.bits() ^ bit.bits());
        }
    }
}

/// The roles to give a user, one to pick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePicker {
    pub user: String,
    /// The user's role on everything now, if any.
    pub current: Option<String>,
    pub roles: Vec<String>,
    pub selected: usize,
}
