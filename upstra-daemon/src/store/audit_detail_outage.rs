//! The details of the outage orchestrator's audit records (see `audit_detail.rs`: same rules,
//! same byte-for-byte stored text, pinned in `audit_detail_tests.rs`).

use serde::Serialize;
use upstra_core::ids::UpsId;

/// `plan_run` and `plan_restore` (started): why, for which UPS, how many steps, and whether
/// only an operator's restore undoes it.
#[derive(Debug, Serialize)]
pub struct RunStarted<'a> {
    pub reason: &'a str,
    pub ups: &'a [UpsId],
    pub steps: usize,
    pub waits_for_operator: bool,
}

/// `plan_step`: a step's end, in words.
#[derive(Debug, Serialize)]
pub struct StepEnded {
    pub run: i64,
    /// Numbered from 1, as the operator reads it.
    pub step: u32,
    pub action: String,
    pub outcome: String,
}

/// `plan_end`: how a run went, by step counts.
#[derive(Debug, Serialize)]
pub struct RunEnded<'a> {
    pub run: i64,
    pub plan: &'a str,
    pub done: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// `plan_verify`: what a restore verified back, of how many, and what is still owed.
#[derive(Debug, Serialize)]
pub struct RestoreVerified {
    pub restored: u32,
    pub of: u32,
    pub not_restored: Vec<StillOwed>,
}

/// One object a restore did not put back (an item of [`RestoreVerified`]).
#[derive(Debug, Serialize)]
pub struct StillOwed {
    pub target: String,
    pub shed: i64,
    pub expected: String,
    pub found: Option<String>,
    pub error: Option<String>,
}

/// `power_race`: which side of the UPS-off command mains returned on, in words.
#[derive(Debug, Serialize)]
pub struct PowerRace<'a> {
    pub ups: &'a UpsId,
    pub report: &'a str,
}

/// `host_poweroff` (requested): the step that powers this host off, and how it is asked.
#[derive(Debug, Serialize)]
pub struct HostPoweroff {
    pub run: i64,
    /// Numbered from 1.
    pub step: u32,
    pub how: String,
}
