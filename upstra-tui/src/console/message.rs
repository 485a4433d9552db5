//! What the console tells the operator, kept as data: `update` records a [`Message`] and the
//! catalog of the language in use words it when the screen is drawn, so switching languages
//! rewords what is already showing, and `update` never holds text.

use upstra_core::api::v1::{ActionReport, ApiError};

use super::call::Request;
use super::command_table::{Applies, Command};
use super::lang::Lang;
use super::operation::Operation;
use super::ssh::SshMessage;

/// Something to tell the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    NeedUser,
    NeedPassword,
    /// The second step was sent empty.
    NeedCode {
        recovery: bool,
    },
    /// An authenticator code is six digits.
    TotpFormat,
    /// The five minutes of the second step are over, or the challenge was refused.
    ChallengeExpired,
    SessionExpired,
    /// Enrollment finished: log in again, now with a code.
    TwoFactorOn,
    NeedNewPassword,
    PasswordsDiffer,
    /// The password was changed: log in with the new one.
    PasswordChanged,
    /// The daemon said no. Worded from the error's kind, so it reads well in French too.
    Refused(ApiError),
    /// The daemon could not be reached.
    Unreachable(Link),
    /// A failure on this side, already in words.
    Failed(String),
    SessionNotSaved(String),
    /// An operation was sent and its answer is awaited.
    Working(Operation),
    Done(Operation, ActionReport),
    OperationFailed(Operation, Box<Message>),
    /// A lab command was asked for with nothing it applies to selected.
    SelectTarget(Applies),
    /// Nowhere to migrate this VM to.
    NoOtherHost {
        vm: String,
    },
    /// The language was switched.
    Language(Lang),
    /// About the SSH panes.
    Ssh(SshMessage),
    /// A plan or account change was sent; its answer is awaited.
    Requesting(Request),
    Requested(Request),
    RequestFailed(Request, Box<Message>),
    NoRunningPlan,
    Simulating(String),
    Simulated {
        ups: String,
        problems: usize,
    },
    SimulationFailed {
        ups: String,
        why: Box<Message>,
    },
    /// A demo command on a daemon that drives the real peers.
    DemoOnly,
    /// A command pressed in a view where it means nothing.
    NotInThisView(Command),
    /// The history's filter took a time that reads as neither an age nor a date.
    BadSince(String),
    /// The history shows a filtered part of the audit trail.
    Filtered,
    /// A form was sent with this field empty.
    NeedField(super::state::FieldName),
    UserAdded(String),
    GrantAdded(upstra_core::api::v1::GrantView),
    SessionsEnded {
        user: String,
        count: u32,
    },
    /// A role was sent with no permission ticked.
    NeedPermission,
    RoleCreated(String),
    /// A built-in role cannot be removed (the daemon would refuse too).
    BuiltinRole(String),
    /// A field that takes a number got something else.
    BadNumber(super::state::FieldName),
    /// An SNMP agent's address that is not `host[:port]`, as typed.
    BadAddress(String),
    /// A field that takes one of a few values (its `choices`) got this instead.
    NotOneOf {
        field: super::state::FieldName,
        value: String,
    },
    /// Two fields that say the same thing two ways (a community typed and a community file):
    /// only one may be filled.
    EitherOr(super::state::FieldName, super::state::FieldName),
    /// An SNMP secret or v3 user of `len` bytes, outside `min..=max`.
    SnmpLength {
        field: super::state::FieldName,
        min: usize,
        max: usize,
        len: usize,
    },
    /// An SNMPv3 priv password typed with the priv protocol `none`.
    PrivWithoutProtocol,
    /// A file named in a form could not be read here, for this reason.
    CannotRead {
        path: String,
        reason: String,
    },
    /// A lab file could not be read or has problems (listed on the screen).
    LabProblems(usize),
    /// The wizard applied a declaration of this many objects.
    Applied(usize),
}

/// Why the daemon could not be reached, so that it can be said in either language.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// Nothing listens on the socket, or there is no socket.
    NotRunning,
    /// The socket's permissions refused this user.
    NoPermission,
    /// The daemon closed the connection.
    Closed,
    /// No answer within this many seconds.
    Timeout(u64),
    /// Anything else, as the system said it.
    Other(String),
}

/// How a notice reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Info,
    Progress,
    Error,
}

/// A message for the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub message: Message,
    pub tone: Tone,
}

impl Notice {
    pub fn info(message: Message) -> Self {
        Self {
            message,
            tone: Tone::Info,
        }
    }

    pub fn error(message: Message) -> Self {
        Self {
            message,
            tone: Tone::Error,
        }
    }

    pub fn progress(message: Message) -> Self {
        Self {
            message,
            tone: Tone::Progress,
        }
    }
}
