//! The lab file: what `upstra apply -f lab.toml` reads.
//!
//! Parsing is pure: the caller hands over the text and the names the store already knows, and
//! gets back either the declared [`Inventory`] or every problem found, each with its line. Reading
//! the password files the lab names is the caller's job ([`LabDoc::secret_files`]), so that this
//! crate never touches the file system.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use crate::ids::{RoomId, ServerId, UpsId};
use crate::model::{
    BmcEndpoint, CertFingerprint, Credentials, HttpUrl, Inventory, NutEndpoint, Room, Server,
    ServerKind, SshEndpoint, TlsTrust, Ups, UpsSource, VCenter,
};
use crate::secret::Secret;
use crate::text;

/// One problem in a lab file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabError {
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LabError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

/// Which secret a password file fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSlot {
    UpsLogin(UpsId),
    /// A v1/v2c community (`snmp.community_file`).
    SnmpCommunity(UpsId),
    /// A v3 user's authentication password (`snmp.auth_password_file`).
    SnmpAuth(UpsId),
    /// A v3 user's privacy password (`snmp.priv_password_file`).
    SnmpPriv(UpsId),
    Bmc(ServerId),
    VCenter,
}

/// A password file named in the lab, to be read by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretFile {
    pub line: usize,
    /// As written in the lab file: relative paths are relative to the lab file's directory.
    pub path: String,
    pub slot: SecretSlot,
}

/// A parsed, validated lab file.
#[derive(Debug, Clone)]
pub struct LabDoc {
    /// The declaration, with passwords not yet filled in.
    pub inventory: Inventory,
    /// The password files to read, in file order.
    pub secret_files: Vec<SecretFile>,
}

impl LabDoc {
    /// Fills in a secret read from one of [`Self::secret_files`].
    pub fn fill_secret(&mut self, slot: &SecretSlot, value: Secret) {
        let login = match slot {
            SecretSlot::SnmpCommunity(id) | SecretSlot::SnmpAuth(id) | SecretSlot::SnmpPriv(id) => {
                if let Some(UpsSource::Snmp(endpoint)) =
                    self.inventory.ups.get_mut(id).map(|u| &mut u.source)
                {
                    snmp::fill(endpoint, slot, value);
                }
                return;
            }
            SecretSlot::UpsLogin(id) => self
                .inventory
                .ups
                .get_mut(id)
                .and_then(|u| u.login.as_mut()),
            SecretSlot::Bmc(id) => self
                .inventory
                .servers
                .get_mut(id)
                .and_then(|s| s.bmc.as_mut())
                .map(|b| &mut b.login),
            SecretSlot::VCenter => self.inventory.vcenter.as_mut().map(|v| &mut v.login),
        };
        if let Some(login) = login {
            login.password = Some(value);
        }
    }
}

/// Names already in the store, which a lab file may refer to without declaring them again.
#[derive(Debug, Clone, Default)]
pub struct KnownNames {
    pub rooms: BTreeSet<RoomId>,
    pub ups: BTreeSet<UpsId>,
    pub servers: BTreeSet<ServerId>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLab {
    #[serde(default)]
    room: Vec<Spanned<RawRoom>>,
    #[serde(default)]
    ups: Vec<Spanned<RawUps>>,
    vcenter: Option<Spanned<RawVCenter>>,
    #[serde(default)]
    server: Vec<Spanned<RawServer>>,
    plan: Option<outage::RawPlan>,
    #[serde(default)]
    vm: Vec<Spanned<outage::RawVm>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoom {
    name: Spanned<String>,
    power_on_stagger: Option<Spanned<outage::RawDuration>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUps {
    name: Spanned<String>,
    room: Spanned<String>,
    nut: Option<Spanned<String>>,
    snmp: Option<Spanned<snmp::RawSnmp>>,
    user: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    policy: Option<outage::RawUpsPolicy>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVCenter {
    url: Spanned<String>,
    user: Spanned<String>,
    password_file: Option<Spanned<String>>,
    tls_fingerprint: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawServer {
    name: Spanned<String>,
    room: Spanned<String>,
    kind: Option<Spanned<String>>,
    /// Absent: the server is on no UPS that Upstra manages (never shed, no migration target).
    feeds: Option<Spanned<Vec<Spanned<String>>>>,
    feeds_required: Option<Spanned<i64>>,
    tier: Option<u32>,
    #[serde(default)]
    depends_on: Vec<Spanned<String>>,
    migrate_to: Option<Spanned<Vec<Spanned<String>>>>,
    vsphere_host: Option<Spanned<String>>,
    bmc: Option<Spanned<RawBmc>>,
    ssh: Option<Spanned<RawSsh>>,
    this_host: Option<Spanned<bool>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBmc {
    url: Spanned<String>,
    user: Spanned<String>,
    password_file: Option<Spanned<String>>,
    tls_fingerprint: Option<Spanned<String>>,
    ca_file: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSsh {
    address: Spanned<String>,
    host_key: Option<Spanned<String>>,
    user: Option<Spanned<String>>,
}

/// Collects problems with their lines while the file is checked.
struct Checker<'t> {
    text: &'t str,
    errors: Vec<LabError>,
}

impl Checker<'_> {
    fn line(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|b| **b == b'\n')
            .count()
            + 1
    }

    fn error(&mut self, span: Range<usize>, message: impl Into<String>) {
        let line = self.line(span);
        // Messages quote what the file says; a quote must not carry an escape sequence to the
        // operator's terminal, whichever check wrote it.
        let message = text::escape(&message.into()).into_owned();
        self.errors.push(LabError { line, message });
    }

    /// Checks a free-form name (a user, a host) against [`text::check_name`], so that it shows
    /// as itself in every table, console cell and log line it reaches.
    fn name_chars(&mut self, value: &Spanned<String>, what: &str) {
        if let Err(e) = text::check_name(value.get_ref()) {
            self.error(value.span(), format!("{what} {e}"));
        }
    }

    /// [`Self::name_chars`] on an optional value, handing back the bare string.
    fn name_opt(&mut self, value: Option<Spanned<String>>, what: &str) -> Option<String> {
        value.map(|v| {
            self.name_chars(&v, what);
            v.into_inner()
        })
    }

    fn ok<T, E: fmt::Display>(&mut self, span: Range<usize>, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| self.error(span, e.to_string())).ok()
    }

    fn tls(
        &mut self,
        url: &HttpUrl,
        fingerprint: Option<Spanned<String>>,
        ca_file: Option<Spanned<String>>,
        what: &str,
    ) -> TlsTrust {
        match (fingerprint, ca_file) {
            (Some(f), Some(c)) => {
                let span = f.span().start.min(c.span().start)..f.span().end;
                self.error(
                    span,
                    format!("{what}: give either tls_fingerprint or ca_file, not both"),
                );
                TlsTrust::Unpinned
            }
            (Some(f), None) => {
                let span = f.span();
                self.ok(span, CertFingerprint::parse(f.get_ref()))
                    .map_or(TlsTrust::Unpinned, TlsTrust::Fingerprint)
            }
            (None, Some(c)) => {
                self.file_name(&c, &format!("{what}: ca_file"));
                TlsTrust::CaFile(c.into_inner())
            }
            (None, None) if url.is_https() => TlsTrust::Unpinned,
            (None, None) => TlsTrust::Unpinned,
        }
    }
}

/// Parses and checks a lab file. On failure, every problem found is returned, sorted by line.
pub fn parse(text: &str, known: &KnownNames) -> Result<LabDoc, Vec<LabError>> {
    let raw: RawLab = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(e) => {
            let mut c = Checker {
                text,
                errors: Vec::new(),
            };
            let span = e.span().unwrap_or(0..0);
            c.error(span, e.message().trim().to_owned());
            return Err(c.errors);
        }
    };
    let mut c = Checker {
        text,
        errors: Vec::new(),
    };
    let mut inventory = Inventory::default();
    let mut secret_files = Vec::new();

    for room in raw.room {
        let RawRoom {
            name,
            power_on_stagger,
        } = room.into_inner();
        let span = name.span();
        if let Some(id) = c.ok(span.clone(), RoomId::new(name.into_inner())) {
            let stagger = c.power_on_stagger(power_on_stagger, &id);
            if inventory.rooms.contains_key(&id) {
                c.error(span, format!("room `{id}` is declared twice"));
            } else {
                inventory.rooms.insert(
                    id.clone(),
                    Room {
                        id,
                        power_on_stagger_s: stagger,
                    },
                );
            }
        }
    }
    let room_known =
        |inv: &Inventory, id: &RoomId| inv.rooms.contains_key(id) || known.rooms.contains(id);

    for ups in raw.ups {
        let ups = ups.into_inner();
        let span = ups.name.span();
        let Some(id) = c.ok(span.clone(), UpsId::new(ups.name.into_inner())) else {
            continue;
        };
        if inventory.ups.contains_key(&id) {
            c.error(span, format!("UPS `{id}` is declared twice"));
            continue;
        }
        let room = room_ref(&mut c, ups.room, &inventory, &room_known);
        let source = match (ups.nut, ups.snmp) {
            (Some(nut), None) => c
                .ok(nut.span(), NutEndpoint::parse(nut.get_ref()))
                .map(UpsSource::Nut),
            (None, Some(raw)) => c.snmp(raw, &id, &mut secret_files).map(UpsSource::Snmp),
            (Some(nut), Some(_)) => {
                c.error(
                    nut.span(),
                    format!("UPS `{id}`: give either nut or snmp, not both"),
                );
                None
            }
            (None, None) => {
                c.error(
                    span.clone(),
                    format!(
                        "UPS `{id}`: say how it is read: nut = \"ups@host\" or snmp = {{ address = \"host:161\", ... }}"
                    ),
                );
                None
            }
        };
        if let (Some(UpsSource::Snmp(_)), Some(user)) = (&source, &ups.user) {
            c.error(
                user.span(),
                format!("UPS `{id}`: user/password_file are NUT's login; an SNMP v3 user goes in snmp = {{ user = ... }}"),
            );
        }
        if let Some(file) = &ups.password_file {
            c.file_name(file, &format!("UPS `{id}`: password_file"));
            secret_files.push(SecretFile {
                line: c.line(file.span()),
                path: file.get_ref().clone(),
                slot: SecretSlot::UpsLogin(id.clone()),
            });
            if ups.user.is_none() {
                c.error(
                    file.span(),
                    format!("UPS `{id}`: password_file needs a user"),
                );
            }
        }
        let user = c.name_opt(ups.user, &format!("UPS `{id}`: user"));
        let login = user.map(|user| Credentials {
            user,
            password: None,
        });
        let policy = c.ups_policy(ups.policy, id.as_str());
        if let (Some(room), Some(source)) = (room, source) {
            inventory.ups.insert(
                id.clone(),
                Ups {
                    id,
                    room,
                    source,
                    login,
                    policy,
                },
            );
        }
    }

    if let Some(vc) = raw.vcenter {
        let vc = vc.into_inner();
        if let Some(url) = c.ok(vc.url.span(), HttpUrl::parse(vc.url.get_ref())) {
            let tls = c.tls(&url, vc.tls_fingerprint, vc.ca_file, "vcenter");
            if let Some(file) = vc.password_file {
                c.file_name(&file, "vcenter: password_file");
                secret_files.push(SecretFile {
                    line: c.line(file.span()),
                    path: file.into_inner(),
                    slot: SecretSlot::VCenter,
                });
            }
            c.name_chars(&vc.user, "vcenter: user");
            inventory.vcenter = Some(VCenter {
                url,
                login: Credentials {
                    user: vc.user.into_inner(),
                    password: None,
                },
                tls,
            });
        }
    }

    let mut deps: BTreeMap<ServerId, (usize, Vec<ServerId>)> = BTreeMap::new();
    let declared_servers: BTreeSet<String> = raw
        .server
        .iter()
        .map(|s| s.get_ref().name.get_ref().clone())
        .collect();
    let mut this_host_seen: Option<ServerId> = None;
    let mut preferences = Vec::new();
    for server in raw.server {
        let server = server.into_inner();
        let span = server.name.span();
        let Some(id) = c.ok(span.clone(), ServerId::new(server.name.into_inner())) else {
            continue;
        };
        if inventory.servers.contains_key(&id) || deps.contains_key(&id) {
            c.error(span, format!("server `{id}` is declared twice"));
            continue;
        }
        let line = c.line(span.clone());
        let room = room_ref(&mut c, server.room, &inventory, &room_known);
        let kind = match server.kind {
            None => Some(ServerKind::Other),
            Some(k) => {
                let parsed = ServerKind::parse(k.get_ref());
                if parsed.is_none() {
                    c.error(
                        k.span(),
                        format!(
                            "server `{id}`: kind `{}` is not one of hypervisor, storage, network, other",
                            k.get_ref()
                        ),
                    );
                }
                parsed
            }
        };
        let feeds = server
            .feeds
            .map(|listed| c.feeds(listed, &id, &inventory, known));
        let feeds_required = match (feeds.is_some(), server.feeds_required) {
            (false, Some(n)) => {
                c.error(
                    n.span(),
                    format!("server `{id}`: feeds_required needs feeds; without feeds the server is on no managed UPS"),
                );
                None
            }
            (_, n) => n,
        };
        let feeds = feeds.unwrap_or_default();
        let feeds_required = c.feeds_required(feeds_required, &id, feeds.len());
        let mut depends_on = Vec::new();
        for dep in server.depends_on {
            let dspan = dep.span();
            let Some(dep_id) = c.ok(dspan.clone(), ServerId::new(dep.into_inner())) else {
                continue;
            };
            if dep_id == id {
                c.error(dspan, format!("server `{id}` cannot depend on itself"));
            } else if !(declared_servers.contains(dep_id.as_str())
                || known.servers.contains(&dep_id))
            {
                c.error(
                    dspan,
                    format!("server `{id}`: depends_on `{dep_id}` is not a declared server"),
                );
            } else if !depends_on.contains(&dep_id) {
                depends_on.push(dep_id);
            }
        }
        let bmc = server.bmc.and_then(|bmc| {
            let bmc = bmc.into_inner();
            let url = c.ok(bmc.url.span(), HttpUrl::parse(bmc.url.get_ref()))?;
            let tls = c.tls(
                &url,
                bmc.tls_fingerprint,
                bmc.ca_file,
                &format!("server `{id}` bmc"),
            );
            if let Some(file) = bmc.password_file {
                c.file_name(&file, &format!("server `{id}` bmc: password_file"));
                secret_files.push(SecretFile {
                    line: c.line(file.span()),
                    path: file.into_inner(),
                    slot: SecretSlot::Bmc(id.clone()),
                });
            }
            c.name_chars(&bmc.user, &format!("server `{id}`: bmc user"));
            Some(BmcEndpoint {
                url,
                login: Credentials {
                    user: bmc.user.into_inner(),
                    password: None,
                },
                tls,
            })
        });
        let ssh = server.ssh.and_then(|ssh| {
            let ssh = ssh.into_inner();
            if let Err(e) = crate::model::check_ssh_address(ssh.address.get_ref()) {
                c.error(ssh.address.span(), format!("server `{id}`: ssh address {e}"));
                return None;
            }
            c.name_chars(&ssh.address, &format!("server `{id}`: ssh address"));
            let host_key = ssh.host_key.and_then(|k| {
                let line = crate::model::host_key_line(k.get_ref());
                if line.is_none() {
                    c.error(
                        k.span(),
                        format!("server `{id}`: host_key is not a valid OpenSSH public key: copy the line of the server's /etc/ssh/ssh_host_ed25519_key.pub (`ssh-ed25519 AAAA...`), or leave host_key out and pin it at the first `upstra ssh`"),
                    );
                }
                line
            });
            let user = c.name_opt(ssh.user, &format!("server `{id}`: ssh user"));
            Some(SshEndpoint { address: ssh.address.into_inner(), host_key, user })
        });
        let vsphere_host = c.name_opt(server.vsphere_host, &format!("server `{id}`: vsphere_host"));
        let this_host = c.this_host(server.this_host, &id, kind, &mut this_host_seen);
        deps.insert(id.clone(), (line, depends_on.clone()));
        if let Some(listed) = server.migrate_to {
            preferences.push((id.clone(), listed));
        }
        if let (Some(room), Some(kind)) = (room, kind) {
            inventory.servers.insert(
                id.clone(),
                Server {
                    id,
                    room,
                    kind,
                    feeds,
                    feeds_required,
                    tier: server.tier.unwrap_or(1),
                    depends_on,
                    // Filled in once every server is read: it names other servers.
                    migrate_to: Vec::new(),
                    vsphere_host,
                    bmc,
                    ssh,
                    this_host,
                },
            );
        }
    }
    inventory.plan = raw.plan.map(|p| c.plan_settings(p));
    inventory.vm_policies = c.vm_policies(raw.vm);
    c.migrate_to(&mut inventory, preferences, known);
    if let Some((id, line)) = find_cycle(&deps) {
        c.errors.push(LabError {
            line,
            message: format!("server `{id}` is part of a dependency cycle"),
        });
    }

    if c.errors.is_empty() {
        Ok(LabDoc {
            inventory,
            secret_files,
        })
    } else {
        c.errors.sort_by_key(|e| e.line);
        Err(c.errors)
    }
}

fn room_ref(
    c: &mut Checker<'_>,
    room: Spanned<String>,
    inventory: &Inventory,
    room_known: &impl Fn(&Inventory, &RoomId) -> bool,
) -> Option<RoomId> {
    let span = room.span();
    let id = c.ok(span.clone(), RoomId::new(room.into_inner()))?;
    if room_known(inventory, &id) {
        Some(id)
    } else {
        c.error(span, format!("room `{id}` is not declared"));
        None
    }
}

/// Finds one server on a dependency cycle (depth-first, colours by state).
fn find_cycle(deps: &BTreeMap<ServerId, (usize, Vec<ServerId>)>) -> Option<(ServerId, usize)> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Visiting,
        Done,
    }
    fn visit(
        id: &ServerId,
        deps: &BTreeMap<ServerId, (usize, Vec<ServerId>)>,
        marks: &mut BTreeMap<ServerId, Mark>,
    ) -> Option<ServerId> {
        match marks.get(id) {
            Some(Mark::Done) => return None,
            Some(Mark::Visiting) => return Some(id.clone()),
            None => {}
        }
        marks.insert(id.clone(), Mark::Visiting);
        for dep in deps.get(id).map(|(_, d)| d.as_slice()).unwrap_or_default() {
            if let Some(found) = visit(dep, deps, marks) {
                return Some(found);
            }
        }
        marks.insert(id.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    deps.keys()
        .find_map(|id| visit(id, deps, &mut marks))
        .map(|id| {
            let line = deps.get(&id).map_or(0, |(l, _)| *l);
            (id, line)
        })
}

#[cfg(test)]
mod check_tests;
pub mod export;
#[cfg(test)]
mod export_tests;
mod migrate_to;
#[cfg(test)]
mod migrate_to_tests;
mod outage;
mod paths;
mod power;
#[cfg(test)]
mod power_tests;
mod snmp;
#[cfg(test)]
mod snmp_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod text_tests;
