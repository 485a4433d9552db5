//! The words of the first-run setup wizard, one struct per language (`setup_en`,
//! `setup_fr`).

use upstra_core::api::v1::{Change, EntityKind, ServerView, SyncReport, UpsView};

use crate::console::state::SetupChoice;

pub struct SetupWords {
    pub title: &'static str,
    /// The steps, for the progress line: admin, lab, check, done.
    pub steps: [&'static str; 4],
    pub admin_intro: &'static str,
    pub menu_intro: &'static str,
    pub choice: fn(SetupChoice) -> &'static str,
    pub declared_title: &'static str,
    /// A declared object: "UPS ups-a1", "the vCenter".
    pub object: fn(EntityKind, &str) -> String,
    /// "The store holds 2 rooms, 2 UPS, 6 servers; 20 VMs seen."
    pub holds: fn(usize, usize, usize, usize) -> String,
    pub review_title: &'static str,
    /// One line of a dry run's report.
    pub change: fn(&Change) -> String,
    pub check_title: &'static str,
    pub checking: &'static str,
    /// "2 UPS and 6 servers read, 20 VMs seen."
    pub sync_line: fn(&SyncReport) -> String,
    pub problems_title: &'static str,
    /// How a UPS or a server answers now.
    pub ups_line: fn(&UpsView) -> String,
    pub server_line: fn(&ServerView) -> String,
    pub busy: &'static str,
    pub footer_admin: &'static str,
    pub footer_menu: &'static str,
    pub footer_review: &'static str,
    pub footer_check: &'static str,
    pub bad_number: fn(&str) -> String,
    /// An SNMP address as typed that is not `host[:port]`.
    pub bad_address: fn(&str) -> String,
    /// A field's label, the value typed, and the values it takes.
    pub not_one_of: fn(&str, &str, &str) -> String,
    /// Two fields' labels, of which only one may be filled.
    pub either_or: fn(&str, &str) -> String,
    /// A field's label, the bytes it takes (least, most), and how many it has.
    pub length: fn(&str, usize, usize, usize) -> String,
    /// The priv password's label, then the priv protocol's.
    pub priv_without_protocol: fn(&str, &str) -> String,
    /// A file named in a form, and why it could not be read.
    pub cannot_read: fn(&str, &str) -> String,
    pub lab_problems: fn(usize) -> String,
    pub applied: fn(usize) -> String,
}
