//! `update` for the lab view's commands: the palette (fuzzy search, permissions, choosing an
//! object or a command), the confirm dialog in front of every operation, the host picker, the
//! language switch, the help, and keys from a key file.

use crate::support;

use support::{OPERATOR, apply, ctrl, logged_in, logged_in_with, press, token};
use upstra_core::api::v1::{ActionReport, ApiError, ServerPowerAction, VmPowerRequest};
use upstra_tui::console::action::{Action, Effect, Failure, PaletteAction};
use upstra_tui::console::command_table::{Applies, Command};
use upstra_tui::console::keyfile;
use upstra_tui::console::lang::Lang;
use upstra_tui::console::message::{Message, Tone};
use upstra_tui::console::operation::Operation;
use upstra_tui::console::palette;
use upstra_tui::console::state::{Mode, Overlay, PaletteItem, State};
use upstra_tui::console::tree::NodeId;

fn server(name: &str) -> NodeId {
    NodeId::Server(name.into())
}

fn matches(state: &State) -> Vec<PaletteItem> {
    match &state.overlay {
        Some(Overlay::Palette(p)) => p.matches.clone(),
        other => panic!("no palette: {other:?}"),
    }
}

fn typed(state: &mut State, query: &str) {
    apply(
        state,
        query
            .chars()
            .map(|c| Action::Palette(PaletteAction::Char(c)))
            .collect(),
    );
}

fn power_off_esx_a1() -> Operation {
    Operation::Server {
        server: "esx-a1".into(),
        action: ServerPowerAction::Off,
    }
}

#[test]
fn ctrl_k_and_colon_open_the_palette_and_esc_closes_it() {
    let mut state = logged_in();
    ctrl(&mut state, 'k');
    assert_eq!(state.mode(), Mode::Palette);
    press(&mut state, "\x1b");
    assert_eq!(state.mode(), Mode::Tree);
    press(&mut state, ":");
    assert_eq!(state.mode(), Mode::Palette);
    press(&mut state, "q");
    assert_eq!(state.mode(), Mode::Palette, "q types in the palette");
    assert_eq!(matches(&state).len(), palette::matches(&state, "q").len());
}

#[test]
fn choosing_an_object_selects_it_in_the_tree_and_unfolds_its_parents() {
    let mut state = logged_in();
    press(&mut state, ":");
    typed(&mut state, "web01");
    assert_eq!(
        matches(&state).first(),
        Some(&PaletteItem::Object(NodeId::Vm("vm-1".into()))),
        "fuzzy: web-01 for web01"
    );
    assert!(!state.is_expanded(&server("esx-a1")));
    press(&mut state, "\n");
    assert_eq!(state.mode(), Mode::Tree);
    assert_eq!(state.lab.selected, Some(NodeId::Vm("vm-1".into())));
    assert!(state.is_expanded(&server("esx-a1")), "so that it shows");
    assert!(state.selected_index(&state.rows()).is_some());
}

#[test]
fn the_palette_lists_only_what_the_session_may_run_on_the_selection() {
    let commands = |state: &State| palette::commands(state);
    let lab = [
        Command::PowerOn,
        Command::Shutdown,
        Command::PowerOff,
        Command::Cycle,
        Command::Migrate,
    ];
    let lab_in = |state: &State| -> Vec<Command> {
        commands(state)
            .into_iter()
            .filter(|c| lab.contains(c))
            .collect()
    };

    let mut viewer = logged_in_with("read");
    press(&mut viewer, "jj");
    assert_eq!(viewer.lab.selected, Some(server("esx-a1")));
    assert!(lab_in(&viewer).is_empty(), "a viewer gets no power command");
    assert!(commands(&viewer).contains(&Command::Refresh));

    let mut operator = logged_in_with(OPERATOR);
    press(&mut operator, "jj");
    assert_eq!(
        lab_in(&operator),
        [
            Command::PowerOn,
            Command::Shutdown,
            Command::PowerOff,
            Command::Cycle
        ]
    );
    press(&mut operator, "lj");
    assert!(matches!(operator.lab.selected, Some(NodeId::Vm(_))));
    assert_eq!(
        lab_in(&operator),
        [
            Command::PowerOn,
            Command::Shutdown,
            Command::PowerOff,
            Command::Migrate
        ]
    );
    press(&mut operator, "g");
    assert!(lab_in(&operator).is_empty(), "nothing to power on a room");

    let power_only = logged_in_with("read,power");
    let mut on_vm = power_only.clone();
    press(&mut on_vm, "jjlj");
    assert!(!lab_in(&on_vm).contains(&Command::Migrate), "needs migrate");
}

#[test]
fn a_command_chosen_in_the_palette_asks_like_its_key() {
    let mut state = logged_in();
    press(&mut state, "jj:");
    typed(&mut state, "power off");
    assert_eq!(
        matches(&state).first(),
        Some(&PaletteItem::Command(Command::PowerOff))
    );
    assert!(press(&mut state, "\n").is_empty());
    let Some(Overlay::Confirm(c)) = &state.overlay else {
        panic!("a confirm dialog: {:?}", state.overlay);
    };
    assert_eq!(c.op, power_off_esx_a1());
    assert!(!c.yes, "it starts on No");
    assert_eq!(c.running_vms, 2);
}

#[test]
fn the_confirm_dialog_defaults_to_no() {
    for answer in ["\n", "\x1b", "n", ">>\n"] {
        let mut state = logged_in();
        press(&mut state, "jjx");
        assert_eq!(state.mode(), Mode::Confirm);
        assert!(
            press(&mut state, answer).is_empty(),
            "{answer:?} sends nothing"
        );
        assert_eq!(state.mode(), Mode::Tree, "{answer:?} closes it");
        assert_eq!(state.notice, None);
    }
}

#[test]
fn yes_sends_the_operation_and_its_answer_shows_and_refreshes() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let effects = press(&mut state, "jjx>\n");
    assert_eq!(
        effects,
        vec![Effect::Operate {
            epoch,
            token: token(),
            op: power_off_esx_a1(),
        }]
    );
    assert_eq!(state.mode(), Mode::Tree);
    let notice = state.notice.clone().expect("in progress");
    assert_eq!(notice.tone, Tone::Progress);
    assert_eq!(
        state.strings().message(&notice.message),
        "Powering off server esx-a1…"
    );
    assert_eq!(state.in_flight, 1);

    // The lists were fetched a moment ago: the answer asks for them again.
    let epoch_now = state.epoch;
    update_lists_done(&mut state);
    let effects = apply(
        &mut state,
        vec![Action::Operated {
            epoch: epoch_now,
            op: power_off_esx_a1(),
            result: Ok(ActionReport {
                target: "server:esx-a1".into(),
                action: "off".into(),
                state: "off".into(),
                took_ms: 850,
            }),
        }],
    );
    assert_eq!(
        effects,
        vec![Effect::FetchLists {
            epoch,
            token: token()
        }]
    );
    let notice = state.notice.clone().expect("done");
    assert_eq!(notice.tone, Tone::Info);
    assert_eq!(
        state.strings().message(&notice.message),
        "Server esx-a1: off (in 850 ms)."
    );
    assert_eq!(state.in_flight, 0);
}

fn update_lists_done(state: &mut State) {
    let epoch = state.epoch;
    apply(
        state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(support::lab()),
        }],
    );
}

#[test]
fn a_refused_operation_says_why() {
    let mut state = logged_in();
    press(&mut state, "jjs>\n");
    let epoch = state.epoch;
    let op = Operation::Server {
        server: "esx-a1".into(),
        action: ServerPowerAction::Shutdown,
    };
    apply(
        &mut state,
        vec![Action::Operated {
            epoch,
            op,
            result: Err(Failure::Refused(ApiError::Forbidden {
                needed: "power".into(),
            })),
        }],
    );
    let notice = state.notice.clone().expect("an error");
    assert_eq!(notice.tone, Tone::Error);
    assert_eq!(
        state.strings().message(&notice.message),
        "Could not shut down server esx-a1: Permission denied: this needs the power permission."
    );
}

#[test]
fn a_vm_is_powered_by_id_and_named_by_name() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let effects = press(&mut state, "jjljs>\n");
    assert_eq!(
        effects,
        vec![Effect::Operate {
            epoch,
            token: token(),
            op: Operation::Vm {
                id: "vm-2".into(),
                name: "db-01".into(),
                action: VmPowerRequest::Shutdown,
            },
        }]
    );
}

#[test]
fn migrate_picks_a_host_then_confirms() {
    let mut state = logged_in();
    let epoch = state.epoch;
    press(&mut state, "jjljw");
    let Some(Overlay::Hosts(h)) = &state.overlay else {
        panic!("a host picker: {:?}", state.overlay);
    };
    assert!(!h.hosts.contains(&"esx-a1".to_owned()), "not where it runs");
    assert_eq!(h.hosts, ["esx-b1", "nas-a1"]);
    press(&mut state, "j\n");
    let Some(Overlay::Confirm(c)) = &state.overlay else {
        panic!("then a confirm dialog: {:?}", state.overlay);
    };
    let op = Operation::Migrate {
        id: "vm-2".into(),
        name: "db-01".into(),
        from: Some("esx-a1".into()),
        to: "nas-a1".into(),
    };
    assert_eq!(c.op, op);
    assert_eq!(
        press(&mut state, ">\n"),
        vec![Effect::Operate {
            epoch,
            token: token(),
            op
        }]
    );
}

#[test]
fn a_lab_key_where_it_does_not_apply_says_what_to_select() {
    let mut state = logged_in();
    assert!(press(&mut state, "x").is_empty());
    assert_eq!(state.mode(), Mode::Tree);
    assert_eq!(
        state.notice.as_ref().map(|n| n.message.clone()),
        Some(Message::SelectTarget(Applies::ServersAndVms))
    );
    press(&mut state, "jjw");
    assert_eq!(
        state.notice.as_ref().map(|n| n.message.clone()),
        Some(Message::SelectTarget(Applies::Vms))
    );
}

#[test]
fn the_language_switches_at_run_time_and_rewords_what_shows() {
    let mut state = logged_in();
    press(&mut state, "jjx");
    press(&mut state, "\x1bL");
    assert_eq!(state.lang, Lang::Fr);
    let said = |s: &State| {
        s.notice
            .as_ref()
            .map(|n| s.strings().message(&n.message))
            .unwrap_or_default()
    };
    assert_eq!(said(&state), "La console parle maintenant français.");
    press(&mut state, ":");
    typed(&mut state, "anglais");
    assert_eq!(
        matches(&state).first(),
        Some(&PaletteItem::Command(Command::Language))
    );
    press(&mut state, "\n");
    assert_eq!(state.lang, Lang::En);
    assert_eq!(said(&state), "The console now speaks English.");
}

#[test]
fn help_opens_over_the_view_and_closes() {
    let mut state = logged_in();
    press(&mut state, "?");
    assert_eq!(state.mode(), Mode::Help);
    press(&mut state, "j");
    assert_eq!(state.mode(), Mode::Help, "keys do not reach the tree");
    press(&mut state, "?");
    assert_eq!(state.mode(), Mode::Tree);
}

#[test]
fn keys_from_a_key_file_drive_the_view() {
    let mut state = logged_in();
    state.keys = keyfile::parse("[tree]\npower-off = \"X\"\nhelp = \"F2\"\n").expect("valid");
    press(&mut state, "jjx");
    assert_eq!(state.mode(), Mode::Tree, "x is free now");
    press(&mut state, "X");
    assert_eq!(state.mode(), Mode::Confirm);
    press(&mut state, "\x1b?");
    assert_eq!(state.mode(), Mode::Tree, "? was moved to F2");
}

#[test]
fn the_answer_to_an_operation_stays_until_the_operator_moves_on() {
    let mut state = logged_in();
    press(&mut state, "jjx>\n");
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::Operated {
            epoch,
            op: power_off_esx_a1(),
            result: Ok(ActionReport {
                target: "server:esx-a1".into(),
                action: "off".into(),
                state: "off".into(),
                took_ms: 850,
            }),
        }],
    );
    let answer = state.notice.clone();
    assert!(answer.is_some());
    // A UPS reading arrives: the tree learns it, the answer stays on the status line.
    let ups = "ups-a1".parse().expect("a UPS name");
    apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Ok(upstra_core::api::v1::EventPage {
                events: vec![upstra_core::events::EventRecord {
                    seq: 1,
                    at: upstra_core::state::Timestamp(0),
                    event: upstra_core::events::DomainEvent::UpsCommsRestored { ups },
                }],
                next_cursor: 1,
                gap: false,
            }),
        }],
    );
    assert_eq!(state.notice, answer);
    assert!(state.last_event.is_some());
    press(&mut state, "j");
    assert_eq!(state.notice, None, "read: the latest event shows again");
}
