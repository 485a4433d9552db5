//! The mapping itself: records in, lab objects out, then [`super::lab_text`] writes them.

use super::names::Namer;
use super::render::quoted;
use super::source::*;
use super::{Counts, Imported, PasswordFile, Placeholder};
use crate::model::{HttpUrl, NutEndpoint};
use crate::text;

/// The port a NUT server listens on: the importer's guess for a UPS the predecessor polled.
const NUT_PORT: u16 = 3493;
/// Longest free-form value (a host name in vCenter, a user) written into the lab file; longer
/// ones are left out and listed, since no real host or user name is that long.
const MAX_VALUE_CHARS: usize = 256;
/// A VM priority in the lab file is at most this; predecessor priority `p` becomes `TOP - p`.
pub(super) const TOP_PRIORITY: i64 = 1000;
/// How many VM moids a comment quotes from one host's order before saying how many more.
pub(super) const MOIDS_QUOTED: usize = 20;

pub(super) struct LRoom {
    pub name: String,
    pub note: Option<String>,
}

pub(super) struct LUps {
    pub name: String,
    pub room: String,
    pub nut: String,
    pub grace_s: Option<u64>,
    pub restore_after_s: Option<u64>,
    pub notes: Vec<String>,
}

pub(super) struct LBmc {
    pub url: String,
    pub user: String,
    pub password_file: Option<String>,
}

pub(super) struct LServer {
    pub name: String,
    pub room: String,
    pub kind: &'static str,
    pub feeds: Vec<String>,
    pub tier: u32,
    pub vsphere_host: Option<String>,
    pub bmc: Option<LBmc>,
    pub notes: Vec<String>,
    /// The predecessor's destination, when the lab file can honour it.
    pub migrate_to: Vec<String>,
    /// Destinations it cannot (name, why): written commented out for review.
    pub held_migrate_to: Vec<(String, String)>,
}

pub(super) struct LVCenter {
    pub url: String,
    pub user: String,
    pub password_file: Option<String>,
    pub notes: Vec<String>,
}

pub(super) struct LVm {
    pub name: String,
    pub priority: i64,
    pub note: String,
}

/// The lab being built.
pub(super) struct Builder {
    pub rooms: Vec<LRoom>,
    pub ups: Vec<LUps>,
    pub servers: Vec<LServer>,
    pub vcenter: Option<LVCenter>,
    pub vms: Vec<LVm>,
    pub room_names: Namer,
    pub ups_names: Namer,
    pub server_names: Namer,
    pub password_files: Vec<PasswordFile>,
    pub placeholders: Vec<Placeholder>,
    pub unmapped: Vec<String>,
    pub readings: Vec<String>,
    pub sources: Vec<String>,
}

/// Maps what was read into a lab file for review.
pub fn map(source: &Source) -> Imported {
    let mut b = Builder {
        rooms: Vec::new(),
        ups: Vec::new(),
        servers: Vec::new(),
        vcenter: None,
        vms: Vec::new(),
        room_names: Namer::new("room"),
        ups_names: Namer::new("UPS"),
        server_names: Namer::new("server"),
        password_files: Vec::new(),
        placeholders: Vec::new(),
        unmapped: Vec::new(),
        readings: Vec::new(),
        sources: Vec::new(),
    };
    if let Some(plan) = &source.plan {
        b.sources
            .push(format!("migration plan {}", quoted(&plan.label)));
    }
    if let Some(db) = &source.database {
        b.sources.push(format!("database {}", quoted(&db.label)));
    }
    match (&source.database, &source.plan) {
        (Some(db), plan) => b.read_database(db, plan.as_ref()),
        (None, Some(plan)) => b.read_plan(plan),
        (None, None) => {}
    }
    let counts = Counts {
        rooms: b.rooms.len(),
        ups: b.ups.len(),
        servers: b.servers.len(),
        vcenter: usize::from(b.vcenter.is_some()),
        vms: b.vms.len(),
    };
    let lab = super::lab_text::write(&b);
    let mut renamed = std::mem::take(&mut b.room_names.renamed);
    renamed.append(&mut b.ups_names.renamed);
    renamed.append(&mut b.server_names.renamed);
    Imported {
        lab,
        password_files: b.password_files,
        placeholders: b.placeholders,
        renamed,
        unmapped: b.unmapped,
        readings: b.readings,
        counts,
    }
}

/// A value the lab file can hold as it is: no control character, a sane length, not blank.
pub(super) fn usable(value: &str) -> bool {
    !value.trim().is_empty()
        && value.chars().count() <= MAX_VALUE_CHARS
        && text::check_name(value).is_ok()
}

/// The host part of an address that may be a URL (`http://10.0.0.5:8080/ups`) or `host:port`.
fn host_of(address: &str) -> &str {
    let a = address.trim();
    let a = a.split_once("://").map_or(a, |(_, rest)| rest);
    let a = a.split(['/', '?', '#']).next().unwrap_or_default();
    if let Some(v6) = a.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default();
    }
    match a.matches(':').count() {
        1 => a.split(':').next().unwrap_or_default(),
        _ => a,
    }
}

/// `host` ready for a URL or `ups@host:port`: IPv6 in brackets.
fn url_host(host: &str) -> String {
    if host.contains(':') {
        format!("[{host}]")
    } else {
        host.to_owned()
    }
}

/// An iLO's Redfish system URL from its address, the path an iLO serves its one system at.
fn bmc_url(address: &str) -> Option<String> {
    let a = address.trim();
    let url = match a.split_once("://") {
        Some((_, rest)) if rest.contains('/') => a.to_owned(),
        Some(_) => format!("{}/redfish/v1/Systems/1", a.trim_end_matches('/')),
        None => format!("https://{}/redfish/v1/Systems/1", url_host(host_of(a))),
    };
    (usable(&url) && HttpUrl::parse(&url).is_ok()).then_some(url)
}

impl Builder {
    /// Adds the password of `what` as `file`, or a placeholder saying why not.
    pub(super) fn password(
        &mut self,
        file: String,
        what: String,
        password: Option<&Password>,
    ) -> Option<String> {
        match password {
            Some(Password::Decrypted(value)) => {
                self.password_files.push(PasswordFile {
                    file: file.clone(),
                    what,
                    value: value.clone(),
                    plain_text: false,
                });
                Some(file)
            }
            Some(Password::PlainText(value)) => {
                self.readings.push(format!(
                    "the password of {what} was not in the encrypted form: written to {file} as \
                     the source holds it (the predecessor wrote some plans with plain passwords)"
                ));
                self.password_files.push(PasswordFile {
                    file: file.clone(),
                    what,
                    value: value.clone(),
                    plain_text: true,
                });
                Some(file)
            }
            Some(Password::Unavailable(reason)) => {
                self.placeholders.push(Placeholder {
                    file,
                    what,
                    reason: reason.clone(),
                });
                None
            }
            None => {
                self.placeholders.push(Placeholder {
                    file,
                    what,
                    reason: "the source holds no password for it".into(),
                });
                None
            }
        }
    }

    pub(super) fn room(&mut self, original: &str, note: Option<String>) -> String {
        let name = self.room_names.name(original);
        self.rooms.push(LRoom {
            name: name.clone(),
            note,
        });
        name
    }

    /// The room records without one go to: made once, on first need.
    pub(super) fn fallback_room(&mut self) -> String {
        const NAME: &str = "unassigned";
        if let Some(r) = self
            .rooms
            .iter()
            .find(|r| r.note.as_deref() == Some(FALLBACK_ROOM))
        {
            return r.name.clone();
        }
        self.room(NAME, Some(FALLBACK_ROOM.into()))
    }

    /// The iLO of `server` as a `bmc`, with its password file.
    pub(super) fn bmc(&mut self, server: &str, ilo: &SourceIlo, origin: &str) -> Option<LBmc> {
        let Some(url) = bmc_url(&ilo.address) else {
            self.unmapped.push(format!(
                "the iLO address {} of server {server} ({origin}) is not a usable address: \
                 no bmc declared; add one by hand",
                quoted(&ilo.address)
            ));
            return None;
        };
        if !usable(&ilo.login.user) {
            self.unmapped.push(format!(
                "the iLO user {} of server {server} ({origin}) is empty or holds a control \
                 character: no bmc declared; add one by hand",
                quoted(&ilo.login.user)
            ));
            return None;
        }
        let file = format!("bmc-{server}.password");
        let password_file = self.password(
            file,
            format!("the iLO of server {server}"),
            ilo.login.password.as_ref(),
        );
        Some(LBmc {
            url,
            user: ilo.login.user.clone(),
            password_file,
        })
    }

    pub(super) fn vcenter(
        &mut self,
        address: &str,
        port: Option<i64>,
        login: &Login,
        origin: &str,
    ) {
        let host = url_host(host_of(address));
        let url = match port {
            Some(p) if p != 443 => format!("https://{host}:{p}/sdk"),
            _ => format!("https://{host}/sdk"),
        };
        if !(usable(&url) && HttpUrl::parse(&url).is_ok() && usable(&login.user)) {
            self.unmapped.push(format!(
                "the vCenter ({origin}) at {} with user {}: the address or the user is not \
                 usable as written; declare [vcenter] by hand",
                quoted(address),
                quoted(&login.user)
            ));
            return;
        }
        let password_file = self.password(
            "vcenter.password".into(),
            "the vCenter".into(),
            login.password.as_ref(),
        );
        self.vcenter = Some(LVCenter {
            url,
            user: login.user.clone(),
            password_file,
            notes: vec![format!(
                "From {origin}. Its certificate is not pinned: check it with `upstra trust` \
                 before relying on it."
            )],
        });
    }

    /// One UPS, with the grace pair as its policy.
    pub(super) fn ups(
        &mut self,
        original: &str,
        room: String,
        address: &str,
        grace: (Option<i64>, Option<i64>),
        origin: &str,
    ) -> String {
        let name = self.ups_names.name(original);
        let host = host_of(address);
        let guess = format!("{name}@{}:{NUT_PORT}", url_host(host));
        let mut notes = Vec::new();
        let nut = if usable(host) && NutEndpoint::parse(&guess).is_ok() {
            notes.push(format!(
                "From {origin}. REVIEW: the predecessor read this UPS at {} over SNMP; `nut` \
                 assumes a NUT server there that serves it as `{name}`: point it at the upsd \
                 that watches this UPS, or read its card directly with `snmp = {{ address = \
                 \"{}:161\", version = \"v2c\", community_file = \"...\" }}` (or v3) \
                 instead of `nut`.",
                quoted(address),
                url_host(host)
            ));
            guess
        } else if address.trim().is_empty() {
            notes.push(format!(
                "From {origin}. PLACEHOLDER: the source gives no address for this UPS; set \
                 `nut` to the upsd that watches it."
            ));
            format!("{name}@127.0.0.1:{NUT_PORT}")
        } else {
            notes.push(format!(
                "From {origin}. PLACEHOLDER: the predecessor's address {} is not usable as \
                 written; set `nut` to the upsd that watches this UPS.",
                quoted(address)
            ));
            format!("{name}@127.0.0.1:{NUT_PORT}")
        };
        let secs = |v: Option<i64>, key: &str, notes: &mut Vec<String>| match v {
            Some(s) if s >= 0 => u64::try_from(s).ok(),
            Some(s) => {
                notes.push(format!("{key} {s} s is negative: the default is kept."));
                None
            }
            None => None,
        };
        let grace_s = secs(grace.0, "grace_period_off", &mut notes);
        let restore_after_s = secs(grace.1, "grace_period_on", &mut notes);
        self.ups.push(LUps {
            name: name.clone(),
            room,
            nut,
            grace_s,
            restore_after_s,
            notes,
        });
        name
    }
}

/// The note that marks the room made for records that name none.
const FALLBACK_ROOM: &str = "Made by the import for records that name no room the source \
    holds: move them to their real room.";
