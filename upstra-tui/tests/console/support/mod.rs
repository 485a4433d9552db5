//! Builders for the console tests: wire types (the API's views) with sensible defaults, and a
//! small fixed lab used by the update, tree and snapshot tests.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod dashboard;
pub mod plan;
pub mod setup;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use upstra_core::api::v1::{
    RoomView, ServerView, SessionScope, SessionToken, UpsView, VmView, WhoAmI,
};
use upstra_core::state::{Health, PowerState, Timestamp};
use upstra_tui::console::action::{Action, Effect};
use upstra_tui::console::keys::action_for;
use upstra_tui::console::state::{Lists, Session, State};
use upstra_tui::console::ui::render;
use upstra_tui::console::update::update;

/// `state` drawn on a `width`×`height` test terminal.
pub fn draw(state: &State, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal.draw(|f| render(state, f)).expect("draws");
    terminal
}

/// Snapshots a state in both languages at both sizes: `<name>@en-80x24`, `<name>@fr-200x50`...
/// A macro, so that the snapshots are named after the test file that calls it.
#[allow(unused_macros)]
macro_rules! screens {
    ($name:expr, $state:expr) => {{
        let mut state: upstra_tui::console::state::State = $state;
        for lang in [
            upstra_tui::console::lang::Lang::En,
            upstra_tui::console::lang::Lang::Fr,
        ] {
            state.lang = lang;
            let code = if lang == upstra_tui::console::lang::Lang::En {
                "en"
            } else {
                "fr"
            };
            for (w, h) in [(80, 24), (200, 50)] {
                insta::assert_snapshot!(
                    format!("{}@{code}-{w}x{h}", $name),
                    support::draw(&state, w, h).backend()
                );
            }
        }
    }};
}

pub fn room(name: &str) -> RoomView {
    RoomView {
        name: name.into(),
        ups: Vec::new(),
        servers: Vec::new(),
    }
}

pub fn ups(name: &str, room: &str, status: &str, charge: f32) -> UpsView {
    UpsView {
        name: name.into(),
        room: room.into(),
        nut: format!("{name}@127.0.0.1:3493"),
        snmp: None,
        has_login: false,
        reachability: "ok".into(),
        status: Some(status.into()),
        charge_pct: Some(charge),
        runtime_s: Some(2400),
        load_pct: Some(35.0),
        input_voltage: Some(230.0),
        comms_lost_reason: None,
        updated_at: Some(Timestamp(1_795_600_000_000)),
    }
}

pub fn server(name: &str, room: &str, feeds: &[&str]) -> ServerView {
    ServerView {
        name: name.into(),
        room: room.into(),
        kind: "hypervisor".into(),
        feeds: feeds.iter().map(|f| (*f).to_owned()).collect(),
        feeds_required: 1,
        tier: 1,
        depends_on: Vec::new(),
        migrate_to: Vec::new(),
        vsphere_host: Some(format!("{name}.lab")),
        bmc_url: None,
        bmc_has_password: false,
        bmc_tls: None,
        ssh_address: None,
        ssh_host_key_pinned: false,
        this_host: false,
        power: PowerState::On,
        health: Health::Ok,
        watts: Some(210.0),
        in_maintenance: Some(false),
    }
}

pub fn vm(id: &str, name: &str, server: Option<&str>) -> VmView {
    VmView {
        id: id.into(),
        name: name.into(),
        host: server.map(|s| format!("{s}.lab")),
        server: server.map(str::to_owned),
        power: "on".into(),
        cpus: 2,
        memory_mib: 4096,
    }
}

/// Two rooms, two UPS, a dual-fed switch, a server without VMs, and a VM on no known server.
pub fn lab() -> Lists {
    let mut nas = server("nas-a1", "lab-a", &["ups-a1"]);
    nas.kind = "storage".into();
    let mut switch = server("core-sw", "lab-b", &["ups-b1", "ups-a1"]);
    switch.kind = "network".into();
    switch.vsphere_host = None;
    let mut off = vm("vm-3", "git", Some("esx-b1"));
    off.power = "off".into();
    Lists {
        rooms: vec![room("lab-a"), room("lab-b")],
        ups: vec![
            ups("ups-a1", "lab-a", "OL CHRG", 97.0),
            ups("ups-b1", "lab-b", "OL", 100.0),
        ],
        servers: vec![
            server("esx-a1", "lab-a", &["ups-a1"]),
            nas,
            server("esx-b1", "lab-b", &["ups-b1"]),
            switch,
        ],
        vms: vec![
            vm("vm-1", "web-01", Some("esx-a1")),
            vm("vm-2", "db-01", Some("esx-a1")),
            off,
            vm("vm-9", "orphan", Some("gone-host")),
        ],
    }
}

pub fn token() -> SessionToken {
    SessionToken::new("0".repeat(64))
}

/// What `whoami` says of an operator.
pub const OPERATOR: &str = "read,write,power,migrate,ssh,plan";

/// A console showing the tree of [`lab`], logged in as `alice`, an operator, as after startup.
pub fn logged_in() -> State {
    logged_in_with(OPERATOR)
}

/// [`logged_in`] with these permissions on everything (as `whoami` words them).
pub fn logged_in_with(permissions: &str) -> State {
    let mut state = State::new("/run/upstra/upstra.sock");
    let session = Session::new(token(), "alice");
    update(
        &mut state,
        Action::Start {
            session: Some(session),
        },
    );
    let epoch = state.epoch;
    update(
        &mut state,
        Action::SessionChecked {
            epoch,
            result: Ok(whoami("alice", permissions, SessionScope::Full)),
        },
    );
    update(
        &mut state,
        Action::ListsLoaded {
            epoch,
            result: Ok(lab()),
        },
    );
    state
}

/// What `whoami` answers for `user` with `permissions` in `scope`.
pub fn whoami(user: &str, permissions: &str, scope: SessionScope) -> WhoAmI {
    WhoAmI {
        user: user.into(),
        role: "operator".into(),
        permissions: permissions.into(),
        scope,
        two_factor: false,
        peer_uid: 1000,
        session_expires_at: Timestamp(0),
    }
}

/// A tick whose clock the test does not look at.
pub fn tick() -> Action {
    Action::Tick { now: Timestamp(0) }
}

/// Feeds `actions` to `update` in order and returns the effects of the last one.
pub fn apply(state: &mut State, actions: Vec<Action>) -> Vec<Effect> {
    let mut last = Vec::new();
    for a in actions {
        last = update(state, a);
    }
    last
}

/// Types `keys` (one char per key; `<` Left, `>` Right, `^` Up, `v` Down, `\n` Enter,
/// `\t` Tab, `\x08` Backspace, `\x1b` Esc) and returns the effects of all of them.
pub fn press(state: &mut State, keys: &str) -> Vec<Effect> {
    let mut effects = Vec::new();
    for c in keys.chars() {
        let code = match c {
            '<' => KeyCode::Left,
            '>' => KeyCode::Right,
            '^' => KeyCode::Up,
            'v' => KeyCode::Down,
            '\n' => KeyCode::Enter,
            '\t' => KeyCode::Tab,
            '\x08' => KeyCode::Backspace,
            '\x1b' => KeyCode::Esc,
            c => KeyCode::Char(c),
        };
        if let Some(action) = action_for(state, KeyEvent::new(code, KeyModifiers::NONE)) {
            effects.extend(update(state, action));
        }
    }
    effects
}

/// Presses Ctrl and `c`, through the key map.
pub fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    match action_for(
        state,
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
    ) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

/// Presses a key by its code (F3, PageDown...), without modifiers.
pub fn key(state: &mut State, code: KeyCode) -> Vec<Effect> {
    match action_for(state, KeyEvent::new(code, KeyModifiers::NONE)) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

/// An audit record.
pub fn audit(
    seq: u64,
    at_s: i64,
    actor: &str,
    action: &str,
    target: Option<&str>,
    result: &str,
) -> upstra_core::api::v1::AuditView {
    upstra_core::api::v1::AuditView {
        seq,
        at: Timestamp(at_s * 1000),
        actor: Some(actor.into()),
        peer_uid: Some(1000),
        action: action.into(),
        target: target.map(str::to_owned),
        result: result.into(),
        detail: None,
        correlation: None,
        target_name: None,
    }
}

/// Three days of a small lab's audit trail, oldest first as the daemon answers.
pub fn audit_trail() -> Vec<upstra_core::api::v1::AuditView> {
    // 2026-11-23T08:00:00Z, then a day apart.
    let day = |d: i64, h: i64| 1_795_420_800 + d * 86_400 + h * 3600;
    vec![
        audit(1, day(0, 0), "demo", "setup", None, "ok"),
        audit(2, day(0, 1), "demo", "apply", Some("lab.toml"), "ok"),
        audit(3, day(0, 2), "alice", "login", None, "failed"),
        audit(4, day(0, 2), "alice", "login", None, "ok"),
        audit(
            5,
            day(1, 3),
            "alice",
            "server_power",
            Some("server:esx-a1"),
            "ok",
        ),
        audit(6, day(1, 4), "bob", "login", None, "ok"),
        audit(7, day(1, 5), "bob", "vm_migrate", Some("vm:web-01"), "ok"),
        audit(8, day(2, 1), "alice", "plan_run", Some("ups:ups-a1"), "ok"),
        audit(
            9,
            day(2, 1),
            "alice",
            "server_power",
            Some("server:esx-a2"),
            "refused",
        ),
        audit(10, day(2, 2), "demo", "user_add", Some("user:carol"), "ok"),
    ]
}

/// Users, roles and grants as the daemon lists them to an admin.
pub fn accounts() -> upstra_tui::console::call::Accounts {
    use upstra_core::api::v1::{GrantView, RoleView, UserView};
    let user = |name: &str, role: &str| UserView {
        name: name.into(),
        role: Some(role.into()),
        scoped_grants: 0,
        disabled: false,
        two_factor: true,
        must_change_password: false,
        created_at: Timestamp(1_795_420_800_000),
    };
    let mut bob = user("bob", "viewer");
    bob.disabled = true;
    bob.two_factor = false;
    let mut carol = user("carol", "operator");
    carol.role = None;
    carol.scoped_grants = 1;
    carol.must_change_password = true;
    let role = |name: &str, permissions: &[&str], builtin: bool| RoleView {
        name: name.into(),
        permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
        builtin,
    };
    let grant = |user: &str, role: &str, resource: &str| GrantView {
        user: user.into(),
        role: role.into(),
        resource: resource.into(),
    };
    upstra_tui::console::call::Accounts {
        users: vec![user("alice", "admin"), bob, carol],
        roles: vec![
            role(
                "admin",
                &[
                    "read", "write", "delete", "power", "migrate", "ssh", "plan", "audit", "admin",
                ],
                true,
            ),
            role(
                "operator",
                &["read", "write", "power", "migrate", "ssh", "plan"],
                true,
            ),
            role("viewer", &["read"], true),
        ],
        grants: vec![
            grant("alice", "admin", "all"),
            grant("bob", "viewer", "all"),
            grant("carol", "operator", "room:lab-b"),
        ],
    }
}

/// Who is connected, and `of`'s sessions (the caller's with `None`).
pub fn people(of: Option<&str>) -> upstra_tui::console::call::People {
    use upstra_core::api::v1::{PresenceView, SessionScope, SessionView};
    let at = |h: i64| Timestamp(1_795_600_000_000 + h * 3_600_000);
    let user = of.unwrap_or("alice");
    let session = |id: &str, current: bool| SessionView {
        id: id.into(),
        user: user.into(),
        scope: SessionScope::Full,
        peer_uid: 1000,
        created_at: at(0),
        last_seen_at: at(1),
        expires_at: at(12),
        current,
    };
    upstra_tui::console::call::People {
        presence: vec![
            PresenceView {
                user: "alice".into(),
                since: at(0),
                peer_uids: vec![1000],
                connections: 2,
            },
            PresenceView {
                user: "carol".into(),
                since: at(1),
                peer_uids: vec![1001, 1002],
                connections: 1,
            },
        ],
        of: of.map(str::to_owned),
        sessions: vec![
            session("a1b2c3d4", of.is_none()),
            session("e5f6a7b8", false),
        ],
    }
}

/// The answer to an `Effect::Call`, delivered in the current session.
pub fn replied(
    state: &mut State,
    reply: upstra_tui::console::call::Reply,
) -> Vec<upstra_tui::console::action::Effect> {
    let epoch = state.epoch;
    apply(
        state,
        vec![Action::Replied {
            epoch,
            reply: Box::new(reply),
        }],
    )
}

/// The calls among `effects`.
pub fn calls(
    effects: &[upstra_tui::console::action::Effect],
) -> Vec<upstra_tui::console::call::Call> {
    effects
        .iter()
        .filter_map(|e| match e {
            upstra_tui::console::action::Effect::Call { call, .. } => Some(call.clone()),
            _ => None,
        })
        .collect()
}
