//! Builders for the console tests: wire types (the API's views) with sensible defaults, and a
//! small fixed lab used by the update, tree and snapshot tests.
#![allow(dead_code)] // each test binary uses a different part of this module

use upstra_core::api::v1::{RoomView, ServerView, SessionToken, UpsView, VmView};
use upstra_core::state::{Health, PowerState, Timestamp};
use upstra_tui::console::action::Action;
use upstra_tui::console::state::{Lists, Session, State};
use upstra_tui::console::update::update;

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
        tier: 1,
        depends_on: Vec::new(),
        vsphere_host: Some(format!("{name}.lab")),
        bmc_url: None,
        bmc_has_password: false,
        bmc_tls: None,
        ssh_address: None,
        ssh_host_key_pinned: false,
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

/// A console showing the tree of [`lab`], logged in as `alice`, as after startup.
pub fn logged_in() -> State {
    let mut state = State::new("/run/upstra/upstra.sock");
    let session = Session {
        token: token(),
        user: "alice".into(),
    };
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
            result: Ok(upstra_core::api::v1::WhoAmI {
                user: "alice".into(),
                role: "operator".into(),
                permissions: "read".into(),
                scope: upstra_core::api::v1::SessionScope::Full,
                two_factor: false,
                peer_uid: 1000,
                session_expires_at: Timestamp(0),
            }),
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

/// Feeds `actions` to `update` in order and returns the effects of the last one.
pub fn apply(state: &mut State, actions: Vec<Action>) -> Vec<upstra_tui::console::action::Effect> {
    let mut last = Vec::new();
    for a in actions {
        last = update(state, a);
    }
    last
}
