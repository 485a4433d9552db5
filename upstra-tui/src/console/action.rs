//! What can happen ([`Action`]) and what the console asks the outside world to do
//! ([`Effect`]). Both are plain data: keys become actions in `keys`, RPC replies come back as
//! actions from the driver, and `update` turns actions into state changes and effects.

use upstra_core::api::v1::{EventPage, LoginReply, SessionToken, WhoAmI};
use upstra_core::secret::Secret;

use super::state::{Lists, Session};
use crate::session::StoredSession;

/// Why a call made for the console failed, reduced to what the console reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The session is missing or expired: back to the login screen.
    Unauthenticated,
    /// The daemon could not be reached; retried on later ticks.
    Unreachable(String),
    /// The daemon answered no (bad password, rate limited, ...); shown as is.
    Refused(String),
}

/// Everything that can happen to the console.
#[derive(Debug, Clone)]
pub enum Action {
    /// The console opened on a daemon it could connect to, with the stored session if
    /// there is one.
    Start {
        session: Option<Session>,
    },
    Quit,
    /// One second passed: drives the fallback refresh and the retries.
    Tick,

    /// Tree navigation.
    Up,
    Down,
    First,
    Last,
    /// Fold the selected node, or go to its parent.
    Collapse,
    /// Unfold the selected node, or go to its first child.
    Expand,
    /// Fold or unfold the selected node.
    Toggle,

    /// Login form editing.
    LoginChar(char),
    LoginBackspace,
    LoginNextField,
    LoginSubmit,

    /// Replies. `epoch` is the session epoch the call was made in.
    SessionChecked {
        epoch: u64,
        result: Result<WhoAmI, Failure>,
    },
    LoggedIn(Result<LoginReply, Failure>),
    ListsLoaded {
        epoch: u64,
        result: Result<Lists, Failure>,
    },
    EventsArrived {
        epoch: u64,
        result: Result<EventPage, Failure>,
    },
    /// The session file could not be written; the console still works.
    SessionNotSaved(String),
}

impl Action {
    /// Whether the screen may change. A tick only advances counters nobody sees, so the
    /// console does not redraw every second over a slow link.
    pub fn may_change_screen(&self) -> bool {
        !matches!(self, Self::Tick)
    }
}

/// Something for the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the daemon whether a stored session is still good (`whoami`).
    CheckSession {
        epoch: u64,
        token: SessionToken,
    },
    Login {
        user: String,
        password: Secret,
    },
    /// Keep the new session for the next `upstra` commands.
    SaveSession(StoredSession),
    /// Delete the stored session: the daemon rejected it.
    ForgetSession,
    /// Fetch rooms, UPS, servers and VMs.
    FetchLists {
        epoch: u64,
        token: SessionToken,
    },
    /// One `events_since` long-poll from `cursor`.
    FollowEvents {
        epoch: u64,
        token: SessionToken,
        cursor: u64,
    },
    Quit,
}
