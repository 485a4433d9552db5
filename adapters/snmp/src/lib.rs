//! Reads UPS units over SNMP: RFC 1628 UPS-MIB, APC PowerNet-MIB and Eaton XUPS-MIB, with v1,
//! v2c or v3 (USM) security, into the same [`upstra_core::state::UpsReading`] as NUT gives.
//! Also tells which UPS traps mean "read that UPS now" ([`trap`]), for the daemon's receiver.
#![forbid(unsafe_code)]

pub mod engine;
mod error;
pub mod mib;
mod monitor;
pub mod trap;

pub use error::SnmpError;
pub use monitor::{SnmpConfig, SnmpMonitor};
