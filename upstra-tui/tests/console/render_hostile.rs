//! Names that came from someone else (a VM named in vCenter, the user name typed at a failed
//! login) drawn escaped: the escape sequence, the newline and the right-to-left override show
//! as `\e`, `\n` and `\u{202e}` where the name is, rather than being obeyed, dropped or
//! reordering the line.

use crate::support;

use crossterm::event::KeyCode;
use support::{apply, audit, draw, key, lab, logged_in, logged_in_with, press};
use upstra_tui::console::action::Action;
use upstra_tui::console::call::Reply;
use upstra_tui::console::state::State;

const HOSTILE_VM: &str = "web\u{1b}[2J\u{7}\n\u{202e}exe.gpj";
const SHOWN_VM: &str = "web\\e[2J\\a\\n\\u{202e}exe.gpj";
const HOSTILE_USER: &str = "eve\u{1b}]0;x\u{7}\r\nroot";
/// What the user column's 11 characters show of it.
const SHOWN_USER: &str = "eve\\e]0;x\\a login";

/// The lab with `vm-1` renamed in vCenter, unfolded and selected.
fn on_the_hostile_vm() -> State {
    let mut state = logged_in();
    let mut lists = lab();
    lists.vms[0].name = HOSTILE_VM.into();
    lists.vms[0].host = Some("esx-a1\u{1b}[31m.lab".into());
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Ok(lists),
        }],
    );
    press(&mut state, "vv");
    apply(&mut state, vec![Action::Expand]);
    // db-01 sorts first.
    press(&mut state, "vv");
    state
}

/// The screen's cells as plain lines (the backend's own Display quotes and escapes them).
fn screen_text(state: &State, width: u16, height: u16) -> String {
    let terminal = draw(state, width, height);
    let buffer = terminal.backend().buffer();
    buffer
        .content()
        .chunks(usize::from(width))
        .map(|row| row.iter().map(|cell| cell.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn a_vm_named_with_escapes_shows_them_in_the_tree_and_the_details() {
    let state = on_the_hostile_vm();
    let screen = screen_text(&state, 200, 50);
    assert!(
        screen.matches(SHOWN_VM).count() >= 2,
        "the tree and the details both show the escaped name:\n{screen}"
    );
    assert!(screen.contains("esx-a1\\e[31m.lab"), "{screen}");
    screens!("a_vm_named_with_escapes", state);
}

#[test]
fn a_failed_login_under_a_hostile_name_shows_escaped_in_the_history() {
    let mut state = logged_in_with("read,audit");
    key(&mut state, KeyCode::F(4));
    let epoch = state.epoch;
    let records = vec![
        audit(1, 1_795_600_000, "admin", "login", None, "ok"),
        audit(2, 1_795_600_060, HOSTILE_USER, "login", None, "refused"),
    ];
    apply(
        &mut state,
        vec![Action::Replied {
            epoch,
            reply: Box::new(Reply::Audit(Ok(records))),
        }],
    );
    let screen = screen_text(&state, 200, 50);
    assert!(screen.contains(SHOWN_USER), "{screen}");
    screens!("a_failed_login_under_a_hostile_name", state);
}
