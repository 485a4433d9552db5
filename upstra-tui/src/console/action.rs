//! What can happen ([`Action`]) and what the console asks the outside world to do
//! ([`Effect`]). Both are plain data: keys become actions in `keys`, RPC replies come back as
//! actions from the driver, and `update` turns actions into state changes and effects.

use upstra_core::api::v1::{
    ActionReport, ApiError, EventPage, LoginReply, SessionToken, TotpEnrollment, WhoAmI,
};
use upstra_core::secret::Secret;
use upstra_core::state::Timestamp;

use super::call::{Call, Reply};
use super::command_table::Command;
use super::message::Link;
use super::operation::Operation;
use super::ssh::{SshAction, SshEffect};
use super::state::{Lists, Session};
use crate::session::StoredSession;

/// Why a call made for the console failed, reduced to what the console reacts to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// The session (or the login challenge) is missing or expired.
    Unauthenticated,
    /// The daemon could not be reached; retried on later ticks.
    Unreachable(Link),
    /// The daemon answered no (bad password, rate limited, ...).
    Refused(ApiError),
    /// Something failed on this side (a reply that could not be read, ...), in words.
    Failed(String),
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
    /// One second passed: drives the fallback refresh and the retries. `now` is the
    /// driver's clock, read there so that `update` never reads one.
    Tick {
        now: Timestamp,
    },

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
    /// Any other command of the lab view (help, palette, language, power, ...).
    Run(Command),

    /// A key on the login form (see [`LoginAction`]).
    Login(LoginAction),
    /// A key on the two-factor enrollment screen (see [`EnrollAction`]).
    Enroll(EnrollAction),
    /// A key on the forced password change (see [`PasswordAction`]).
    Password(PasswordAction),

    /// Closes the palette, the help, the host picker, or answers No to a confirm dialog; on
    /// the setup wizard without an overlay, goes back a step.
    CloseOverlay,
    /// A key in the command palette (see [`PaletteAction`]).
    Palette(PaletteAction),
    /// A key in a confirm dialog (see [`ConfirmAction`]).
    Confirm(ConfirmAction),
    /// A key in a picker: a host for a migration, a role for a user (see [`PickerAction`]).
    Picker(PickerAction),

    /// Replies. `epoch` is the session epoch the call was made in.
    SessionChecked {
        epoch: u64,
        result: Result<WhoAmI, Failure>,
    },
    LoggedIn(Result<LoginReply, Failure>),
    /// The password was right and the account has two-factor on: ask for a code.
    SecondFactorRequired {
        challenge: SessionToken,
    },
    /// The answer to `totp_enroll`.
    EnrollStarted {
        epoch: u64,
        result: Result<TotpEnrollment, Failure>,
    },
    /// The answer to `totp_confirm`: the recovery codes.
    EnrollConfirmed {
        epoch: u64,
        result: Result<Vec<String>, Failure>,
    },
    /// The answer to `change_password`.
    PasswordChanged {
        epoch: u64,
        result: Result<(), Failure>,
    },
    ListsLoaded {
        epoch: u64,
        result: Result<Lists, Failure>,
    },
    EventsArrived {
        epoch: u64,
        result: Result<EventPage, Failure>,
    },
    /// The answer to an operation.
    Operated {
        epoch: u64,
        op: Operation,
        result: Result<ActionReport, Failure>,
    },
    /// The session file could not be written; the console still works.
    SessionNotSaved(String),
    /// Something for the SSH panes (see `ssh`).
    Ssh(SshAction),

    /// The answer to an `Effect::Call` (plan, history, admin, setup).
    Replied {
        epoch: u64,
        reply: Box<Reply>,
    },
    /// A key in a form: the audit filter, a new user or role, the setup wizard... (see
    /// [`FormAction`]).
    Form(FormAction),
    /// A key while typing the lab tree's filter (see [`FilterAction`]).
    Filter(FilterAction),
    /// A click on a line (see `mouse`).
    Clicked(super::mouse::Hit),
    /// The mouse wheel over the screen: lines down (positive) or up.
    Scroll(i32),
}

/// Login form editing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginAction {
    Char(char),
    Backspace,
    /// Between the user and the password; in the second step, between the authenticator's
    /// code and a recovery code.
    NextField,
    Submit,
    /// Back from the second step to the password, else quit.
    Escape,
}

/// Two-factor enrollment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnrollAction {
    /// Typing the first code.
    Char(char),
    Backspace,
    /// Enter: confirm, retry, or "I stored the recovery codes".
    Submit,
    /// Quit, except while the recovery codes show.
    Escape,
}

/// The forced password change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordAction {
    Char(char),
    Backspace,
    /// Between the new password and its repetition.
    NextField,
    Submit,
}

/// The command palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaletteAction {
    Char(char),
    Backspace,
    /// Ctrl-U: empties the query.
    Clear,
    /// Moves the selection by this many lines.
    Move(i32),
    /// Enter: runs the selected command or shows the selected object.
    Run,
}

/// A confirm dialog (an operation, or a request of the accounts view).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfirmAction {
    /// Left/Right/Tab: between No and Yes.
    Switch,
    /// Enter: the focused answer.
    Answer,
}

/// A picker: a host for a migration, a role for a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PickerAction {
    /// Up/Down: moves the selection by this many lines.
    Move(i32),
    /// Enter: takes the selected line.
    Pick,
}

/// Typing in a form (over a view, or the setup wizard's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormAction {
    Char(char),
    Backspace,
    /// Tab/Down (`1`) or Shift-Tab/Up (`-1`).
    Move(i32),
    /// Left (`-1`) or Right (`1`) on a field that takes one of a few values: the previous or
    /// next of them (the wizard's UPS source, SNMP version, protocols and MIB).
    Cycle(i32),
    Submit,
}

/// Typing the lab tree's filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterAction {
    Char(char),
    Backspace,
    /// Enter: keeps the filter and gives the keys back to the tree.
    Keep,
    /// Esc: clears it.
    Clear,
}

impl Action {
    /// Whether the screen may change. A tick only advances counters nobody sees, so the
    /// console does not redraw every second over a slow link.
    pub fn may_change_screen(&self) -> bool {
        !matches!(self, Self::Tick { .. })
    }
}

/// Something for the driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the daemon whose a session is and what it may do (`whoami`).
    CheckSession {
        epoch: u64,
        token: SessionToken,
    },
    Login {
        user: String,
        password: Secret,
    },
    /// The second step of a two-factor login.
    LoginSecondFactor {
        challenge: SessionToken,
        code: Secret,
        /// A recovery code rather than the authenticator's.
        recovery: bool,
    },
    /// Start two-factor enrollment (`totp_enroll`).
    EnrollTotp {
        epoch: u64,
        token: SessionToken,
    },
    /// Turn two-factor on with the first code (`totp_confirm`).
    ConfirmTotp {
        epoch: u64,
        token: SessionToken,
        code: Secret,
    },
    /// Set a new password in a session opened with a reset secret (`change_password`).
    ChangePassword {
        epoch: u64,
        token: SessionToken,
        new: Secret,
    },
    /// Keep the new session for the next `upstra` commands.
    SaveSession(StoredSession),
    /// Delete the stored session: the daemon no longer accepts it.
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
    /// A plan, history, admin or setup call (see `call`). `token` is `None` before a login.
    Call {
        epoch: u64,
        token: Option<SessionToken>,
        call: Call,
    },
    /// Power a server or a VM, or migrate a VM, and wait for the outcome.
    Operate {
        epoch: u64,
        token: SessionToken,
        op: Operation,
    },
    /// Something for the SSH panes: a daemon call or a shell's task.
    Ssh(SshEffect),
    Quit,
}
