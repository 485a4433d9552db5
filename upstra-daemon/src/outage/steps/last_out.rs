//! The shed's last steps: the UPS told to cut its output after a delay and to restore it when
//! mains returns, then this host's own shutdown. Neither is ever sent twice: a second
//! `shutdown.return` could restart the UPS's timer after this host stopped answering, and a
//! second power-off after the restart would take the daemon down again for nothing. A step
//! found dispatched when a run resumes is done, saying it was sent before the restart.

use std::time::Duration;

use upstra_core::ids::{ServerId, UpsId};
use upstra_core::state::Timestamp;
use upstra_core::ups_off::UpsOffSentStep;

use super::{CALL_DEADLINE, StepError, StepResult, StepRun};
use crate::clock;
use crate::store::audit_detail_outage::HostPoweroff;
use crate::store::{AuditEntry, RunState};

/// How long this host may stay up after systemd accepted its power-off. systemd stops every
/// unit first (each within its own stop timeout, 90 s by default), so a few minutes is an
/// orderly shutdown under load; past this, something blocks it and an operator must look.
const POWEROFF_WAIT: Duration = Duration::from_secs(600);

/// `HH:MM UTC` of a journal time: operators compare it with their own clocks and logs.
pub(crate) fn utc_hhmm(at: Timestamp) -> String {
    let secs_of_day = at.millis().div_euclid(1000).rem_euclid(86_400);
    format!(
        "{:02}:{:02} UTC",
        secs_of_day / 3600,
        (secs_of_day % 3600) / 60
    )
}

/// The step's outcome in an operator's words.
fn ups_off_outcome(ups: &UpsId, asked_s: u64, sent: &UpsOffSentStep) -> String {
    let delay_s = sent.step.delay_s.unwrap_or(asked_s);
    let back = if sent.step.returns_on_mains {
        "restore it when mains returns"
    } else {
        "keep it off until someone switches it back on"
    };
    let confirmed = if sent.confirmed {
        "confirmed by the driver"
    } else {
        "accepted by the UPS's server; its driver did not confirm it"
    };
    format!(
        "UPS {ups} will cut its output in {delay_s} s and {back} ({}, {confirmed})",
        sent.step.command
    )
}

impl StepRun<'_> {
    /// A run told to stop (cancelled, or mains back before the UPS-off command) starts none
    /// of its last steps, even one already launched.
    async fn refuse_if_stopping(&self, what: &str) -> Result<(), StepError> {
        let run = self.run;
        let record = self
            .shared
            .store
            .call(move |db| db.run(run))
            .await
            .map_err(|e| StepError::fatal(format!("cannot read the run, so {what}: {e}")))?;
        match record {
            Some(r) if matches!(r.state, RunState::Cancelling | RunState::Halting) => {
                Err(StepError::fatal(format!(
                    "{what}: the run stops ({})",
                    r.info.stopped.as_deref().unwrap_or("told to stop")
                )))
            }
            _ => Ok(()),
        }
    }

    pub(super) async fn ups_off(&mut self, id: &UpsId, delay_s: u64) -> StepResult {
        self.journal_started(None).await?;
        if let Some(sent) = self.dispatched_before() {
            return Ok(format!(
                "UPS {id} was sent its off-and-return command at {} before the daemon restarted; \
                 not sent again (a second one could restart its timer)",
                utc_hhmm(sent)
            ));
        }
        let ups = self
            .shared
            .inventory()
            .ups
            .get(id)
            .cloned()
            .ok_or_else(|| StepError::fatal(format!("UPS {id} is no longer declared")))?;
        self.refuse_if_stopping("the UPS-off command was not sent")
            .await?;
        let dispatched = self.journal_dispatched().await?;
        let sent = tokio::time::timeout(
            CALL_DEADLINE,
            self.shared
                .drivers
                .ups_output
                .ups_off_then_return(&ups, delay_s),
        )
        .await;
        match sent {
            Ok(Ok(sent)) => {
                let secs = sent.step.delay_s.unwrap_or(delay_s);
                self.journal_cut(id, dispatched, secs).await;
                Ok(ups_off_outcome(id, delay_s, &sent))
            }
            // Never retried: the adapter's message names the fix.
            Ok(Err(e)) => Err(StepError::fatal(e.message)),
            Err(_) => {
                // It may have landed: a restore must not race a cut that may come.
                self.journal_cut(id, dispatched, delay_s).await;
                Err(StepError::fatal(format!(
                    "UPS {id}'s server did not answer the off-and-return command within {} s: it may \
                 or may not cut its output; read its state (upsc) and switch it off by hand if it \
                 did not take the command",
                    CALL_DEADLINE.as_secs()
                )))
            }
        }
    }

    /// The demo's: the simulated host power-off records the request and the daemon stays up,
    /// so the run ends here instead of waiting for a stop that never comes.
    async fn simulated_shutdown(&mut self) -> StepResult {
        self.journal_dispatched().await?;
        let why = format!("run {}, step {}", self.run, self.step.id.0 + 1);
        self.shared
            .drivers
            .host_power
            .power_off(&why)
            .await
            .map_err(|e| StepError::fatal(e.to_string()))?;
        Ok("simulated: this host would power off now; the demo never powers off the machine it runs on".into())
    }

    /// Journals when the UPS cuts its output, so no restore powers servers on before it.
    /// The command went out whatever happens here: a failure is logged, not fatal.
    async fn journal_cut(&self, id: &UpsId, dispatched: Timestamp, delay_s: u64) {
        let (run, ups) = (self.run, id.clone());
        let cut = Timestamp(
            dispatched
                .millis()
                .saturating_add(i64::try_from(delay_s.saturating_mul(1000)).unwrap_or(i64::MAX)),
        );
        let saved = self
            .shared
            .store
            .call(move |db| {
                let mut info = db.run(run)?.map(|r| r.info).unwrap_or_default();
                info.output_cut_at.insert(ups, cut);
                db.set_run_info(run, &info)
            })
            .await;
        if let Err(e) = saved {
            tracing::error!(run, ups = %id, error = %e, "cannot journal when the UPS cuts its output; a restore may not wait for it");
        }
    }

    pub(super) async fn shutdown_this_host(&mut self, server: &ServerId) -> StepResult {
        self.journal_started(None).await?;
        if let Some(sent) = self.dispatched_before() {
            return Ok(format!(
                "this host shut down at {} and the daemon started again",
                utc_hhmm(sent)
            ));
        }
        self.refuse_if_stopping("this host was not powered off")
            .await?;
        if self.shared.drivers.simulated_lab().is_some() {
            return self.simulated_shutdown().await;
        }
        let (run, step, now) = (self.run, self.step.id.0, clock::now());
        let host_power = self.shared.drivers.host_power.clone();
        let how = host_power.describe();
        let target = format!("server:{server}");
        let detail = HostPoweroff {
            run,
            step: step + 1,
            how: how.clone(),
        };
        // Recorded and dispatched, then flushed to the disk, before the machine is asked:
        // the next daemon must find the run, and must never power off again.
        self.shared
            .store
            .call(move |db| {
                let mut info = db.run(run)?.map(|r| r.info).unwrap_or_default();
                info.continues_after_power_returns = true;
                db.set_run_info(run, &info)?;
                db.audit(
                    &AuditEntry::new("host_poweroff", "requested")
                        .at(now.millis())
                        .target(&target)
                        .detail(&detail),
                )
                .map(|_| ())
            })
            .await
            .map_err(|e| {
                StepError::fatal(format!(
                    "cannot record that the run goes on after power returns, so this host was \
                     not powered off: {e}"
                ))
            })?;
        self.journal_dispatched().await?;
        self.shared
            .store
            .call(|db| db.sync_to_disk())
            .await
            .map_err(|e| {
                StepError::fatal(format!(
                    "cannot flush the journal to the disk, so this host was not powered off: {e}"
                ))
            })?;
        let why = format!("run {run}, step {}: the shed's last step", step + 1);
        if let Err(e) = host_power.power_off(&why).await {
            // This host stays up: the run does not go on after a power return.
            let undone = self
                .shared
                .store
                .call(move |db| {
                    let mut info = db.run(run)?.map(|r| r.info).unwrap_or_default();
                    info.continues_after_power_returns = false;
                    db.set_run_info(run, &info)
                })
                .await;
            if let Err(err) = undone {
                tracing::error!(run, error = %err, "cannot journal that this host stays up");
            }
            return Err(StepError::fatal(e.to_string()));
        }
        // systemd now stops this daemon like every unit; the step stays dispatched for the
        // next daemon. Still running past the bound means something blocks the shutdown.
        let stopped = tokio::time::timeout(POWEROFF_WAIT, self.shared.stopping.cancelled()).await;
        if stopped.is_ok() {
            // The daemon is stopping: whatever is journaled now, the step stays dispatched.
            std::future::pending::<()>().await;
        }
        Err(StepError::fatal(format!(
            "this host was asked to power off ({how}) but is still up {} s later: check what \
             holds the shutdown (systemctl list-jobs), then shut it down by hand",
            POWEROFF_WAIT.as_secs()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::ups_off::UpsOffStep;

    #[test]
    fn a_journal_time_reads_as_the_hour_and_minute_in_utc() {
        // 2026-12-06 21:04:59 UTC.
        assert_eq!(utc_hhmm(Timestamp(1_796_591_099_000)), "21:04 UTC");
    }

    #[test]
    fn the_outcome_says_what_was_sent_and_who_confirmed_it() {
        let ups = UpsId::new("ups1").expect("a name");
        let sent = UpsOffSentStep {
            step: UpsOffStep {
                command: "shutdown.return".into(),
                delay_s: Some(180),
                returns_on_mains: true,
            },
            confirmed: true,
        };
        assert_eq!(
            ups_off_outcome(&ups, 150, &sent),
            "UPS ups1 will cut its output in 180 s and restore it when mains returns \
             (shutdown.return, confirmed by the driver)"
        );
    }
}
