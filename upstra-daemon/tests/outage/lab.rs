//! The test lab: cluster 0's hosts on UPS `ups-one` (ups1), cluster 1's on `ups-two` (ups2),
//! one BMC per host in the test's own Redfish emulator, and a pinned VM that must be shut down
//! rather than moved. The UPS are served by the test's own copy of the harness's NUT: each
//! test flips, freezes and commands its own UPS, so the tests of this suite run side by side.

use std::collections::BTreeMap;
use std::time::Duration;

use upstra_core::api::v1::*;
use upstra_core::events::DomainEvent;
use upstra_core::lab::{KnownNames, SecretSlot, parse};
use upstra_core::secret::Secret;
use upstra_tests::lab::{LabFile, OwnLab, Size, server_name};
use upstra_tests::own_nut::OwnNut;

use crate::support::*;

/// Grace period, stability wait and timeouts short enough for a test.
pub const GRACE_S: u64 = 3;
pub const STABLE_S: u64 = 3;

pub struct Lab {
    /// The harness's endpoints, with the test's own NUT in place of the shared one.
    pub peers: upstra_tests::Peers,
    pub own: OwnLab,
    /// The VM that may not move.
    pub pinned: String,
    /// Seconds on battery before acting.
    pub grace_s: u64,
    /// The last host of cluster 0 goes down in a second tier, after the others.
    pub tiered: bool,
    /// A server on `ups-one` whose BMC never answers.
    pub broken: bool,
    /// Replacements made in the lab file (text, by what), for a test's own declarations.
    pub edits: Vec<(String, String)>,
    /// Settings of the daemon beyond [`env`] (`UPSTRA_*`, later ones win).
    pub extra_env: Vec<(&'static str, &'static str)>,
    /// NUT passwords of UPS whose edits give them a `user`, by UPS name.
    pub nut_passwords: Vec<(String, String)>,
    /// Other secrets the edits name (an SNMP UPS's community or v3 passwords).
    pub secrets: Vec<(SecretSlot, String)>,
    /// Last: the UPS stay up until the rest of the lab has gone.
    _nut: OwnNut,
}

impl Lab {
    pub fn start(shared: upstra_tests::Peers, size: Size) -> Self {
        let nut = OwnNut::start(&shared);
        let peers = nut.peers(&shared);
        let own = OwnLab::start(&peers, size);
        let pinned = own
            .vms
            .iter()
            .find(|v| v.starts_with("DC0_C0_"))
            .cloned()
            .unwrap_or_default();
        Self {
            peers,
            own,
            pinned,
            grace_s: GRACE_S,
            tiered: false,
            broken: false,
            edits: Vec::new(),
            extra_env: Vec::new(),
            nut_passwords: Vec::new(),
            secrets: Vec::new(),
            _nut: nut,
        }
    }

    /// The lab file's `[[server]]` head of `server`, up to its feeds: what edits replace.
    pub fn server_head(&self, server: &str) -> String {
        let feed = if self.servers_of(0).iter().any(|s| s == server) {
            "ups-one"
        } else {
            "ups-two"
        };
        format!(
            "name = \"{server}\"\nroom = \"lab\"\nkind = \"hypervisor\"\nfeeds = [\"{feed}\"]\n"
        )
    }

    pub fn nut_dir(&self) -> &std::path::Path {
        self.peers.get("UPSTRA_PEER_NUT_DIR").as_ref()
    }

    fn toml(&self) -> String {
        let nut = format!(
            "{}:{}",
            self.peers.get("UPSTRA_PEER_NUT_HOST"),
            self.peers.get("UPSTRA_PEER_NUT_PORT")
        );
        let mut t = self.own.lab_file(&LabFile {
            nut: &nut,
            grace_s: self.grace_s,
            restore_after_s: STABLE_S,
            pinned: Some(&self.pinned),
            tiered: self.tiered,
            plan: "",
        });
        if self.broken {
            // Port 9 (discard) is closed on loopback: every call is refused at once.
            t.push_str(&format!(
                "[[server]]\nname = \"broken\"\nroom = \"lab\"\nkind = \"other\"\nfeeds = [\"ups-one\"]\n\
                 bmc = {{ url = \"http://127.0.0.1:9/redfish/v1/Systems/1\", user = \"{}\" }}\n",
                self.own.redfish_user
            ));
        }
        for (from, to) in &self.edits {
            assert!(t.contains(from.as_str()), "the lab file has no `{from}`");
            t = t.replace(from.as_str(), to);
        }
        t
    }

    pub fn spec(&self) -> LabSpec {
        let mut doc = parse(&self.toml(), &KnownNames::default()).unwrap();
        let rf = Secret::new(self.own.redfish_password.clone());
        let servers: Vec<_> = doc.inventory.servers.keys().cloned().collect();
        for s in servers {
            doc.fill_secret(&SecretSlot::Bmc(s), rf.clone());
        }
        for (ups, password) in &self.nut_passwords {
            doc.fill_secret(
                &SecretSlot::UpsLogin(upstra_core::ids::UpsId::new(ups).unwrap()),
                Secret::new(password.clone()),
            );
        }
        doc.fill_secret(
            &SecretSlot::VCenter,
            Secret::new(self.own.vcsim_password.clone()),
        );
        for (slot, secret) in &self.secrets {
            doc.fill_secret(slot, Secret::new(secret.clone()));
        }
        LabSpec::from(&doc.inventory)
    }

    /// The servers of cluster `c`.
    pub fn servers_of(&self, c: usize) -> Vec<String> {
        self.own.hosts[c].iter().map(|h| server_name(h)).collect()
    }
}

/// Where each VM is and whether it runs, by id.
pub type Placement = BTreeMap<String, (Option<String>, String)>;

pub async fn placement(c: &UpstraClient, t: &SessionToken) -> Placement {
    c.sync(ctx(), t.clone()).await.unwrap().unwrap();
    c.list_vms(ctx(), t.clone())
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|v| (v.name.clone(), (v.host.clone(), v.power.to_string())))
        .collect()
}

pub async fn servers(c: &UpstraClient, t: &SessionToken) -> BTreeMap<String, ServerView> {
    c.list_servers(ctx(), t.clone())
        .await
        .unwrap()
        .unwrap()
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect()
}

/// Starts a daemon on the peers, sets up the admin, applies the lab and waits until every
/// UPS, BMC and VM has been read.
pub async fn daemon(lab: &Lab, dir: &std::path::Path) -> (Daemon, UpstraClient, SessionToken) {
    let mut settings: Vec<(&str, &str)> = env();
    // The harness's upsd runs on this machine, as on a NUT primary: the daemon reads its
    // users file to check UPS-off permissions beforehand.
    settings.push((
        "UPSTRA_NUT__USERS_FILE",
        lab.peers.get("UPSTRA_PEER_NUT_USERS_FILE"),
    ));
    settings.extend(lab.extra_env.iter().copied());
    let daemon = Daemon::start_with_env(dir, &settings).await;
    let c = connect(&daemon.socket).await.unwrap();
    let t = setup_and_login(&c).await;
    c.apply(ctx(), t.clone(), lab.spec(), false)
        .await
        .unwrap()
        .unwrap();
    until(
        "every UPS on mains and every server on",
        Duration::from_secs(60),
        || async {
            let ups = c.list_ups(ctx(), t.clone()).await.unwrap().unwrap();
            let ok_ups = ups.iter().all(|u| {
                u.status
                    .as_deref()
                    .is_some_and(|s| s.contains("OL") && !s.contains("OB"))
            });
            let sync = c.sync(ctx(), t.clone()).await.unwrap().unwrap();
            // The broken server, when there is one, never answers: that is its point. A server
            // without a BMC (this host, typically) has no power to read.
            let on = servers(&c, &t)
                .await
                .values()
                .filter(|s| s.name != "broken" && s.bmc_url.is_some())
                .all(|s| s.power == upstra_core::state::PowerState::On);
            let problems = sync
                .problems
                .iter()
                .filter(|p| !p.contains("broken"))
                .count();
            (ok_ups && on && problems == 0 && sync.vms > 0).then_some(())
        },
    )
    .await;
    (daemon, c, t)
}

pub fn env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("UPSTRA_UPS_POLL_INTERVAL", "250ms"),
        ("UPSTRA_SYNC_INTERVAL", "2s"),
        ("UPSTRA_LOG", "info,upstra_daemon::outage=debug"),
    ]
}

/// The lab is as it was before the cut: every VM on its host in its power state, every server
/// (but `except`) on and out of maintenance.
pub async fn assert_as_before(
    c: &UpstraClient,
    t: &SessionToken,
    before: &Placement,
    except: &[&str],
) {
    assert_eq!(
        &placement(c, t).await,
        before,
        "every VM back on its host in its power state"
    );
    for (name, s) in servers(c, t).await {
        if except.contains(&name.as_str()) {
            continue;
        }
        assert_eq!(
            (s.power, s.in_maintenance),
            (upstra_core::state::PowerState::On, Some(false)),
            "{name}"
        );
    }
}

/// Waits, from `cursor`, for the end of a run of `kind` (`shed` or `restore`).
pub async fn wait_run_end(
    c: &UpstraClient,
    t: &SessionToken,
    cursor: &mut u64,
    kind: &'static str,
    within: Duration,
) {
    let what = format!("the end of the {kind}");
    wait_event(c, t, cursor, &what, within, run_ended(kind)).await;
}

/// The run's end, by kind (`shed` or `restore`).
pub fn run_ended(kind: &'static str) -> impl Fn(&DomainEvent) -> bool {
    move |e| matches!(e, DomainEvent::RunEnded { plan, .. } if plan.as_str() == kind)
}

/// Every step of the last run of `kind` ended done.
pub async fn last_run(c: &UpstraClient, t: &SessionToken, kind: &str) -> RunView {
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    status
        .recent
        .into_iter()
        .find(|r| r.plan.kind.as_str() == kind)
        .unwrap_or_else(|| panic!("no {kind} run"))
}
