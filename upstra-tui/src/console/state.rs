//! The console's model: plain data, no handles, no clock. Everything shown on screen is
//! derived from a [`State`] by `ui::render`, and only `update::update` changes it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use upstra_core::api::v1::{RoomView, ServerView, SessionToken, UpsView, VmView};
use zeroize::Zeroizing;

use super::tree::{self, Node, NodeId, Row};

/// Which screen is showing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// A stored session is being checked with the daemon.
    Starting,
    /// No valid session: user and password.
    Login,
    /// The lab tree and details.
    Tree,
}

/// How the link to the daemon is doing, as last observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Connection {
    Connecting,
    Connected,
    /// The last call could not reach the daemon; the message says why.
    Lost(String),
}

/// The session in use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token: SessionToken,
    pub user: String,
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
    /// The UPS whose status has the `OB` (on battery) flag.
    pub fn on_battery(&self) -> Vec<&str> {
        self.ups
            .values()
            .filter(|u| ups_on_battery(u))
            .map(|u| u.name.as_str())
            .collect()
    }
}

/// True when the UPS reports `OB`.
pub fn ups_on_battery(u: &UpsView) -> bool {
    u.status
        .as_deref()
        .is_some_and(|s| s.split_whitespace().any(|f| f == "OB"))
}

/// Which login field has the focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LoginField {
    #[default]
    User,
    Password,
}

/// The login form. The password is wiped from memory when replaced or dropped.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LoginForm {
    pub user: String,
    pub password: Zeroizing<String>,
    pub focus: LoginField,
    /// The daemon's answer to the last attempt, or why the form was shown.
    pub error: Option<String>,
    /// A login call is in flight.
    pub pending: bool,
}

impl fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginForm")
            .field("user", &self.user)
            .field("password", &"[redacted]")
            .field("focus", &self.focus)
            .field("error", &self.error)
            .field("pending", &self.pending)
            .finish()
    }
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
}

/// Everything the console knows.
#[derive(Debug, Clone, PartialEq)]
pub struct State {
    /// The daemon's socket, for the header.
    pub socket: String,
    pub screen: Screen,
    pub session: Option<Session>,
    /// Bumped on every new session; replies carry the epoch of the call, so a reply made
    /// with an older session cannot act on the new one.
    pub epoch: u64,
    pub connection: Connection,
    pub inventory: Inventory,
    /// False until the first lists arrive.
    pub loaded: bool,
    /// Derived from `inventory` by [`tree::build`].
    pub tree: Vec<Node>,
    pub selected: Option<NodeId>,
    /// Nodes whose folding differs from [`NodeId::expanded_by_default`].
    pub toggled: BTreeSet<NodeId>,
    pub login: LoginForm,
    /// The latest event, in words, for the status line.
    pub last_event: Option<String>,
    /// An error to show on the status line.
    pub notice: Option<String>,
    pub sync: Sync,
}

impl State {
    /// The state before anything is known: starting, not logged in.
    pub fn new(socket: impl Into<String>) -> Self {
        Self {
            socket: socket.into(),
            screen: Screen::Starting,
            session: None,
            epoch: 0,
            connection: Connection::Connecting,
            inventory: Inventory::default(),
            loaded: false,
            tree: Vec::new(),
            selected: None,
            toggled: BTreeSet::new(),
            login: LoginForm::default(),
            last_event: None,
            notice: None,
            sync: Sync::default(),
        }
    }

    /// Whether `id`'s children show.
    pub fn is_expanded(&self, id: &NodeId) -> bool {
        id.expanded_by_default() != self.toggled.contains(id)
    }

    /// Folds or unfolds `id`, remembering only departures from the default.
    pub fn set_expanded(&mut self, id: &NodeId, expanded: bool) {
        if expanded == id.expanded_by_default() {
            self.toggled.remove(id);
        } else {
            self.toggled.insert(id.clone());
        }
    }

    /// The visible lines of the tree.
    pub fn rows(&self) -> Vec<Row> {
        tree::rows(&self.tree, &|id| self.is_expanded(id))
    }

    /// The index of the selected line among [`Self::rows`].
    pub fn selected_index(&self, rows: &[Row]) -> Option<usize> {
        let selected = self.selected.as_ref()?;
        rows.iter().position(|r| &r.id == selected)
    }

    /// Replaces the inventory and rebuilds the tree, keeping the selection on the same object
    /// (unfolding its new parents if it moved) or, if it is gone, on the same line.
    pub fn set_inventory(&mut self, inventory: Inventory) {
        let old_index = self.selected_index(&self.rows());
        self.inventory = inventory;
        self.tree = tree::build(&self.inventory);
        self.loaded = true;
        let path = self
            .selected
            .as_ref()
            .and_then(|id| tree::ancestors(&self.tree, id));
        match path {
            Some(path) => {
                for id in path {
                    self.set_expanded(&id, true);
                }
            }
            None => {
                let rows = self.rows();
                let index = old_index.unwrap_or(0).min(rows.len().saturating_sub(1));
                self.selected = rows.get(index).map(|r| r.id.clone());
            }
        }
    }
}
