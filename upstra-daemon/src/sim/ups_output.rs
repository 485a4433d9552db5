//! The simulated lab's UPS output: the demo's answer to the UPS-off step. A command cuts the
//! UPS's output after its delay; the servers it was the last feed of lose power (Off, and
//! their BMC can no longer power them on); the output comes back once mains is present and it
//! has been off at least [`SIM_ON_DELAY`], as `shutdown.return` does on a real UPS. The
//! servers then stay Off until the daemon's restore powers them on.

use std::time::{Duration, Instant};

use upstra_core::ids::UpsId;
use upstra_core::model::Ups;
use upstra_core::state::PowerState;
use upstra_core::traits::{BoxFuture, UpsOutputControl};
use upstra_core::ups_off::{UpsCommandError, UpsOffCheck, UpsOffSentStep, UpsOffStep};

use super::{SimLab, SimState, ready};

/// The one command the simulated UPS offers: cut after the delay, restore on mains.
pub const SIM_COMMAND: &str = "shutdown.return";
/// The least time the output stays off before mains brings it back (NUT's `ondelay`): a
/// real UPS waits a few seconds so the load sees a clean cycle.
pub const SIM_ON_DELAY: Duration = Duration::from_secs(5);

/// Where a UPS's output is after a command.
#[derive(Debug, Clone, Copy)]
pub(super) enum Output {
    /// The command was taken; the output goes off at that instant.
    CutAt(Instant),
    /// Off since then.
    Cut(Instant),
}

impl SimState {
    /// Applies the cuts whose delay has passed and restores the outputs mains brings back.
    pub(super) fn advance_outputs(&mut self, now: Instant) {
        let mut cut_now = Vec::new();
        let mut restored = Vec::new();
        for (ups, output) in &mut self.outputs {
            match *output {
                Output::CutAt(at) if now >= at => {
                    *output = Output::Cut(now);
                    cut_now.push(ups.clone());
                }
                Output::Cut(since) if now.duration_since(since) >= SIM_ON_DELAY => {
                    let mains = self.batteries.get(ups).is_none_or(|b| b.mains);
                    if mains {
                        restored.push(ups.clone());
                    }
                }
                _ => {}
            }
        }
        let output_returned = !restored.is_empty();
        for ups in restored {
            self.outputs.remove(&ups);
        }
        // The daemon's own host boots when power returns (its firmware set to power on with
        // AC, as a host running the daemon must be); the other servers wait for the restore.
        if output_returned
            && let Some(here) = self.this_host.clone()
            && self.is_powered(&here)
        {
            self.power.insert(here, PowerState::On);
        }
        if cut_now.is_empty() {
            return;
        }
        let unpowered: Vec<_> = self
            .feeds
            .keys()
            .filter(|server| !self.is_powered(server))
            .cloned()
            .collect();
        for server in unpowered {
            self.power.insert(server, PowerState::Off);
        }
    }

    /// True when the output of `ups` is off now.
    pub(super) fn output_off(&self, ups: &UpsId) -> bool {
        matches!(self.outputs.get(ups), Some(Output::Cut(_)))
    }

    /// A server has power while at least its required number of feeds have output.
    pub(super) fn is_powered(&self, server: &upstra_core::ids::ServerId) -> bool {
        let Some((feeds, required)) = self.feeds.get(server) else {
            return true;
        };
        if feeds.is_empty() {
            return true;
        }
        let live = feeds.iter().filter(|u| !self.output_off(u)).count();
        live >= usize::from((*required).max(1))
    }
}

fn step(delay_s: u64) -> UpsOffStep {
    UpsOffStep {
        command: SIM_COMMAND.to_owned(),
        delay_s: Some(delay_s),
        returns_on_mains: true,
    }
}

impl UpsOutputControl for SimLab {
    fn ups_off_capability<'a>(
        &'a self,
        _ups: &'a Ups,
        delay_s: u64,
    ) -> BoxFuture<'a, Result<UpsOffCheck, UpsCommandError>> {
        ready(Ok(UpsOffCheck {
            offered: vec![SIM_COMMAND.to_owned()],
            verdict: Ok(step(delay_s)),
            unchecked: None,
        }))
    }

    fn ups_off_then_return<'a>(
        &'a self,
        ups: &'a Ups,
        delay_s: u64,
    ) -> BoxFuture<'a, Result<UpsOffSentStep, UpsCommandError>> {
        let at = Instant::now() + Duration::from_secs(delay_s);
        tracing::warn!(ups = %ups.id, delay_s, "simulated: the UPS cuts its output after the delay");
        self.with(|s| s.outputs.insert(ups.id.clone(), Output::CutAt(at)));
        ready(Ok(UpsOffSentStep {
            step: step(delay_s),
            confirmed: true,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::lab::{KnownNames, parse};
    use upstra_core::state::UpsFlag;
    use upstra_core::traits::{Bmc, ResetType, UpsMonitor};

    #[tokio::test]
    async fn the_output_goes_off_after_the_delay_and_back_when_mains_returns() {
        let inv = parse(crate::demo::DEMO_LAB, &KnownNames::default())
            .expect("demo lab parses")
            .inventory;
        let sim = SimLab::new(&inv);
        let ups = inv.ups.values().next().expect("a UPS");
        let fed: Vec<_> = inv
            .servers
            .values()
            .filter(|s| s.feeds == [ups.id.clone()])
            .collect();
        let server = fed.first().expect("a server fed by that UPS alone");

        let check = sim.ups_off_capability(ups, 90).await.expect("check");
        assert_eq!(check.verdict.map(|s| s.command), Ok(SIM_COMMAND.to_owned()));
        assert_eq!(check.unchecked, None);

        sim.set_mains(&ups.id, false);
        let sent = sim.ups_off_then_return(ups, 0).await.expect("sent");
        assert_eq!(sent.step.delay_s, Some(0));
        let reading = sim.read(ups).await.expect("read");
        assert!(reading.flags.contains(&UpsFlag::Off), "{:?}", reading.flags);
        for s in &fed {
            assert_eq!(sim.status(s).await.expect("status").power, PowerState::Off);
        }
        let err = sim
            .reset(server, ResetType::On)
            .await
            .expect_err("no power");
        assert!(err.to_string().contains("output is off"), "{err}");

        // Mains back: once the UPS's on-delay has passed the output returns, the servers stay
        // off until someone (the restore) powers them on.
        sim.set_mains(&ups.id, true);
        let later = Instant::now() + SIM_ON_DELAY;
        sim.with_at(later, |_| ());
        let reading = sim.read(ups).await.expect("read");
        assert!(
            !reading.flags.contains(&UpsFlag::Off),
            "{:?}",
            reading.flags
        );
        assert_eq!(
            sim.status(server).await.expect("status").power,
            PowerState::Off
        );
        // Except the daemon's own host, which boots with its power as a real one must.
        let here = inv
            .servers
            .values()
            .find(|s| s.this_host)
            .expect("this_host");
        assert!(
            fed.iter().any(|s| s.id == here.id),
            "the demo's host is fed by {}",
            ups.id
        );
        assert_ne!(server.id, here.id);
        assert_eq!(
            sim.status(here).await.expect("status").power,
            PowerState::On
        );
        sim.reset(server, ResetType::On)
            .await
            .expect("power is back");
        assert_eq!(
            sim.status(server).await.expect("status").power,
            PowerState::On
        );
    }
}
