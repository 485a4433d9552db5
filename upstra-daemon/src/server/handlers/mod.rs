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
