//! Step durations learned from earlier runs.
//!
//! Only steps that did real work teach anything: a step that found its target already in the
//! wanted state ("already off") took a second, and learning from it would shrink the plan's
//! estimate, and with it the runtime trigger's margin, after every harmless demo. Of the real
//! durations, the planner keeps a high percentile over the most recent ones, not the mean: a
//! plan that runs late drains the battery, one that runs early costs nothing.

use super::plan::Step;
use super::policy::StepEstimates;

/// Real durations of one kind of step the figure is taken over: recent enough to follow a
/// hardware or firmware change within a season of outages, enough for a 90th percentile to
/// mean something.
pub const LEARN_FROM_LAST: usize = 20;

/// The percentile of the recent real durations a plan counts on: slow runs are planned for,
/// a single freak (a vCenter that hung once) among the last [`LEARN_FROM_LAST`] is not.
pub const LEARNED_PERCENTILE: usize = 90;

/// Real durations of one target a figure of its own needs: fewer, and one slow run of a
/// server would set its estimate alone; until then it is planned like the others of its kind.
pub const MIN_TARGET_SAMPLES: usize = 3;

/// The figure to plan with from real durations in milliseconds, in whole seconds rounded up
/// (never 0: a step still takes a moment); `None` without a sample. Nearest-rank percentile
/// over the newest [`LEARN_FROM_LAST`] samples, which `samples_ms` holds newest first.
pub fn robust_secs(samples_ms: &[i64]) -> Option<u64> {
    let mut recent: Vec<u64> = samples_ms
        .iter()
        .take(LEARN_FROM_LAST)
        .map(|ms| u64::try_from(*ms).unwrap_or(0))
        .collect();
    if recent.is_empty() {
        return None;
    }
    recent.sort_unstable();
    // Nearest rank: the smallest sample with at least P % of the samples at or below it.
    let rank = (recent.len() * LEARNED_PERCENTILE).div_ceil(100).max(1);
    let ms = recent[rank - 1];
    Some(ms.div_ceil(1000).max(1))
}

impl StepEstimates {
    /// The estimate of a kind of step (as [`super::StepAction::kind`] names it), for it to
    /// be replaced by a learned figure; `None` for an unknown kind.
    fn slot(&mut self, kind: &str) -> Option<&mut u64> {
        Some(match kind {
            "migrate_vm" => &mut self.migrate_vm_s,
            "stop_vm" => &mut self.stop_vm_s,
            "enter_maintenance" => &mut self.enter_maintenance_s,
            "shutdown_server" => &mut self.shutdown_server_s,
            "power_on_server" => &mut self.power_on_server_s,
            "wait_connected" => &mut self.wait_connected_s,
            "exit_maintenance" => &mut self.exit_maintenance_s,
            "start_vm" => &mut self.start_vm_s,
            "ups_off" => &mut self.ups_off_s,
            "shutdown_this_host" => &mut self.shutdown_this_host_s,
            _ => return None,
        })
    }

    /// Replaces the estimate of `kind` by the figure learned from `samples_ms` (real
    /// durations, newest first), and remembers that it was learned.
    pub fn learn(&mut self, kind: &str, samples_ms: &[i64]) {
        let Some(secs) = robust_secs(samples_ms) else {
            return;
        };
        if let Some(slot) = self.slot(kind) {
            *slot = secs;
            self.learned.insert(kind.to_owned());
        }
    }

    /// Gives one target (`server:NAME`, `vm:NAME`) of a kind its own learned figure once it
    /// has [`MIN_TARGET_SAMPLES`] real durations (`samples_ms`, newest first): a database
    /// server that takes five minutes to shut down is not planned like a web server.
    pub fn learn_target(&mut self, kind: &str, target: &str, samples_ms: &[i64]) {
        if samples_ms.len() < MIN_TARGET_SAMPLES || self.slot(kind).is_none() {
            return;
        }
        if let Some(secs) = robust_secs(samples_ms) {
            self.learned_targets
                .insert((kind.to_owned(), target.to_owned()), secs);
        }
    }

    /// The estimate of this kind of step was learned from earlier runs.
    pub fn is_learned(&self, kind: &str) -> bool {
        self.learned.contains(kind)
    }

    /// Gives the steps whose target has a figure of its own that figure, and marks the
    /// steps whose estimate was learned.
    pub(super) fn mark(&self, steps: &mut [Step]) {
        for step in steps {
            let kind = step.action.kind();
            let own = self
                .learned_targets
                .get(&(kind.to_owned(), step.action.target()));
            if let Some(secs) = own {
                step.estimate_s = *secs;
            }
            step.estimate_learned = own.is_some() || self.is_learned(kind);
        }
    }
}
