//! Keys to actions, per screen. Pure: a key event in, an [`Action`] (or nothing) out.
//!
//! Defaults only for now; a user keymap file will patch this table (see the design brief).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::Action;
use super::state::Screen;

/// The action `key` means on `screen`.
pub fn action_for(screen: Screen, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
    if ctrl && matches!(key.code, KeyCode::Char('c')) {
        return Some(Action::Quit);
    }
    match screen {
        Screen::Login => login_key(key, ctrl),
        Screen::Starting | Screen::Tree => tree_key(key.code),
    }
}

fn login_key(key: KeyEvent, ctrl: bool) -> Option<Action> {
    let alt = key.modifiers.contains(KeyModifiers::ALT);
    Some(match key.code {
        KeyCode::Esc => Action::Quit,
        KeyCode::Enter => Action::LoginSubmit,
        KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => Action::LoginNextField,
        KeyCode::Backspace => Action::LoginBackspace,
        KeyCode::Char(c) if !ctrl && !alt => Action::LoginChar(c),
        _ => return None,
    })
}

fn tree_key(code: KeyCode) -> Option<Action> {
    Some(match code {
        KeyCode::Char('q') => Action::Quit,
        KeyCode::Up | KeyCode::Char('k') => Action::Up,
        KeyCode::Down | KeyCode::Char('j') => Action::Down,
        KeyCode::Left | KeyCode::Char('h') => Action::Collapse,
        KeyCode::Right | KeyCode::Char('l') => Action::Expand,
        KeyCode::Enter => Action::Toggle,
        KeyCode::Home | KeyCode::Char('g') => Action::First,
        KeyCode::End | KeyCode::Char('G') => Action::Last,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn q_quits_the_tree_but_types_into_the_login_form() {
        assert!(matches!(
            action_for(Screen::Tree, key(KeyCode::Char('q'))),
            Some(Action::Quit)
        ));
        assert!(matches!(
            action_for(Screen::Login, key(KeyCode::Char('q'))),
            Some(Action::LoginChar('q'))
        ));
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for screen in [Screen::Starting, Screen::Login, Screen::Tree] {
            assert!(matches!(action_for(screen, ctrl_c), Some(Action::Quit)));
        }
    }

    #[test]
    fn vi_keys_and_arrows_move() {
        for (code, want) in [
            (KeyCode::Char('j'), "Down"),
            (KeyCode::Down, "Down"),
            (KeyCode::Char('h'), "Collapse"),
            (KeyCode::Right, "Expand"),
        ] {
            let got = action_for(Screen::Tree, key(code)).map(|a| format!("{a:?}"));
            assert_eq!(got.as_deref(), Some(want));
        }
    }
}
