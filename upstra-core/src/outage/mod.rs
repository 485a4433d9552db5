//! Power-outage orchestration, the decisions only: when to act ([`trigger`]), what to do
//! ([`shed_plan()`], [`restore_plan()`]), and how long it should take ([`schedule`]). The daemon
//! executes plans and journals every step ([`journal`]); nothing here performs I/O or reads
//! the clock.
//!
//! - [`policy`]: per-UPS, per-VM and plan-wide settings with their defaults.
//! - [`trigger`]: the per-UPS watch: grace period, low battery, runtime, FSD, comms lost,
//!   self-tests, the stability wait before a restore.
//! - [`shed`]: `plan(inventory, state, estimates)`.
//! - [`restore`]: `restore_plan(journal, inventory, estimates)`.
//! - [`verify`]: what the sheds changed, and whether a restore put it back.
//! - [`preferred`]: the hosts a server's VMs go to first (`migrate_to`), and why one is
//!   passed over.
//! - [`plan`]: steps, dependencies, the plan type and its invariant.
//! - [`schedule`]: the predicted timeline and the critical path.

pub mod journal;
pub mod learned;
pub mod plan;
pub mod policy;
pub mod preferred;
pub mod restore;
pub mod schedule;
pub mod shed;
pub mod trigger;
pub mod verify;

pub use journal::{Before, JournalEntry, StepState};
pub use plan::{Dep, Plan, PlanError, PlanKind, PlanNote, Step, StepAction, StepId};
pub use policy::{CommsLostPolicy, PlanSettings, StepEstimates, UpsOffPolicy, UpsPolicy, VmPolicy};
pub use preferred::{
    MAX_MIGRATE_TO, NeverTarget, PreferredChoice, Skipped, Unfit, never_moves_vms, never_target,
};
pub use restore::restore_plan;
pub use schedule::{Schedule, critical_path};
pub use shed::{FeedHealth, LabState, shed_plan};
pub use trigger::{Decision, PowerWatch, TriggerReason, WatchPhase};

#[cfg(test)]
mod tests;
