//! The RPC contract between the daemon and its clients, versioned.
//!
//! `v1` is the only version today. A breaking change gets a `v2` module served beside `v1`
//! until no supported console speaks `v1`.

pub mod v1;
