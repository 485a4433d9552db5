//! [`UpsCommander`] as the core's [`UpsOutputControl`].

use std::time::Duration;

use upstra_core::model::Ups;
use upstra_core::traits::{BoxFuture, UpsOutputControl};
use upstra_core::ups_off::{
    UpsCommandError, UpsCommandFailure, UpsOffCheck, UpsOffSentStep, UpsOffStep,
};

use crate::error::NutError;
use crate::ups_off::{Confirmation, DelayHandling, UpsCommander, UpsOffPlan};
use crate::ups_off_error::CommandError;

impl UpsOutputControl for UpsCommander {
    fn ups_off_capability<'a>(
        &'a self,
        ups: &'a Ups,
        delay_s: u64,
    ) -> BoxFuture<'a, Result<UpsOffCheck, UpsCommandError>> {
        Box::pin(async move {
            let cap = UpsCommander::ups_off_capability(self, ups, Duration::from_secs(delay_s))
                .await
                .map_err(to_core)?;
            Ok(UpsOffCheck {
                offered: cap.offered,
                verdict: cap
                    .plan
                    .map(|plan| step(plan, Some(delay_s)))
                    .map_err(to_core),
                unchecked: cap.permission_unchecked,
            })
        })
    }

    fn ups_off_then_return<'a>(
        &'a self,
        ups: &'a Ups,
        delay_s: u64,
    ) -> BoxFuture<'a, Result<UpsOffSentStep, UpsCommandError>> {
        Box::pin(async move {
            let sent = UpsCommander::ups_off_then_return(self, ups, Duration::from_secs(delay_s))
                .await
                .map_err(to_core)?;
            Ok(UpsOffSentStep {
                step: step(sent.plan, sent.delay_s),
                confirmed: sent.confirmation == Confirmation::Confirmed,
            })
        })
    }
}

/// `wanted` is what a writable delay is set to.
fn step(plan: UpsOffPlan, wanted: Option<u64>) -> UpsOffStep {
    let delay_s = match plan.delay {
        DelayHandling::SetVariable => wanted,
        DelayHandling::Fixed { seconds } => Some(seconds),
        DelayHandling::AsValue => None,
    };
    UpsOffStep {
        command: plan.command,
        delay_s,
        returns_on_mains: plan.returns_on_mains,
    }
}

fn to_core(e: CommandError) -> UpsCommandError {
    let kind = match &e {
        CommandError::AccessDenied { .. }
        | CommandError::LoginIncomplete { .. }
        | CommandError::BadLogin { .. }
        | CommandError::SetDenied { .. }
        | CommandError::NotPermitted { .. } => UpsCommandFailure::NotAllowed,
        CommandError::NotOffered { .. } => UpsCommandFailure::NotOffered,
        CommandError::DelayTooShort { .. } => UpsCommandFailure::DelayTooShort,
        CommandError::NoLogin { .. } => UpsCommandFailure::NoLogin,
        CommandError::TimedOut { .. } => UpsCommandFailure::Unreachable,
        CommandError::Nut {
            source:
                NutError::Refused | NutError::Closed | NutError::Io { .. } | NutError::TimedOut { .. },
            ..
        } => UpsCommandFailure::Unreachable,
        _ => UpsCommandFailure::Other,
    };
    UpsCommandError {
        kind,
        message: e.to_string(),
    }
}
