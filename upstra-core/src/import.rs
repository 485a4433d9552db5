//! `upstra import upstra-v1`: from what the predecessor kept (its migration plan, its database)
//! to a lab file for review. Pure: the CLI reads the YAML, queries PostgreSQL and decrypts;
//! this turns the records into lab-file text, names the password files to write, and lists
//! what it could not carry over.
//!
//! The mapping (each also said in the file it writes):
//! - server priority (1 first) becomes the shutdown tier, one tier per distinct priority, so
//!   servers go down one after another in the predecessor's order;
//! - VM priority (1 first) becomes a VM priority of `1000 - p` (higher goes last and comes back
//!   first in Upstra); without the database, VM order gives the same from the position;
//! - a UPS's `grace_period_off` becomes its policy's `grace`, `grace_period_on` its
//!   `restore_after`; the plan's single pair stands in for a UPS the database does not give;
//! - a plan's destination host is declared and named in a comment at its source host: the lab
//!   file has no key to prefer a migration target (Upstra picks among hosts on healthy power,
//!   same cluster first);
//! - groups, guest logins, ESXi root logins and extra vCenter rows have no equivalent and are
//!   listed at the top of the file with the record each came from.

mod destination;
mod from_database;
mod from_plan;
mod lab_text;
mod map;
pub mod names;
mod render;
pub mod source;
#[cfg(test)]
mod tests;

pub use map::map;
pub use names::Renamed;
pub use source::*;

use crate::secret::Secret;

/// A password file to write next to the lab file (mode 0600).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PasswordFile {
    /// A bare file name, relative to the lab file.
    pub file: String,
    /// What it is for ("iLO of server esx-01").
    pub what: String,
    pub value: Secret,
    /// Taken as written because it was not in the encrypted form.
    pub plain_text: bool,
}

/// A password the lab file needs but the importer could not give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    /// The file the lab file would name, left commented out in it.
    pub file: String,
    pub what: String,
    pub reason: String,
}

/// How many objects the lab file declares.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub rooms: usize,
    pub ups: usize,
    pub servers: usize,
    pub vcenter: usize,
    pub vms: usize,
}

/// The import's result: the lab file and what goes with it.
#[derive(Debug, Clone)]
pub struct Imported {
    pub lab: String,
    pub password_files: Vec<PasswordFile>,
    pub placeholders: Vec<Placeholder>,
    pub renamed: Vec<Renamed>,
    /// What has no equivalent, one sentence each, neutralised (no control characters).
    pub unmapped: Vec<String>,
    /// The readings taken where the source allows two, one sentence each.
    pub readings: Vec<String>,
    pub counts: Counts,
}
