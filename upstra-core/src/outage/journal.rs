//! What the executor records about each step, durably, before and after acting: the state of
//! the target before the step, whether the command was sent, and how it ended. A restart
//! resumes from this record, and `restore_plan` undoes a shed from it.

use serde::{Deserialize, Serialize};

use crate::model::VmPower;
use crate::state::PowerState;

use super::plan::Step;

/// Where a step stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    /// Not started.
    Pending,
    /// Its intent is recorded (with the state before); nothing was sent yet.
    Started,
    /// The command was sent; the step waits for the target state. A restart waits again
    /// instead of sending it a second time.
    Dispatched,
    Done,
    Failed,
    /// Not run: cancelled, halted, or a step it needed failed.
    Skipped,
}

impl StepState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Started => "started",
            Self::Dispatched => "dispatched",
            Self::Done => "done",
            Self::Failed => "failed",
            Self::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Pending,
            Self::Started,
            Self::Dispatched,
            Self::Done,
            Self::Failed,
            Self::Skipped,
        ]
        .into_iter()
        .find(|v| v.as_str() == s)
    }

    /// The step has ended, one way or the other.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Failed | Self::Skipped)
    }

    /// The step may have changed something (so a restore must look at it).
    pub fn may_have_acted(self) -> bool {
        matches!(
            self,
            Self::Started | Self::Dispatched | Self::Done | Self::Failed
        )
    }
}

/// The target's state before the step, so a restore can put it back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "of")]
pub enum Before {
    Vm {
        host: Option<String>,
        power: VmPower,
    },
    Server {
        power: PowerState,
        in_maintenance: Option<bool>,
    },
}

/// One step with its record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    pub step: Step,
    pub state: StepState,
    pub before: Option<Before>,
}
