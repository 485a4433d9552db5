//! A server on no UPS that Upstra manages (declared without feeds) sits under its room and
//! says so on its line and in its details: "no UPS", "sans onduleur".

use crate::support;

use support::{apply, lab, logged_in, server};
use upstra_tui::console::action::Action;
use upstra_tui::console::state::State;
use upstra_tui::console::update::update;

fn with_a_wall_socket_switch() -> State {
    let mut state = logged_in();
    let mut lists = lab();
    let mut wall = server("wall-sw", "lab-a", &[]);
    wall.kind = "network".into();
    wall.vsphere_host = None;
    lists.servers.push(wall);
    let epoch = state.epoch;
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Ok(lists),
        },
    );
    state
}

#[test]
fn a_server_on_no_managed_ups_says_so_in_the_tree_and_its_details() {
    let mut state = with_a_wall_socket_switch();
    // lab-a, ups-a1, esx-a1, nas-a1, then wall-sw under the room.
    apply(
        &mut state,
        vec![Action::Down, Action::Down, Action::Down, Action::Down],
    );
    screens!("unmanaged_server", state);
}
