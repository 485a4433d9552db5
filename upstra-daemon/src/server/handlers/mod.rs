//! Request handlers, by area. Each runs only after the guard admitted the call; the ones that
//! need a session find the caller in `Connection::who`.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod backup;
pub mod demo;
pub mod export;
pub mod inventory;
pub mod notify;
pub mod operations;
pub mod plan;
pub mod sessions;
pub mod ssh;
pub mod ups_history;

use upstra_core::api::v1::ApiError;

use crate::store::StoreError;

/// Store errors become an internal-error reference for the client.
pub(super) fn internal(e: StoreError) -> ApiError {
    super::service::internal(&e)
}
