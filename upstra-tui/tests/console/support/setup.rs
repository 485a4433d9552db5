//! The setup wizard's starting points, shared by its update and render tests.

use upstra_core::api::v1::SessionScope;
use upstra_tui::console::action::{Action, Effect, FormAction};
use upstra_tui::console::state::{Lists, Session, SetupChoice, State};

use super::{apply, token, whoami};

/// A console on `socket` whose session (alice, with `permissions`) finds an empty lab, so the
/// wizard opens on its menu.
pub fn on_empty_lab(socket: &str, permissions: &str) -> State {
    let mut state = State::new(socket);
    apply(
        &mut state,
        vec![Action::Start {
            session: Some(Session::new(token(), "alice")),
        }],
    );
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![
            Action::SessionChecked {
                epoch,
                result: Ok(whoami("alice", permissions, SessionScope::Full)),
            },
            Action::ListsLoaded {
                epoch,
                result: Ok(Lists::default()),
            },
        ],
    );
    state
}

/// Picks `choice` in the wizard's menu, as the arrows and Enter do.
pub fn choose(state: &mut State, choice: SetupChoice) -> Vec<Effect> {
    let at = SetupChoice::ALL
        .iter()
        .position(|c| *c == choice)
        .expect("a choice");
    let mut moves: Vec<Action> = (0..at).map(|_| Action::Form(FormAction::Move(1))).collect();
    moves.push(Action::Form(FormAction::Submit));
    apply(state, moves)
}
