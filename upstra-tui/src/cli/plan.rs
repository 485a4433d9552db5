//! `upstra plan ...`: the outage plans.

use clap::{Args, Subcommand};

use super::JsonFlag;

/// `upstra plan ...`.
#[derive(Debug, Subcommand)]
#[command(after_long_help = "\
The daemon acts on a power cut by itself: after a UPS's grace period on battery, at once on
low battery or a forced shutdown, or when the battery runtime no longer covers the plan. These
commands show what it would do, run or stop it by hand, and bring the lab back. All need the
`plan` permission on everything.")]
pub enum PlanVerb {
    /// The plan that would run now, or for UPS failing, as a timeline.
    Show(PlanShowArgs),
    /// Check UPS's plan against the real lab without changing anything: credentials,
    /// reachability, room on the target hosts, battery runtime.
    Simulate(PlanUpsArgs),
    /// Shed the load UPS feeds now, without waiting for the trigger. The shed stays until
    /// `upstra plan restore`, even with mains on, unless --auto-restore.
    Run(PlanRunArgs),
    /// Stop the running plan: no new step starts, the ones in flight finish.
    Cancel(PlanYesArgs),
    /// Undo the sheds now: power servers on, move VMs back, start what ran.
    Restore(PlanYesArgs),
    /// The UPS watches, the run in progress and the last runs.
    Status(JsonFlag),
}

/// `upstra plan show`.
#[derive(Debug, Args)]
pub struct PlanShowArgs {
    /// A UPS: show what its outage would do.
    pub ups: Option<String>,
    /// Print the API's `PlanView` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra plan simulate`.
#[derive(Debug, Args)]
pub struct PlanUpsArgs {
    /// The UPS, as in `upstra ups list`.
    pub ups: String,
    /// Print the API's JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra plan run`.
#[derive(Debug, Args)]
pub struct PlanRunArgs {
    /// The UPS whose load to shed.
    pub ups: String,
    /// Let the daemon undo the shed by itself once mains has been stable for the UPS's
    /// `restore_after` (as after a real outage). Without it, the shed waits for
    /// `upstra plan restore`, however long mains stays on: what planned electrical work needs.
    #[arg(long)]
    pub auto_restore: bool,
    /// Also run the shed's last steps while the UPS is on mains: power THIS machine off (the
    /// one the daemon runs on, when the lab marks it `this_host`) and tell the UPS to cut its
    /// output after a delay (`ups_off = "return"`). Without it, a shed started on mains leaves
    /// both out; on battery they always run.
    #[arg(long)]
    pub include_this_host: bool,
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the API's `RunView` as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra plan cancel` and `upstra plan restore`.
#[derive(Debug, Args)]
pub struct PlanYesArgs {
    /// Do not ask for confirmation (needed without a terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Print the API's `RunView` as JSON.
    #[arg(long)]
    pub json: bool,
}
