//! The instant-command side of the protocol (`LIST CMD`, `LIST RW`, `SET TRACKING`,
//! `INSTCMD`, `GET TRACKING`), on a [`Connection`] of its own: a command never shares the
//! monitor's connection, so it never waits behind a reading nor disturbs one.

use std::collections::BTreeMap;

use crate::connection::{Connection, check_name};
use crate::error::{ErrCode, NutError};
use crate::reply::{self, unexpected};
use crate::wire::{sendable, word};

/// What upsd says of a command sent with tracking on (`GET TRACKING <id>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrackingState {
    /// The driver has not answered yet.
    Pending,
    /// The driver carried the command out.
    Success,
    /// The driver refused or failed it (`ERR INVALID-ARGUMENT`, `ERR INSTCMD-FAILED`...).
    Failed(ErrCode),
}

impl Connection {
    /// The instant commands `ups` offers (`LIST CMD`, what `upscmd -l` shows).
    pub async fn list_cmd(&mut self, ups: &str) -> Result<Vec<String>, NutError> {
        check_name(ups)?;
        let lines = self
            .list(&format!("LIST CMD {}", word(ups)), &["CMD", ups])
            .await?;
        reply::parse_list(&["CMD", ups], &lines)?
            .into_iter()
            .map(|words| match <[String; 3]>::try_from(words) {
                Ok([tag, u, name]) if tag == "CMD" && u == ups => Ok(name),
                Ok(w) => Err(unexpected("CMD <ups> <name>", &w.join(" "))),
                Err(w) => Err(unexpected("CMD <ups> <name>", &w.join(" "))),
            })
            .collect()
    }

    /// The writable variables of `ups` and their values (`LIST RW`).
    pub async fn list_rw(&mut self, ups: &str) -> Result<BTreeMap<String, String>, NutError> {
        check_name(ups)?;
        let lines = self
            .list(&format!("LIST RW {}", word(ups)), &["RW", ups])
            .await?;
        let mut vars = BTreeMap::new();
        for words in reply::parse_list(&["RW", ups], &lines)? {
            match <[String; 4]>::try_from(words) {
                Ok([tag, u, name, value]) if tag == "RW" && u == ups => {
                    vars.insert(name, value);
                }
                Ok(w) => return Err(unexpected("RW <ups> <name> <value>", &w.join(" "))),
                Err(w) => return Err(unexpected("RW <ups> <name> <value>", &w.join(" "))),
            }
        }
        Ok(vars)
    }

    /// Asks upsd to track the result of the instant commands sent next (`SET TRACKING ON`,
    /// NUT 2.8 and later; it needs a login). `Ok(false)` when this upsd predates tracking:
    /// then an `OK` to `INSTCMD` only means upsd passed the command to the driver.
    pub async fn set_tracking_on(&mut self) -> Result<bool, NutError> {
        let line = self.round_trip("SET TRACKING ON").await?;
        match reply::expect_ok(&line) {
            Ok(()) => Ok(true),
            Err(e) if predates_tracking(&e) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sends `INSTCMD <ups> <command> [value]`; needs a login allowed the command
    /// (`instcmds` in upsd.users). Returns the tracking id when tracking is on.
    pub async fn instcmd(
        &mut self,
        ups: &str,
        command: &str,
        value: Option<&str>,
    ) -> Result<Option<String>, NutError> {
        check_name(ups)?;
        check_name(command)?;
        let mut line = format!("INSTCMD {} {}", word(ups), word(command));
        if let Some(value) = value {
            if !sendable(value) {
                return Err(NutError::Unsendable("value"));
            }
            line = format!("{line} {}", word(value));
        }
        let reply = self.round_trip(&line).await?;
        match reply::words_or_err(&reply)?.as_slice() {
            [ok] if ok == "OK" => Ok(None),
            [ok, tracking, id] if ok == "OK" && tracking == "TRACKING" => Ok(Some(id.clone())),
            _ => Err(unexpected("OK [TRACKING <id>]", &reply)),
        }
    }

    /// Where the command with tracking id `id` stands (`GET TRACKING <id>`).
    pub async fn get_tracking(&mut self, id: &str) -> Result<TrackingState, NutError> {
        check_name(id)?;
        let reply = self
            .round_trip(&format!("GET TRACKING {}", word(id)))
            .await?;
        match reply::words_or_err(&reply) {
            Ok(words) => match words.as_slice() {
                [w] if w == "PENDING" => Ok(TrackingState::Pending),
                [w] if w == "SUCCESS" => Ok(TrackingState::Success),
                _ => Err(unexpected("PENDING, SUCCESS or ERR <code>", &reply)),
            },
            // An unknown id is upsd's error, not the command's.
            Err(NutError::Server { code, .. }) if code != ErrCode::UnknownCommand => {
                Ok(TrackingState::Failed(code))
            }
            Err(e) => Err(e),
        }
    }
}

/// The answers of an upsd older than NUT 2.8 to `SET TRACKING ON`.
fn predates_tracking(e: &NutError) -> bool {
    matches!(
        e.code(),
        Some(ErrCode::UnknownCommand | ErrCode::InvalidArgument | ErrCode::VarNotSupported)
    )
}
