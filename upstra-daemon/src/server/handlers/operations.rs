//! Operating the lab: sync, power, migration and TLS pinning. Each waits for the peer to reach
//! the target state within a deadline and reports what happened.

use upstra_core::api::v1::{
    ActionReport, ApiError, ServerPowerAction, SyncReport, TlsPeer, VmPowerRequest,
};

use crate::server::service::Connection;

fn not_wired() -> ApiError {
    ApiError::Unavailable {
        message: "operating the lab through the adapters is being wired".into(),
    }
}

pub async fn sync(c: &Connection) -> Result<SyncReport, ApiError> {
    let _ = c.who()?;
    Err(not_wired())
}

pub async fn server_power(
    c: &Connection,
    _server: String,
    _action: ServerPowerAction,
) -> Result<ActionReport, ApiError> {
    let _ = c.who()?;
    Err(not_wired())
}

pub async fn vm_power(
    c: &Connection,
    _vm: String,
    _action: VmPowerRequest,
) -> Result<ActionReport, ApiError> {
    let _ = c.who()?;
    Err(not_wired())
}

pub async fn vm_migrate(
    c: &Connection,
    _vm: String,
    _to: String,
) -> Result<ActionReport, ApiError> {
    let _ = c.who()?;
    Err(not_wired())
}

pub async fn tls_fingerprint(c: &Connection, _peer: TlsPeer) -> Result<String, ApiError> {
    let _ = c.who()?;
    Err(not_wired())
}

pub async fn tls_pin(c: &Connection, _peer: TlsPeer, _fingerprint: String) -> Result<(), ApiError> {
    let _ = c.who()?;
    Err(not_wired())
}
