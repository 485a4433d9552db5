//! The shed's last steps, said before they happen: for `plan show` and `plan simulate`, when
//! each UPS asked to cut its output does so against its battery, whether its driver can be
//! sent the command with the lab's credentials, and when this host shuts down.
//!
//! Asking a UPS means a conversation with its server (upsd): never done inside the
//! conductor's loop, which must keep reading the UPS during an outage.

use std::time::Duration;

use upstra_core::api::v1::{CheckView, PlanView};
use upstra_core::ids::UpsId;
use upstra_core::model::{Inventory, Ups};
use upstra_core::outage::{Plan, StepAction, UpsOffPolicy};
use upstra_core::ups_off::{UpsCommandError, UpsCommandFailure, UpsOffCheck, UpsOffStep};

use super::lab::runtime_of;
use crate::shared::Shared;

/// How long `plan show` waits for a UPS's server to say what it offers: a show is drawn
/// while an operator waits (and the console refreshes it), so a slow upsd gets a note
/// rather than a stalled screen; `plan simulate` takes its longer check deadline.
pub const SHOW_ASK_DEADLINE: Duration = Duration::from_secs(3);

/// One UPS-off step of a plan, with what is needed to ask its UPS and to place its cut.
#[derive(Debug, Clone)]
pub struct UpsOffAsk {
    pub ups: Ups,
    pub delay_s: u64,
    /// When the command goes out, seconds from the start of the run.
    pub sent_at_s: u64,
}

impl UpsOffAsk {
    /// When the UPS cuts its output, seconds from the start of the run.
    pub fn cut_at_s(&self) -> u64 {
        self.sent_at_s.saturating_add(self.delay_s)
    }
}

/// What the UPS's driver answered, or that it did not in time.
#[derive(Debug, Clone)]
pub enum Asked {
    Answer(UpsOffCheck),
    /// The driver could not ask, or knows without asking that the command cannot be sent
    /// (no login declared).
    CannotAsk(UpsCommandError),
    NoAnswer(Duration),
}

/// What `plan show` says of a plan's last steps, gathered in the conductor (no I/O) and
/// completed by asking the UPS outside it.
#[derive(Debug, Default)]
pub struct LastOut {
    /// Each UPS-off step, with its UPS's battery runtime now.
    asks: Vec<(UpsOffAsk, Option<u64>)>,
    host_down_s: Option<u64>,
}

impl LastOut {
    pub fn of(shared: &Shared, plan: &Plan, inventory: &Inventory) -> Self {
        Self {
            asks: asks(plan, inventory)
                .into_iter()
                .map(|a| {
                    let runtime = runtime_of(&shared.live, &a.ups.id);
                    (a, runtime)
                })
                .collect(),
            host_down_s: host_down_s(plan),
        }
    }

    /// `view` with a note per UPS-off step: its cut against the battery, and what keeps its
    /// UPS from taking the command, asked within [`SHOW_ASK_DEADLINE`].
    pub async fn noted(self, shared: &Shared, mut view: PlanView) -> PlanView {
        let mut first_cut: Option<u64> = None;
        for (a, runtime) in &self.asks {
            let asked = ask(shared, a, SHOW_ASK_DEADLINE).await;
            view.notes
                .extend(show_notes(self.host_down_s, a, &asked, *runtime));
            let cut = effective_cut_s(a, &asked);
            first_cut = Some(first_cut.map_or(cut, |c| c.min(cut)));
        }
        // The timeline marks the cut the UPS will really make.
        if first_cut.is_some() {
            view.output_cut_s = first_cut;
        }
        view
    }
}

/// The plan's UPS-off steps, with their declared UPS.
pub fn asks(plan: &Plan, inventory: &Inventory) -> Vec<UpsOffAsk> {
    plan.steps
        .iter()
        .filter_map(|s| match &s.action {
            StepAction::UpsOff { ups, delay_s } => Some(UpsOffAsk {
                ups: inventory.ups.get(ups)?.clone(),
                delay_s: *delay_s,
                sent_at_s: plan.schedule.start_s.get(s.id.index()).copied()?,
            }),
            _ => None,
        })
        .collect()
}

/// Asks the UPS's driver what it would send, with no side effect, within `deadline`.
pub async fn ask(shared: &Shared, ask: &UpsOffAsk, deadline: Duration) -> Asked {
    let call = shared
        .drivers
        .ups_output
        .ups_off_capability(&ask.ups, ask.delay_s);
    match tokio::time::timeout(deadline, call).await {
        Ok(Ok(check)) => Asked::Answer(check),
        Ok(Err(e)) => Asked::CannotAsk(e),
        Err(_) => Asked::NoAnswer(deadline),
    }
}

/// In words, as operators read durations: "45 s", "5 min 20 s", "12 min", "1 h 05 min".
pub fn spoken(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, m, _) => format!("{h} h {m:02} min"),
    }
}

/// What would be sent, in words: "shutdown.return, output cut 180 s after the command,
/// restored on mains".
fn sent_words(step: &UpsOffStep, wanted_delay_s: u64) -> String {
    let delay = step.delay_s.unwrap_or(wanted_delay_s);
    let back = if step.returns_on_mains {
        "restored on mains"
    } else {
        "NOT restored by the UPS when mains returns: someone must switch it on"
    };
    format!(
        "{}, output cut {delay} s after the command, {back}",
        step.command
    )
}

/// The check `plan simulate` shows for one UPS-off step.
pub fn check_view(ask: &UpsOffAsk, asked: &Asked) -> CheckView {
    let target = format!("ups:{}", ask.ups.id);
    let (ok, detail) = match asked {
        Asked::Answer(check) => match (&check.verdict, &check.unchecked) {
            (Ok(step), None) => (true, sent_words(step, ask.delay_s)),
            (Ok(step), Some(why)) => (
                true,
                format!(
                    "{}; the permission to send it is not proved: {why}",
                    sent_words(step, ask.delay_s)
                ),
            ),
            (Err(e), _) => (false, refusal(&ask.ups.id, e.kind, &e.message)),
        },
        Asked::CannotAsk(e) if e.kind == UpsCommandFailure::Unreachable => (
            false,
            format!(
                "could not ask what it offers: {}; until it answers, it cannot be told to cut its output",
                e.message
            ),
        ),
        Asked::CannotAsk(e) => (false, refusal(&ask.ups.id, e.kind, &e.message)),
        Asked::NoAnswer(d) => (
            false,
            format!(
                "its server did not say within {} s what it offers: check that upsd answers, then simulate again",
                d.as_secs()
            ),
        ),
    };
    CheckView { target, ok, detail }
}

/// The sentence for a UPS that cannot take the command, led by what it means.
fn refusal(ups: &UpsId, kind: UpsCommandFailure, message: &str) -> String {
    match kind {
        UpsCommandFailure::NotOffered => {
            format!("UPS {ups} offers no command to cut its output: {message}")
        }
        _ => format!("UPS {ups} cannot be told to cut its output: {message}"),
    }
}

/// The UPS's own delay, when its driver fixes one other than the plan's.
fn fixed_delay(ask: &UpsOffAsk, asked: &Asked) -> Option<u64> {
    match asked {
        Asked::Answer(UpsOffCheck {
            verdict: Ok(UpsOffStep {
                delay_s: Some(d), ..
            }),
            ..
        }) if *d != ask.delay_s => Some(*d),
        _ => None,
    }
}

/// When the UPS really cuts its output: a UPS whose delay is fixed in its driver cuts when
/// that delay says, not the plan's.
fn effective_cut_s(ask: &UpsOffAsk, asked: &Asked) -> u64 {
    fixed_delay(ask, asked).map_or(ask.cut_at_s(), |d| ask.sent_at_s.saturating_add(d))
}

/// The note `plan show` adds for one UPS-off step: when the output is cut against the
/// battery, and what keeps the command from being sent.
pub fn show_notes(
    plan_host_down_s: Option<u64>,
    ask: &UpsOffAsk,
    asked: &Asked,
    runtime_s: Option<u64>,
) -> Vec<String> {
    let id = &ask.ups.id;
    let fixed = fixed_delay(ask, asked);
    let cut = effective_cut_s(ask, asked);
    let after = match plan_host_down_s {
        Some(down) if down <= cut => "after this host is down",
        Some(_) => "BEFORE this host is down: raise ups_off_margin",
        None => "after every server it feeds is down",
    };
    // Only a battery that runs out first is worth a sentence: the runtime itself changes with
    // every reading, and a figure frozen in a note would soon contradict the live one the
    // console and `plan show`'s header give beside it.
    let battery = match runtime_s {
        Some(r) if r >= cut => String::new(),
        Some(r) => format!(
            "; the battery lasts only {}: the load drops when it runs out, before the cut",
            spoken(r)
        ),
        None => "; its battery runtime is not known yet".to_owned(),
    };
    let own = fixed
        .map(|d| format!(", its own delay of {d} s"))
        .unwrap_or_default();
    let mut notes = vec![format!(
        "UPS {id} cuts its output at {}{own} ({after}){battery}",
        spoken(cut)
    )];
    match asked {
        Asked::Answer(check) => {
            if let Err(e) = &check.verdict {
                notes.push(refusal(id, e.kind, &e.message));
            }
        }
        Asked::CannotAsk(e) if e.kind == UpsCommandFailure::Unreachable => notes.push(format!(
            "UPS {id} could not be asked whether it can cut its output ({}): `upstra plan simulate {id}` checks it",
            e.message
        )),
        Asked::CannotAsk(e) => notes.push(refusal(id, e.kind, &e.message)),
        Asked::NoAnswer(d) => notes.push(format!(
            "UPS {id} did not say within {} s whether it can cut its output: `upstra plan simulate {id}` checks it",
            d.as_secs()
        )),
    }
    notes
}

/// When this host's shutdown ends, seconds from the start of the run.
pub fn host_down_s(plan: &Plan) -> Option<u64> {
    plan.steps.iter().find_map(|s| match s.action {
        StepAction::ShutdownThisHost { .. } => plan.schedule.end_s.get(s.id.index()).copied(),
        _ => None,
    })
}

/// The check `plan simulate` shows for this host's shutdown: when, and how.
pub fn this_host_check(shared: &Shared, plan: &Plan) -> Option<CheckView> {
    plan.steps.iter().find_map(|s| match &s.action {
        StepAction::ShutdownThisHost { server } => {
            let at = plan.schedule.start_s.get(s.id.index()).copied().unwrap_or(0);
            let how = if shared.simulated {
                "simulated: the demo never powers this machine off, and the run goes on to the \
                 restore when mains returns"
                    .to_owned()
            } else {
                format!(
                    "through systemd ({}); the daemon goes on with the restore when it starts again",
                    shared.drivers.host_power.describe()
                )
            };
            Some(CheckView {
                target: format!("server:{server}"),
                ok: true,
                detail: format!(
                    "this host ({server}) shuts down last, at {}, {how}",
                    spoken(at)
                ),
            })
        }
        _ => None,
    })
}

/// The UPS at risk that keep their output on after this host shuts down (`ups_off =
/// "never"`), for a check that says what that means.
pub fn kept_on(plan: &Plan, inventory: &Inventory, at_risk: &[UpsId]) -> Vec<CheckView> {
    let Some(host) = plan.steps.iter().find_map(|s| match &s.action {
        StepAction::ShutdownThisHost { server } => inventory.servers.get(server),
        _ => None,
    }) else {
        return Vec::new();
    };
    at_risk
        .iter()
        .filter(|id| host.feeds.contains(id))
        .filter_map(|id| inventory.ups.get(id))
        .filter(|u| u.policy.ups_off == UpsOffPolicy::Never)
        .map(|u| CheckView {
            target: format!("ups:{}", u.id),
            ok: true,
            detail: format!(
                "keeps its output on after this host ({}) shuts down (ups_off = \"never\"): the battery runs down under the idle load, and servers that wait for mains to return stay off until someone powers them on; set ups_off = \"return\" in its policy to have it cut and restore its output",
                host.id
            ),
        })
        .collect()
}

#[cfg(test)]
mod tests;
