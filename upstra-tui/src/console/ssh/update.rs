//! What the panes' actions do. Pure, like the rest of `update`: the SSH tasks and the daemon
//! calls are effects, and what they report comes back as [`SshAction`]s.

use upstra_core::rbac::Permissions;
use upstra_core::secret::Secret;
use zeroize::Zeroizing;

use super::state::{Emulator, Pane, Phase};
use super::{PaneInput, SshAction, SshEffect, SshMessage};
use crate::console::action::{Effect, Failure};
use crate::console::command_table::Applies;
use crate::console::message::{Message, Notice};
use crate::console::state::State;
use crate::console::tree::NodeId;
use crate::console::update::expire;
use crate::ssh::{End, Event, SshError};

fn effect(e: SshEffect) -> Effect {
    Effect::Ssh(e)
}

fn send(pane: u64, input: PaneInput) -> Effect {
    effect(SshEffect::Send { pane, input })
}

/// A failed call, as the status line says it.
fn why(failure: Failure) -> Message {
    match failure {
        Failure::Unauthenticated => Message::SessionExpired,
        Failure::Unreachable(link) => Message::Unreachable(link),
        Failure::Refused(e) => Message::Refused(e),
        Failure::Failed(words) => Message::Failed(words),
    }
}

fn notice(state: &mut State, message: SshMessage, error: bool) {
    let message = Message::Ssh(message);
    state.notice = Some(if error {
        Notice::error(message)
    } else {
        Notice::info(message)
    });
}

/// "shell" on the selection: shows the server's pane, or asks the daemon for a new one.
pub fn open(state: &mut State) -> Vec<Effect> {
    let Some(NodeId::Server(server)) = state.lab.selected.clone() else {
        state.notice = Some(Notice::error(Message::SelectTarget(Applies::Servers)));
        return Vec::new();
    };
    if let Some(id) = state
        .ssh
        .panes
        .iter()
        .find(|p| p.server == server)
        .map(|p| p.id)
    {
        show(state, id);
        return Vec::new();
    }
    let Some(session) = &state.session else {
        return Vec::new();
    };
    let token = session.token.clone();
    let id = state.ssh.next_id;
    state.ssh.next_id += 1;
    let (cols, rows) = state.ssh.screen_size();
    state.ssh.panes.push(Pane {
        id,
        server: server.clone(),
        target: None,
        phase: Phase::Authorizing,
        screen: Emulator::new(cols, rows),
    });
    show(state, id);
    vec![effect(SshEffect::Authorize {
        epoch: state.epoch,
        token,
        pane: id,
        server,
    })]
}

fn show(state: &mut State, id: u64) {
    state.ssh.active = Some(id);
    state.ssh.last = Some(id);
}

/// The next tab after the one shown last.
pub fn next(state: &mut State) -> Vec<Effect> {
    let panes = &state.ssh.panes;
    if panes.is_empty() {
        notice(state, SshMessage::NoShell, true);
        return Vec::new();
    }
    let after = state
        .ssh
        .last
        .and_then(|last| panes.iter().position(|p| p.id == last))
        .map_or(0, |i| (i + 1) % panes.len());
    let id = panes[after].id;
    show(state, id);
    Vec::new()
}

/// Quitting: the shells are closed and their ends recorded first; the console quits when the
/// last record is answered (each call has its deadline, so this cannot hang). A second quit
/// does not wait.
pub fn quit(state: &mut State) -> Vec<Effect> {
    if state.ssh.quitting || (state.ssh.panes.is_empty() && state.ssh.recording == 0) {
        return vec![Effect::Quit];
    }
    state.ssh.quitting = true;
    state.ssh.active = None;
    let mut effects = Vec::new();
    let mut done = Vec::new();
    for pane in &state.ssh.panes {
        match pane.phase {
            Phase::Connecting | Phase::Prompt { .. } | Phase::Open => {
                effects.push(send(pane.id, PaneInput::Close));
            }
            // Its answer closes it; a host key question has no shell behind it.
            Phase::Authorizing => {}
            Phase::HostKey { .. } => done.push(pane.id),
        }
    }
    for id in done {
        state.ssh.remove(id);
    }
    effects.extend(maybe_quit(state));
    effects
}

fn maybe_quit(state: &State) -> Vec<Effect> {
    if state.ssh.quitting && state.ssh.panes.is_empty() && state.ssh.recording == 0 {
        vec![Effect::Quit]
    } else {
        Vec::new()
    }
}

/// `ssh_closed` for the shell `target` names, if the session can still say it.
fn record(state: &mut State, pane: &Pane, end: &End, duration_ms: u64) -> Vec<Effect> {
    let (Some(target), Some(session)) = (&pane.target, &state.session) else {
        return Vec::new();
    };
    state.ssh.recording += 1;
    vec![effect(SshEffect::Record {
        token: session.token.clone(),
        session_id: target.session_id.clone(),
        duration_ms,
        reason: end.audit_reason(),
    })]
}

pub fn update(state: &mut State, action: SshAction) -> Vec<Effect> {
    match action {
        SshAction::Authorized { pane, result } => authorized(state, pane, result),
        SshAction::Task { pane, event } => task(state, pane, event),
        SshAction::Pinned { pane, result } => pinned(state, pane, result),
        SshAction::Recorded => {
            state.ssh.recording = state.ssh.recording.saturating_sub(1);
            maybe_quit(state)
        }
        SshAction::Resized { width, height } => resized(state, width, height),
        other => key(state, other),
    }
}

fn authorized(
    state: &mut State,
    id: u64,
    result: Result<upstra_core::api::v1::SshTarget, Failure>,
) -> Vec<Effect> {
    let gone = state.ssh.quitting || state.ssh.get(id).is_none();
    match result {
        Ok(target) if gone => {
            // Closed before it opened: the open the daemon recorded gets its close.
            let mut pane = state.ssh.remove(id).unwrap_or_else(|| Pane {
                id,
                server: String::new(),
                target: None,
                phase: Phase::Authorizing,
                screen: Emulator::new(1, 1),
            });
            pane.target = Some(target);
            let mut effects = record(state, &pane, &End::ClosedHere, 0);
            effects.extend(maybe_quit(state));
            effects
        }
        Ok(target) => {
            let (cols, rows) = state.ssh.screen_size();
            let Some(pane) = state.ssh.get_mut(id) else {
                return Vec::new();
            };
            pane.target = Some(target.clone());
            pane.phase = Phase::Connecting;
            vec![effect(SshEffect::Connect {
                pane: id,
                server: pane.server.clone(),
                target,
                cols,
                rows,
            })]
        }
        Err(failure) => {
            let server = state.ssh.remove(id).map(|p| p.server).unwrap_or_default();
            if failure == Failure::Unauthenticated {
                return expire(state, Message::SessionExpired);
            }
            if !gone {
                notice(
                    state,
                    SshMessage::Refused {
                        server,
                        why: Box::new(why(failure)),
                    },
                    true,
                );
            }
            maybe_quit(state)
        }
    }
}

fn task(state: &mut State, id: u64, event: Event) -> Vec<Effect> {
    let quitting = state.ssh.quitting;
    let Some(pane) = state.ssh.get_mut(id) else {
        return Vec::new();
    };
    match event {
        Event::NeedSecret(prompt) => {
            pane.phase = Phase::Prompt {
                prompt,
                typed: Zeroizing::new(String::new()),
            };
            Vec::new()
        }
        Event::Opened => {
            pane.phase = Phase::Open;
            Vec::new()
        }
        Event::Output(bytes) => {
            pane.screen.process(&bytes);
            vec![send(id, PaneInput::Ack)]
        }
        Event::Ended { end, duration_ms } => {
            if let (
                End::Failed(SshError::HostKeyUnpinned {
                    key, fingerprint, ..
                }),
                false,
            ) = (&end, quitting)
            {
                pane.phase = Phase::HostKey {
                    key: key.clone(),
                    fingerprint: fingerprint.clone(),
                    yes: false,
                    pinning: false,
                };
                let pane = pane.clone();
                return record(state, &pane, &end, duration_ms);
            }
            let Some(pane) = state.ssh.remove(id) else {
                return Vec::new();
            };
            let mut effects = record(state, &pane, &end, duration_ms);
            if !quitting {
                let error = !matches!(end, End::Exited(_) | End::ClosedHere);
                let server = pane.server;
                notice(state, SshMessage::Ended { server, end }, error);
            }
            effects.extend(maybe_quit(state));
            effects
        }
    }
}

fn pinned(state: &mut State, id: u64, result: Result<(), Failure>) -> Vec<Effect> {
    match result {
        Ok(()) => {
            let (Some(pane), Some(session)) = (state.ssh.get_mut(id), &state.session) else {
                return Vec::new();
            };
            pane.phase = Phase::Authorizing;
            pane.target = None;
            vec![effect(SshEffect::Authorize {
                epoch: state.epoch,
                token: session.token.clone(),
                pane: id,
                server: pane.server.clone(),
            })]
        }
        Err(Failure::Unauthenticated) => {
            state.ssh.remove(id);
            expire(state, Message::SessionExpired)
        }
        Err(failure) => {
            let server = state.ssh.remove(id).map(|p| p.server).unwrap_or_default();
            notice(
                state,
                SshMessage::PinFailed {
                    server,
                    why: Box::new(why(failure)),
                },
                true,
            );
            Vec::new()
        }
    }
}

fn resized(state: &mut State, width: u16, height: u16) -> Vec<Effect> {
    state.ssh.width = width;
    state.ssh.height = height;
    let (cols, rows) = state.ssh.screen_size();
    let mut effects = Vec::new();
    for pane in &mut state.ssh.panes {
        pane.screen.resize(cols, rows);
        if matches!(
            pane.phase,
            Phase::Connecting | Phase::Prompt { .. } | Phase::Open
        ) {
            effects.push(send(pane.id, PaneInput::Resize { cols, rows }));
        }
    }
    effects
}

/// The keys of the pane showing.
fn key(state: &mut State, action: SshAction) -> Vec<Effect> {
    let admin = state.permissions().contains(Permissions::ADMIN);
    let epoch = state.epoch;
    let token = state.session.as_ref().map(|s| s.token.clone());
    let Some(id) = state.ssh.active else {
        return Vec::new();
    };
    if matches!(action, SshAction::Leave) {
        state.ssh.active = None;
        return Vec::new();
    }
    let Some(pane) = state.ssh.get_mut(id) else {
        return Vec::new();
    };
    match (&mut pane.phase, action) {
        (Phase::Open, SshAction::Send(bytes)) => {
            // Typing brings the live screen back, as terminals do.
            pane.screen.scroll(isize::MIN);
            vec![send(id, PaneInput::Data(bytes))]
        }
        (Phase::Open, SshAction::Scroll(lines)) => {
            pane.screen.scroll(lines);
            Vec::new()
        }
        (Phase::Prompt { typed, .. }, SshAction::PromptChar(c)) => {
            typed.push(c);
            Vec::new()
        }
        (Phase::Prompt { typed, .. }, SshAction::PromptBackspace) => {
            typed.pop();
            Vec::new()
        }
        (Phase::Prompt { typed, .. }, SshAction::PromptSubmit) => {
            let secret = Secret::new(typed.as_str());
            pane.phase = Phase::Connecting;
            vec![send(id, PaneInput::Secret(Some(secret)))]
        }
        (Phase::Prompt { .. }, SshAction::Cancel) => {
            pane.phase = Phase::Connecting;
            vec![send(id, PaneInput::Secret(None))]
        }
        (Phase::Connecting, SshAction::Cancel) => vec![send(id, PaneInput::Close)],
        // Its answer finds the pane gone and records the close.
        (Phase::Authorizing, SshAction::Cancel) => {
            state.ssh.remove(id);
            Vec::new()
        }
        (Phase::HostKey { yes, .. }, SshAction::HostKeySwitch) if admin => {
            *yes = !*yes;
            Vec::new()
        }
        (
            Phase::HostKey {
                yes: true,
                pinning: pinning @ false,
                key,
                ..
            },
            SshAction::HostKeyAnswer,
        ) if admin => {
            let (Some(token), key) = (token, key.clone()) else {
                return Vec::new();
            };
            *pinning = true;
            vec![effect(SshEffect::Pin {
                epoch,
                token,
                pane: id,
                server: pane.server.clone(),
                key,
            })]
        }
        (Phase::HostKey { pinning: false, .. }, SshAction::HostKeyAnswer | SshAction::Cancel) => {
            state.ssh.remove(id);
            Vec::new()
        }
        _ => Vec::new(),
    }
}
