//! The small lab the daemon's in-process tests share (the server's handlers, the resolver, the
//! conductor on the simulated drivers): two rooms, each with its UPS and one ESXi host, so a
//! cut of `ups-a` has somewhere to move `esx-a`'s VMs. Outside `server` and `outage`, so that
//! neither module's tests import the other (`outage/layering_tests.rs`).

pub const TWO_ROOMS: &str = r#"
[[room]]
name = "lab-a"
[[room]]
name = "lab-b"
[[ups]]
name = "ups-a"
room = "lab-a"
nut = "ups-a@127.0.0.1:1"
[[ups]]
name = "ups-b"
room = "lab-b"
nut = "ups-b@127.0.0.1:1"
[[server]]
name = "esx-a"
room = "lab-a"
kind = "hypervisor"
feeds = ["ups-a"]
vsphere_host = "esx-a.lab"
[[server]]
name = "esx-b"
room = "lab-b"
kind = "hypervisor"
feeds = ["ups-b"]
vsphere_host = "esx-b.lab"
"#;

/// A new (or, for "after a restart", the existing) store under `dir/data`, keyed as the daemon
/// keys it on first start; returns the data dir for the test's `Config`.
pub fn store_in(dir: &std::path::Path) -> (std::path::PathBuf, crate::store::Store) {
    use crate::store::{KeySource, Store};
    let data = dir.join("data");
    let store = Store::open(&data, &KeySource::locate(&data, None)).expect("store");
    (data, store)
}

/// The daemon's shared state for `lab` on the simulated drivers, its store under `dir`;
/// `adjust` changes the config first (an interval, a bound).
pub fn simulated(
    lab: &str,
    dir: &std::path::Path,
    adjust: impl FnOnce(&mut crate::config::Config),
) -> (crate::shared::Shared, crate::outage::OrchestratorInbox) {
    use upstra_core::lab::{KnownNames, parse};
    let inventory = parse(lab, &KnownNames::default()).expect("lab").inventory;
    let (data_dir, store) = store_in(dir);
    let mut config = crate::config::Config {
        data_dir,
        drivers: crate::config::Drivers::Simulated,
        ..crate::config::Config::default()
    };
    adjust(&mut config);
    crate::shared::Shared::new(config, store, inventory, Default::default())
}

/// Step `n` of a plan: shutting `server` down, as a shed plans it (the journal's learned
/// durations come from such steps).
pub fn shutdown_step(n: u32, server: &str) -> upstra_core::outage::Step {
    use upstra_core::outage::{Step, StepAction, StepId};
    Step {
        id: StepId(n),
        action: StepAction::ShutdownServer {
            server: upstra_core::ids::ServerId::new(server).expect("name"),
            host: None,
            off_timeout_s: 60,
            force_off: true,
        },
        deps: Vec::new(),
        estimate_s: 120,
        estimate_learned: false,
    }
}
