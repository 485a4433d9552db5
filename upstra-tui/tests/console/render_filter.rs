//! What the lab view draws with the tree's `/` filter: while typing, once kept, and when it
//! matches nothing, in English and French at 80×24 and 200×50.

use crate::support;

use support::{logged_in, press};
use upstra_tui::console::state::State;

/// `keys` typed in the lab view of the fixed lab.
fn typed(keys: &str) -> State {
    let mut state = logged_in();
    press(&mut state, keys);
    state
}

#[test]
fn typing_a_filter_shows_only_that_branch() {
    screens!("tree_filter_typing", typed("/esx-b"));
}

#[test]
fn a_kept_filter_counts_its_matches_and_esc_clears_it() {
    screens!("tree_filter_kept", typed("/-01\n"));
}

#[test]
fn a_filter_that_matches_nothing_says_so() {
    screens!("tree_filter_matches_nothing", typed("/zzz"));
}
