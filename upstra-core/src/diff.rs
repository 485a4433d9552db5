//! What applying a declaration changes. `apply` is declarative and idempotent: entities in the
//! file are created or updated to match it, entities not in the file are kept (removing things
//! is an explicit command, never a side effect of a shorter file).

use serde::{Deserialize, Serialize};

use crate::api::v1::wire_enum::wire_enum;
use crate::model::{Inventory, Server, Ups, UpsSource, VCenter};
use crate::outage::{PlanSettings, VmPolicy};

wire_enum! {
    /// Which kind of object a change is about (`ApplyReport::changes`).
    #[derive(PartialOrd, Ord)]
    pub enum EntityKind {
        Room => "room",
        Ups => "ups",
        Vcenter => "vcenter",
        Server => "server",
        /// The `[plan]` settings.
        Plan => "plan",
        /// A `[[vm]]` entry.
        Vm => "vm",
    }
}

/// What happens to one object. Not a `wire_enum!`: `Update` carries the fields, so the word
/// is the `action` tag of the change's object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum ChangeKind {
    Create,
    /// The names of the fields that differ. Secret fields are named, never shown.
    Update {
        fields: Vec<String>,
    },
    Unchanged,
    /// A change this build does not know: sent by a newer daemon (its other fields are
    /// dropped). Written as `unknown`.
    #[serde(rename = "unknown", other)]
    Unknown,
}

/// One line of an apply report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub entity: EntityKind,
    pub name: String,
    #[serde(flatten)]
    pub kind: ChangeKind,
}

/// Compares what is stored with what is declared, entity by entity, in a stable order.
pub fn diff(current: &Inventory, desired: &Inventory) -> Vec<Change> {
    let mut out = Vec::new();
    for id in desired.rooms.keys() {
        let kind = if current.rooms.contains_key(id) {
            ChangeKind::Unchanged
        } else {
            ChangeKind::Create
        };
        out.push(Change {
            entity: EntityKind::Room,
            name: id.to_string(),
            kind,
        });
    }
    for (id, ups) in &desired.ups {
        let kind = compare(current.ups.get(id), ups, ups_fields);
        out.push(Change {
            entity: EntityKind::Ups,
            name: id.to_string(),
            kind,
        });
    }
    if let Some(vc) = &desired.vcenter {
        let kind = compare(current.vcenter.as_ref(), vc, vcenter_fields);
        out.push(Change {
            entity: EntityKind::Vcenter,
            name: "vcenter".into(),
            kind,
        });
    }
    for (id, server) in &desired.servers {
        let kind = compare(current.servers.get(id), server, server_fields);
        out.push(Change {
            entity: EntityKind::Server,
            name: id.to_string(),
            kind,
        });
    }
    if let Some(plan) = &desired.plan {
        let kind = compare(current.plan.as_ref(), plan, plan_fields);
        out.push(Change {
            entity: EntityKind::Plan,
            name: "plan".into(),
            kind,
        });
    }
    for (name, policy) in &desired.vm_policies {
        let kind = compare(current.vm_policies.get(name), policy, vm_fields);
        out.push(Change {
            entity: EntityKind::Vm,
            name: name.clone(),
            kind,
        });
    }
    out
}

/// The inventory after applying `desired` on top of `current`.
pub fn merge(current: &Inventory, desired: &Inventory) -> Inventory {
    let mut out = current.clone();
    out.rooms
        .extend(desired.rooms.iter().map(|(k, v)| (k.clone(), v.clone())));
    out.ups
        .extend(desired.ups.iter().map(|(k, v)| (k.clone(), v.clone())));
    // The daemon runs on one machine: a file that names it moves the mark there.
    if desired.servers.values().any(|s| s.this_host) {
        for server in out.servers.values_mut() {
            server.this_host = false;
        }
    }
    out.servers
        .extend(desired.servers.iter().map(|(k, v)| (k.clone(), v.clone())));
    if desired.vcenter.is_some() {
        out.vcenter.clone_from(&desired.vcenter);
    }
    if desired.plan.is_some() {
        out.plan.clone_from(&desired.plan);
    }
    out.vm_policies.extend(
        desired
            .vm_policies
            .iter()
            .map(|(k, v)| (k.clone(), v.clone())),
    );
    out
}

/// True when the report changes nothing.
pub fn is_noop(changes: &[Change]) -> bool {
    changes.iter().all(|c| c.kind == ChangeKind::Unchanged)
}

fn compare<T: PartialEq>(
    old: Option<&T>,
    new: &T,
    fields: fn(&T, &T) -> Vec<String>,
) -> ChangeKind {
    match old {
        None => ChangeKind::Create,
        Some(old) if old == new => ChangeKind::Unchanged,
        Some(old) => ChangeKind::Update {
            fields: fields(old, new),
        },
    }
}

/// Pushes the name of each listed field that differs between `$a` and `$b`.
macro_rules! changed_fields {
    ($a:expr, $b:expr, $($name:literal => $($path:ident).+),+ $(,)?) => {{
        let mut v = Vec::new();
        $( if $a.$($path).+ != $b.$($path).+ { v.push(String::from($name)); } )+
        v
    }};
}

fn ups_fields(a: &Ups, b: &Ups) -> Vec<String> {
    let mut v = changed_fields!(a, b, "room" => room);
    v.extend(source_fields(&a.source, &b.source));
    v.extend(changed_fields!(a, b, "policy" => policy));
    if a.login.as_ref().map(|l| &l.user) != b.login.as_ref().map(|l| &l.user) {
        v.push("user".into());
    }
    if a.login.as_ref().map(|l| &l.password) != b.login.as_ref().map(|l| &l.password) {
        v.push("password".into());
    }
    v
}

/// `nut` or `snmp` when the endpoint changed, `snmp secret` when only a community or password
/// did (named, never shown), `source` when a UPS moves from one protocol to the other.
fn source_fields(a: &UpsSource, b: &UpsSource) -> Vec<String> {
    match (a, b) {
        (UpsSource::Nut(x), UpsSource::Nut(y)) if x != y => vec!["nut".into()],
        (UpsSource::Snmp(x), UpsSource::Snmp(y)) if x != y => {
            let public = |e: &crate::snmp::SnmpEndpoint| {
                (
                    e.address(),
                    e.mib,
                    e.security.version(),
                    e.security.user().map(str::to_owned),
                    match &e.security {
                        crate::snmp::SnmpSecurity::V3(u) => Some((u.auth_protocol, u.privacy)),
                        _ => None,
                    },
                )
            };
            if public(x) != public(y) {
                vec!["snmp".into()]
            } else {
                vec!["snmp secret".into()]
            }
        }
        (UpsSource::Nut(_), UpsSource::Snmp(_)) | (UpsSource::Snmp(_), UpsSource::Nut(_)) => {
            vec!["source".into()]
        }
        _ => Vec::new(),
    }
}

fn vm_fields(a: &VmPolicy, b: &VmPolicy) -> Vec<String> {
    changed_fields!(a, b, "priority" => priority, "migrate" => migrate)
}

fn plan_fields(a: &PlanSettings, b: &PlanSettings) -> Vec<String> {
    changed_fields!(a, b,
        "migrations_per_host" => migrations_per_host, "live_migrate" => live_migrate,
        "guest_shutdown_timeout" => guest_shutdown_timeout_s, "server_off_timeout" => server_off_timeout_s,
        "force_off" => force_off, "server_on_timeout" => server_on_timeout_s,
        "memory_headroom" => memory_headroom_pct, "vcpus_per_thread" => vcpus_per_thread,
        "estimates" => estimates,
        "migrate_to_hosts_without_ups" => migrate_to_hosts_without_ups)
}

fn vcenter_fields(a: &VCenter, b: &VCenter) -> Vec<String> {
    changed_fields!(a, b, "url" => url, "user" => login.user, "password" => login.password, "tls" => tls)
}

fn server_fields(a: &Server, b: &Server) -> Vec<String> {
    changed_fields!(a, b,
        "room" => room, "kind" => kind, "feeds" => feeds, "feeds_required" => feeds_required,
        "tier" => tier, "depends_on" => depends_on, "vsphere_host" => vsphere_host, "bmc" => bmc,
        "ssh" => ssh, "this_host" => this_host, "migrate_to" => migrate_to)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lab::{KnownNames, parse};

    fn inv(text: &str) -> Inventory {
        parse(text, &KnownNames::default())
            .expect("valid lab")
            .inventory
    }

    const LAB: &str = "[[room]]\nname = \"r\"\n[[ups]]\nname = \"u\"\nroom = \"r\"\nnut = \"u@h\"\n\
                       [[server]]\nname = \"s\"\nroom = \"r\"\nfeeds = [\"u\"]\n";

    #[test]
    fn applying_twice_is_a_noop() {
        let desired = inv(LAB);
        let first = diff(&Inventory::default(), &desired);
        assert!(first.iter().all(|c| c.kind == ChangeKind::Create));
        let stored = merge(&Inventory::default(), &desired);
        assert!(is_noop(&diff(&stored, &desired)));
    }

    #[test]
    fn updates_name_the_fields() {
        let stored = inv(LAB);
        let desired = inv(&LAB
            .replace("nut = \"u@h\"", "nut = \"u@h2\"")
            .replace("feeds = [\"u\"]\n", "feeds = [\"u\"]\ntier = 3\n"));
        let changes = diff(&stored, &desired);
        assert_eq!(
            changes[1].kind,
            ChangeKind::Update {
                fields: vec!["nut".into()]
            }
        );
        assert_eq!(
            changes[2].kind,
            ChangeKind::Update {
                fields: vec!["tier".into()]
            }
        );
    }

    #[test]
    fn merge_keeps_what_the_file_does_not_mention() {
        let stored = inv(LAB);
        let desired = inv("[[room]]\nname = \"other\"\n");
        let merged = merge(&stored, &desired);
        assert_eq!(merged.rooms.len(), 2);
        assert_eq!(merged.servers.len(), 1);
    }

    #[test]
    fn naming_another_server_as_this_host_moves_the_mark() {
        let stored = inv(&format!("{LAB}this_host = true\n"));
        assert!(stored.servers.values().all(|s| s.this_host));
        let desired = inv(&LAB
            .replace("[[server]]\nname = \"s\"", "[[server]]\nname = \"t\"")
            .replace("feeds = [\"u\"]\n", "feeds = [\"u\"]\nthis_host = true\n"));
        let merged = merge(&stored, &desired);
        let marked: Vec<&str> = merged
            .servers
            .values()
            .filter(|s| s.this_host)
            .map(|s| s.id.as_str())
            .collect();
        assert_eq!(marked, vec!["t"]);
    }
}

#[cfg(test)]
#[path = "diff_wire_tests.rs"]
mod wire_tests;
