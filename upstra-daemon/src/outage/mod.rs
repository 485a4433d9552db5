//! The outage orchestrator: acts on power cuts by itself, and on operators' `plan` commands.
//!
//! - [`conductor`]: one task owns the per-UPS watches and the run going on; UPS readings and
//!   operator commands reach it as messages, so two decisions never race.
//! - [`executor`]: runs a plan's steps concurrently within its limits, journaling each one.
//! - [`steps`]: what each kind of step does against the drivers: look first, act once, wait
//!   for the result with a deadline.
//! - [`stagger`]: spaces a room's power-on commands (inrush current).
//! - [`lab`]: the planner's view of the lab, learned estimates, and the views of runs.
//! - [`verify`]: after a restore, what the peers say is back; closes the sheds that are.
//! - [`simulate`]: `plan simulate`, read-only.
//! - [`bus`]: the Redis outbox and the following of other sites.
//!
//! The decisions themselves (when to act, what to do) are pure functions in
//! `upstra_core::outage`; this module performs them.

mod battery_need;
pub mod bus;
mod conductor;
mod cycle;
mod executor;
mod lab;
mod power_race;
mod simulate;
mod stagger;
mod steps;
mod ups_off_check;
mod verify;
mod waiting;

#[cfg(test)]
mod layering_tests;
#[cfg(test)]
mod sim_tests;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use upstra_core::api::v1::{ApiError, PlanStatus, PlanView, RunView, SimulationReport};
use upstra_core::ids::UpsId;
use upstra_core::state::UpsLive;

use crate::shared::Shared;

/// Who asked for something, for the audit trail.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user: String,
    pub peer_uid: u32,
}

type Reply<T> = oneshot::Sender<Result<T, ApiError>>;

/// What the conductor is asked to do.
enum Command {
    Observed {
        ups: UpsId,
        live: UpsLive,
    },
    Run {
        ups: String,
        auto_restore: bool,
        include_this_host: bool,
        by: Actor,
        reply: Reply<RunView>,
    },
    Cancel {
        by: Actor,
        reply: Reply<RunView>,
    },
    Restore {
        by: Actor,
        reply: Reply<RunView>,
    },
    Status {
        reply: Reply<PlanStatus>,
    },
    Show {
        ups: Option<String>,
        reply: Reply<PlanView>,
    },
    RunEnded {
        id: i64,
    },
    /// The watchdog's heartbeat: handled like any command, so a stuck conductor misses it.
    Tick,
    /// A restore held back while a UPS cycles its output may start now.
    RecheckRestore,
}

/// A handle on the conductor; cheap to clone.
#[derive(Clone)]
pub struct Orchestrator {
    tx: mpsc::UnboundedSender<Command>,
}

fn gone() -> ApiError {
    ApiError::Unavailable {
        message: "the daemon is shutting down".into(),
    }
}

impl Orchestrator {
    /// The handle and the receiving end the conductor task runs on ([`start`]).
    pub fn channel() -> (Self, OrchestratorInbox) {
        let (tx, rx) = mpsc::unbounded_channel();
        (Self { tx }, OrchestratorInbox(rx))
    }

    /// A UPS was read (called by the monitor after every poll).
    pub fn observed(&self, ups: UpsId, live: UpsLive) {
        let _ = self.tx.send(Command::Observed { ups, live });
    }

    async fn ask<T>(&self, make: impl FnOnce(Reply<T>) -> Command) -> Result<T, ApiError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(make(reply)).map_err(|_| gone())?;
        rx.await.map_err(|_| gone())?
    }

    /// An operator's shed of `ups`; unless `auto_restore`, it waits for `plan restore`.
    /// Started on mains, it leaves out this host's shutdown and the UPS-off commands unless
    /// `include_this_host`.
    pub async fn run(
        &self,
        ups: String,
        auto_restore: bool,
        include_this_host: bool,
        by: Actor,
    ) -> Result<RunView, ApiError> {
        self.ask(|reply| Command::Run {
            ups,
            auto_restore,
            include_this_host,
            by,
            reply,
        })
        .await
    }

    pub async fn cancel(&self, by: Actor) -> Result<RunView, ApiError> {
        self.ask(|reply| Command::Cancel { by, reply }).await
    }

    pub async fn restore(&self, by: Actor) -> Result<RunView, ApiError> {
        self.ask(|reply| Command::Restore { by, reply }).await
    }

    pub async fn status(&self) -> Result<PlanStatus, ApiError> {
        self.ask(|reply| Command::Status { reply }).await
    }

    pub async fn show(&self, ups: Option<String>) -> Result<PlanView, ApiError> {
        self.ask(|reply| Command::Show { ups, reply }).await
    }

    /// Asks the conductor to beat (`watchdog::tick_conductor`).
    pub fn tick(&self) {
        let _ = self.tx.send(Command::Tick);
    }

    fn run_ended(&self, id: i64) {
        let _ = self.tx.send(Command::RunEnded { id });
    }

    fn recheck_restore(&self) {
        let _ = self.tx.send(Command::RecheckRestore);
    }
}

/// The conductor's end of the channel.
pub struct OrchestratorInbox(mpsc::UnboundedReceiver<Command>);

/// Runs the conductor until the daemon stops: resumes what a previous daemon left running,
/// then answers readings and commands.
pub async fn start(shared: Arc<Shared>, inbox: OrchestratorInbox) {
    conductor::Conductor::new(shared).run(inbox.0).await;
}

/// `plan simulate UPS`.
pub async fn simulate(shared: &Shared, ups: &str) -> Result<SimulationReport, ApiError> {
    simulate::simulate(shared, ups).await
}
