//! What the predecessor (upstra-v1) kept, as the importer read it: its migration plan YAML and
//! the rows of its PostgreSQL database, already decrypted where a key was given. Reading is the
//! CLI's job (`upstra import`); this is plain data, so the mapping is testable without files.

use crate::secret::Secret;

/// A password as it came out of the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Password {
    /// Decrypted with the predecessor's `ENCRYPTION_KEY`.
    Decrypted(Secret),
    /// Not in the encrypted form: the predecessor wrote some plans with plain passwords.
    PlainText(Secret),
    /// Left out; the reason names what is missing (no key, did not decrypt, too long).
    Unavailable(String),
}

/// A user and a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login {
    pub user: String,
    pub password: Option<Password>,
}

/// An iLO (the predecessor's BMC): its address and login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceIlo {
    pub address: String,
    pub login: Login,
}

/// A `room` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRoom {
    pub id: String,
    pub name: String,
}

/// An `ups` row. Grace periods are in seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceUps {
    pub id: String,
    pub name: String,
    /// An IP address or host, or an `http(s)://` URL for the predecessor's mock UPS.
    pub address: String,
    /// `grace_period_off`: on battery this long before shutting down.
    pub grace_off_s: Option<i64>,
    /// `grace_period_on`: mains back this long before restarting.
    pub grace_on_s: Option<i64>,
    pub room_id: Option<String>,
}

/// A server's `type`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerType {
    VCenter,
    Esxi,
    Other(String),
}

/// A `server` row, with its iLO.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceServer {
    pub id: String,
    pub name: String,
    pub kind: ServerType,
    pub address: String,
    pub login: Option<Login>,
    pub priority: Option<i64>,
    pub room_id: Option<String>,
    pub ups_id: Option<String>,
    pub group_id: Option<String>,
    /// `vmwareHostMoid`.
    pub host_moid: Option<String>,
    pub ilo: Option<SourceIlo>,
}

/// A `vm` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceVm {
    pub id: String,
    pub name: String,
    pub moid: Option<String>,
    pub priority: Option<i64>,
    pub server_id: Option<String>,
    pub group_id: Option<String>,
    /// `esxiHostName`: the host's name as vCenter gives it.
    pub host_name: Option<String>,
    /// The row holds a guest login (kept in plain text by the predecessor; never carried over).
    pub has_login: bool,
}

/// A `groups` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceGroup {
    pub id: String,
    pub name: String,
    /// `SERVER` or `VM`.
    pub kind: String,
}

/// The database's rows that matter to a lab file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Database {
    /// How the database was named to the importer (its URL without a password).
    pub label: String,
    /// How the reader took what the predecessor's schema allows two ways (column names), one
    /// sentence each, repeated in the lab file's readings.
    pub readings: Vec<String>,
    pub rooms: Vec<SourceRoom>,
    pub ups: Vec<SourceUps>,
    pub servers: Vec<SourceServer>,
    pub vms: Vec<SourceVm>,
    pub groups: Vec<SourceGroup>,
}

/// A host of the migration plan (`host` or `destination`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanHost {
    pub name: String,
    pub moid: String,
    pub ilo: Option<SourceIlo>,
}

/// One `servers[].server` entry of the migration plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanServer {
    pub host: PlanHost,
    pub destination: Option<PlanHost>,
    /// VM moids, in processing order.
    pub vm_order: Vec<String>,
}

/// The plan's `vCenter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanVCenter {
    pub address: String,
    pub port: Option<i64>,
    pub login: Login,
}

/// The migration plan YAML (`plans/migration.yml`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The file it was read from, for the comments that cite it.
    pub label: String,
    pub vcenter: Option<PlanVCenter>,
    /// `ups.shutdownGrace`, `ups.restartGrace`: one pair for the whole lab.
    pub shutdown_grace_s: Option<i64>,
    pub restart_grace_s: Option<i64>,
    pub servers: Vec<PlanServer>,
}

/// Everything read: a plan, a database, or both.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Source {
    pub plan: Option<Plan>,
    pub database: Option<Database>,
}
