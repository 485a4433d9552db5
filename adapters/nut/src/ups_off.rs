//! [`UpsCommander`]: asks a UPS, through upsd, to cut its output after a delay and to restore
//! it when mains returns (the last step of a shed), and says beforehand whether it can.
//!
//! Each call opens a connection of its own, logs in with the UPS's credentials and closes it:
//! never the monitor's connection, so a command neither waits behind nor disturbs a reading.
//!
//! What cannot be checked without acting: NUT has no dry run, and upsd checks that the UPS
//! offers a command *before* it checks the user's `instcmds`, so the only way to learn that a
//! user may send `shutdown.return` is to send it. [`UpsCommander::ups_off_capability`] checks
//! everything else (the command is offered, the delay can be applied), and the permission too
//! when upsd runs on this machine and its upsd.users is configured (`ups_off_permission.rs`);
//! otherwise it says what it could not prove.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::{Instant, sleep, timeout_at};
use upstra_core::model::Ups;

use crate::connection::Connection;
use crate::error::{ErrCode, NutError};
use crate::instcmd::TrackingState;
use crate::ups_off_error::CommandError;

/// Cuts the output after `ups.delay.shutdown` and restores it when mains returns.
pub const SHUTDOWN_RETURN: &str = "shutdown.return";
/// Cuts the output after `ups.delay.shutdown`; whether it returns depends on the UPS.
pub const LOAD_OFF_DELAY: &str = "load.off.delay";
/// The delay before the output is cut, in seconds.
pub const DELAY_SHUTDOWN: &str = "ups.delay.shutdown";

/// Deadline of one conversation with upsd (connect, login, lists, command): a handful of
/// one-line round trips on a LAN; generous for a loaded upsd during an outage.
pub const COMMAND_DEADLINE: Duration = Duration::from_secs(10);
/// How long to wait for the driver's answer to a tracked command: drivers answer within one
/// poll (a few seconds at most); past that the command stays sent but unconfirmed.
pub const TRACKING_WAIT: Duration = Duration::from_secs(10);
/// Interval between two `GET TRACKING` while waiting.
const TRACKING_POLL: Duration = Duration::from_millis(200);

/// How the delay reaches the UPS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DelayHandling {
    /// `ups.delay.shutdown` is writable: it is set to the wanted delay first (`SET VAR`,
    /// which needs `actions = SET` for the user).
    SetVariable,
    /// `ups.delay.shutdown` is read-only (set in the driver's configuration) and long enough.
    Fixed {
        /// The UPS's delay, in seconds.
        seconds: u64,
    },
    /// The UPS reports no delay: the wanted delay is passed as the command's value, which
    /// drivers that take one use; the delay actually applied cannot be read back.
    AsValue,
}

/// Which command would be sent, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsOffPlan {
    /// The instant command.
    pub command: String,
    /// How the delay is applied.
    pub delay: DelayHandling,
    /// False for `load.off.delay`: the output may stay off after mains returns.
    pub returns_on_mains: bool,
}

/// What [`UpsCommander::ups_off_capability`] found, without side effects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsOffCapability {
    /// Every instant command the UPS offers (`upscmd -l`).
    pub offered: Vec<String>,
    /// The command that would be used, or why none can be.
    pub plan: Result<UpsOffPlan, CommandError>,
    /// Why the user's permission is not checked (see the module's note); `None` when
    /// upsd.users proved it (a denial is then the `plan`'s error).
    pub permission_unchecked: Option<String>,
}

/// Said of every capability: what the check could not prove.
pub const PERMISSION_UNCHECKED: &str = "upsd offers no dry run and checks a user's instcmds \
    only when a command is sent: the first UPS-off command proves them";

/// What was sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpsOffSent {
    /// The plan carried out.
    pub plan: UpsOffPlan,
    /// The delay the UPS applies, when it can be known (`None` with [`DelayHandling::AsValue`]).
    pub delay_s: Option<u64>,
    /// What upsd said of the driver's answer.
    pub confirmation: Confirmation,
}

/// How sure we are that the driver carried the command out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Confirmation {
    /// upsd's tracking says the driver did it.
    Confirmed,
    /// Tracked, but the driver had not answered within [`TRACKING_WAIT`].
    Unconfirmed,
    /// This upsd predates tracking (before NUT 2.8): `OK` means it passed the command on.
    Untracked,
}

/// Sends UPS-off commands with the UPS's own credentials.
#[derive(Debug, Clone, Default)]
pub struct UpsCommander {
    /// upsd.users of the upsd on this machine, read to check permissions beforehand.
    users_file: Option<PathBuf>,
}

impl UpsCommander {
    /// A commander that checks permissions in `users_file` for a upsd on this machine.
    pub fn with_users_file(users_file: impl Into<PathBuf>) -> Self {
        Self {
            users_file: Some(users_file.into()),
        }
    }

    /// Which command [`Self::ups_off_then_return`] would send for `delay`, or why none; reads
    /// only (`LIST CMD`, `LIST RW`, `LIST VAR`).
    pub async fn ups_off_capability(
        &self,
        ups: &Ups,
        delay: Duration,
    ) -> Result<UpsOffCapability, CommandError> {
        let peer = peer(ups);
        let deadline = Instant::now() + COMMAND_DEADLINE;
        let work = async {
            let nut = ups.nut().ok_or(NutError::NotNut)?;
            let mut conn = Connection::connect(&nut.host, nut.port).await?;
            let facts = Facts::read(&mut conn, &nut.ups).await?;
            // Best effort: the answer is already read.
            let _ = conn.logout().await;
            Ok::<_, NutError>(facts)
        };
        let facts = timeout_at(deadline, work)
            .await
            .map_err(|_| CommandError::timed_out(&peer, "reading the UPS's commands"))?
            .map_err(|e| CommandError::nut(&peer, e))?;
        let plan = choose(&peer, &facts, delay.as_secs());
        let (plan, permission_unchecked) =
            crate::ups_off_permission::check(self.users_file.as_deref(), ups, &peer, plan);
        Ok(UpsOffCapability {
            plan,
            offered: facts.commands,
            permission_unchecked,
        })
    }

    /// Asks the UPS to cut its output after `delay` and to restore it when mains returns.
    /// Sent once: never retried, since a second `shutdown.return` could restart the timer.
    pub async fn ups_off_then_return(
        &self,
        ups: &Ups,
        delay: Duration,
    ) -> Result<UpsOffSent, CommandError> {
        let peer = peer(ups);
        let nut = ups
            .nut()
            .ok_or_else(|| CommandError::nut(&peer, NutError::NotNut))?;
        let name = nut.ups.as_str();
        let login = ups
            .login
            .as_ref()
            .ok_or_else(|| CommandError::NoLogin { ups: peer.clone() })?;
        let deadline = Instant::now() + COMMAND_DEADLINE;
        let mut conn = timeout_at(deadline, Connection::connect(&nut.host, nut.port))
            .await
            .map_err(|_| CommandError::timed_out(&peer, "connecting"))?
            .map_err(|e| CommandError::nut(&peer, e))?;
        let facts = timeout_at(deadline, Facts::read(&mut conn, name))
            .await
            .map_err(|_| CommandError::timed_out(&peer, "reading the UPS's commands"))?
            .map_err(|e| CommandError::nut(&peer, e))?;
        let plan = choose(&peer, &facts, delay.as_secs())?;
        let secs = delay.as_secs().to_string();
        let deny = |e: NutError, command: &str| {
            CommandError::refused(&peer, &login.user, command, &facts.commands, e)
        };
        let tracking = timeout_at(deadline, async {
            conn.login(&login.user, login.password.as_ref()).await?;
            conn.set_tracking_on().await
        })
        .await
        .map_err(|_| CommandError::timed_out(&peer, "logging in"))?
        .map_err(|e| deny(e, &plan.command))?;
        if plan.delay == DelayHandling::SetVariable {
            timeout_at(deadline, conn.set_var(name, DELAY_SHUTDOWN, &secs))
                .await
                .map_err(|_| CommandError::timed_out(&peer, "setting ups.delay.shutdown"))?
                .map_err(|e| match e.code() {
                    Some(ErrCode::AccessDenied) => CommandError::SetDenied {
                        ups: peer.clone(),
                        user: login.user.clone(),
                    },
                    _ => deny(e, DELAY_SHUTDOWN),
                })?;
        }
        let value = (plan.delay == DelayHandling::AsValue).then_some(secs.as_str());
        let id = timeout_at(deadline, conn.instcmd(name, &plan.command, value))
            .await
            .map_err(|_| CommandError::timed_out(&peer, "sending the command"))?
            .map_err(|e| deny(e, &plan.command))?;
        let confirmation = match (tracking, id) {
            (true, Some(id)) => await_tracking(&mut conn, &id)
                .await
                .map_err(|e| deny(e, &plan.command))?,
            _ => Confirmation::Untracked,
        };
        let _ = timeout_at(deadline, conn.logout()).await;
        let delay_s = match plan.delay {
            DelayHandling::SetVariable => Some(delay.as_secs()),
            DelayHandling::Fixed { seconds } => Some(seconds),
            DelayHandling::AsValue => None,
        };
        Ok(UpsOffSent {
            plan,
            delay_s,
            confirmation,
        })
    }
}

/// Waits, bounded by [`TRACKING_WAIT`], for the driver's answer.
async fn await_tracking(conn: &mut Connection, id: &str) -> Result<Confirmation, NutError> {
    let deadline = Instant::now() + TRACKING_WAIT;
    loop {
        let state = timeout_at(deadline, conn.get_tracking(id))
            .await
            .map_err(|_| NutError::TimedOut {
                after: TRACKING_WAIT,
            })??;
        match state {
            TrackingState::Success => return Ok(Confirmation::Confirmed),
            TrackingState::Failed(code) => {
                return Err(NutError::Server { code, detail: None });
            }
            TrackingState::Pending if Instant::now() + TRACKING_POLL >= deadline => {
                return Ok(Confirmation::Unconfirmed);
            }
            TrackingState::Pending => sleep(TRACKING_POLL).await,
        }
    }
}

/// What the UPS offers, read without a login.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// `LIST CMD`.
    pub commands: Vec<String>,
    /// `LIST RW`.
    pub writable: BTreeMap<String, String>,
    /// `ups.delay.shutdown` from `LIST VAR`, when the UPS reports it.
    pub delay_shutdown: Option<String>,
}

impl Facts {
    async fn read(conn: &mut Connection, ups: &str) -> Result<Self, NutError> {
        let commands = conn.list_cmd(ups).await?;
        let writable = conn.list_rw(ups).await?;
        let delay_shutdown = conn.list_var(ups).await?.remove(DELAY_SHUTDOWN);
        Ok(Self {
            commands,
            writable,
            delay_shutdown,
        })
    }
}

/// Picks the command and how its delay is applied; pure.
pub fn choose(ups: &str, facts: &Facts, delay_s: u64) -> Result<UpsOffPlan, CommandError> {
    let offers = |c: &str| facts.commands.iter().any(|o| o == c);
    let (command, returns_on_mains) = if offers(SHUTDOWN_RETURN) {
        (SHUTDOWN_RETURN, true)
    } else if offers(LOAD_OFF_DELAY) {
        (LOAD_OFF_DELAY, false)
    } else {
        return Err(CommandError::NotOffered {
            ups: ups.to_owned(),
            command: SHUTDOWN_RETURN.to_owned(),
            offered: facts.commands.clone(),
        });
    };
    let delay = if facts.writable.contains_key(DELAY_SHUTDOWN) {
        DelayHandling::SetVariable
    } else if let Some(value) = &facts.delay_shutdown {
        let seconds = value
            .trim()
            .parse::<u64>()
            .map_err(|_| CommandError::OddDelay {
                ups: ups.to_owned(),
                value: value.clone(),
            })?;
        if seconds < delay_s {
            return Err(CommandError::DelayTooShort {
                ups: ups.to_owned(),
                fixed_s: seconds,
                wanted_s: delay_s,
            });
        }
        DelayHandling::Fixed { seconds }
    } else {
        DelayHandling::AsValue
    };
    Ok(UpsOffPlan {
        command: command.to_owned(),
        delay,
        returns_on_mains,
    })
}

fn peer(ups: &Ups) -> String {
    ups.source.to_string()
}

/// Used by the error mapping: the codes that mean "not offered".
pub(crate) fn not_offered(code: &ErrCode) -> bool {
    matches!(code, ErrCode::CmdNotSupported | ErrCode::InvalidArgument)
}

#[cfg(test)]
#[path = "ups_off_tests.rs"]
mod tests;
