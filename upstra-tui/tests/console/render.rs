//! What the console draws for the lab view and what sits over it, from fixed states built out
//! of the API's wire types: every screen in English and in French, at the 80×24 the design
//! requires and at 200×50. Snapshots live in `tests/console/snapshots/`; after a deliberate
//! change, review the diff and accept it with `INSTA_UPDATE=always cargo test -p upstra-tui`.

use crate::support;

use ratatui::style::Color;
use support::{apply, draw, lab, logged_in, ups};
use upstra_core::api::v1::{ActionReport, ApiError, ServerPowerAction};
use upstra_core::state::PowerState;
use upstra_tui::console::action::{Action, ConfirmAction, Failure, PaletteAction};
use upstra_tui::console::command_table::Command;
use upstra_tui::console::message::Link;
use upstra_tui::console::operation::Operation;
use upstra_tui::console::state::State;
use upstra_tui::console::theme::Theme;

/// The lab with esx-a1 selected (its two VMs running).
fn on_esx_a1() -> State {
    let mut state = logged_in();
    apply(&mut state, vec![Action::Down, Action::Down]);
    state
}

#[test]
fn tree_with_a_server_unfolded() {
    let mut state = on_esx_a1();
    apply(&mut state, vec![Action::Expand]);
    screens!("tree_with_a_server_unfolded", state);
}

#[test]
fn tree_during_an_outage() {
    let mut state = logged_in();
    let mut outage = lab();
    outage.ups[0] = ups("ups-a1", "lab-a", "OB DISCHRG", 64.0);
    outage.ups[1].reachability = "comms_lost".into();
    outage.ups[1].comms_lost_reason = Some("connection refused".into());
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![
            Action::ListsLoaded {
                epoch,
                result: Ok(outage),
            },
            Action::Down,
        ],
    );
    screens!("tree_during_an_outage", state);
}

#[test]
fn tree_with_the_daemon_gone() {
    let mut state = logged_in();
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Err(Failure::Unreachable(Link::Closed)),
        }],
    );
    screens!("tree_with_the_daemon_gone", state);
}

#[test]
fn an_empty_lab_says_how_to_declare_one() {
    let mut state = logged_in();
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(Default::default()),
        }],
    );
    screens!("an_empty_lab", state);
}

#[test]
fn palette_searching_for_a_server() {
    let mut state = on_esx_a1();
    let mut actions = vec![Action::Run(Command::Palette)];
    actions.extend(
        "esx"
            .chars()
            .map(|c| Action::Palette(PaletteAction::Char(c))),
    );
    apply(&mut state, actions);
    screens!("palette_searching_esx", state);
}

#[test]
fn palette_with_nothing_typed_lists_the_commands_first() {
    let state = {
        let mut state = on_esx_a1();
        apply(&mut state, vec![Action::Run(Command::Palette)]);
        state
    };
    screens!("palette_empty_query", state);
}

#[test]
fn confirm_before_a_hard_power_off() {
    let mut state = on_esx_a1();
    apply(&mut state, vec![Action::Run(Command::PowerOff)]);
    screens!("confirm_power_off", state);
}

#[test]
fn confirm_with_yes_focused() {
    let mut state = on_esx_a1();
    apply(
        &mut state,
        vec![
            Action::Run(Command::Shutdown),
            Action::Confirm(ConfirmAction::Switch),
        ],
    );
    screens!("confirm_shutdown_yes_focused", state);
}

#[test]
fn host_picker_for_a_migration() {
    let mut state = on_esx_a1();
    // Unfold esx-a1 and go down to db-01.
    apply(
        &mut state,
        vec![Action::Expand, Action::Down, Action::Run(Command::Migrate)],
    );
    screens!("host_picker", state);
}

#[test]
fn help_lists_the_keys_of_the_lab_view() {
    let mut state = on_esx_a1();
    apply(&mut state, vec![Action::Run(Command::Help)]);
    screens!("help_tree", state);
}

#[test]
fn an_operation_in_flight_then_done() {
    let mut state = on_esx_a1();
    apply(
        &mut state,
        vec![
            Action::Run(Command::PowerOff),
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    screens!("operation_in_flight", state.clone());
    let epoch = state.epoch;
    let op = Operation::Server {
        server: "esx-a1".into(),
        action: ServerPowerAction::Off,
    };
    let mut off = lab();
    off.servers[0].power = PowerState::Off;
    apply(
        &mut state,
        vec![
            Action::Operated {
                epoch,
                op,
                result: Ok(ActionReport {
                    target: "server:esx-a1".into(),
                    action: "off".into(),
                    state: "off".into(),
                    took_ms: 1234,
                }),
            },
            Action::ListsLoaded {
                epoch,
                result: Ok(off),
            },
        ],
    );
    screens!("operation_done", state);
}

#[test]
fn an_operation_refused() {
    let mut state = on_esx_a1();
    apply(
        &mut state,
        vec![
            Action::Run(Command::PowerOff),
            Action::Confirm(ConfirmAction::Switch),
            Action::Confirm(ConfirmAction::Answer),
        ],
    );
    let epoch = state.epoch;
    let op = Operation::Server {
        server: "esx-a1".into(),
        action: ServerPowerAction::Off,
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
    screens!("operation_refused", state);
}

/// Every colour the default theme uses is one of the 16 ANSI ones; without colour, none is.
#[test]
fn colours_are_16_colour_safe_and_no_color_sends_none() {
    let mut outage = on_esx_a1();
    let epoch = outage.epoch;
    let mut lists = lab();
    lists.ups[0] = ups("ups-a1", "lab-a", "OB DISCHRG", 64.0);
    apply(
        &mut outage,
        vec![
            Action::ListsLoaded {
                epoch,
                result: Ok(lists),
            },
            Action::Run(Command::PowerOff),
            Action::Confirm(ConfirmAction::Switch),
        ],
    );
    let basic = |c: Color| !matches!(c, Color::Rgb(..) | Color::Indexed(_));
    for theme in [Theme::colour(), Theme::no_colour()] {
        outage.theme = theme;
        let terminal = draw(&outage, 80, 24);
        let buffer = terminal.backend().buffer();
        let mut coloured = 0;
        for cell in buffer.content() {
            assert!(basic(cell.fg) && basic(cell.bg), "{:?}", cell);
            if cell.fg != Color::Reset || cell.bg != Color::Reset {
                coloured += 1;
            }
        }
        if theme.has_colour() {
            assert!(coloured > 0, "the colour theme uses colour");
        } else {
            assert_eq!(coloured, 0, "NO_COLOR: not one coloured cell");
        }
    }
}

#[test]
fn help_in_the_demo_shows_its_login() {
    let mut state = on_esx_a1();
    state.demo = Some(upstra_tui::console::state::DemoLogin {
        user: "demo".into(),
        password: "demo-0123456789abcdef01".into(),
    });
    apply(&mut state, vec![Action::Run(Command::Help)]);
    let drawn = support::draw(&state, 80, 24).backend().to_string();
    assert!(
        drawn.contains("Demo login: demo / demo-0123456789abcdef01"),
        "{drawn}"
    );
    screens!("help_demo", state);
}
