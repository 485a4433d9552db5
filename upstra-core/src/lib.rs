//! Upstra's core: the domain, the decisions and the RPC contract.
//!
//! Layout:
//! - [`ids`]: name newtypes (`RoomId`, `UpsId`, `ServerId`, `VmId`, `UserName`).
//! - [`secret`]: a string that never prints and is wiped on drop.
//! - [`model`]: the declared inventory (rooms, UPS, servers, vCenter) and VMs.
//! - [`lab`]: the lab file (`upstra apply -f lab.toml`): parsing with `file:line` errors.
//! - [`import`]: the predecessor's (upstra-v1) records mapped to a lab file for review.
//! - [`diff`]: what applying a declaration would change.
//! - [`state`]: live state (UPS readings, power states).
//! - [`rbac`]: permission bits and built-in roles.
//! - [`access`]: resources, grants flowing down the tree, `authorize()`.
//! - [`ratelimit`]: token-bucket arithmetic with time as a parameter.
//! - [`audit`]: the audit hash chain and its verification.
//! - [`bounds`]: length and count bounds of every request, checked before anything is stored.
//! - [`events`]: domain events, the daemon's log of facts.
//! - [`text`]: showing untrusted text escaped, and the characters a name may hold.
//! - [`outage`]: when to act on a power cut, the shed and restore plans, their schedule.
//! - [`traits`]: the adapter contracts (`UpsMonitor`, `Bmc`, `Hypervisor`, `EventBus`).
//! - [`api`]: the versioned RPC contract (`api::v1`).
//!
//! Deliberately absent: sockets, files, the database, the clock. Time is always a parameter
//! ([`state::Timestamp`]), and nothing here can block. That keeps every decision testable with
//! tables and properties, and lets the console depend on this crate without pulling in the
//! daemon's I/O stack.
#![forbid(unsafe_code)]

pub mod access;
pub mod api;
pub mod audit;
pub mod bounds;
pub mod diff;
pub mod events;
pub mod ids;
pub mod import;
pub mod lab;
pub mod model;
pub mod outage;
pub mod ratelimit;
pub mod rbac;
pub mod secret;
pub mod snmp;
pub mod state;
pub mod text;
pub mod traits;
pub mod ups_off;
