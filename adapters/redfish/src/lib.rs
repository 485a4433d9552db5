//! Redfish client for server BMCs (HPE iLO in production, sushy-tools in tests): power state,
//! health and power draw, `ComputerSystem.Reset`, and waiting for a power state; implements the
//! core [`Bmc`](upstra_core::traits::Bmc) trait.
//!
//! Layout:
//! - [`RedfishBmc`] (`bmc.rs`): the daemon's driver, one [`RedfishClient`] per server.
//! - [`RedfishClient`] (`client.rs`): one BMC; the request plumbing (deadline, auth, status
//!   codes). Its operations live in `system.rs` and its login in `session.rs`.
//! - `payload.rs`: the Redfish documents we read, reduced to the fields we use.
//! - [`RedfishError`] (`error.rs`), converted into the core `AdapterError`.
//!
//! TLS trust is `upstra-adapter-tls`'s: a pinned fingerprint or a CA file, never "insecure".
//! Redirects (sushy's 307 for a system addressed by name, iLO 5's 308 to a trailing slash) are
//! followed on the same origin with method and body kept.
//!
//! Deliberately absent: the rest of Redfish (BIOS, firmware, accounts, events). Why this is our
//! own client rather than `libredfish` or `nv-redfish`: see `README.md`.
#![forbid(unsafe_code)]

mod bmc;
mod client;
mod error;
#[cfg(fuzzing)]
pub mod fuzzing;
mod payload;
mod session;
mod system;

#[cfg(test)]
mod payload_tests;

use std::time::Duration;

pub use bmc::RedfishBmc;
pub use client::RedfishClient;
pub use error::RedfishError;
pub use session::AuthMode;
pub use system::reset_name;

/// Timing of every client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Deadline of one operation (a status read, a reset), every request in it included;
    /// also the connect timeout. A BMC that does not answer within it is reported, never
    /// waited on longer.
    pub timeout: Duration,
    /// How often [`RedfishClient::wait_for_power`] polls. BMCs (and the emulator) take 2 to
    /// 10 s to change state, so half a second loses little and costs a request per poll.
    pub poll_interval: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            poll_interval: Duration::from_millis(500),
        }
    }
}
