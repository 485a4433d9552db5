//! vSphere Web Services (SOAP, vim25) client: inventory, VM power, live migration, maintenance
//! mode and host shutdown; implements the core's `Hypervisor`.
//!
//! vim25 SOAP is the API every vCenter release speaks (and the only VM API the vcsim we test
//! against has). This crate is a focused client for the dozen methods Upstra needs, not a
//! general binding: see `README.md` for why not `vim_rs`.
//!
//! # Layout
//!
//! - `request`: the SOAP request templates, every value XML-escaped.
//! - `response`: parsing answers and faults, pulled element by element (`quick-xml`) into
//!   small owned values, never a whole document tree.
//! - `transport`: one HTTPS exchange with the session cookie, a deadline and a size cap.
//! - `session`: login, the cookie, one re-login on `NotAuthenticated`, logout.
//! - `collect`: container-view reads with paging, task and power-state waits.
//! - `inventory`: the richer inventory types and their mapping to the core's.
//! - `client`: [`VsphereClient`], the operations; `hypervisor`: the trait impl.
//!
//! # Use
//!
//! ```no_run
//! # async fn demo(vcenter: &upstra_core::model::VCenter) -> Result<(), upstra_adapter_vsphere::VsphereError> {
//! use upstra_adapter_vsphere::{VsphereClient, VsphereOptions};
//! let client = VsphereClient::new(vcenter, VsphereOptions::default())?; // no I/O yet
//! let inventory = client.read_inventory().await?; // logs in on first use
//! # let _ = inventory; Ok(()) }
//! ```
//!
//! As an `Arc<dyn Hypervisor>` the client serves the daemon's monitor and operator actions;
//! [`VsphereClient::shutdown_host`] is an inherent method because the core trait has no host
//! shutdown yet.
#![forbid(unsafe_code)]

mod client;
mod collect;
mod error;
#[cfg(fuzzing)]
pub mod fuzzing;
mod hypervisor;
mod inventory;
mod request;
mod response;
mod session;
mod transport;

pub use client::{VsphereClient, VsphereOptions};
pub use error::{Fault, VsphereError};
pub use inventory::{
    HostCapacity, HostConnection, HostUsage, ToolsStatus, VsphereHost, VsphereInventory, VsphereVm,
};
pub use session::About;
