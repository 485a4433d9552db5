//! Every command of the lab view, once: its name in `keys.toml`, its default keys, the
//! permission it needs, what it applies to and where it shows. The key map, the palette, the
//! help overlay and the footer all read this table (its words are in the catalog).
//!
//! Default keys follow one rule: navigation lives under the right hand (arrows, `h j k l`,
//! `g G`, Enter) and the keys that act on the lab under the left hand (`o s x c w`), not next
//! to any navigation key on a QWERTY or AZERTY keyboard, and every one of them asks first.
//! The plan and admin actions that change something are capitals or chords of those
//! left-hand keys (`R C E Z D A`, `Ctrl-R`) or Delete; the views are on F2 to F6 and Tab, which
//! read the same on every layout (AZERTY types digits with Shift).
//!
//! One key map serves every view: a key means one thing wherever it is pressed, and a
//! command that does not apply to the view on screen says so on the status line.

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
    PageUp,
    PageDown,
    ViewLab,
    ViewPlan,
    ViewHistory,
    ViewAdmin,
    ViewDashboard,
    NextView,
    PreviousView,
    PlanRun,
    PlanCancel,
    PlanRestore,
    PlanSimulate,
    DemoPowerCut,
    Filter,
    Add,
    Disable,
    ResetPassword,
    Remove,
    SetRole,
}

/// Where a command sits in the help and the palette.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Group {
    Navigation,
    General,
    Lab,
    Views,
    Plan,
    Admin,
}

/// What a lab command can act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applies {
    Anything,
    ServersAndVms,
    Servers,
    Vms,
    /// A UPS: the one selected in the tree (or feeding the selected server), or the plan
    /// view's.
    Ups,
}

impl Command {
    /// In the order the help and the palette list them.
    pub const ALL: [Self; 39] = [
        Self::Up,
        Self::Down,
        Self::PageUp,
        Self::PageDown,
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
        Self::ViewLab,
        Self::ViewPlan,
        Self::ViewHistory,
        Self::ViewAdmin,
        Self::ViewDashboard,
        Self::NextView,
        Self::PreviousView,
        Self::PlanRun,
        Self::PlanCancel,
        Self::PlanRestore,
        Self::PlanSimulate,
        Self::DemoPowerCut,
        Self::Filter,
        Self::Add,
        Self::Disable,
        Self::SetRole,
        Self::ResetPassword,
        Self::Remove,
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
            Self::PageUp => "page-up",
            Self::PageDown => "page-down",
            Self::ViewLab => "view-lab",
            Self::ViewPlan => "view-plan",
            Self::ViewHistory => "view-history",
            Self::ViewAdmin => "view-admin",
            Self::ViewDashboard => "view-dashboard",
            Self::NextView => "next-view",
            Self::PreviousView => "previous-view",
            Self::PlanRun => "plan-run",
            Self::PlanCancel => "plan-cancel",
            Self::PlanRestore => "plan-restore",
            Self::PlanSimulate => "plan-simulate",
            Self::DemoPowerCut => "demo-power-cut",
            Self::Filter => "filter",
            Self::Add => "add",
            Self::Disable => "disable",
            Self::ResetPassword => "reset-password",
            Self::Remove => "remove",
            Self::SetRole => "set-role",
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
            Self::NextShell => &["ctrl-t"],
            Self::PageUp => &["pageup"],
            Self::PageDown => &["pagedown"],
            Self::ViewLab => &["f2"],
            Self::ViewPlan => &["f3"],
            Self::ViewHistory => &["f4"],
            Self::ViewAdmin => &["f5"],
            Self::ViewDashboard => &["f6"],
            Self::NextView => &["tab"],
            Self::PreviousView => &["backtab"],
            Self::PlanRun => &["R"],
            Self::PlanCancel => &["C"],
            Self::PlanRestore => &["E"],
            Self::PlanSimulate => &["S"],
            Self::DemoPowerCut => &["Z"],
            Self::Filter => &["/"],
            Self::Add => &["+", "insert"],
            Self::Disable => &["D"],
            Self::ResetPassword => &["ctrl-r"],
            Self::Remove => &["delete"],
            Self::SetRole => &["A"],
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
            | Self::Toggle
            | Self::PageUp
            | Self::PageDown => Group::Navigation,
            // A shell stops nothing and asks nothing: it is not among the confirmed actions.
            Self::Palette
            | Self::Help
            | Self::Language
            | Self::Refresh
            | Self::Quit
            | Self::Shell
            | Self::NextShell
            | Self::Filter => Group::General,
            Self::PowerOn | Self::Shutdown | Self::PowerOff | Self::Cycle | Self::Migrate => {
                Group::Lab
            }
            Self::ViewLab
            | Self::ViewPlan
            | Self::ViewHistory
            | Self::ViewAdmin
            | Self::ViewDashboard
            | Self::NextView
            | Self::PreviousView => Group::Views,
            Self::PlanRun
            | Self::PlanCancel
            | Self::PlanRestore
            | Self::PlanSimulate
            | Self::DemoPowerCut => Group::Plan,
            Self::Add | Self::Disable | Self::ResetPassword | Self::Remove | Self::SetRole => {
                Group::Admin
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
            Self::PlanRun
            | Self::PlanCancel
            | Self::PlanRestore
            | Self::PlanSimulate
            | Self::DemoPowerCut => Permissions::PLAN,
            Self::ViewHistory => Permissions::AUDIT,
            Self::Disable | Self::ResetPassword | Self::SetRole => Permissions::ADMIN,
            _ => Permissions::NONE,
        }
    }

    pub const fn applies(self) -> Applies {
        match self {
            Self::PowerOn | Self::Shutdown | Self::PowerOff => Applies::ServersAndVms,
            Self::Cycle | Self::Shell => Applies::Servers,
            Self::Migrate => Applies::Vms,
            Self::PlanRun | Self::PlanSimulate | Self::DemoPowerCut => Applies::Ups,
            _ => Applies::Anything,
        }
    }

    /// Navigation is for keys; opening the palette from the palette means nothing, and going
    /// to the next view is what the palette's view commands already do.
    pub const fn in_palette(self) -> bool {
        !matches!(self.group(), Group::Navigation)
            && !matches!(self, Self::Palette | Self::NextView | Self::PreviousView)
    }

    /// Whether it changes something on the lab or the accounts, and so asks first.
    pub const fn asks_first(self) -> bool {
        matches!(self.group(), Group::Lab | Group::Plan | Group::Admin)
            && !matches!(self, Self::PlanSimulate | Self::Add)
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
        for c in Command::ALL.into_iter().filter(|c| c.asks_first()) {
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
