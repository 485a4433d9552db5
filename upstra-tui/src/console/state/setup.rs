//! The first-run setup wizard: the first admin when the store has no user, then the lab when
//! it has no inventory (a lab file, or rooms, UPS, the vCenter and servers one by one), each
//! connection checked live, a review, and done.

use upstra_core::api::v1::{ApplyReport, EntityKind, LabSpec, SyncReport};

use super::view_form::Form;
use crate::console::message::Message;

/// Where the wizard stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SetupStep {
    /// The first admin: a name and a password typed twice.
    #[default]
    Admin,
    /// What to declare next, what is declared, and finishing.
    Menu,
    /// A form: a lab file's path, or one room, UPS, vCenter or server.
    Form,
    /// What a lab file would change (a dry run), before it is applied.
    Review,
    /// Every peer read now, and what answers.
    Check,
}

/// The menu's entries, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetupChoice {
    LabFile,
    Room,
    Ups,
    Vcenter,
    Server,
    Check,
    Finish,
}

impl SetupChoice {
    pub const ALL: [Self; 7] = [
        Self::LabFile,
        Self::Room,
        Self::Ups,
        Self::Vcenter,
        Self::Server,
        Self::Check,
        Self::Finish,
    ];
}

/// The wizard's state.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Setup {
    pub step: SetupStep,
    /// The form of the admin or object step.
    pub form: Option<Form>,
    /// The menu's selected entry.
    pub choice: usize,
    /// A lab file read and checked, waiting for the operator's review.
    pub reviewing: Option<LabSpec>,
    /// What the dry run said it would change.
    pub dry_run: Option<ApplyReport>,
    /// A lab file's problems, `FILE:LINE: reason`.
    pub problems: Vec<String>,
    /// The last `sync`: how many peers answered, and the ones that did not.
    pub sync: Option<SyncReport>,
    /// What this wizard declared (created or changed), from the apply reports.
    pub declared: Vec<(EntityKind, String)>,
    /// A call is out.
    pub busy: bool,
    pub error: Option<Message>,
    /// The wizard opened by itself once for this console; leaving it is final.
    pub offered: bool,
}
