//! What the console draws, at the 80×24 the design requires, from fixed states built out of
//! the API's wire types. Snapshots live in `tests/snapshots/`; after a deliberate change,
//! review the diff and accept it with `INSTA_UPDATE=always cargo test -p upstra-tui`.

mod support;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use support::{apply, lab, logged_in, ups};
use upstra_tui::console::action::{Action, Failure};
use upstra_tui::console::state::State;
use upstra_tui::console::ui::render;

fn draw(state: &State) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    terminal.draw(|f| render(state, f)).expect("draws");
    terminal
}

#[test]
fn tree_with_a_server_unfolded() {
    let mut state = logged_in();
    // Down to esx-a1, unfold it; the details show the server.
    apply(&mut state, vec![Action::Down, Action::Down, Action::Expand]);
    insta::assert_snapshot!(draw(&state).backend());
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
    insta::assert_snapshot!(draw(&state).backend());
}

#[test]
fn tree_with_the_daemon_gone() {
    let mut state = logged_in();
    let epoch = state.epoch;
    let why = "the daemon at /run/upstra/upstra.sock closed the connection".to_owned();
    apply(
        &mut state,
        vec![Action::EventsArrived {
            epoch,
            result: Err(Failure::Unreachable(why)),
        }],
    );
    insta::assert_snapshot!(draw(&state).backend());
}

#[test]
fn login_with_an_error() {
    let mut state = State::new("/run/upstra/upstra.sock");
    let mut actions = vec![Action::Start { session: None }];
    actions.extend("alice".chars().map(Action::LoginChar));
    actions.push(Action::LoginNextField);
    actions.extend("hunter2".chars().map(Action::LoginChar));
    actions.push(Action::LoginSubmit);
    actions.push(Action::LoggedIn(Err(Failure::Refused(
        "wrong user name or password".into(),
    ))));
    actions.extend("hunter3".chars().map(Action::LoginChar));
    apply(&mut state, actions);
    let terminal = draw(&state);
    insta::assert_snapshot!(terminal.backend());
    assert!(
        !terminal.backend().to_string().contains("hunter"),
        "the password is masked"
    );
}

#[test]
fn login_when_the_session_expired() {
    let mut state = logged_in();
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![Action::ListsLoaded {
            epoch,
            result: Err(Failure::Unauthenticated),
        }],
    );
    insta::assert_snapshot!(draw(&state).backend());
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
    insta::assert_snapshot!(draw(&state).backend());
}
