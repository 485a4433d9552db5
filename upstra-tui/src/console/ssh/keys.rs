//! The keys of a pane, and keys turned into the bytes an xterm sends.
//!
//! Everything goes to the remote except [`LEAVE`], which shows the lab again, and
//! Shift-PageUp/Shift-PageDown, which scroll back as terminals do. Ctrl-C goes to the remote
//! too: inside a pane it interrupts the remote command, not the console.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::SshAction;
use super::state::{Pane, Phase};
use crate::console::action::Action;

/// Ctrl-]: the escape of telnet and virsh consoles, which shells leave alone.
pub const LEAVE: &str = "Ctrl-]";

/// Whether `key` is [`LEAVE`]. A terminal sends Ctrl-] as the byte 0x1d, which crossterm
/// reads as Ctrl-5; with the kitty keyboard protocol it is Ctrl-].
pub fn is_leave(key: &KeyEvent) -> bool {
    key.modifiers.contains(KeyModifiers::CONTROL) && matches!(key.code, KeyCode::Char(']' | '5'))
}

/// The action `key` means in `pane`.
pub fn action_for(pane: &Pane, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if is_leave(&key) {
        return Some(Action::Ssh(SshAction::Leave));
    }
    let (rows, _) = pane.screen.screen().size();
    let page = isize::try_from(rows / 2).unwrap_or(1).max(1);
    let shift = key.modifiers.contains(KeyModifiers::SHIFT);
    let action = match &pane.phase {
        Phase::Open => match key.code {
            KeyCode::PageUp if shift => SshAction::Scroll(page),
            KeyCode::PageDown if shift => SshAction::Scroll(-page),
            _ => SshAction::Send(encode(&key, pane.screen.screen().application_cursor())?),
        },
        Phase::Prompt { .. } => match key.code {
            KeyCode::Enter => SshAction::PromptSubmit,
            KeyCode::Esc => SshAction::Cancel,
            KeyCode::Backspace => SshAction::PromptBackspace,
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                SshAction::PromptChar(c)
            }
            _ => return None,
        },
        Phase::HostKey { .. } => match key.code {
            KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                SshAction::HostKeySwitch
            }
            KeyCode::Enter => SshAction::HostKeyAnswer,
            KeyCode::Esc | KeyCode::Char('n' | 'N') => SshAction::Cancel,
            _ => return None,
        },
        Phase::Authorizing | Phase::Connecting => match key.code {
            KeyCode::Esc => SshAction::Cancel,
            _ => return None,
        },
    };
    Some(Action::Ssh(action))
}

/// The xterm modifier parameter: 1 + Shift 1 + Alt 2 + Ctrl 4.
fn modifier_param(mods: KeyModifiers) -> u8 {
    let mut m = 1;
    if mods.contains(KeyModifiers::SHIFT) {
        m += 1;
    }
    if mods.contains(KeyModifiers::ALT) {
        m += 2;
    }
    if mods.contains(KeyModifiers::CONTROL) {
        m += 4;
    }
    m
}

/// The bytes an xterm sends for `key`; `application_cursor` is the remote's cursor-key mode
/// (DECCKM), which full-screen programs turn on. `None` for keys a terminal does not send.
pub fn encode(key: &KeyEvent, application_cursor: bool) -> Option<Vec<u8>> {
    let mods = key.modifiers;
    let alt = mods.contains(KeyModifiers::ALT);
    let ctrl = mods.contains(KeyModifiers::CONTROL);
    let param = modifier_param(mods);
    let csi = |tail: &str| format!("\x1b[{tail}").into_bytes();
    // Cursor keys and Home/End: `ESC [ A`, `ESC O A` in application mode, `ESC [ 1 ; 5 A`
    // with modifiers.
    let cursor = |letter: char| {
        if param > 1 {
            csi(&format!("1;{param}{letter}"))
        } else if application_cursor {
            format!("\x1bO{letter}").into_bytes()
        } else {
            csi(&letter.to_string())
        }
    };
    // `ESC [ n ~` keys, `ESC [ n ; m ~` with modifiers.
    let tilde = |n: u8| {
        if param > 1 {
            csi(&format!("{n};{param}~"))
        } else {
            csi(&format!("{n}~"))
        }
    };
    let mut bytes = match key.code {
        KeyCode::Char(c) if ctrl => {
            let byte = match c.to_ascii_lowercase() {
                c @ 'a'..='z' => c as u8 - b'a' + 1,
                '@' | ' ' | '2' => 0,
                '[' | '3' => 0x1b,
                '\\' | '4' => 0x1c,
                ']' | '5' => 0x1d,
                '^' | '6' => 0x1e,
                '_' | '-' | '7' => 0x1f,
                '?' | '8' => 0x7f,
                _ => return None,
            };
            vec![byte]
        }
        KeyCode::Char(c) => c.to_string().into_bytes(),
        KeyCode::Enter => vec![b'\r'],
        KeyCode::Tab => vec![b'\t'],
        KeyCode::BackTab => csi("Z"),
        KeyCode::Backspace => vec![0x7f],
        KeyCode::Esc => vec![0x1b],
        KeyCode::Up => cursor('A'),
        KeyCode::Down => cursor('B'),
        KeyCode::Right => cursor('C'),
        KeyCode::Left => cursor('D'),
        KeyCode::Home => cursor('H'),
        KeyCode::End => cursor('F'),
        KeyCode::Insert => tilde(2),
        KeyCode::Delete => tilde(3),
        KeyCode::PageUp => tilde(5),
        KeyCode::PageDown => tilde(6),
        KeyCode::F(n @ 1..=4) => {
            let letter = char::from(b'P' + (n - 1));
            if param > 1 {
                csi(&format!("1;{param}{letter}"))
            } else {
                format!("\x1bO{letter}").into_bytes()
            }
        }
        KeyCode::F(n @ 5..=12) => {
            const CODES: [u8; 8] = [15, 17, 18, 19, 20, 21, 23, 24];
            tilde(CODES[usize::from(n - 5)])
        }
        _ => return None,
    };
    // Alt prefixes the plain keys with ESC; the others carry it in their parameter.
    if alt
        && matches!(
            key.code,
            KeyCode::Char(_) | KeyCode::Enter | KeyCode::Backspace
        )
    {
        bytes.insert(0, 0x1b);
    }
    Some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn keys_become_what_an_xterm_sends() {
        let none = KeyModifiers::NONE;
        let ctrl = KeyModifiers::CONTROL;
        for (key, app, want) in [
            (k(KeyCode::Char('a'), none), false, &b"a"[..]),
            (k(KeyCode::Char('é'), none), false, "é".as_bytes()),
            (k(KeyCode::Char('c'), ctrl), false, b"\x03"),
            (k(KeyCode::Char('d'), ctrl), false, b"\x04"),
            (k(KeyCode::Char('x'), KeyModifiers::ALT), false, b"\x1bx"),
            (k(KeyCode::Enter, none), false, b"\r"),
            (k(KeyCode::Backspace, none), false, b"\x7f"),
            (k(KeyCode::Esc, none), false, b"\x1b"),
            (k(KeyCode::Up, none), false, b"\x1b[A"),
            (k(KeyCode::Up, none), true, b"\x1bOA"),
            (k(KeyCode::Right, ctrl), true, b"\x1b[1;5C"),
            (k(KeyCode::PageDown, none), false, b"\x1b[6~"),
            (k(KeyCode::Delete, KeyModifiers::SHIFT), false, b"\x1b[3;2~"),
            (k(KeyCode::F(1), none), false, b"\x1bOP"),
            (k(KeyCode::F(5), none), false, b"\x1b[15~"),
            (k(KeyCode::F(12), none), false, b"\x1b[24~"),
            (k(KeyCode::BackTab, KeyModifiers::SHIFT), false, b"\x1b[Z"),
        ] {
            assert_eq!(encode(&key, app).as_deref(), Some(want), "{key:?}");
        }
    }

    #[test]
    fn ctrl_close_bracket_leaves_however_the_terminal_reports_it() {
        let ctrl = KeyModifiers::CONTROL;
        assert!(is_leave(&k(KeyCode::Char(']'), ctrl)));
        assert!(is_leave(&k(KeyCode::Char('5'), ctrl)));
        assert!(!is_leave(&k(KeyCode::Char(']'), KeyModifiers::NONE)));
        assert!(!is_leave(&k(KeyCode::Char('c'), ctrl)));
    }
}
