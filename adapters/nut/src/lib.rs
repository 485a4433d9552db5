//! NUT (Network UPS Tools) client: reads UPS status from upsd; implements
//! [`upstra_core::traits::UpsMonitor`].
//!
//! # Layout
//! - [`NutMonitor`] (`monitor.rs`, `slot.rs`): what the daemon uses. One connection per upsd
//!   and login, shared by the UPS on it; a deadline on every read; a broken connection is
//!   dropped and reconnected with exponential backoff.
//! - [`CommsTracker`] (`comms.rs`): pure; turns read results into the `UpsLive` to show,
//!   `CommsLost` only after a dead time.
//! - [`Connection`] (`connection.rs`): one lock-step conversation with upsd (`LIST VAR`,
//!   `GET VAR`, `LIST UPS`, `USERNAME`/`PASSWORD`, `SET VAR`, `VER`, `NETVER`, `LOGOUT`).
//! - [`UpsCommander`] (`ups_off.rs`, `ups_off_error.rs`, `instcmd.rs`): asks a UPS to cut its
//!   output after a delay and restore it when mains returns (`shutdown.return` through
//!   `INSTCMD`, with tracking when upsd has it), on a connection of its own.
//! - No I/O: `wire.rs` (quoting), `reply.rs` (replies and lists), `reading.rs` (variables to a
//!   `UpsReading`, odd values), `error.rs` (`ERR` codes, [`NutError`], mapping to
//!   `AdapterError`).
//!
//! STARTTLS is not implemented yet (see the crate's README).
#![forbid(unsafe_code)]

mod comms;
mod connection;
mod error;
#[cfg(fuzzing)]
pub mod fuzzing;
mod instcmd;
mod monitor;
mod reading;
mod reply;
mod slot;
mod ups_off;
mod ups_off_error;
mod ups_off_permission;
mod ups_off_trait;
mod users_file;
mod wire;

pub use comms::CommsTracker;
pub use connection::Connection;
pub use error::{ErrCode, NutError};
pub use instcmd::TrackingState;
pub use monitor::{NutConfig, NutMonitor};
pub use reading::{Oddity, reading_from_vars};
pub use reply::UpsEntry;
pub use ups_off::{
    COMMAND_DEADLINE, Confirmation, DelayHandling, Facts, PERMISSION_UNCHECKED, TRACKING_WAIT,
    UpsCommander, UpsOffCapability, UpsOffPlan, UpsOffSent, choose,
};
pub use ups_off_error::CommandError;
pub use users_file::{
    NutUser, Permission, USERS_FILE_MAX_BYTES, USERS_LINE_MAX, UsersFile, UsersFileError,
};
