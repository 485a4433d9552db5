//! When to act: one watch per UPS turns its readings into decisions.
//!
//! ```text
//! Online ──OB──> OnBattery(grace) ──grace over / LB / FSD / runtime short──> Triggered
//!   ^  <──OL (quietly)──┘                                                        │
//!   │                                                               OL ×2        v
//!   └──── restored <── Restoring <── stable for N s, charge ≥ X ── PowerBack(stability wait)
//!                                                    OB again: back to Triggered ┘
//! ```
//! A reading must hold for [`CONFIRM_POLLS`] polls in a row before an immediate trigger
//! (low battery, runtime, FSD) or the return of mains counts, so one odd poll never acts.
//! Self-tests (`CAL`, `TEST`) are not outages. Time is a parameter; nothing here blocks.

use serde::{Deserialize, Serialize};

use crate::state::{Timestamp, UpsFlag, UpsLive, UpsReading};

use super::policy::{CommsLostPolicy, UpsPolicy};

/// Readings in a row that an immediate decision needs.
pub const CONFIRM_POLLS: u32 = 2;

/// Why a shed starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum TriggerReason {
    /// On battery for the whole grace period.
    GraceExpired { grace_s: u64 },
    /// Low battery while on battery.
    LowBattery,
    /// `upsd` announced a forced shutdown.
    ForcedShutdown,
    /// The runtime left no longer covers the plan and its margin.
    RuntimeShort { runtime_s: u64, needed_s: u64 },
    /// The UPS has been silent longer than its policy allows.
    CommsLost { secs: u64 },
    /// An operator ran the plan.
    Operator { user: String },
}

impl std::fmt::Display for TriggerReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::GraceExpired { grace_s } => {
                write!(f, "on battery for the {grace_s} s grace period")
            }
            Self::LowBattery => f.write_str("low battery"),
            Self::ForcedShutdown => f.write_str("forced shutdown announced by upsd"),
            Self::RuntimeShort {
                runtime_s,
                needed_s,
            } => write!(
                f,
                "battery runtime {runtime_s} s no longer covers the plan ({needed_s} s with margin)"
            ),
            Self::CommsLost { secs } => write!(f, "no answer from the UPS for {secs} s"),
            Self::Operator { user } => write!(f, "run by {user}"),
        }
    }
}

/// Where a UPS stands.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "phase")]
pub enum WatchPhase {
    #[default]
    Online,
    /// On battery since `since`; the grace period runs.
    OnBattery { since: Timestamp },
    /// A self-test runs on battery: not an outage.
    SelfTest,
    /// The outage is being acted on.
    Triggered { at: Timestamp },
    /// Mains is back after a trigger; waiting for it to stay.
    PowerBack { since: Timestamp },
    /// A restore runs.
    Restoring,
}

/// What the watch decided on a reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum Decision {
    GraceStarted {
        grace_s: u64,
    },
    /// Mains came back within the grace period: nothing to do.
    PowerReturnedInGrace {
        after_s: u64,
    },
    SelfTestIgnored,
    /// Shed the load this UPS feeds.
    Shed(TriggerReason),
    /// Mains is back during or after a shed: start no new step.
    MainsReturned,
    /// Mains failed again during the stability wait: shed again.
    PowerLostAgain,
    /// Mains has been stable long enough and the battery holds enough charge.
    RestoreReady,
    /// The UPS stopped answering: raised once per silence, whatever comes next.
    CommsLostAlarm {
        reason: String,
        /// How long it has been silent when the alarm is raised.
        silent_s: u64,
        /// In how many seconds the daemon acts if it stays silent: the comms-lost delay of
        /// its policy, or the rest of a grace period already running, whichever ends first.
        /// `None`: the policy only warns, and no grace period runs.
        acts_in_s: Option<u64>,
    },
}

/// One UPS's watch.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PowerWatch {
    pub phase: WatchPhase,
    /// Consecutive readings that asked for an immediate shed.
    urgent_polls: u32,
    /// Consecutive readings on mains while triggered.
    mains_polls: u32,
    /// FSD was already set at the last reading: only its appearance acts, since upsd keeps it
    /// latched until restarted, even with mains back.
    fsd_seen: bool,
    /// The comms-lost alarm was raised for the current silence.
    alarmed: bool,
}

fn self_test(r: &UpsReading) -> bool {
    r.has(&UpsFlag::Cal)
        || r.flags
            .iter()
            .any(|f| matches!(f, UpsFlag::Other(s) if s == "TEST"))
}

impl PowerWatch {
    /// A watch that resumes an outage being acted on (after a daemon restart).
    pub fn triggered(at: Timestamp) -> Self {
        Self {
            phase: WatchPhase::Triggered { at },
            ..Self::default()
        }
    }

    /// Feeds one observation. `needed_s` is the current plan's estimated duration plus the
    /// policy's margin, for the runtime trigger (`None` when nothing would be shed).
    pub fn observe(
        &mut self,
        live: &UpsLive,
        now: Timestamp,
        policy: &UpsPolicy,
        needed_s: Option<u64>,
    ) -> Vec<Decision> {
        match live {
            UpsLive::Unknown => Vec::new(),
            UpsLive::CommsLost { reason, since } => self.silent(reason, *since, now, policy),
            UpsLive::Reading { reading, .. } => {
                self.alarmed = false;
                self.reading(reading, now, policy, needed_s)
            }
        }
    }

    /// An operator's `plan run`.
    pub fn operator_shed(&mut self, now: Timestamp) {
        self.phase = WatchPhase::Triggered { at: now };
        self.urgent_polls = 0;
        self.mains_polls = 0;
    }

    /// A restore started (automatically or by hand).
    pub fn restoring(&mut self) {
        self.phase = WatchPhase::Restoring;
    }

    /// The restore ended: back to watching for the next cut.
    pub fn restored(&mut self) {
        self.phase = WatchPhase::Online;
        self.urgent_polls = 0;
        self.mains_polls = 0;
    }

    fn trigger(&mut self, now: Timestamp, reason: TriggerReason) -> Vec<Decision> {
        self.phase = WatchPhase::Triggered { at: now };
        self.urgent_polls = 0;
        self.mains_polls = 0;
        vec![Decision::Shed(reason)]
    }

    fn silent(
        &mut self,
        reason: &str,
        since: Timestamp,
        now: Timestamp,
        policy: &UpsPolicy,
    ) -> Vec<Decision> {
        self.urgent_polls = 0;
        self.mains_polls = 0;
        let mut out = Vec::new();
        // While triggered or restoring, silence changes nothing: the last state stands.
        if !matches!(
            self.phase,
            WatchPhase::Online | WatchPhase::OnBattery { .. }
        ) {
            return out;
        }
        match policy.comms_lost {
            CommsLostPolicy::ActAfter { secs } if now.secs_since(since) >= secs => {
                return self.trigger(
                    now,
                    TriggerReason::CommsLost {
                        secs: now.secs_since(since),
                    },
                );
            }
            _ => {}
        }
        if !self.alarmed {
            self.alarmed = true;
            let silent_s = now.secs_since(since);
            let by_policy = match policy.comms_lost {
                CommsLostPolicy::ActAfter { secs } => Some(secs.saturating_sub(silent_s)),
                CommsLostPolicy::Alarm => None,
            };
            let by_grace = match self.phase {
                WatchPhase::OnBattery { since: ob } => {
                    Some(policy.grace_s.saturating_sub(now.secs_since(ob)))
                }
                _ => None,
            };
            let acts_in_s = match (by_policy, by_grace) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            out.push(Decision::CommsLostAlarm {
                reason: reason.to_owned(),
                silent_s,
                acts_in_s,
            });
        }
        // On battery when it went silent: the grace period keeps running, since nothing says
        // mains came back.
        if let WatchPhase::OnBattery { since: ob } = self.phase
            && now.secs_since(ob) >= policy.grace_s
        {
            out.extend(self.trigger(
                now,
                TriggerReason::GraceExpired {
                    grace_s: policy.grace_s,
                },
            ));
        }
        out
    }

    fn reading(
        &mut self,
        r: &UpsReading,
        now: Timestamp,
        policy: &UpsPolicy,
        needed_s: Option<u64>,
    ) -> Vec<Decision> {
        let on_battery = r.on_battery();
        let fsd = r.has(&UpsFlag::Fsd);
        let fsd_appeared = fsd && !self.fsd_seen;
        self.fsd_seen = fsd;
        let urgent = if fsd_appeared {
            Some(TriggerReason::ForcedShutdown)
        } else if on_battery && policy.act_on_low_battery && r.has(&UpsFlag::Lb) {
            Some(TriggerReason::LowBattery)
        } else if let (true, Some(runtime_s), Some(needed_s)) = (on_battery, r.runtime_s, needed_s)
            && runtime_s <= needed_s
        {
            Some(TriggerReason::RuntimeShort {
                runtime_s,
                needed_s,
            })
        } else {
            None
        };
        match self.phase.clone() {
            WatchPhase::Online | WatchPhase::SelfTest => {
                if on_battery && self_test(r) {
                    let first = self.phase != WatchPhase::SelfTest;
                    self.phase = WatchPhase::SelfTest;
                    return if first {
                        vec![Decision::SelfTestIgnored]
                    } else {
                        Vec::new()
                    };
                }
                self.phase = WatchPhase::Online;
                if fsd_appeared {
                    return self.trigger(now, TriggerReason::ForcedShutdown);
                }
                if on_battery {
                    self.phase = WatchPhase::OnBattery { since: now };
                    self.urgent_polls = u32::from(urgent.is_some());
                    return vec![Decision::GraceStarted {
                        grace_s: policy.grace_s,
                    }];
                }
                Vec::new()
            }
            WatchPhase::OnBattery { since } => {
                // A calibration needs mains: the UPS started a self-test, not an outage.
                if on_battery && self_test(r) {
                    self.phase = WatchPhase::SelfTest;
                    self.urgent_polls = 0;
                    return vec![Decision::SelfTestIgnored];
                }
                if !on_battery {
                    self.phase = WatchPhase::Online;
                    self.urgent_polls = 0;
                    return vec![Decision::PowerReturnedInGrace {
                        after_s: now.secs_since(since),
                    }];
                }
                if let Some(reason) = urgent {
                    self.urgent_polls += 1;
                    if self.urgent_polls >= CONFIRM_POLLS || reason == TriggerReason::ForcedShutdown
                    {
                        return self.trigger(now, reason);
                    }
                } else {
                    self.urgent_polls = 0;
                }
                if now.secs_since(since) >= policy.grace_s {
                    return self.trigger(
                        now,
                        TriggerReason::GraceExpired {
                            grace_s: policy.grace_s,
                        },
                    );
                }
                Vec::new()
            }
            WatchPhase::Triggered { .. } => {
                if on_battery {
                    self.mains_polls = 0;
                    return Vec::new();
                }
                self.mains_polls += 1;
                if self.mains_polls >= CONFIRM_POLLS {
                    self.phase = WatchPhase::PowerBack { since: now };
                    self.mains_polls = 0;
                    return vec![Decision::MainsReturned];
                }
                Vec::new()
            }
            WatchPhase::PowerBack { since } => {
                if on_battery {
                    self.phase = WatchPhase::Triggered { at: now };
                    return vec![Decision::PowerLostAgain];
                }
                let charged = r
                    .charge_pct
                    .is_none_or(|c| c >= f32::from(policy.restore_min_charge_pct));
                if now.secs_since(since) >= policy.restore_stable_s
                    && charged
                    && policy.auto_restore
                {
                    self.phase = WatchPhase::Restoring;
                    return vec![Decision::RestoreReady];
                }
                Vec::new()
            }
            // A new cut while power comes back is a new outage, with its own grace period.
            WatchPhase::Restoring if on_battery => {
                self.phase = WatchPhase::OnBattery { since: now };
                self.urgent_polls = u32::from(urgent.is_some());
                vec![Decision::GraceStarted {
                    grace_s: policy.grace_s,
                }]
            }
            WatchPhase::Restoring => Vec::new(),
        }
    }
}
