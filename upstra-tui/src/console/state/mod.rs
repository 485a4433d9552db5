//! The console's model: plain data, no handles, no clock. Everything shown on screen is
//! derived from a [`State`] by `ui::render`, and only `update::update` changes it.
//!
//! [`forms`] holds the screens without a full session (login, enrollment, password change),
//! [`overlay`] what can sit over the lab view.

mod admin;
mod dashboard;
mod history;
mod lab_filter;
mod lab_view;
mod overlay;
mod plan;
mod power;
mod setup;
mod sign_in_forms;
mod view_form;

use std::collections::BTreeMap;

use upstra_core::api::v1::{
    Health, RoomView, ServerView, SessionScope, SessionToken, UpsView, VmPowerState, VmView,
};
use upstra_core::events::DomainEvent;
use upstra_core::rbac::Permissions;

pub use self::admin::{Admin, AdminTab, Revealed, RoleDraft, RolePicker};
pub use self::dashboard::{Dashboard, Fleet, RECENT_EVENTS, RestoreCountdown, fleet};
pub use self::history::{AuditFilter, History};
pub use self::lab_filter::TreeFilter;
pub use self::lab_view::LabView;
pub use self::overlay::{Ask, Confirm, HostPicker, Overlay, Palette, PaletteItem};
pub use self::plan::{Missed, PlanScreen, PlanShows, RunReport};
pub use self::power::{Situation, UpsPower, situation, ups_power, ups_runtime};
pub use self::setup::{Setup, SetupChoice, SetupStep};
pub use self::sign_in_forms::{
    Enrollment, FactorKind, LoginField, LoginForm, PasswordField, PasswordForm, SecondStep,
};
pub use self::view_form::{Field, FieldName, Form, FormPurpose, NO_PRIVACY};
use super::keys::Keymap;
use super::lang::Lang;
use super::message::{Link, Notice};
use super::ssh::state::Panes;
use super::theme::Theme;
use super::tree::{self, NodeId, Row};

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// A session is being checked with the daemon.
    Starting,
    /// No valid session: user and password, then a code when the account has two-factor on.
    Login,
    /// The lab tree and details.
    Tree,
    /// A session that may only set up two-factor: the QR code, the first code, then the
    /// recovery codes.
    Enroll,
    /// A session that may only change its password.
    Password,
    /// The outage plan as a timeline, live during a run.
    Plan,
    /// The audit trail, filtered, with counts per day and per action.
    History,
    /// Users, roles and grants; who is connected and sessions.
    Admin,
    /// The first-run setup wizard.
    Setup,
    /// Each UPS's battery and last hour, the fleet's power, the last events.
    Dashboard,
}

impl Screen {
    /// The main views of a full session, in the order Tab goes through them.
    pub const VIEWS: [Self; 5] = [
        Self::Tree,
        Self::Plan,
        Self::History,
        Self::Admin,
        Self::Dashboard,
    ];

    /// One of [`Self::VIEWS`]: the lab is followed and the command keys work.
    pub fn is_view(self) -> bool {
        Self::VIEWS.contains(&self)
    }
}

/// What the keys act on: the screen, or the overlay over it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Starting,
    Login,
    Tree,
    Enroll,
    Password,
    Palette,
    Confirm,
    /// A list to pick one from: a host to migrate to, a role to give.
    Hosts,
    Help,
    /// An SSH pane shows: keys go to its shell.
    Ssh,
    Plan,
    History,
    Admin,
    /// A form over a view (a filter, a new user...).
    Form,
    /// A secret shown once.
    Secret,
    Setup,
    /// Typing the lab tree's filter.
    Filter,
    Dashboard,
}

/// How the link to the daemon is doing, as last observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    /// The last call could not reach the daemon, for this reason.
    Lost(Link),
}

/// The session in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: SessionToken,
    pub user: String,
    /// On everything, from `whoami`; none until it answered.
    pub permissions: Permissions,
    pub scope: SessionScope,
}

impl Session {
    /// A session not checked yet: no permission known.
    pub fn new(token: SessionToken, user: impl Into<String>) -> Self {
        Self {
            token,
            user: user.into(),
            permissions: Permissions::NONE,
            scope: SessionScope::Full,
        }
    }
}

/// The four lists fetched together from the daemon.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Lists {
    pub rooms: Vec<RoomView>,
    pub ups: Vec<UpsView>,
    pub servers: Vec<ServerView>,
    pub vms: Vec<VmView>,
}

/// The inventory, keyed for lookups by name (by id for VMs).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Inventory {
    pub rooms: BTreeMap<String, RoomView>,
    pub ups: BTreeMap<String, UpsView>,
    pub servers: BTreeMap<String, ServerView>,
    pub vms: BTreeMap<String, VmView>,
}

impl From<Lists> for Inventory {
    fn from(l: Lists) -> Self {
        Self {
            rooms: l.rooms.into_iter().map(|r| (r.name.clone(), r)).collect(),
            ups: l.ups.into_iter().map(|u| (u.name.clone(), u)).collect(),
            servers: l.servers.into_iter().map(|s| (s.name.clone(), s)).collect(),
            vms: l.vms.into_iter().map(|v| (v.id.clone(), v)).collect(),
        }
    }
}

impl Inventory {
    /// Applies an event that carries the new value itself (a reading, a power state); returns
    /// false when the lists must be fetched again to show it (something added, moved between
    /// parents, or a value the event does not carry).
    pub fn apply(&mut self, event: &upstra_core::events::DomainEvent) -> bool {
        use upstra_core::events::DomainEvent as E;
        match event {
            E::UpsBatteryChanged {
                ups,
                charge_pct,
                runtime_s,
            } => self.ups.get_mut(ups.as_str()).is_some_and(|u| {
                u.charge_pct = *charge_pct;
                u.runtime_s = *runtime_s;
                true
            }),
            E::UpsStatusChanged { ups, to, .. } => {
                self.ups.get_mut(ups.as_str()).is_some_and(|u| {
                    u.status = Some(to.clone());
                    true
                })
            }
            E::ServerPowerChanged { server, to, .. } => {
                self.servers.get_mut(server.as_str()).is_some_and(|s| {
                    s.power = *to;
                    true
                })
            }
            E::VmPowerChanged { vm, to, .. } => self.vms.get_mut(vm.as_str()).is_some_and(|v| {
                v.power = (*to).into();
                true
            }),
            // Facts about people, plans and peers change no list.
            E::UserLoggedIn { .. }
            | E::UserLoggedOut { .. }
            | E::UserConnected { .. }
            | E::UserDisconnected { .. }
            | E::OutageGraceStarted { .. }
            | E::OutagePowerReturned { .. }
            | E::OutageSelfTestIgnored { .. }
            | E::OutageCommsAlarm { .. }
            | E::OutageTriggered { .. }
            | E::OutageMainsReturned { .. }
            | E::OutagePowerLostAgain { .. }
            | E::OutageRestoreReady { .. }
            | E::RunStarted { .. }
            | E::RunStopping { .. }
            | E::RunEnded { .. }
            | E::StepStarted { .. }
            | E::StepEnded { .. }
            | E::PeerUnreachable { .. }
            | E::PeerRecovered { .. }
            | E::Remote { .. }
            | E::DaemonStarted { .. } => true,
            _ => false,
        }
    }

    /// The UPS whose status has the `OB` (on battery) flag.
    pub fn on_battery(&self) -> Vec<&str> {
        self.ups
            .values()
            .filter(|u| ups_on_battery(u))
            .map(|u| u.name.as_str())
            .collect()
    }

    /// The VMs on `server` that are running.
    pub fn running_vms_on(&self, server: &str) -> usize {
        self.vms
            .values()
            .filter(|v| v.server.as_deref() == Some(server) && v.power == VmPowerState::On)
            .count()
    }
}

/// True when the UPS reports `OB`.
pub fn ups_on_battery(u: &UpsView) -> bool {
    u.status
        .as_deref()
        .is_some_and(|s| s.split_whitespace().any(|f| f == "OB"))
}

/// Bookkeeping for following the daemon: the event cursor and which calls are in flight,
/// counted in ticks so that `update` never reads a clock.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sync {
    /// Where the event log was last read up to.
    pub cursor: u64,
    pub fetching: bool,
    pub following: bool,
    /// Ticks since the lists were last fetched: the fallback refresh.
    pub ticks_since_fetch: u32,
    /// Ticks since a call failed for lack of a daemon: the retry delay.
    pub ticks_since_failure: u32,
    /// Events said the lists changed: fetch them at the next paced tick.
    pub stale: bool,
}

/// Everything the console knows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The daemon's socket, for the header.
    pub socket: String,
    pub screen: Screen,
    pub overlay: Option<Overlay>,
    pub session: Option<Session>,
    /// Bumped on every new session; replies carry the epoch of the call, so a reply made
    /// with an older session cannot act on the new one.
    pub epoch: u64,
    pub connection: Connection,
    /// The lab view: inventory, tree, selection, folding, filter.
    pub lab: LabView,
    pub login: LoginForm,
    /// Two-factor enrollment, while [`Screen::Enroll`] shows.
    pub enroll: Enrollment,
    /// The password change, while [`Screen::Password`] shows.
    pub password: PasswordForm,
    /// The latest event, for the status line.
    pub last_event: Option<DomainEvent>,
    /// The event the status line shows, weighed (see `news`): during an outage, its latest
    /// turn rather than the latest reading.
    pub news: Option<super::news::Shown>,
    /// A message for the status line about what the operator did; it wins over the rest.
    pub notice: Option<Notice>,
    /// Why following the daemon failed, until the next successful fetch.
    pub sync_problem: Option<super::message::Message>,
    /// Operations sent whose answers have not come back.
    pub in_flight: u32,
    pub sync: Sync,
    /// The daemon's `health`, once asked: whether the lab is simulated (the demo).
    pub health: Option<Health>,
    pub plan: PlanScreen,
    pub dashboard: Dashboard,
    pub history: History,
    pub admin: Admin,
    pub setup: Setup,
    pub lang: Lang,
    pub theme: Theme,
    pub keys: Keymap,
    /// The SSH panes.
    pub ssh: Panes,
    /// In `upstra demo`, the login it printed before the console opened: the help shows it.
    pub demo: Option<DemoLogin>,
}

/// The demo's login, shown in the help so that it can be typed again (a second console, a
/// login after a logout) once the terminal's scrollback is out of reach.
#[derive(Clone, PartialEq, Eq)]
pub struct DemoLogin {
    pub user: String,
    /// A throwaway password for a daemon on a temporary store, printed in clear already.
    pub password: String,
}

impl std::fmt::Debug for DemoLogin {
    // The state is logged when something goes wrong: a password has no place there.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DemoLogin")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The state before anything is known: starting, not logged in, English, default keys.
    pub fn new(socket: impl Into<String>) -> Self {
        Self {
            socket: socket.into(),
            screen: Screen::Starting,
            overlay: None,
            session: None,
            epoch: 0,
            connection: Connection::Connecting,
            lab: LabView::default(),
            login: LoginForm::default(),
            enroll: Enrollment::default(),
            password: PasswordForm::default(),
            last_event: None,
            news: None,
            notice: None,
            sync_problem: None,
            in_flight: 0,
            sync: Sync::default(),
            health: None,
            plan: PlanScreen::default(),
            dashboard: Dashboard::default(),
            history: History::default(),
            demo: None,
            admin: Admin::default(),
            setup: Setup::default(),
            lang: Lang::default(),
            theme: Theme::default(),
            keys: Keymap::default(),
            ssh: Panes::default(),
        }
    }

    /// Whether the screen shows something that changes every second (a grace period
    /// counting down in the power banner).
    pub fn shows_a_clock(&self) -> bool {
        self.screen.is_view() && (self.plan.counting_down() || self.plan.restore_counting_down())
    }

    /// The catalog of the language in use.
    pub fn strings(&self) -> &'static super::strings::Strings {
        self.lang.strings()
    }

    /// What the keys act on now.
    pub fn mode(&self) -> Mode {
        match &self.overlay {
            Some(Overlay::Help) => Mode::Help,
            Some(Overlay::Palette(_)) => Mode::Palette,
            Some(Overlay::Confirm(_) | Overlay::Ask(_)) => Mode::Confirm,
            Some(Overlay::Hosts(_) | Overlay::Roles(_)) => Mode::Hosts,
            Some(Overlay::Role(_)) => Mode::Form,
            Some(Overlay::Form(_)) => Mode::Form,
            Some(Overlay::Secret(_)) => Mode::Secret,
            None => match self.screen {
                Screen::Starting => Mode::Starting,
                Screen::Login => Mode::Login,
                Screen::Tree if self.ssh.active.is_some() => Mode::Ssh,
                Screen::Tree if self.lab.filter.typing => Mode::Filter,
                Screen::Tree => Mode::Tree,
                Screen::Enroll => Mode::Enroll,
                Screen::Password => Mode::Password,
                Screen::Plan => Mode::Plan,
                Screen::History => Mode::History,
                Screen::Admin => Mode::Admin,
                Screen::Setup => Mode::Setup,
                Screen::Dashboard => Mode::Dashboard,
            },
        }
    }

    /// The permissions of the session on everything (none without one).
    pub fn permissions(&self) -> Permissions {
        self.session
            .as_ref()
            .map_or(Permissions::NONE, |s| s.permissions)
    }

    /// Whether `id`'s children show.
    pub fn is_expanded(&self, id: &NodeId) -> bool {
        id.expanded_by_default() != self.lab.toggled.contains(id)
    }

    /// Folds or unfolds `id`, remembering only departures from the default.
    pub fn set_expanded(&mut self, id: &NodeId, expanded: bool) {
        if expanded == id.expanded_by_default() {
            self.lab.toggled.remove(id);
        } else {
            self.lab.toggled.insert(id.clone());
        }
    }

    /// The visible lines of the tree: with a filter, what it keeps, unfolded.
    pub fn rows(&self) -> Vec<Row> {
        if self.lab.filter.is_active() {
            tree::filtered_rows(&self.lab.tree, &self.lab.filter.kept.nodes)
        } else {
            tree::rows(&self.lab.tree, &|id| self.is_expanded(id))
        }
    }

    /// The index of the selected line among [`Self::rows`].
    pub fn selected_index(&self, rows: &[Row]) -> Option<usize> {
        let selected = self.lab.selected.as_ref()?;
        rows.iter().position(|r| &r.id == selected)
    }

    /// Selects `id` and unfolds its parents so that it shows. False when it is not in the tree.
    pub fn reveal(&mut self, id: &NodeId) -> bool {
        let Some(path) = tree::ancestors(&self.lab.tree, id) else {
            return false;
        };
        for parent in path {
            self.set_expanded(&parent, true);
        }
        self.lab.selected = Some(id.clone());
        true
    }

    /// Forgets the inventory, the tree and where the operator was in it.
    pub fn clear_view(&mut self) {
        self.lab.inventory = Inventory::default();
        self.lab.tree.clear();
        self.lab.loaded = false;
        self.lab.selected = None;
        self.lab.toggled.clear();
        self.lab.filter = TreeFilter::default();
        self.last_event = None;
        self.news = None;
        self.plan = PlanScreen::default();
        self.dashboard = Dashboard::default();
        self.history = History::default();
        self.admin = Admin::default();
    }

    /// Replaces the inventory and rebuilds the tree, keeping the selection on the same object
    /// (unfolding its new parents if it moved) or, if it is gone or the filter no longer
    /// keeps it, on the same line.
    pub fn set_inventory(&mut self, inventory: Inventory) {
        let old_index = self.selected_index(&self.rows());
        self.lab.inventory = inventory;
        self.lab.tree = tree::build(&self.lab.inventory);
        self.lab.filter.apply(&self.lab.tree, &self.lab.inventory);
        self.lab.loaded = true;
        let kept = self.lab.selected.clone().is_some_and(|id| {
            self.reveal(&id)
                && (!self.lab.filter.is_active() || self.lab.filter.kept.nodes.contains(&id))
        });
        if !kept {
            let rows = self.rows();
            let index = old_index.unwrap_or(0).min(rows.len().saturating_sub(1));
            self.lab.selected = rows.get(index).map(|r| r.id.clone());
        }
    }
}
