//! Version 1 of the daemon's API: the tarpc service, its wire types and its errors.
//!
//! Transport: tarpc over a Unix socket (optionally TCP+TLS later) with the JSON codec. The
//! transport code lives in the daemon (listen) and the console (connect); this module is only
//! the contract both compile against.
//!
//! Authentication: every method but [`Method::is_public`] ones takes the caller's
//! [`SessionToken`] as its first argument and answers [`ApiError::Unauthenticated`] without it.

mod convert;
mod error;
mod method;
mod types;

pub use error::ApiError;
pub use method::{Access, Method};
pub use types::*;

use crate::events::EventRecord;

/// The API version this module describes.
pub const API_VERSION: u32 = 1;

/// The daemon's service.
#[tarpc::service]
pub trait Upstra {
    /// Version and readiness; needs no session.
    async fn health() -> Health;
    /// Creates the first admin. Refused once any user exists.
    async fn setup(req: SetupRequest) -> Result<(), ApiError>;
    /// Opens a session.
    async fn login(req: LoginRequest) -> Result<LoginReply, ApiError>;
    /// Ends the caller's session.
    async fn logout(token: SessionToken) -> Result<(), ApiError>;
    /// Who the session belongs to.
    async fn whoami(token: SessionToken) -> Result<WhoAmI, ApiError>;
    /// Declares rooms, UPS, servers and the vCenter. With `dry_run`, only reports the changes.
    async fn apply(
        token: SessionToken,
        spec: LabSpec,
        dry_run: bool,
    ) -> Result<ApplyReport, ApiError>;
    async fn list_rooms(token: SessionToken) -> Result<Vec<RoomView>, ApiError>;
    async fn list_ups(token: SessionToken) -> Result<Vec<UpsView>, ApiError>;
    async fn list_servers(token: SessionToken) -> Result<Vec<ServerView>, ApiError>;
    async fn list_vms(token: SessionToken) -> Result<Vec<VmView>, ApiError>;
    /// Events after `cursor` (0 for the oldest kept). Waits up to `max_wait_ms` (capped by the
    /// daemon) when there is none yet, so a console follows the log with one call in flight.
    async fn events_since(
        token: SessionToken,
        cursor: u64,
        max_wait_ms: u64,
    ) -> Result<EventPage, ApiError>;
}

/// A page of the event log.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventPage {
    pub events: Vec<EventRecord>,
    /// Pass this back as `cursor` to continue.
    pub next_cursor: u64,
    /// True when events between `cursor` and the first returned were dropped from the
    /// daemon's memory: the reader should refresh its lists.
    pub gap: bool,
}
