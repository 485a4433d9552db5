//! Why a UPS-off command could not be sent, in words that say what to do.

use std::time::Duration;

use crate::error::{ErrCode, NutError, human};
use crate::ups_off::{COMMAND_DEADLINE, not_offered};

/// Why a UPS-off command failed or would fail. `ups` is `name@host:port`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// `ERR ACCESS-DENIED`: the user lacks `instcmds` for the command, or its password is wrong
    /// (upsd answers both the same way).
    #[error(
        "user {user} may not send instant commands to UPS {ups} ({command} was refused): add \
         `instcmds = {command}` (or ALL) for it in upsd.users and reload upsd, and check its \
         password"
    )]
    AccessDenied {
        /// The UPS.
        ups: String,
        /// The NUT user.
        user: String,
        /// The command refused.
        command: String,
    },
    /// `ERR ACCESS-DENIED` to `SET VAR ups.delay.shutdown`: the user lacks `actions = SET`.
    #[error(
        "user {user} may not set ups.delay.shutdown on UPS {ups}: add `actions = SET` for it in \
         upsd.users and reload upsd, and check its password"
    )]
    SetDenied {
        /// The UPS.
        ups: String,
        /// The NUT user.
        user: String,
    },
    /// upsd.users on this machine does not let the user send the command (or set the delay);
    /// `fix` names the line to add and the section it goes in.
    #[error("UPS {ups}: {fix}")]
    NotPermitted {
        /// The UPS.
        ups: String,
        /// What upsd.users lacks, and how to add it.
        fix: String,
    },
    /// The UPS's driver does not offer the command (`ERR CMD-NOT-SUPPORTED`,
    /// `ERR INVALID-ARGUMENT`, or not in `LIST CMD`).
    #[error(
        "UPS {ups} does not offer the instant command {command}; its driver offers: {}. Use a \
         UPS whose driver offers shutdown.return, or set ups_off = \"never\" for it",
        list(offered)
    )]
    NotOffered {
        /// The UPS.
        ups: String,
        /// The command asked for.
        command: String,
        /// What `upscmd -l` lists.
        offered: Vec<String>,
    },
    /// The lab file gives this UPS no NUT login, and instant commands need one.
    #[error(
        "UPS {ups} has no NUT login: give it a user and password that upsd.users allows \
         `instcmds = shutdown.return`"
    )]
    NoLogin {
        /// The UPS.
        ups: String,
    },
    /// `ERR USERNAME-REQUIRED` / `ERR PASSWORD-REQUIRED`: upsd wants a full login.
    #[error(
        "upsd wants a user name and a password to command UPS {ups} ({code}): set both in \
         the UPS's login"
    )]
    LoginIncomplete {
        /// The UPS.
        ups: String,
        /// The code upsd answered.
        code: ErrCode,
    },
    /// `ERR INVALID-PASSWORD` / `ERR INVALID-USERNAME`: upsd refused the login's form.
    #[error("upsd refused the login for UPS {ups} ({code}): check the user name and password")]
    BadLogin {
        /// The UPS.
        ups: String,
        /// The code upsd answered.
        code: ErrCode,
    },
    /// `ups.delay.shutdown` is read-only and shorter than the delay needed.
    #[error(
        "UPS {ups} cuts its output {fixed_s} s after the command and that delay is not \
         writable, but the shutdown needs {wanted_s} s: set the driver's offdelay (or the \
         UPS's own shutdown delay) to at least {wanted_s} s"
    )]
    DelayTooShort {
        /// The UPS.
        ups: String,
        /// Its fixed delay.
        fixed_s: u64,
        /// The delay needed.
        wanted_s: u64,
    },
    /// `ups.delay.shutdown` is not a number of seconds.
    #[error("UPS {ups} reports ups.delay.shutdown = {value:?}, not a number of seconds")]
    OddDelay {
        /// The UPS.
        ups: String,
        /// What it reports.
        value: String,
    },
    /// A deadline passed; the command may or may not have been sent.
    #[error(
        "UPS {ups}: timed out {doing} after {}: check that upsd answers (upsc {ups})",
        human(*after)
    )]
    TimedOut {
        /// The UPS.
        ups: String,
        /// What was under way.
        doing: &'static str,
        /// The deadline.
        after: Duration,
    },
    /// Any other failure talking to upsd.
    #[error("UPS {ups}: {source}")]
    Nut {
        /// The UPS.
        ups: String,
        /// What went wrong.
        source: NutError,
    },
}

impl CommandError {
    pub(crate) fn timed_out(ups: &str, doing: &'static str) -> Self {
        Self::TimedOut {
            ups: ups.to_owned(),
            doing,
            after: COMMAND_DEADLINE,
        }
    }

    pub(crate) fn nut(ups: &str, source: NutError) -> Self {
        Self::Nut {
            ups: ups.to_owned(),
            source,
        }
    }

    /// Maps upsd's answer to a login or a command into the error that says the fix.
    pub(crate) fn refused(
        ups: &str,
        user: &str,
        command: &str,
        offered: &[String],
        e: NutError,
    ) -> Self {
        let ups = ups.to_owned();
        match e.code().cloned() {
            Some(ErrCode::AccessDenied) => Self::AccessDenied {
                ups,
                user: user.to_owned(),
                command: command.to_owned(),
            },
            Some(code) if not_offered(&code) => Self::NotOffered {
                ups,
                command: command.to_owned(),
                offered: offered.to_vec(),
            },
            Some(code @ (ErrCode::UsernameRequired | ErrCode::PasswordRequired)) => {
                Self::LoginIncomplete { ups, code }
            }
            Some(code @ (ErrCode::InvalidPassword | ErrCode::InvalidUsername)) => {
                Self::BadLogin { ups, code }
            }
            Some(_) | None => Self::Nut { ups, source: e },
        }
    }
}

fn list(offered: &[String]) -> String {
    if offered.is_empty() {
        "none".to_owned()
    } else {
        offered.join(", ")
    }
}
