//! The forms of the screens without a session: login (password, then a code), two-factor
//! enrollment and the forced password change. Everything secret in here is wiped from memory
//! when replaced or dropped, and `Debug` never prints it.

use std::fmt;

use upstra_core::api::v1::SessionToken;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use crate::console::message::Message;

/// Which login field has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginField {
    #[default]
    User,
    Password,
}

/// Which kind of code the second step of a login takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FactorKind {
    /// The 6 digits an authenticator app shows.
    #[default]
    Totp,
    /// One of the single-use recovery codes.
    Recovery,
}

/// The second step of a login: the password was right and the account has two-factor on.
#[derive(Clone, PartialEq, Eq)]
pub struct SecondStep {
    /// What the daemon gave for the password; it opens nothing but this step.
    pub challenge: SessionToken,
    pub kind: FactorKind,
    pub code: Zeroizing<String>,
}

/// The login form.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub user: String,
    pub password: Zeroizing<String>,
    pub focus: LoginField,
    /// Present once the password was accepted and a code is asked for.
    pub second: Option<SecondStep>,
    /// The daemon's answer to the last attempt, or why the form was shown.
    pub error: Option<Message>,
    /// News that is not an error ("two-factor is on now").
    pub info: Option<Message>,
    /// A login call is in flight.
    pub pending: bool,
}

impl fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginForm")
            .field("user", &self.user)
            .field("password", &"[redacted]")
            .field("focus", &self.focus)
            .field("second", &self.second.as_ref().map(|s| s.kind))
            .field("error", &self.error)
            .field("info", &self.info)
            .field("pending", &self.pending)
            .finish()
    }
}

/// Where two-factor enrollment stands.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Enrollment {
    /// `totp_enroll` is in flight.
    #[default]
    Requesting,
    /// The daemon could not start it; Enter tries again.
    Failed(Message),
    /// The QR code and the field for the first code.
    Scan {
        /// The `otpauth://` URI as lines of half blocks; `None` when it could not be drawn.
        qr: Option<Zeroizing<Vec<String>>>,
        /// The same secret in base32, for typing in.
        secret: Secret,
        code: Zeroizing<String>,
        pending: bool,
        error: Option<Message>,
    },
    /// Two-factor is on: the recovery codes, shown this once.
    Codes {
        user: String,
        codes: Zeroizing<Vec<String>>,
    },
}

impl fmt::Debug for Enrollment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Requesting => f.write_str("Requesting"),
            Self::Failed(why) => f.debug_tuple("Failed").field(why).finish(),
            Self::Scan { pending, error, .. } => f
                .debug_struct("Scan")
                .field("secret", &"[redacted]")
                .field("pending", pending)
                .field("error", error)
                .finish_non_exhaustive(),
            Self::Codes { user, codes } => f
                .debug_struct("Codes")
                .field("user", user)
                .field("codes", &format_args!("[{} redacted]", codes.len()))
                .finish(),
        }
    }
}

/// Which field of the password form has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PasswordField {
    #[default]
    New,
    Repeat,
}

/// The form of a session that may only change its password (after an admin reset).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PasswordForm {
    pub new: Zeroizing<String>,
    pub repeat: Zeroizing<String>,
    pub focus: PasswordField,
    pub error: Option<Message>,
    pub pending: bool,
}

impl fmt::Debug for PasswordForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordForm")
            .field("new", &"[redacted]")
            .field("repeat", &"[redacted]")
            .field("focus", &self.focus)
            .field("error", &self.error)
            .field("pending", &self.pending)
            .finish()
    }
}
