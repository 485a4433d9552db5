//! Keys to actions. Pure: a key event and the console's state in, an [`Action`] (or nothing)
//! out.
//!
//! The lab view goes through the [`Keymap`], which `keys.toml` can change (see `keyfile`).
//! Forms, the palette and dialogs have fixed keys: they type text, and a typing key cannot be
//! rebound away. `Ctrl-C` always quits.

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::action::{
    Action, ConfirmAction, EnrollAction, FilterAction, FormAction, LoginAction, PaletteAction,
    PasswordAction, PickerAction,
};
use super::command_table::Command;
use super::state::{Mode, State};

/// A key with its modifiers, compared the way people name keys: `G` is `G` whether or not
/// the terminal also reports Shift, and `Ctrl-K` is `Ctrl-K` whatever the case of the `k`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Chord {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Chord {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let mut mods = mods & (KeyModifiers::CONTROL | KeyModifiers::ALT | KeyModifiers::SHIFT);
        let code = match code {
            KeyCode::Char(c) => {
                mods.remove(KeyModifiers::SHIFT);
                if mods.contains(KeyModifiers::CONTROL) {
                    KeyCode::Char(c.to_ascii_lowercase())
                } else {
                    KeyCode::Char(c)
                }
            }
            KeyCode::BackTab => {
                mods.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            other => other,
        };
        Self { code, mods }
    }

    pub fn plain(code: KeyCode) -> Self {
        Self::new(code, KeyModifiers::NONE)
    }

    pub fn from_event(key: &KeyEvent) -> Self {
        Self::new(key.code, key.modifiers)
    }

    /// Parses `x`, `G`, `?`, `ctrl-k`, `alt-x`, `shift-up`, `enter`, `f2`, `space`...
    pub fn parse(name: &str) -> Result<Self, String> {
        let mut rest = name;
        let mut mods = KeyModifiers::NONE;
        loop {
            let lower = rest.to_ascii_lowercase();
            let (prefix, bit) = if lower.starts_with("ctrl-") && rest.len() > 5 {
                (5, KeyModifiers::CONTROL)
            } else if lower.starts_with("alt-") && rest.len() > 4 {
                (4, KeyModifiers::ALT)
            } else if lower.starts_with("shift-") && rest.len() > 6 {
                (6, KeyModifiers::SHIFT)
            } else {
                break;
            };
            mods |= bit;
            rest = &rest[prefix..];
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if mods.contains(KeyModifiers::SHIFT) => {
                KeyCode::Char(c.to_ascii_uppercase())
            }
            (Some(c), None) => KeyCode::Char(c),
            _ => named(&rest.to_ascii_lowercase()).ok_or_else(|| {
                format!(
                    "`{name}` is not a key: use one character (`x`, `G`, `?`) or a name like \
                     `ctrl-k`, `enter`, `esc`, `tab`, `up`, `home`, `pageup`, `f2`, `space`"
                )
            })?,
        };
        Ok(Self::new(code, mods))
    }

    /// How it is shown in English: `Ctrl-K`, `↑`, `Enter`, `x` (see [`Strings::key`] for the
    /// language in use).
    ///
    /// [`Strings::key`]: super::strings::Strings::key
    pub fn label(&self) -> String {
        super::strings::EN.key(self)
    }

    /// The key itself when it reads the same in every language: a character (upper case
    /// under Ctrl, as keyboards print it), an arrow, a function key.
    pub fn glyph(&self) -> Option<String> {
        Some(match self.code {
            KeyCode::Char(' ') => return None,
            KeyCode::Char(c) if self.mods.contains(KeyModifiers::CONTROL) => {
                c.to_ascii_uppercase().to_string()
            }
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            _ => return None,
        })
    }
}

fn named(name: &str) -> Option<KeyCode> {
    Some(match name {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "backspace" => KeyCode::Backspace,
        "space" => KeyCode::Char(' '),
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "pageup" => KeyCode::PageUp,
        "pagedown" => KeyCode::PageDown,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        f if f.starts_with('f') => match f[1..].parse::<u8>() {
            Ok(n @ 1..=12) => KeyCode::F(n),
            _ => return None,
        },
        _ => return None,
    })
}

/// The keys of the lab view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    bindings: Vec<(Chord, Command)>,
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = Command::ALL
            .into_iter()
            .flat_map(|c| {
                c.default_keys()
                    .iter()
                    .filter_map(move |k| Chord::parse(k).ok().map(|chord| (chord, c)))
            })
            .collect();
        Self { bindings }
    }
}

impl Keymap {
    pub fn command(&self, chord: Chord) -> Option<Command> {
        self.bindings
            .iter()
            .find(|(k, _)| *k == chord)
            .map(|(_, c)| *c)
    }

    /// `command`'s keys, in the order they were bound.
    pub fn keys(&self, command: Command) -> Vec<Chord> {
        self.bindings
            .iter()
            .filter(|(_, c)| *c == command)
            .map(|(k, _)| *k)
            .collect()
    }

    /// The first key of `command`, if it has one.
    pub fn first(&self, command: Command) -> Option<Chord> {
        self.keys(command).first().copied()
    }

    /// Gives `command` exactly `keys`. A key another command had moves to this one: the user's
    /// file wins over the defaults.
    pub fn bind(&mut self, command: Command, keys: &[Chord]) {
        self.bindings
            .retain(|(k, c)| *c != command && !keys.contains(k));
        self.bindings.extend(keys.iter().map(|k| (*k, command)));
    }
}

/// The action `key` means in the console's current state.
pub fn action_for(state: &State, key: KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    if let (Mode::Ssh, Some(pane)) = (state.mode(), state.ssh.shown()) {
        // Everything but the way out goes to the shell, Ctrl-C too.
        return super::ssh::keys::action_for(pane, key);
    }
    let chord = Chord::from_event(&key);
    if chord == Chord::new(KeyCode::Char('c'), KeyModifiers::CONTROL) {
        return Some(Action::Quit);
    }
    let typed = match chord.code {
        KeyCode::Char(c) if chord.mods.is_empty() => Some(c),
        _ => None,
    };
    let ctrl = |c: char| chord == Chord::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    let code = chord.code;
    Some(match state.mode() {
        Mode::Help => match code {
            KeyCode::Esc | KeyCode::Enter | KeyCode::F(1) | KeyCode::Char('?' | 'q') => {
                Action::CloseOverlay
            }
            _ => return None,
        },
        Mode::Palette => match code {
            KeyCode::Esc => Action::CloseOverlay,
            KeyCode::Enter => Action::Palette(PaletteAction::Run),
            KeyCode::Up | KeyCode::BackTab => Action::Palette(PaletteAction::Move(-1)),
            KeyCode::Down | KeyCode::Tab => Action::Palette(PaletteAction::Move(1)),
            KeyCode::PageUp => Action::Palette(PaletteAction::Move(-10)),
            KeyCode::PageDown => Action::Palette(PaletteAction::Move(10)),
            KeyCode::Backspace => Action::Palette(PaletteAction::Backspace),
            _ if ctrl('p') => Action::Palette(PaletteAction::Move(-1)),
            _ if ctrl('n') => Action::Palette(PaletteAction::Move(1)),
            _ if ctrl('u') => Action::Palette(PaletteAction::Clear),
            _ => Action::Palette(PaletteAction::Char(typed?)),
        },
        Mode::Confirm => match code {
            KeyCode::Left | KeyCode::Right | KeyCode::Tab | KeyCode::BackTab => {
                Action::Confirm(ConfirmAction::Switch)
            }
            KeyCode::Enter => Action::Confirm(ConfirmAction::Answer),
            KeyCode::Esc | KeyCode::Char('n' | 'N') => Action::CloseOverlay,
            _ => return None,
        },
        Mode::Hosts => match code {
            KeyCode::Up | KeyCode::Char('k') => Action::Picker(PickerAction::Move(-1)),
            KeyCode::Down | KeyCode::Char('j') => Action::Picker(PickerAction::Move(1)),
            KeyCode::Enter => Action::Picker(PickerAction::Pick),
            KeyCode::Esc => Action::CloseOverlay,
            _ => return None,
        },
        Mode::Starting => match code {
            KeyCode::Esc | KeyCode::Char('q') => Action::Quit,
            _ => return None,
        },
        Mode::Login => match code {
            KeyCode::Esc => Action::Login(LoginAction::Escape),
            KeyCode::Enter => Action::Login(LoginAction::Submit),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                Action::Login(LoginAction::NextField)
            }
            KeyCode::Backspace => Action::Login(LoginAction::Backspace),
            KeyCode::F(1) => Action::Run(Command::Help),
            _ => Action::Login(LoginAction::Char(typed?)),
        },
        Mode::Enroll => match code {
            KeyCode::Esc => Action::Enroll(EnrollAction::Escape),
            KeyCode::Enter => Action::Enroll(EnrollAction::Submit),
            KeyCode::Backspace => Action::Enroll(EnrollAction::Backspace),
            KeyCode::F(1) => Action::Run(Command::Help),
            _ => Action::Enroll(EnrollAction::Char(typed?)),
        },
        Mode::Password => match code {
            KeyCode::Esc => Action::Quit,
            KeyCode::Enter => Action::Password(PasswordAction::Submit),
            KeyCode::Tab | KeyCode::BackTab | KeyCode::Up | KeyCode::Down => {
                Action::Password(PasswordAction::NextField)
            }
            KeyCode::Backspace => Action::Password(PasswordAction::Backspace),
            KeyCode::F(1) => Action::Run(Command::Help),
            _ => Action::Password(PasswordAction::Char(typed?)),
        },
        // The dashboard has no filter: its keys are the key map's, nothing else.
        Mode::Dashboard => state.keys.command(chord)?.action(),
        Mode::Tree | Mode::Plan | Mode::History | Mode::Admin => match state.keys.command(chord) {
            Some(command) => command.action(),
            // Esc clears a filter kept on the tree, as it does while typing it.
            None if code == KeyCode::Esc
                && state.mode() == Mode::Tree
                && state.lab.filter.is_active() =>
            {
                Action::Filter(FilterAction::Clear)
            }
            None => return None,
        },
        Mode::Filter => match code {
            KeyCode::Esc => Action::Filter(FilterAction::Clear),
            KeyCode::Enter => Action::Filter(FilterAction::Keep),
            KeyCode::Backspace => Action::Filter(FilterAction::Backspace),
            KeyCode::Up => Action::Up,
            KeyCode::Down => Action::Down,
            KeyCode::F(1) => Action::Run(Command::Help),
            _ => Action::Filter(FilterAction::Char(typed?)),
        },
        // The pane vanished under the key: nothing to do.
        Mode::Ssh => return None,
        Mode::Setup => match code {
            KeyCode::Esc => Action::CloseOverlay,
            KeyCode::Enter => Action::Form(FormAction::Submit),
            KeyCode::Tab | KeyCode::Down => Action::Form(FormAction::Move(1)),
            KeyCode::BackTab | KeyCode::Up => Action::Form(FormAction::Move(-1)),
            KeyCode::Left => Action::Form(FormAction::Cycle(-1)),
            KeyCode::Right => Action::Form(FormAction::Cycle(1)),
            KeyCode::Backspace => Action::Form(FormAction::Backspace),
            _ => Action::Form(FormAction::Char(typed?)),
        },
        Mode::Secret => match code {
            KeyCode::Esc | KeyCode::Enter => Action::CloseOverlay,
            _ => return None,
        },
        Mode::Form => match code {
            KeyCode::Esc => Action::CloseOverlay,
            KeyCode::Enter => Action::Form(FormAction::Submit),
            KeyCode::Tab | KeyCode::Down => Action::Form(FormAction::Move(1)),
            KeyCode::BackTab | KeyCode::Up => Action::Form(FormAction::Move(-1)),
            KeyCode::Backspace => Action::Form(FormAction::Backspace),
            _ => Action::Form(FormAction::Char(typed?)),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses_and_no_key_is_bound_twice() {
        let map = Keymap::default();
        let expected: usize = Command::ALL.iter().map(|c| c.default_keys().len()).sum();
        assert_eq!(map.bindings.len(), expected, "all parse");
        for (i, (k, _)) in map.bindings.iter().enumerate() {
            assert!(
                map.bindings[i + 1..].iter().all(|(other, _)| other != k),
                "{} bound twice",
                k.label()
            );
        }
    }

    #[test]
    fn names_parse_to_what_terminals_send() {
        let ctrl = KeyModifiers::CONTROL;
        for (name, code, mods) in [
            ("x", KeyCode::Char('x'), KeyModifiers::NONE),
            ("G", KeyCode::Char('G'), KeyModifiers::NONE),
            ("shift-g", KeyCode::Char('G'), KeyModifiers::NONE),
            ("ctrl-k", KeyCode::Char('k'), ctrl),
            ("Ctrl-K", KeyCode::Char('k'), ctrl),
            ("-", KeyCode::Char('-'), KeyModifiers::NONE),
            ("ctrl--", KeyCode::Char('-'), ctrl),
            ("enter", KeyCode::Enter, KeyModifiers::NONE),
            ("F2", KeyCode::F(2), KeyModifiers::NONE),
            ("shift-up", KeyCode::Up, KeyModifiers::SHIFT),
            ("space", KeyCode::Char(' '), KeyModifiers::NONE),
        ] {
            assert_eq!(Chord::parse(name), Ok(Chord::new(code, mods)), "{name}");
        }
        // What a terminal reports for Shift+g and for Ctrl+Shift+k.
        assert_eq!(
            Chord::new(KeyCode::Char('G'), KeyModifiers::SHIFT),
            Chord::plain(KeyCode::Char('G'))
        );
        assert_eq!(
            Chord::new(KeyCode::Char('K'), ctrl | KeyModifiers::SHIFT),
            Chord::new(KeyCode::Char('k'), ctrl)
        );
        for bad in ["", "ctrl-", "f13", "enterr", "xy"] {
            assert!(Chord::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn labels_read_like_the_help() {
        for (name, label) in [
            ("ctrl-k", "Ctrl-K"),
            ("up", "↑"),
            ("enter", "Enter"),
            ("G", "G"),
            ("f1", "F1"),
        ] {
            assert_eq!(Chord::parse(name).map(|c| c.label()), Ok(label.into()));
        }
    }

    #[test]
    fn binding_a_key_takes_it_from_its_default_owner() {
        let mut map = Keymap::default();
        let x = Chord::plain(KeyCode::Char('x'));
        map.bind(Command::Quit, &[x]);
        assert_eq!(map.command(x), Some(Command::Quit));
        assert!(map.keys(Command::PowerOff).is_empty());
        assert_eq!(map.command(Chord::plain(KeyCode::Char('q'))), None);
    }
}
