//! Conversions between the wire types and the domain. Inbound conversions validate everything
//! again: the daemon never trusts that a client parsed the lab file correctly.

use crate::ids::{RoomId, ServerId, UpsId};
use crate::model::{
    BmcEndpoint, CertFingerprint, Credentials, DEFAULT_FEEDS_REQUIRED, DEFAULT_POWER_ON_STAGGER_S,
    HttpUrl, Inventory, MAX_POWER_ON_STAGGER_S, NutEndpoint, Room, Server, ServerKind, SshEndpoint,
    TlsTrust, Ups, UpsSource, VCenter, Vm,
};
use crate::state::{ServerLive, UpsLive};
use crate::text;

use super::states::{BmcTrust, Reachability};
use super::types::*;

impl From<&Credentials> for LoginSpec {
    fn from(c: &Credentials) -> Self {
        Self {
            user: c.user.clone(),
            password: c.password.clone(),
        }
    }
}

impl From<&TlsTrust> for TlsSpec {
    fn from(t: &TlsTrust) -> Self {
        match t {
            TlsTrust::Unpinned => Self::Unpinned,
            TlsTrust::Fingerprint(f) => Self::Fingerprint(f.to_string()),
            TlsTrust::CaFile(p) => Self::CaFile(p.clone()),
        }
    }
}

impl From<&Inventory> for LabSpec {
    fn from(inv: &Inventory) -> Self {
        Self {
            rooms: inv
                .rooms
                .iter()
                .map(|(id, room)| RoomSpec {
                    name: id.to_string(),
                    power_on_stagger_s: Some(room.power_on_stagger_s),
                })
                .collect(),
            ups: inv
                .ups
                .values()
                .map(|u| UpsSpec {
                    name: u.id.to_string(),
                    room: u.room.to_string(),
                    nut: u.nut().map(ToString::to_string).unwrap_or_default(),
                    snmp: u.snmp().cloned(),
                    login: u.login.as_ref().map(LoginSpec::from),
                    policy: u.policy.clone(),
                })
                .collect(),
            vcenter: inv.vcenter.as_ref().map(|v| VCenterSpec {
                url: v.url.to_string(),
                login: (&v.login).into(),
                tls: (&v.tls).into(),
            }),
            servers: inv
                .servers
                .values()
                .map(|s| ServerSpec {
                    name: s.id.to_string(),
                    room: s.room.to_string(),
                    kind: s.kind.to_string(),
                    feeds: s.feeds.iter().map(ToString::to_string).collect(),
                    feeds_required: Some(u32::from(s.feeds_required)),
                    tier: s.tier,
                    depends_on: s.depends_on.iter().map(ToString::to_string).collect(),
                    migrate_to: s.migrate_to.iter().map(ToString::to_string).collect(),
                    vsphere_host: s.vsphere_host.clone(),
                    bmc: s.bmc.as_ref().map(|b| BmcSpec {
                        url: b.url.to_string(),
                        login: (&b.login).into(),
                        tls: (&b.tls).into(),
                    }),
                    ssh: s.ssh.as_ref().map(|s| SshSpec {
                        address: s.address.clone(),
                        host_key: s.host_key.clone(),
                        user: s.user.clone(),
                    }),
                    this_host: s.this_host,
                })
                .collect(),
            plan: inv.plan.clone(),
            vms: inv.vm_policies.clone(),
        }
    }
}

/// Collects validation problems so a client hears about all of them at once.
#[derive(Default)]
struct Problems(Vec<String>);

impl Problems {
    fn check<T, E: std::fmt::Display>(&mut self, what: &str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| self.push(format!("{what}: {e}"))).ok()
    }

    /// Problems quote the spec, which came from a client: a quote must not carry an escape
    /// sequence to whoever reads the refusal.
    fn push(&mut self, p: String) {
        self.0.push(text::escape(&p).into_owned());
    }

    /// A free-form name (a user, a host) must show as itself: see [`text::check_name`].
    fn name(&mut self, what: &str, value: &str) {
        self.check(what, text::check_name(value));
    }
}

fn login(p: &mut Problems, what: &str, l: LoginSpec) -> Credentials {
    p.name(&format!("{what} user"), &l.user);
    Credentials {
        user: l.user,
        password: l.password,
    }
}

fn tls(p: &mut Problems, what: &str, t: TlsSpec) -> TlsTrust {
    match t {
        TlsSpec::Unpinned => TlsTrust::Unpinned,
        TlsSpec::CaFile(path) => TlsTrust::CaFile(path),
        TlsSpec::Fingerprint(f) => p
            .check(what, CertFingerprint::parse(&f))
            .map_or(TlsTrust::Unpinned, TlsTrust::Fingerprint),
    }
}

impl LabSpec {
    /// Validates the declaration against itself and what `existing` already holds, and returns
    /// it as domain objects, or every problem found.
    pub fn into_inventory(self, existing: &Inventory) -> Result<Inventory, Vec<String>> {
        let mut p = Problems::default();
        let mut inv = Inventory::default();
        for r in self.rooms {
            let stagger = r.power_on_stagger_s.unwrap_or(DEFAULT_POWER_ON_STAGGER_S);
            if let Some(id) = p.check("room", RoomId::new(r.name)) {
                if stagger > MAX_POWER_ON_STAGGER_S {
                    p.push(format!(
                        "room `{id}`: power_on_stagger must be at most {MAX_POWER_ON_STAGGER_S} s, not {stagger} s"
                    ));
                }
                let room = Room {
                    id: id.clone(),
                    power_on_stagger_s: stagger,
                };
                if inv.rooms.insert(id.clone(), room).is_some() {
                    p.push(format!("room `{id}` is declared twice"));
                }
            }
        }
        let room_ok = |inv: &Inventory, id: &RoomId| {
            inv.rooms.contains_key(id) || existing.rooms.contains_key(id)
        };
        for u in self.ups {
            let Some(id) = p.check("ups", UpsId::new(u.name)) else {
                continue;
            };
            let what = format!("UPS `{id}`");
            let room = p.check(&what, RoomId::new(u.room));
            let source = match (u.nut.is_empty(), u.snmp) {
                (true, None) => {
                    p.push(format!("{what}: give how it is read, `nut` or `snmp`"));
                    None
                }
                (false, Some(_)) => {
                    p.push(format!("{what}: give either `nut` or `snmp`, not both"));
                    None
                }
                (false, None) => p
                    .check(&what, NutEndpoint::parse(&u.nut))
                    .map(UpsSource::Nut),
                (true, Some(snmp)) => {
                    let problems = snmp.problems();
                    if let Some(user) = snmp.security.user() {
                        p.name(&format!("{what} snmp user"), user);
                    }
                    for problem in &problems {
                        p.push(format!("{what}: {problem}"));
                    }
                    problems.is_empty().then_some(UpsSource::Snmp(snmp))
                }
            };
            match room {
                Some(room) if !room_ok(&inv, &room) => {
                    p.push(format!("{what}: room `{room}` is not declared"))
                }
                Some(room) => {
                    for problem in u.policy.problems() {
                        p.push(format!("{what} policy: {problem}"));
                    }
                    if let Some(source) = source {
                        let ups = Ups {
                            id: id.clone(),
                            room,
                            source,
                            login: u.login.map(|l| login(&mut p, &what, l)),
                            policy: u.policy,
                        };
                        if inv.ups.insert(id, ups).is_some() {
                            p.push(format!("{what} is declared twice"));
                        }
                    }
                }
                None => {}
            }
        }
        if let Some(v) = self.vcenter {
            let url = p.check("vcenter", HttpUrl::parse(&v.url));
            let trust = tls(&mut p, "vcenter", v.tls);
            if let Some(url) = url {
                inv.vcenter = Some(VCenter {
                    url,
                    login: login(&mut p, "vcenter", v.login),
                    tls: trust,
                });
            }
        }
        let server_names: Vec<String> = self.servers.iter().map(|s| s.name.clone()).collect();
        let mut this_host_seen: Option<ServerId> = None;
        let mut preferences = Vec::new();
        for s in self.servers {
            let Some(id) = p.check("server", ServerId::new(s.name)) else {
                continue;
            };
            if !s.migrate_to.is_empty() {
                preferences.push((id.clone(), s.migrate_to));
            }
            let what = format!("server `{id}`");
            let room = p.check(&what, RoomId::new(s.room));
            if let Some(room) = &room
                && !room_ok(&inv, room)
            {
                p.push(format!("{what}: room `{room}` is not declared"));
            }
            let kind = ServerKind::parse(&s.kind);
            if kind.is_none() {
                p.push(format!(
                    "{what}: kind `{}` is not one of hypervisor, storage, network, other",
                    s.kind
                ));
            }
            let mut feeds = Vec::new();
            for f in s.feeds {
                if let Some(ups) = p.check(&what, UpsId::new(f)) {
                    if inv.ups.contains_key(&ups) || existing.ups.contains_key(&ups) {
                        feeds.push(ups);
                    } else {
                        p.push(format!("{what}: feed `{ups}` is not a declared UPS"));
                    }
                }
            }
            // No feeds: a server on no UPS that Upstra manages (never shed, no target).
            let asked = s
                .feeds_required
                .unwrap_or(u32::from(DEFAULT_FEEDS_REQUIRED));
            let feeds_required = u8::try_from(asked)
                .ok()
                .filter(|n| *n >= 1 && usize::from(*n) <= feeds.len().max(1))
                .unwrap_or_else(|| {
                    p.push(format!(
                        "{what}: feeds_required must be from 1 to its number of feeds ({}), not {asked}",
                        feeds.len()
                    ));
                    DEFAULT_FEEDS_REQUIRED
                });
            let mut depends_on = Vec::new();
            for d in s.depends_on {
                if let Some(dep) = p.check(&what, ServerId::new(d)) {
                    let declared = server_names.iter().any(|n| n == dep.as_str())
                        || existing.servers.contains_key(&dep);
                    if dep == id || !declared {
                        p.push(format!(
                            "{what}: depends_on `{dep}` is not another declared server"
                        ));
                    } else {
                        depends_on.push(dep);
                    }
                }
            }
            let bmc = s.bmc.and_then(|b| {
                let url = p.check(&what, HttpUrl::parse(&b.url))?;
                let trust = tls(&mut p, &what, b.tls);
                Some(BmcEndpoint {
                    url,
                    login: login(&mut p, &format!("{what} bmc"), b.login),
                    tls: trust,
                })
            });
            if let Some(host) = &s.vsphere_host {
                p.name(&format!("{what} vsphere_host"), host);
            }
            let ssh = s.ssh.map(|s| {
                p.name(&format!("{what} ssh address"), &s.address);
                if let Err(e) = crate::model::check_ssh_address(&s.address) {
                    p.push(format!("{what}: ssh address {e}"));
                }
                if let Some(user) = &s.user {
                    p.name(&format!("{what} ssh user"), user);
                }
                let host_key = s.host_key.and_then(|k| {
                    let line = crate::model::host_key_line(&k);
                    if line.is_none() {
                        p.push(format!(
                            "{what}: ssh host_key is not a valid OpenSSH public key"
                        ));
                    }
                    line
                });
                SshEndpoint {
                    address: s.address,
                    host_key,
                    user: s.user,
                }
            });
            let this_host = s.this_host
                && {
                    if let Some(first) = &this_host_seen {
                        p.push(format!(
                        "{what}: this_host is already set on `{first}`; the daemon runs on one machine only"
                    ));
                        false
                    } else if kind == Some(ServerKind::Hypervisor) {
                        p.push(format!(
                        "{what}: this_host cannot be a hypervisor; the daemon's own machine is shut down through systemd, not vSphere"
                    ));
                        false
                    } else {
                        this_host_seen = Some(id.clone());
                        true
                    }
                };
            if let (Some(room), Some(kind)) = (room, kind) {
                let server = Server {
                    id: id.clone(),
                    room,
                    kind,
                    feeds,
                    feeds_required,
                    tier: s.tier,
                    depends_on,
                    // Filled in once every server is read: it names other servers.
                    migrate_to: Vec::new(),
                    vsphere_host: s.vsphere_host,
                    bmc,
                    ssh,
                    this_host,
                };
                if inv.servers.insert(id, server).is_some() {
                    p.push(format!("{what} is declared twice"));
                }
            }
        }
        if let Some(plan) = &self.plan {
            for problem in plan.problems() {
                p.push(format!("plan: {problem}"));
            }
        }
        inv.plan = self.plan;
        for problem in super::convert_migrate::migrate_to(&mut inv, preferences, existing) {
            p.push(problem);
        }
        for name in self.vms.keys() {
            if name.trim().is_empty() {
                p.push(format!("vm `{name}`: a name cannot be empty"));
            }
            p.name("vm", name);
        }
        inv.vm_policies = self.vms;
        if p.0.is_empty() { Ok(inv) } else { Err(p.0) }
    }
}

impl UpsView {
    pub fn new(ups: &Ups, live: &UpsLive) -> Self {
        let mut view = Self {
            name: ups.id.to_string(),
            room: ups.room.to_string(),
            nut: ups.nut().map(ToString::to_string).unwrap_or_default(),
            snmp: ups.snmp().map(|s| SnmpView {
                address: s.address(),
                version: (&s.security).into(),
                mib: s.mib.into(),
                user: s.security.user().map(str::to_owned),
            }),
            has_login: ups.login.is_some(),
            reachability: Reachability::Unknown,
            status: None,
            charge_pct: None,
            runtime_s: None,
            load_pct: None,
            input_voltage: None,
            comms_lost_reason: None,
            updated_at: None,
        };
        match live {
            UpsLive::Unknown => {}
            UpsLive::Reading { reading, at } => {
                view.reachability = Reachability::Ok;
                view.status = Some(reading.status_line());
                view.charge_pct = reading.charge_pct;
                view.runtime_s = reading.runtime_s;
                view.load_pct = reading.load_pct;
                view.input_voltage = reading.input_voltage;
                view.updated_at = Some(*at);
            }
            UpsLive::CommsLost { reason, since } => {
                view.reachability = Reachability::CommsLost;
                view.comms_lost_reason = Some(reason.clone());
                view.updated_at = Some(*since);
            }
        }
        view
    }
}

impl ServerView {
    pub fn new(s: &Server, live: &ServerLive) -> Self {
        Self {
            name: s.id.to_string(),
            room: s.room.to_string(),
            kind: s.kind.into(),
            feeds: s.feeds.iter().map(ToString::to_string).collect(),
            feeds_required: u32::from(s.feeds_required),
            tier: s.tier,
            depends_on: s.depends_on.iter().map(ToString::to_string).collect(),
            migrate_to: s.migrate_to.iter().map(ToString::to_string).collect(),
            vsphere_host: s.vsphere_host.clone(),
            bmc_url: s.bmc.as_ref().map(|b| b.url.to_string()),
            bmc_has_password: s.bmc.as_ref().is_some_and(|b| b.login.password.is_some()),
            bmc_tls: s.bmc.as_ref().map(|b| match b.tls {
                TlsTrust::Unpinned => BmcTrust::Unpinned,
                TlsTrust::Fingerprint(_) => BmcTrust::Pinned,
                TlsTrust::CaFile(_) => BmcTrust::CaFile,
            }),
            ssh_address: s.ssh.as_ref().map(|s| s.address.clone()),
            this_host: s.this_host,
            ssh_host_key_pinned: s.ssh.as_ref().is_some_and(|s| s.host_key.is_some()),
            power: live.power,
            health: live.health,
            watts: live.watts,
            in_maintenance: live.in_maintenance,
        }
    }
}

impl VmView {
    /// `server` is the inventory server whose `vsphere_host` is the VM's host, if any.
    pub fn new(vm: &Vm, server: Option<&ServerId>) -> Self {
        Self {
            id: vm.id.to_string(),
            name: vm.name.clone(),
            host: vm.host.clone(),
            server: server.map(ToString::to_string),
            power: vm.power.into(),
            cpus: vm.cpus,
            memory_mib: vm.memory_mib,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{KnownNames, parse};
    use crate::secret::Secret;

    const LAB: &str = "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h:3493\"\n\
        [[server]]\nname = \"s\"\nroom = \"r\"\nkind = \"storage\"\nfeeds = [\"u\"]\n\
        bmc = { url = \"https://b/redfish/v1/Systems/1\", user = \"admin\" }\n";

    #[test]
    fn lab_spec_round_trips() {
        let mut inv = parse(LAB, &KnownNames::default()).expect("valid").inventory;
        if let Some(b) = inv.servers.values_mut().next().and_then(|s| s.bmc.as_mut()) {
            b.login.password = Some(Secret::new("pw"));
        }
        let spec = LabSpec::from(&inv);
        let back = spec
            .into_inventory(&Inventory::default())
            .expect("valid spec");
        assert_eq!(back, inv);
    }

    #[test]
    fn inbound_spec_is_validated() {
        let spec = LabSpec {
            servers: vec![ServerSpec {
                name: "s".into(),
                room: "ghost".into(),
                kind: "toaster".into(),
                feeds: vec![],
                feeds_required: None,
                tier: 1,
                depends_on: vec![],
                migrate_to: vec![],
                vsphere_host: None,
                bmc: None,
                ssh: None,
                this_host: false,
            }],
            ..LabSpec::default()
        };
        let problems = spec
            .into_inventory(&Inventory::default())
            .expect_err("invalid");
        // The room and the kind; no feeds is a server on no managed UPS, not a problem.
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn inbound_names_with_controls_are_refused_and_quoted_escaped() {
        let mut spec = LabSpec::from(&parse(LAB, &KnownNames::default()).expect("valid").inventory);
        if let Some(server) = spec.servers.first_mut() {
            server.vsphere_host = Some("esx\u{1b}]0;x\u{7}".into());
            if let Some(bmc) = server.bmc.as_mut() {
                bmc.login.user = "admin\u{202e}".into();
            }
        }
        spec.vms
            .insert("vm\nforged".into(), crate::outage::VmPolicy::default());
        let problems = spec
            .into_inventory(&Inventory::default())
            .expect_err("hostile names refused");
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems.iter().all(|p| !p.contains(text::is_hostile)),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("vsphere_host: `esx\\e]0;x\\a`")),
            "{problems:?}"
        );
    }

    #[test]
    fn server_view_says_whether_a_password_is_set_never_what() {
        let mut inv = parse(LAB, &KnownNames::default()).expect("valid").inventory;
        let server = inv.servers.values_mut().next().expect("server");
        if let Some(b) = server.bmc.as_mut() {
            b.login.password = Some(Secret::new("s3cret-value"));
        }
        let view = ServerView::new(server, &ServerLive::default());
        let json = serde_json::to_string(&view).expect("serializes");
        assert!(view.bmc_has_password);
        assert!(!json.contains("s3cret-value"));
    }
}
