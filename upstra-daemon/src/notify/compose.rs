//! Turns the event log into notifications: which events are worth telling, and when to stay
//! quiet. Decisions use the events' own times, so replaying the log after a restart decides
//! the same, and every draft's key is derived from the event that caused it: the rows it
//! becomes are written again under the same ids, which the outbox ignores.
//!
//! Mains that fails and returns is held as an *episode* per UPS: its on-battery message waits
//! until the UPS has stayed on battery for the coalescing window (or the outage is acted on,
//! whichever comes first), and an episode in which mains returned ends, once quiet for the
//! window, as one message saying how often it failed and returned.

use std::collections::BTreeMap;

use serde_json::json;
use upstra_adapter_notify::Severity;
use upstra_core::api::v1::{PlanType, RunStatus, StepStatus};
use upstra_core::events::{DomainEvent, EventRecord};

/// A notification decided, not yet written in a language.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Unique per decision and stable across replays (`e42`, `flap17`).
    pub key: String,
    pub kind: &'static str,
    pub severity: Severity,
    pub at_ms: i64,
    pub facts: Facts,
}

/// What a message says, in facts that each language words its own way.
#[derive(Debug, Clone, PartialEq)]
pub enum Facts {
    OnBattery {
        ups: String,
        grace_s: Option<u64>,
        flips: u32,
    },
    OnMains {
        ups: String,
        after_s: u64,
        acted: bool,
    },
    Flapping {
        ups: String,
        failures: u32,
        span_s: u64,
    },
    LowBattery {
        ups: String,
        status: String,
    },
    CommsLost {
        ups: String,
        reason: String,
    },
    CommsRestored {
        ups: String,
    },
    PlanTriggered {
        run: i64,
        ups: Vec<String>,
        reason: String,
        steps: u32,
        makespan_s: u64,
        runtime_s: Option<u64>,
    },
    StepFailed {
        run: i64,
        step: u32,
        action: String,
        detail: String,
    },
    PlanFinished(Box<Report>),
    UncleanStart {
        previous_start_ms: Option<i64>,
    },
    LoginFailures {
        failures: u32,
        within_s: u64,
        users: Vec<String>,
    },
    AuditBroken {
        verified: u64,
        problem: String,
    },
}

/// A shed's or a restore's report.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Report {
    pub run: i64,
    pub plan: PlanType,
    pub state: RunStatus,
    pub done: u32,
    pub failed: u32,
    pub skipped: u32,
    /// Steps that failed: `#3 power off server:esx-a1: timeout`.
    pub failures: Vec<String>,
    /// For a restore: objects verified back, of how many.
    pub restored: Option<(u32, u32)>,
    /// For a restore: what is not back, in words.
    pub not_back: Vec<String>,
}

impl Facts {
    /// The same facts for machines: the webhook's `details`.
    pub fn details(&self) -> serde_json::Value {
        match self {
            Self::OnBattery {
                ups,
                grace_s,
                flips,
            } => {
                json!({"ups": ups, "grace_s": grace_s, "flips": flips})
            }
            Self::OnMains {
                ups,
                after_s,
                acted,
            } => {
                json!({"ups": ups, "after_s": after_s, "acted": acted})
            }
            Self::Flapping {
                ups,
                failures,
                span_s,
            } => {
                json!({"ups": ups, "failures": failures, "span_s": span_s})
            }
            Self::LowBattery { ups, status } => json!({"ups": ups, "status": status}),
            Self::CommsLost { ups, reason } => json!({"ups": ups, "reason": reason}),
            Self::CommsRestored { ups } => json!({"ups": ups}),
            Self::PlanTriggered {
                run,
                ups,
                reason,
                steps,
                makespan_s,
                runtime_s,
            } => json!({
                "run": run, "ups": ups, "reason": reason, "steps": steps,
                "makespan_s": makespan_s, "runtime_s": runtime_s,
            }),
            Self::StepFailed {
                run,
                step,
                action,
                detail,
            } => {
                json!({"run": run, "step": step, "action": action, "detail": detail})
            }
            Self::PlanFinished(r) => json!({
                "run": r.run, "plan": r.plan, "state": r.state, "done": r.done,
                "failed": r.failed, "skipped": r.skipped, "failures": r.failures,
                "restored": r.restored.map(|(n, of)| json!({"restored": n, "of": of})),
                "not_restored": r.not_back,
            }),
            Self::UncleanStart { previous_start_ms } => json!({
                "previous_start_unix": previous_start_ms.map(|ms| ms.div_euclid(1000)),
            }),
            Self::LoginFailures {
                failures,
                within_s,
                users,
            } => {
                json!({"failures": failures, "within_s": within_s, "users": users})
            }
            Self::AuditBroken { verified, problem } => {
                json!({"verified": verified, "problem": problem})
            }
        }
    }
}

/// Mains failing and returning on one UPS, not told yet.
#[derive(Debug, Clone)]
struct Episode {
    first_seq: u64,
    started_ms: i64,
    last_change_ms: i64,
    on_battery: bool,
    grace_s: u64,
    failures: u32,
    announced: bool,
}

/// Reads the report of a run that ended (from the store).
pub trait Reports {
    fn report(
        &mut self,
        run: i64,
        plan: PlanType,
        state: RunStatus,
        counts: (u32, u32, u32),
    ) -> Report;
}

#[derive(Debug, Default)]
pub struct Composer {
    window_ms: i64,
    episodes: BTreeMap<String, Episode>,
    /// The last time an alert of (UPS, kind) was told: identical ones within the window wait.
    last_told: BTreeMap<(String, &'static str), i64>,
    /// UPS whose lost communication was told, so that its return is told too.
    comms_told: BTreeMap<String, bool>,
    runtime_s: BTreeMap<String, u64>,
    actions: BTreeMap<(i64, u32), String>,
    failures: BTreeMap<i64, Vec<String>>,
    last_seq: u64,
}

impl Composer {
    pub fn new(window: std::time::Duration) -> Self {
        Self {
            window_ms: i64::try_from(window.as_millis()).unwrap_or(i64::MAX),
            ..Self::default()
        }
    }

    /// The last event whose every consequence is decided: the cursor the outbox may save.
    /// An episode still open holds it at the event before its start, so that a restart
    /// replays the episode whole.
    pub fn settled(&self) -> u64 {
        self.episodes
            .values()
            .map(|e| e.first_seq.saturating_sub(1))
            .min()
            .unwrap_or(self.last_seq)
            .min(self.last_seq)
    }

    /// A UPS's runtime as last read, for a shed's message when no battery event since the
    /// replay started has told it (the log's own reading wins: it is of the right moment).
    pub fn seed_runtime(&mut self, ups: &str, runtime_s: u64) {
        self.runtime_s.entry(ups.to_owned()).or_insert(runtime_s);
    }

    /// When [`Self::tick`] may have something to say, if an episode is open.
    pub fn next_due_ms(&self) -> Option<i64> {
        self.episodes
            .values()
            .map(|e| e.last_change_ms.saturating_add(self.window_ms))
            .min()
    }

    /// Consequences of one event.
    pub fn event(&mut self, e: &EventRecord, reports: &mut dyn Reports) -> Vec<Draft> {
        self.last_seq = self.last_seq.max(e.seq);
        let at = e.at.millis();
        let key = format!("e{}", e.seq);
        let mut out = Vec::new();
        match &e.event {
            DomainEvent::OutageGraceStarted { ups, grace_s } => {
                let ep = self.episodes.entry(ups.to_string()).or_insert(Episode {
                    first_seq: e.seq,
                    started_ms: at,
                    last_change_ms: at,
                    on_battery: true,
                    grace_s: *grace_s,
                    failures: 0,
                    announced: false,
                });
                ep.failures += 1;
                ep.on_battery = true;
                ep.last_change_ms = at;
            }
            DomainEvent::OutagePowerReturned { ups, .. } => {
                if let Some(ep) = self.episodes.get_mut(ups.as_str()) {
                    ep.on_battery = false;
                    ep.last_change_ms = at;
                }
            }
            DomainEvent::OutageTriggered { ups, .. } => {
                if let Some(ep) = self.episodes.remove(ups.as_str())
                    && !ep.announced
                {
                    out.push(on_battery(ups.as_str(), &ep));
                }
            }
            DomainEvent::OutageMainsReturned { ups } => {
                self.episodes.remove(ups.as_str());
                out.push(Draft {
                    key,
                    kind: "ups_on_mains",
                    severity: Severity::Info,
                    at_ms: at,
                    facts: Facts::OnMains {
                        ups: ups.to_string(),
                        after_s: 0,
                        acted: true,
                    },
                });
            }
            DomainEvent::UpsStatusChanged { ups, from, to } => {
                let lb = |s: &str| s.split_whitespace().any(|f| f == "LB");
                if lb(to) && !lb(from) && self.fresh(ups.as_str(), "ups_low_battery", at) {
                    out.push(Draft {
                        key,
                        kind: "ups_low_battery",
                        severity: Severity::Critical,
                        at_ms: at,
                        facts: Facts::LowBattery {
                            ups: ups.to_string(),
                            status: to.clone(),
                        },
                    });
                }
            }
            DomainEvent::UpsBatteryChanged {
                ups,
                runtime_s: Some(r),
                ..
            } => {
                self.runtime_s.insert(ups.to_string(), *r);
            }
            DomainEvent::UpsCommsLost { ups, reason }
                if self.fresh(ups.as_str(), "ups_comms_lost", at) =>
            {
                self.comms_told.insert(ups.to_string(), true);
                out.push(Draft {
                    key,
                    kind: "ups_comms_lost",
                    severity: Severity::Warning,
                    at_ms: at,
                    facts: Facts::CommsLost {
                        ups: ups.to_string(),
                        reason: reason.clone(),
                    },
                });
            }
            DomainEvent::UpsCommsRestored { ups }
                if self.comms_told.remove(ups.as_str()).is_some() =>
            {
                out.push(Draft {
                    key,
                    kind: "ups_comms_restored",
                    severity: Severity::Info,
                    at_ms: at,
                    facts: Facts::CommsRestored {
                        ups: ups.to_string(),
                    },
                });
            }
            DomainEvent::RunStarted {
                run,
                plan,
                ups,
                reason,
                steps,
                estimate_s,
            } if *plan == PlanType::Shed => {
                for u in ups {
                    if let Some(ep) = self.episodes.remove(u.as_str())
                        && !ep.announced
                    {
                        out.push(on_battery(u.as_str(), &ep));
                    }
                }
                let runtime_s = ups
                    .iter()
                    .filter_map(|u| self.runtime_s.get(u.as_str()))
                    .min()
                    .copied();
                out.push(Draft {
                    key,
                    kind: "plan_triggered",
                    severity: Severity::Critical,
                    at_ms: at,
                    facts: Facts::PlanTriggered {
                        run: *run,
                        ups: ups.iter().map(ToString::to_string).collect(),
                        reason: reason.clone(),
                        steps: *steps,
                        makespan_s: *estimate_s,
                        runtime_s,
                    },
                });
            }
            DomainEvent::StepStarted { run, step, action } => {
                self.actions.insert((*run, *step), action.clone());
            }
            DomainEvent::StepEnded {
                run,
                step,
                state,
                detail,
            } => {
                let action = self.actions.remove(&(*run, *step)).unwrap_or_default();
                if *state == StepStatus::Failed {
                    self.failures
                        .entry(*run)
                        .or_default()
                        .push(format!("#{step} {action}: {detail}"));
                    out.push(Draft {
                        key,
                        kind: "step_failed",
                        severity: Severity::Warning,
                        at_ms: at,
                        facts: Facts::StepFailed {
                            run: *run,
                            step: *step,
                            action,
                            detail: detail.clone(),
                        },
                    });
                }
            }
            DomainEvent::RunEnded {
                run,
                plan,
                state,
                done,
                failed,
                skipped,
            } => {
                let mut report = reports.report(*run, *plan, *state, (*done, *failed, *skipped));
                if report.failures.is_empty() {
                    report.failures = self.failures.remove(run).unwrap_or_default();
                }
                self.failures.remove(run);
                let bad = report.failed > 0
                    || !report.not_back.is_empty()
                    || *state != RunStatus::Finished;
                out.push(Draft {
                    key,
                    kind: "plan_finished",
                    severity: if bad {
                        Severity::Warning
                    } else {
                        Severity::Info
                    },
                    at_ms: at,
                    facts: Facts::PlanFinished(Box::new(report)),
                });
            }
            DomainEvent::DaemonUncleanStart { previous_start } => out.push(Draft {
                key,
                kind: "daemon_unclean_start",
                severity: Severity::Warning,
                at_ms: at,
                facts: Facts::UncleanStart {
                    previous_start_ms: previous_start.map(|t| t.millis()),
                },
            }),
            DomainEvent::LoginFailuresBurst {
                failures,
                within_s,
                users,
            } => out.push(Draft {
                key,
                kind: "login_failures",
                severity: Severity::Warning,
                at_ms: at,
                facts: Facts::LoginFailures {
                    failures: *failures,
                    within_s: *within_s,
                    users: users.clone(),
                },
            }),
            // Every `audit verify` of a broken chain raises it: told once per window.
            DomainEvent::AuditChainBroken { verified, problem }
                if self.fresh("", "audit_chain_broken", at) =>
            {
                out.push(Draft {
                    key,
                    kind: "audit_chain_broken",
                    severity: Severity::Critical,
                    at_ms: at,
                    facts: Facts::AuditBroken {
                        verified: *verified,
                        problem: problem.clone(),
                    },
                });
            }
            _ => {}
        }
        out
    }

    /// What the passing of time decides at `now_ms`: episodes quiet for the window.
    pub fn tick(&mut self, now_ms: i64) -> Vec<Draft> {
        let mut out = Vec::new();
        let window = self.window_ms;
        let mut closed = Vec::new();
        for (ups, ep) in &mut self.episodes {
            if now_ms.saturating_sub(ep.last_change_ms) < window {
                continue;
            }
            if ep.on_battery {
                if !ep.announced {
                    ep.announced = true;
                    out.push(on_battery(ups, ep));
                }
                continue;
            }
            closed.push(ups.clone());
            let span_s = (ep.last_change_ms - ep.started_ms).max(0).unsigned_abs() / 1000;
            let key = format!("flap{}", ep.first_seq);
            let facts = if ep.failures > 1 {
                Facts::Flapping {
                    ups: ups.clone(),
                    failures: ep.failures,
                    span_s,
                }
            } else {
                Facts::OnMains {
                    ups: ups.clone(),
                    after_s: span_s,
                    acted: false,
                }
            };
            let kind = if ep.failures > 1 {
                "ups_mains_flapping"
            } else {
                "ups_on_mains"
            };
            out.push(Draft {
                key,
                kind,
                severity: if ep.failures > 1 {
                    Severity::Warning
                } else {
                    Severity::Info
                },
                at_ms: ep.last_change_ms,
                facts,
            });
        }
        for ups in closed {
            self.episodes.remove(&ups);
        }
        out
    }

    /// Whether an alert of `kind` about `ups` at `at` is news: not told within the window.
    fn fresh(&mut self, ups: &str, kind: &'static str, at: i64) -> bool {
        let k = (ups.to_owned(), kind);
        match self.last_told.get(&k) {
            Some(last) if at.saturating_sub(*last) < self.window_ms => false,
            _ => {
                self.last_told.insert(k, at);
                true
            }
        }
    }
}

fn on_battery(ups: &str, ep: &Episode) -> Draft {
    Draft {
        key: format!("onbatt{}", ep.first_seq),
        kind: "ups_on_battery",
        severity: Severity::Critical,
        at_ms: ep.started_ms,
        facts: Facts::OnBattery {
            ups: ups.to_owned(),
            grace_s: Some(ep.grace_s),
            flips: ep.failures.saturating_sub(1),
        },
    }
}
