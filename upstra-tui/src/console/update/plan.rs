//! The plan view: which UPS it is about, what its timeline shows, following a run live (a
//! fresh `plan_status` on every outage, run and step event), and the plan commands: run,
//! cancel and restore through the confirm dialog, simulate straight away (it changes
//! nothing), and the demo's fake power cut.

use upstra_core::api::v1::{PlanStatus, PlanView, SimulationReport};
use upstra_core::events::DomainEvent;
use upstra_core::rbac::Permissions;
use upstra_core::state::Timestamp;

use super::views::{ask, call, failure_message, may, needs};
use crate::console::action::{Action, Effect, Failure};
use crate::console::call::{Call, Outcome, Request};
use crate::console::command_table::{Applies, Command};
use crate::console::message::{Message, Notice};
use crate::console::state::{PlanShows, Screen, State, ups_on_battery};
use crate::console::tree::NodeId;

/// How far the page keys move in the timeline.
const PAGE: usize = 10;

/// The UPS a plan command acts on: the plan view's, or the selected UPS of the tree (the
/// first feed of a selected server, or of a selected VM's server).
pub fn target_ups(state: &State) -> Option<String> {
    if state.screen == Screen::Plan {
        return state.plan.ups.clone();
    }
    tree_ups(state)
}

/// The UPS of the tree's selection: itself, or the first feed of a server or a VM's server.
fn tree_ups(state: &State) -> Option<String> {
    let inv = &state.lab.inventory;
    let first_feed = |server: &str| inv.servers.get(server)?.feeds.first().cloned();
    match state.lab.selected.as_ref()? {
        NodeId::Ups(name) => Some(name.clone()),
        NodeId::Server(name) => first_feed(name),
        NodeId::Vm(id) => first_feed(inv.vms.get(id)?.server.as_deref()?),
        NodeId::Room(_) | NodeId::Unplaced => None,
    }
}

/// The plan view was opened: about the UPS selected in the tree if any, on the run going on
/// if there is one, and fresh.
pub(super) fn entered(state: &mut State) -> Vec<Effect> {
    let from_tree = tree_ups(state);
    let plan = &mut state.plan;
    let ups = from_tree
        .or_else(|| plan.ups.clone())
        .filter(|u| state.lab.inventory.ups.contains_key(u))
        .or_else(|| state.lab.inventory.ups.keys().next().cloned());
    if ups != plan.ups {
        plan.ups = ups;
        plan.shows = PlanShows::Preview;
        plan.selected = 0;
    }
    if let Some(active) = plan.active().map(|r| r.id) {
        plan.shows = PlanShows::Run(active);
        plan.followed_run = Some(active);
    }
    if !may(state, Permissions::PLAN) {
        state.plan.problem = Some(needs("plan"));
        return Vec::new();
    }
    let mut effects = want_status(state);
    effects.extend(want_preview(state));
    effects
}

/// Asks for `plan_status` unless a call is in flight (then asks again after it).
pub(super) fn want_status(state: &mut State) -> Vec<Effect> {
    if !may(state, Permissions::PLAN) {
        return Vec::new();
    }
    let plan = &mut state.plan;
    if plan.fetching_status {
        plan.status_stale = true;
        return Vec::new();
    }
    plan.fetching_status = true;
    plan.status_stale = false;
    call(state, Call::PlanStatus)
}

/// Asks for the plan the view's UPS would run, unless a call is in flight.
fn want_preview(state: &mut State) -> Vec<Effect> {
    let plan = &mut state.plan;
    let Some(ups) = plan.ups.clone() else {
        return Vec::new();
    };
    if plan.fetching_preview || !may(state, Permissions::PLAN) {
        return Vec::new();
    }
    state.plan.fetching_preview = true;
    call(state, Call::ShowPlan { ups: Some(ups) })
}

/// The fallback refresh: the status while something is going on or the view shows, and the
/// preview while the view shows it (it depends on the live state of the lab).
pub(super) fn refresh(state: &mut State) -> Vec<Effect> {
    let busy = !state.lab.inventory.on_battery().is_empty()
        || state.plan.active().is_some()
        || state.plan.counting_down();
    let mut effects = Vec::new();
    if busy || state.screen == Screen::Plan {
        effects.extend(want_status(state));
    }
    if state.screen == Screen::Plan && state.plan.shows == PlanShows::Preview {
        effects.extend(want_preview(state));
    }
    effects
}

/// The status events asked for, once the last one is at least `STALE_TICKS` old.
pub(super) fn paced(state: &mut State) -> Vec<Effect> {
    if state.plan.status_wanted && state.plan.status_age >= super::STALE_TICKS {
        state.plan.status_wanted = false;
        return want_status(state);
    }
    Vec::new()
}

/// One second passed: the grace periods count down, from the daemon's end of each when it
/// says it (by the clock the tick brings), else from the status's age.
pub(super) fn tick(state: &mut State, now: Timestamp) {
    state.plan.now = Some(now);
    state.plan.status_age = state.plan.status_age.saturating_add(1);
}

pub(super) fn status_loaded(state: &mut State, result: Result<PlanStatus, Failure>) -> Vec<Effect> {
    state.plan.fetching_status = false;
    match result {
        Ok(status) => {
            let plan = &mut state.plan;
            let active = status.active.as_ref().map(|r| r.id);
            plan.status = Some(status);
            plan.status_age = 0;
            plan.problem = None;
            // Follow a run that started, once; the operator may then look elsewhere.
            if let Some(id) = active
                && plan.followed_run != Some(id)
            {
                plan.followed_run = Some(id);
                plan.shows = PlanShows::Run(id);
                plan.selected = 0;
            }
            clamp(state);
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.plan.problem = Some(why);
        }
    }
    if state.plan.status_stale {
        return want_status(state);
    }
    Vec::new()
}

pub(super) fn preview_loaded(
    state: &mut State,
    ups: Option<String>,
    result: Result<PlanView, Failure>,
) -> Vec<Effect> {
    state.plan.fetching_preview = false;
    match result {
        Ok(view) => {
            state.plan.preview = Some(view);
            state.plan.preview_of = ups.clone();
            state.plan.problem = None;
            clamp(state);
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.plan.problem = Some(why);
        }
    }
    // The operator moved to another UPS meanwhile: that one is wanted now.
    if state.plan.ups != ups && state.screen == Screen::Plan {
        return want_preview(state);
    }
    Vec::new()
}

pub(super) fn simulated(
    state: &mut State,
    ups: &str,
    result: Result<SimulationReport, Failure>,
) -> Vec<Effect> {
    state.plan.simulating = None;
    state.in_flight = state.in_flight.saturating_sub(1);
    match result {
        Ok(report) => {
            let problems = report.checks.iter().filter(|c| !c.ok).count();
            let message = Message::Simulated {
                ups: ups.to_owned(),
                problems,
            };
            state.notice = Some(if problems == 0 {
                Notice::info(message)
            } else {
                Notice::error(message)
            });
            state.plan.simulation = Some(report);
            state.plan.shows = PlanShows::Simulation;
            state.plan.selected = 0;
        }
        Err(f) => {
            let why = failure_message(state, f);
            state.notice = Some(Notice::error(Message::SimulationFailed {
                ups: ups.to_owned(),
                why: Box::new(why),
            }));
        }
    }
    Vec::new()
}

/// A plan request (or a demo power cut) was done.
pub(super) fn request_done(state: &mut State, request: Request, outcome: Outcome) -> Vec<Effect> {
    if let Outcome::Run(run) = &outcome {
        let id = run.id;
        if !matches!(request, Request::PlanCancel) {
            state.plan.followed_run = Some(id);
            state.plan.shows = PlanShows::Run(id);
            state.plan.selected = 0;
        }
    }
    state.notice = Some(Notice::info(Message::Requested(request)));
    let mut effects = want_status(state);
    effects.extend(super::fetch_now(state));
    effects
}

/// New events: an outage, a run or a step moved, so the status is asked for again.
pub(super) fn events(state: &mut State, events: &[DomainEvent]) -> Vec<Effect> {
    let mut wanted = false;
    let mut preview = false;
    for event in events {
        let event = match event {
            DomainEvent::Remote { .. } => continue,
            e => e,
        };
        match event {
            DomainEvent::RunStarted { run, .. } => {
                wanted = true;
                state.plan.followed_run = Some(*run);
                state.plan.shows = PlanShows::Run(*run);
                state.plan.selected = 0;
            }
            DomainEvent::RunEnded { .. } | DomainEvent::InventoryApplied { .. } => {
                wanted = true;
                preview = true;
            }
            DomainEvent::UpsStatusChanged { .. }
            | DomainEvent::OutageGraceStarted { .. }
            | DomainEvent::OutagePowerReturned { .. }
            | DomainEvent::OutageSelfTestIgnored { .. }
            | DomainEvent::OutageCommsAlarm { .. }
            | DomainEvent::OutageTriggered { .. }
            | DomainEvent::OutageMainsReturned { .. }
            | DomainEvent::OutagePowerLostAgain { .. }
            | DomainEvent::OutageRestoreReady { .. }
            | DomainEvent::RunStopping { .. }
            | DomainEvent::StepStarted { .. }
            | DomainEvent::StepEnded { .. } => wanted = true,
            _ => {}
        }
    }
    // Asked for at the next paced tick: a run's events come by the second.
    if wanted {
        state.plan.status_wanted = true;
    }
    let mut effects = Vec::new();
    if preview && state.screen == Screen::Plan {
        effects.extend(want_preview(state));
    }
    effects
}

/// Up and Down move through the steps.
pub(super) fn navigate(state: &mut State, action: &Action) {
    let len = state.plan.shown().map_or(0, |p| p.steps.len());
    let last = len.saturating_sub(1);
    let at = state.plan.selected;
    state.plan.selected = match action {
        Action::Up => at.saturating_sub(1),
        Action::Down => (at + 1).min(last),
        Action::First => 0,
        Action::Last => last,
        Action::Run(Command::PageUp) => at.saturating_sub(PAGE),
        Action::Run(Command::PageDown) => (at + PAGE).min(last),
        _ => at,
    };
}

/// Left and Right go to the previous and next UPS; Enter goes between the preview and the
/// last run.
pub(super) fn fold(state: &mut State, action: &Action) -> Vec<Effect> {
    match action {
        Action::Collapse | Action::Expand => {
            let names: Vec<&String> = state.lab.inventory.ups.keys().collect();
            if names.is_empty() {
                return Vec::new();
            }
            let at = state
                .plan
                .ups
                .as_ref()
                .and_then(|u| names.iter().position(|n| *n == u));
            let next = match (at, action) {
                (None, _) => 0,
                (Some(i), Action::Collapse) => (i + names.len() - 1) % names.len(),
                (Some(i), _) => (i + 1) % names.len(),
            };
            state.plan.ups = Some(names[next].clone());
            state.plan.shows = PlanShows::Preview;
            state.plan.selected = 0;
            want_preview(state)
        }
        Action::Toggle => {
            let plan = &mut state.plan;
            let last = plan.active().map(|r| r.id).or_else(|| {
                plan.status
                    .as_ref()
                    .and_then(|s| s.recent.first())
                    .map(|r| r.id)
            });
            plan.shows = match (plan.shows, last) {
                (PlanShows::Preview, Some(id)) => PlanShows::Run(id),
                _ => PlanShows::Preview,
            };
            plan.selected = 0;
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// The plan commands, from their keys or the palette.
pub(super) fn command(state: &mut State, command: Command) -> Vec<Effect> {
    if !may(state, Permissions::PLAN) {
        state.notice = Some(Notice::error(needs("plan")));
        return Vec::new();
    }
    let ups = target_ups(state);
    let select_ups = || Notice::error(Message::SelectTarget(Applies::Ups));
    match command {
        Command::PlanRun => match ups {
            Some(ups) => ask(state, Request::PlanRun { ups }),
            None => state.notice = Some(select_ups()),
        },
        Command::PlanCancel => {
            if state.plan.status.is_some() && state.plan.active().is_none() {
                state.notice = Some(Notice::error(Message::NoRunningPlan));
            } else {
                ask(state, Request::PlanCancel);
            }
        }
        Command::PlanRestore => ask(state, Request::PlanRestore),
        Command::PlanSimulate => {
            let Some(ups) = ups else {
                state.notice = Some(select_ups());
                return Vec::new();
            };
            if state.plan.simulating.is_some() {
                return Vec::new();
            }
            state.plan.simulating = Some(ups.clone());
            state.in_flight += 1;
            state.notice = Some(Notice::progress(Message::Simulating(ups.clone())));
            return call(state, Call::Simulate { ups });
        }
        Command::DemoPowerCut => {
            if !state.health.as_ref().is_some_and(|h| h.simulated) {
                state.notice = Some(Notice::error(Message::DemoOnly));
                return Vec::new();
            }
            let Some(ups) = ups else {
                state.notice = Some(select_ups());
                return Vec::new();
            };
            let on_battery = state
                .lab
                .inventory
                .ups
                .get(&ups)
                .is_some_and(ups_on_battery);
            ask(
                state,
                Request::PowerCut {
                    ups,
                    cut: !on_battery,
                },
            );
        }
        _ => {}
    }
    Vec::new()
}

/// Keeps the selected step within the plan shown.
fn clamp(state: &mut State) {
    let len = state.plan.shown().map_or(0, |p| p.steps.len());
    state.plan.selected = state.plan.selected.min(len.saturating_sub(1));
}

/// Whether the view's palette offers `command`.
pub fn offers(state: &State, command: Command) -> bool {
    match command {
        Command::DemoPowerCut => {
            state.health.as_ref().is_some_and(|h| h.simulated) && target_ups(state).is_some()
        }
        Command::PlanRun | Command::PlanSimulate => target_ups(state).is_some(),
        Command::PlanCancel => state.plan.status.is_none() || state.plan.active().is_some(),
        _ => true,
    }
}
