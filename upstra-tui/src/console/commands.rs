//! Every command of the lab view, once: its name in `keys.toml`, its default keys, the
//! permission it needs, what it applies to and where it shows. The key map, the palette, the
//! help overlay and the footer all read this table (its words are in the catalog).
//!
//! Default keys follow one rule: navigation lives under the right hand (arrows, `h j k l`,
//! `g G`, Enter) and the keys that act on the lab under the left hand (`o s x c w`), not next
//! to any navigation key on a QWERTY or AZERTY keyboard, and every one of them asks first.

use upstra_core::rbac::Permissions;

use super::action::Action;

/// A command of the lab view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    Up,
    Down,
    First,
    Last,
    Collapse,
    Expand,
    Toggle,
    Palette,
    Help,
    Language,
    Refresh,
    Quit,
    PowerOn,
    Shutdown,
    PowerOff,
    Cycle,
    Migrate,
    Shell,
    NextShell,
}

/// Where a command sits in the help and the palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Navigation,
    General,
    Lab,
}

/// What a lab command can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Anything,
    ServersAndVms,
    Servers,
    Vms,
}

impl Command {
    /// In the order the help and the palette list them.
    pub const ALL: [Self; 19] = [
        Self::Up,
        Self::Down,
        Self::Collapse,
        Self::Expand,
        Self::Toggle,
        Self::First,
        Self::Last,
        Self::Palette,
        Self::Help,
        Self::Language,
        Self::Refresh,
        Self::Quit,
        Self::PowerOn,
        Self::Shutdown,
        Self::PowerOff,
        Self::Cycle,
        Self::Migrate,
        Self::Shell,
        Self::NextShell,
    ];

    /// The name in `keys.toml`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
            Self::First => "first",
            Self::Last => "last",
            Self::Collapse => "collapse",
            Self::Expand => "expand",
            Self::Toggle => "toggle",
            Self::Palette => "palette",
            Self::Help => "help",
            Self::Language => "language",
            Self::Refresh => "refresh",
            Self::Quit => "quit",
            Self::PowerOn => "power-on",
            Self::Shutdown => "shutdown",
            Self::PowerOff => "power-off",
            Self::Cycle => "power-cycle",
            Self::Migrate => "migrate",
            Self::Shell => "shell",
            Self::NextShell => "next-shell",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The default keys, in the syntax of `keys.toml`.
    pub const fn default_keys(self) -> &'static [&'static str] {
        match self {
            Self::Up => &["up", "k"],
            Self::Down => &["down", "j"],
            Self::First => &["home", "g"],
            Self::Last => &["end", "G"],
            Self::Collapse => &["left", "h"],
            Self::Expand => &["right", "l"],
            Self::Toggle => &["enter"],
            Self::Palette => &["ctrl-k", ":"],
            Self::Help => &["?", "f1"],
            Self::Language => &["L"],
            Self::Refresh => &["r"],
            Self::Quit => &["q"],
            Self::PowerOn => &["o"],
            Self::Shutdown => &["s"],
            Self::PowerOff => &["x"],
            Self::Cycle => &["c"],
            Self::Migrate => &["w"],
            Self::Shell => &["e"],
            Self::NextShell => &["tab"],
        }
    }

    pub const fn group(self) -> Group {
        match self {
            Self::Up
            | Self::Down
            | Self::First
            | Self::Last
            | Self::Collapse
            | Self::Expand
            | Self::Toggle => Group::Navigation,
            // A shell stops nothing and asks nothing: it is not among the confirmed actions.
            Self::Palette
            | Self::Help
            | Self::Language
            | Self::Refresh
            | Self::Quit
            | Self::Shell
            | Self::NextShell => Group::General,
            Self::PowerOn | Self::Shutdown | Self::PowerOff | Self::Cycle | Self::Migrate => {
                Group::Lab
            }
        }
    }

    /// What the daemon will check (on everything; grants on single resources may allow more,
    /// which the console cannot see).
    pub const fn needs(self) -> Permissions {
        match self {
            Self::PowerOn | Self::Shutdown | Self::PowerOff | Self::Cycle => Permissions::POWER,
            Self::Migrate => Permissions::MIGRATE,
            Self::Shell => Permissions::SSH,
            Self::Refresh => Permissions::READ,
            _ => Permissions::NONE,
        }
    }

    pub const fn applies(self) -> Applies {
        match self {
            Self::PowerOn | Self::Shutdown | Self::PowerOff => Applies::ServersAndVms,
            Self::Cycle | Self::Shell => Applies::Servers,
            Self::Migrate => Applies::Vms,
            _ => Applies::Anything,
        }
    }

    /// Navigation is for keys; opening the palette from the palette means nothing.
    pub const fn in_palette(self) -> bool {
        !matches!(self.group(), Group::Navigation) && !matches!(self, Self::Palette)
    }

    /// What pressing its key does.
    pub fn action(self) -> Action {
        match self {
            Self::Up => Action::Up,
            Self::Down => Action::Down,
            Self::First => Action::First,
            Self::Last => Action::Last,
            Self::Collapse => Action::Collapse,
            Self::Expand => Action::Expand,
            Self::Toggle => Action::Toggle,
            Self::Quit => Action::Quit,
            other => Action::Run(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut names: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
        for c in Command::ALL {
            assert_eq!(Command::parse(c.name()), Some(c));
        }
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
    }

    /// The navigation letters and their physical neighbours, on QWERTY and on AZERTY (which
    /// adds `m` right of `l` and `, ; :` under `j k l`).
    const NEAR_NAVIGATION: &str = "ghjklyuiopbnmtfv,;.:";

    #[test]
    fn keys_that_act_on_the_lab_are_nowhere_near_navigation() {
        for c in Command::ALL.into_iter().filter(|c| c.group() == Group::Lab) {
            if c == Command::PowerOn {
                // Starting something is not destructive; `o` for "on" is worth the exception.
                continue;
            }
            for key in c.default_keys() {
                let lower = key.to_lowercase();
                assert!(
                    !NEAR_NAVIGATION.contains(lower.as_str()),
                    "{} is on `{key}`, next to navigation",
                    c.name()
                );
            }
        }
    }
}
