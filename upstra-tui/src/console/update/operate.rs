//! The lab view's commands, and the operations they lead to: a power action or a migration is
//! never sent from a key directly; it opens a confirm dialog (a host picker first for a
//! migration), and only its Yes sends it.

use upstra_core::api::v1::{ActionReport, ServerPowerAction, VmPowerRequest};

use super::{admin, expire, fetch_now, history, lab_filter, lost, overlay, plan, views};
use crate::console::action::{Action, Effect, Failure};
use crate::console::command_table::Command;
use crate::console::message::{Message, Notice};
use crate::console::operation::Operation;
use crate::console::state::{Confirm, HostPicker, Overlay, Screen, State};
use crate::console::tree::NodeId;

/// Runs `command` (from its key or the palette).
pub(super) fn run(state: &mut State, command: Command) -> Vec<Effect> {
    if command == Command::Help {
        // Also from the forms (F1): the help shows the keys of the screen below it.
        state.overlay = Some(Overlay::Help);
        return Vec::new();
    }
    if !state.screen.is_view() {
        return Vec::new();
    }
    super::seen(state);
    if !crate::console::palette::fits_view(command, state.screen) {
        state.notice = Some(Notice::error(Message::NotInThisView(command)));
        return Vec::new();
    }
    match command {
        Command::Up
        | Command::Down
        | Command::First
        | Command::Last
        | Command::PageUp
        | Command::PageDown => {
            views::navigate(state, &command.action());
            Vec::new()
        }
        Command::Collapse | Command::Expand | Command::Toggle => {
            views::fold(state, &command.action())
        }
        Command::ViewLab => views::show(state, Screen::Tree),
        Command::ViewPlan => views::show(state, Screen::Plan),
        Command::ViewHistory => views::show(state, Screen::History),
        Command::ViewAdmin => views::show(state, Screen::Admin),
        Command::ViewDashboard => views::show(state, Screen::Dashboard),
        Command::NextView => views::cycle(state, 1),
        Command::PreviousView => views::cycle(state, -1),
        Command::PlanRun
        | Command::PlanCancel
        | Command::PlanRestore
        | Command::PlanSimulate
        | Command::DemoPowerCut => plan::command(state, command),
        Command::Filter => {
            if state.screen == Screen::Tree {
                lab_filter::open(state);
            } else {
                history::open_filter(state);
            }
            Vec::new()
        }
        Command::Add
        | Command::Disable
        | Command::ResetPassword
        | Command::Remove
        | Command::SetRole => admin::command(state, command),
        Command::Help => Vec::new(),
        Command::Palette => {
            overlay::open_palette(state);
            Vec::new()
        }
        Command::Language => {
            state.lang = state.lang.other();
            state.notice = Some(Notice::info(Message::Language(state.lang)));
            Vec::new()
        }
        Command::Refresh => {
            let mut effects = fetch_now(state);
            match state.screen {
                Screen::History => effects.extend(history::fetch(state)),
                Screen::Plan => effects.extend(plan::want_status(state)),
                Screen::Admin => effects.extend(admin::refresh(state)),
                _ => {}
            }
            effects
        }
        Command::Quit => vec![Effect::Quit],
        Command::PowerOn | Command::Shutdown | Command::PowerOff | Command::Cycle => {
            match power_operation(state, command) {
                Some(op) => ask(state, op),
                None => {
                    state.notice = Some(Notice::error(Message::SelectTarget(command.applies())));
                }
            }
            Vec::new()
        }
        Command::Migrate => {
            pick_host(state);
            Vec::new()
        }
        Command::Shell => crate::console::ssh::update::open(state),
        Command::NextShell => crate::console::ssh::update::next(state),
    }
}

/// The power operation `command` means on the selection, if it applies there.
fn power_operation(state: &State, command: Command) -> Option<Operation> {
    match state.lab.selected.as_ref()? {
        NodeId::Server(server) => {
            let action = match command {
                Command::PowerOn => ServerPowerAction::On,
                Command::Shutdown => ServerPowerAction::Shutdown,
                Command::PowerOff => ServerPowerAction::Off,
                Command::Cycle => ServerPowerAction::Cycle,
                _ => return None,
            };
            Some(Operation::Server {
                server: server.clone(),
                action,
            })
        }
        NodeId::Vm(id) => {
            let action = match command {
                Command::PowerOn => VmPowerRequest::On,
                Command::Shutdown => VmPowerRequest::Shutdown,
                Command::PowerOff => VmPowerRequest::Off,
                _ => return None,
            };
            let name = state
                .lab
                .inventory
                .vms
                .get(id)
                .map_or_else(|| id.clone(), |v| v.name.clone());
            Some(Operation::Vm {
                id: id.clone(),
                name,
                action,
            })
        }
        _ => None,
    }
}

/// Opens the confirm dialog for `op`, on No.
pub(super) fn ask(state: &mut State, op: Operation) {
    let running_vms = match &op {
        Operation::Server { server, .. } => state.lab.inventory.running_vms_on(server),
        _ => 0,
    };
    state.overlay = Some(Overlay::Confirm(Confirm {
        op,
        yes: false,
        running_vms,
    }));
}

/// Opens the host picker for the selected VM: every other hypervisor of the inventory.
fn pick_host(state: &mut State) {
    let Some(NodeId::Vm(id)) = &state.lab.selected else {
        state.notice = Some(Notice::error(Message::SelectTarget(
            Command::Migrate.applies(),
        )));
        return;
    };
    let (name, from) = state
        .lab
        .inventory
        .vms
        .get(id)
        .map_or((id.clone(), None), |v| (v.name.clone(), v.server.clone()));
    let hosts: Vec<String> = state
        .lab
        .inventory
        .servers
        .values()
        .filter(|s| s.vsphere_host.is_some() && Some(&s.name) != from.as_ref())
        .map(|s| s.name.clone())
        .collect();
    if hosts.is_empty() {
        state.notice = Some(Notice::error(Message::NoOtherHost { vm: name }));
        return;
    }
    state.overlay = Some(Overlay::Hosts(HostPicker {
        vm: id.clone(),
        name,
        from,
        hosts,
        selected: 0,
    }));
}

/// The confirm dialog said Yes: send it.
pub(super) fn send(state: &mut State, op: Operation) -> Vec<Effect> {
    let Some(session) = &state.session else {
        return Vec::new();
    };
    let token = session.token.clone();
    state.in_flight += 1;
    state.notice = Some(Notice::progress(Message::Working(op.clone())));
    vec![Effect::Operate {
        epoch: state.epoch,
        token,
        op,
    }]
}

/// The daemon's answer to an operation: on the status line, and a refresh to show the state
/// it reached without waiting for the next event.
pub(super) fn answered(
    state: &mut State,
    op: Operation,
    result: Result<ActionReport, Failure>,
) -> Vec<Effect> {
    state.in_flight = state.in_flight.saturating_sub(1);
    let why = match result {
        Ok(report) => {
            state.notice = Some(Notice::info(Message::Done(op, report)));
            return fetch_now(state);
        }
        Err(Failure::Unauthenticated) => return expire(state, Message::SessionExpired),
        Err(Failure::Unreachable(why)) => {
            lost(state, why.clone());
            Message::Unreachable(why)
        }
        Err(Failure::Refused(e)) => Message::Refused(e),
        Err(Failure::Failed(why)) => Message::Failed(why),
    };
    state.notice = Some(Notice::error(Message::OperationFailed(op, Box::new(why))));
    Vec::new()
}

/// For the palette: what a command does when chosen there.
pub(super) fn from_palette(state: &mut State, command: Command) -> Vec<Effect> {
    state.overlay = None;
    super::update(state, Action::Run(command))
}
