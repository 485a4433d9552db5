//! The demo's login on the help's bottom border, in `upstra demo` only: printed before the
//! console opened, it is out of sight once the console covers the terminal, and an operator
//! trying the demo needs it again to log in after a logout or from a second console. The
//! socket is in the header already. On the border it takes no line from the keys.

use ratatui::text::Line;
use ratatui::widgets::Block;

use crate::console::state::State;

/// `block` with the demo login as its bottom title, when the console runs the demo.
pub fn login<'a>(state: &State, block: Block<'a>) -> Block<'a> {
    let Some(demo) = &state.demo else {
        return block;
    };
    let text = (state.strings().help_demo)(&demo.user, &demo.password);
    block.title_bottom(Line::styled(format!(" {text} "), state.theme.strong()))
}
