//! What the accounts view knows: users, roles and grants (for admins), who is connected and
//! one user's sessions (for everyone: their own), and a reset secret while it is shown once.

use std::fmt;

use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;

use crate::console::call::{Accounts, People};
use crate::console::message::Message;

/// The tabs of the accounts view, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AdminTab {
    #[default]
    Users,
    /// Roles, and the grants selected through.
    Access,
    /// Who is connected, and sessions.
    People,
}

impl AdminTab {
    pub const ALL: [Self; 3] = [Self::Users, Self::Access, Self::People];
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
            AdminTab::Access => self.accounts.grants.len(),
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
