//! The keys of each main view, in one table the footer and the `?` help both read, so the two
//! never disagree: the footer shows the hints that fit, most important first (help, quit,
//! then during an outage Cancel and Restore before Simulate and the palette), never one cut
//! mid-word; the help lists them all with every key bound and a longer description.

use crate::console::command_table::Command;
use crate::console::palette::applies_to;
use crate::console::state::{AdminTab, Screen, State};
use crate::console::strings::capitalise;

/// One hint: the commands whose keys it shows (one, or a pair such as ↑↓), how the footer
/// words it and how the help does.
pub struct Hint {
    /// Lower is kept longer when the footer is short of room.
    pub priority: u8,
    pub commands: Vec<Command>,
    pub short: String,
    pub long: String,
    /// Offered now (the permissions held, what is selected): the footer shows only these;
    /// the help lists them all.
    pub available: bool,
    /// A key no command is bound to (Esc clears a filter), shown instead of the commands'.
    pub fixed_key: Option<String>,
}

impl Hint {
    fn single(state: &State, priority: u8, c: Command, available: bool) -> Self {
        let s = state.strings();
        Self {
            priority,
            commands: vec![c],
            short: (s.command_short)(c).to_owned(),
            long: (s.command)(c).to_owned(),
            available,
            fixed_key: None,
        }
    }

    fn pair(priority: u8, pair: [Command; 2], short: &str, long: String) -> Self {
        Self {
            priority,
            commands: pair.to_vec(),
            short: short.to_owned(),
            long,
            available: true,
            fixed_key: None,
        }
    }

    /// `↑↓ steps`: the first key of each command, then the short words; `None` when a
    /// command has no key.
    pub fn footer(&self, state: &State) -> Option<String> {
        let s = state.strings();
        if let Some(key) = &self.fixed_key {
            return Some(format!("{key} {}", self.short));
        }
        let keys: Option<Vec<String>> = self
            .commands
            .iter()
            .map(|c| state.keys.first(*c).map(|k| s.key(&k)))
            .collect();
        Some(format!("{} {}", keys?.concat(), self.short))
    }
}

/// The hints of the view on screen, in reading order; none outside the main views.
pub fn table(state: &State) -> Vec<Hint> {
    match state.screen {
        Screen::Tree => tree(state),
        Screen::Plan => plan(state),
        Screen::History => history(state),
        Screen::Admin => admin(state),
        Screen::Dashboard => dashboard(state),
        _ => Vec::new(),
    }
}

/// How the help words a pair of keys that move (↑↓) or fold (←→).
fn both(state: &State, a: Command, _b: Command) -> String {
    let w = state.strings().situation;
    match a {
        Command::Collapse => w.help_fold,
        _ => w.help_move,
    }
    .to_owned()
}

/// The next view, the palette, help and quit close most views' lists; help and quit are
/// the last to go, the palette at `palette`.
fn general(state: &State, hints: &mut Vec<Hint>, palette: u8) {
    hints.push(Hint::single(state, 8, Command::NextView, true));
    hints.push(Hint::single(state, palette, Command::Palette, true));
    hints.push(Hint::single(state, 1, Command::Help, true));
    hints.push(Hint::single(state, 3, Command::Quit, true));
}

fn tree(state: &State) -> Vec<Hint> {
    let s = state.strings();
    let mut hints = vec![
        Hint::pair(
            4,
            [Command::Up, Command::Down],
            (s.command_short)(Command::Up),
            both(state, Command::Up, Command::Down),
        ),
        Hint::pair(
            9,
            [Command::Collapse, Command::Expand],
            (s.command_short)(Command::Collapse),
            both(state, Command::Collapse, Command::Expand),
        ),
        Hint::single(state, 2, Command::Palette, true),
        Hint::single(state, 1, Command::Help, true),
    ];
    for c in [
        Command::PowerOn,
        Command::Shutdown,
        Command::PowerOff,
        Command::Cycle,
        Command::Migrate,
        Command::Shell,
    ] {
        hints.push(Hint::single(
            state,
            5,
            c,
            applies_to(c, state.lab.selected.as_ref()),
        ));
    }
    if state.lab.filter.is_active() {
        hints.push(Hint {
            priority: 4,
            commands: vec![Command::Filter],
            short: s.clear_filter.to_owned(),
            long: capitalise(s.clear_filter),
            available: true,
            fixed_key: Some(s.keys.esc.to_owned()),
        });
    } else {
        hints.push(Hint::single(state, 7, Command::Filter, true));
    }
    hints.insert(
        hints.len() - 1,
        Hint::single(state, 8, Command::NextView, true),
    );
    hints.push(Hint::single(state, 3, Command::Quit, true));
    hints
}

fn plan(state: &State) -> Vec<Hint> {
    let s = state.strings();
    let p = s.plan;
    let w = s.situation;
    let mut hints = vec![
        Hint::pair(
            6,
            [Command::Up, Command::Down],
            p.hint_steps,
            w.help_steps.to_owned(),
        ),
        Hint::pair(
            4,
            [Command::Collapse, Command::Expand],
            p.hint_ups,
            w.help_ups.to_owned(),
        ),
        Hint {
            priority: 7,
            commands: vec![Command::Toggle],
            short: p.hint_toggle.to_owned(),
            long: w.help_toggle.to_owned(),
            available: true,
            fixed_key: None,
        },
    ];
    let demo = state.health.as_ref().is_some_and(|h| h.simulated);
    // During an outage Cancel and Restore are what an operator reaches for: they outlast
    // Run, Simulate and the palette when the footer is short.
    for (priority, c) in [
        (5, Command::PlanRun),
        (2, Command::PlanCancel),
        (2, Command::PlanRestore),
        (8, Command::PlanSimulate),
        (7, Command::DemoPowerCut),
    ] {
        if c == Command::DemoPowerCut && !demo {
            continue;
        }
        let held = state.permissions().contains(c.needs());
        hints.push(Hint::single(
            state,
            priority,
            c,
            held && applies_now(state, c),
        ));
    }
    general(state, &mut hints, 9);
    hints
}

fn history(state: &State) -> Vec<Hint> {
    let s = state.strings();
    let mut hints = vec![
        Hint::pair(
            5,
            [Command::Up, Command::Down],
            s.history.hint_records,
            both(state, Command::Up, Command::Down),
        ),
        Hint::single(state, 4, Command::Filter, true),
        Hint::single(state, 6, Command::Refresh, true),
    ];
    general(state, &mut hints, 2);
    hints
}

/// Whether a footer offers `c` now: Cancel while a run goes on, Restore while a shed awaits
/// undoing (at 3 a.m. a hint that does nothing is a hint that misleads), the rest as the
/// palette does. Until the first status arrives, both are offered. The help lists them all.
fn applies_now(state: &State, c: Command) -> bool {
    match c {
        Command::PlanRestore => state
            .plan
            .status
            .as_ref()
            .is_none_or(|s| !s.unrestored.is_empty() || !s.not_restored.is_empty()),
        _ => crate::console::update::offers(state, c),
    }
}

/// The dashboard: the plan commands that apply now, then a refresh.
fn dashboard(state: &State) -> Vec<Hint> {
    let demo = state.health.as_ref().is_some_and(|h| h.simulated);
    let mut hints = Vec::new();
    for (priority, c) in [
        (2, Command::PlanCancel),
        (2, Command::PlanRestore),
        (7, Command::DemoPowerCut),
        (6, Command::Refresh),
    ] {
        if c == Command::DemoPowerCut && !demo {
            continue;
        }
        let held = state.permissions().contains(c.needs());
        hints.push(Hint::single(
            state,
            priority,
            c,
            held && applies_now(state, c),
        ));
    }
    general(state, &mut hints, 9);
    hints
}

fn admin(state: &State) -> Vec<Hint> {
    let s = state.strings();
    let a = s.admin;
    let admin = state
        .permissions()
        .contains(upstra_core::rbac::Permissions::ADMIN);
    let mut tabs = Hint::pair(
        4,
        [Command::Collapse, Command::Expand],
        a.hint_tabs,
        s.situation.help_tabs.to_owned(),
    );
    tabs.available = admin;
    let mut hints = vec![
        tabs,
        Hint::pair(
            6,
            [Command::Up, Command::Down],
            a.hint_rows,
            both(state, Command::Up, Command::Down),
        ),
    ];
    let tab_commands: &[Command] = match state.admin.tab {
        AdminTab::Users => &[
            Command::Add,
            Command::SetRole,
            Command::Disable,
            Command::ResetPassword,
            Command::Remove,
        ],
        AdminTab::Roles | AdminTab::Grants => &[Command::Add, Command::Remove],
        AdminTab::People => &[Command::Remove],
    };
    for c in tab_commands {
        hints.push(Hint::single(state, 5, *c, admin || *c == Command::Remove));
    }
    general(state, &mut hints, 2);
    hints
}

/// The footer of a main view: the available hints that fit in `width`.
pub fn footer(state: &State, width: usize) -> String {
    let hints = table(state)
        .into_iter()
        .filter(|h| h.available)
        .filter_map(|h| Some((h.priority, h.footer(state)?)))
        .collect();
    fit(hints, width)
}

/// The hints that fit in `width`, shown in their order. The most important are kept first;
/// a hint that does not fit whole is left out, never cut.
pub fn fit(hints: Vec<(u8, String)>, width: usize) -> String {
    let mut by_priority: Vec<usize> = (0..hints.len()).collect();
    by_priority.sort_by_key(|i| hints[*i].0);
    let mut kept = vec![false; hints.len()];
    let mut used = 0;
    for i in by_priority {
        let len = hints[i].1.chars().count() + if used > 0 { 2 } else { 0 };
        if used + len <= width {
            used += len;
            kept[i] = true;
        }
    }
    hints
        .into_iter()
        .zip(kept)
        .filter(|(_, k)| *k)
        .map(|((_, h), _)| h)
        .collect::<Vec<_>>()
        .join("  ")
}
