//! The stored declaration written back as a lab file (`upstra export`): what [`super::parse`]
//! reads, so that applying the output changes nothing and a lab kept in git round-trips.
//!
//! Secrets are never written: a login that has a password gets a `password_file` reference
//! ([`password_file`]) that the operator fills in next to the lab file. Values are quoted by the
//! `toml` crate, so a quote, a backslash or any Unicode a name may hold reads back as itself.
//! Durations are written in seconds, which read back exactly.

use std::fmt::Write as _;

use super::SecretSlot;
use crate::model::{Inventory, Server, TlsTrust, Ups, UpsSource};
use crate::outage::{CommsLostPolicy, PlanSettings, UpsPolicy};
use crate::snmp::SnmpSecurity;

/// The password file a lab file names for a secret, relative to the lab file. Ids hold only
/// ASCII letters, digits, `.`, `_` and `-`, so the name is a plain file name.
pub fn password_file(slot: &SecretSlot) -> String {
    match slot {
        SecretSlot::UpsLogin(id) => format!("secrets/ups-{id}"),
        SecretSlot::Bmc(id) => format!("secrets/bmc-{id}"),
        SecretSlot::VCenter => "secrets/vcenter".to_owned(),
        SecretSlot::SnmpCommunity(id) => format!("secrets/ups-{id}-community"),
        SecretSlot::SnmpAuth(id) => format!("secrets/ups-{id}-auth"),
        SecretSlot::SnmpPriv(id) => format!("secrets/ups-{id}-priv"),
    }
}

/// `value` as a TOML string, escaped as needed.
fn q(value: &str) -> String {
    toml::Value::String(value.to_owned()).to_string()
}

/// A list of strings as a TOML array.
fn list<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<String> = values.into_iter().map(q).collect();
    format!("[{}]", items.join(", "))
}

/// Writes `inventory` as a lab file. `has_password` says which secrets are set, for which a
/// `password_file` is named.
pub fn render(inventory: &Inventory, has_password: &dyn Fn(&SecretSlot) -> bool) -> String {
    let mut out = String::from(
        "# Written by `upstra export`. Passwords are not in it: each password_file below names\n\
         # a file (relative to this one) to fill in with the secret before `upstra apply`.\n",
    );
    for room in inventory.rooms.values() {
        let _ = write!(out, "\n[[room]]\nname = {}\n", q(room.id.as_str()));
        if room.power_on_stagger_s != crate::model::DEFAULT_POWER_ON_STAGGER_S {
            let _ = writeln!(out, "power_on_stagger = {}", room.power_on_stagger_s);
        }
    }
    for ups in inventory.ups.values() {
        let _ = write!(
            out,
            "\n[[ups]]\nname = {}\nroom = {}\n{}",
            q(ups.id.as_str()),
            q(ups.room.as_str()),
            ups_endpoint(ups)
        );
        if let Some(login) = &ups.login {
            let _ = writeln!(out, "user = {}", q(&login.user));
            let slot = SecretSlot::UpsLogin(ups.id.clone());
            if has_password(&slot) {
                let _ = writeln!(out, "password_file = {}", q(&password_file(&slot)));
            }
        }
        if ups.policy != UpsPolicy::default() {
            let _ = writeln!(out, "policy = {}", ups_policy(&ups.policy));
        }
    }
    if let Some(vc) = &inventory.vcenter {
        let _ = write!(
            out,
            "\n[vcenter]\nurl = {}\nuser = {}\n",
            q(vc.url.as_str()),
            q(&vc.login.user)
        );
        if has_password(&SecretSlot::VCenter) {
            let _ = writeln!(
                out,
                "password_file = {}",
                q(&password_file(&SecretSlot::VCenter))
            );
        }
        for (key, value) in tls(&vc.tls) {
            let _ = writeln!(out, "{key} = {value}");
        }
    }
    for server in inventory.servers.values() {
        out.push_str(&server_table(server, has_password));
    }
    if let Some(plan) = &inventory.plan {
        out.push_str(&plan_tables(plan));
    }
    for (name, policy) in &inventory.vm_policies {
        let _ = write!(
            out,
            "\n[[vm]]\nname = {}\npriority = {}\nmigrate = {}\n",
            q(name),
            policy.priority,
            policy.migrate
        );
    }
    out
}

/// Where the UPS is read: its endpoint key(s), one line each. An SNMP agent's secrets are
/// always named as files, even when the lab file had an inline `community`: an export never
/// holds a secret.
fn ups_endpoint(ups: &Ups) -> String {
    match &ups.source {
        UpsSource::Nut(nut) => format!("nut = {}\n", q(&nut.to_string())),
        UpsSource::Snmp(snmp) => {
            let id = &ups.id;
            let mut fields = vec![
                format!("address = {}", q(&snmp.address())),
                format!("version = {}", q(snmp.security.version())),
            ];
            match &snmp.security {
                SnmpSecurity::V1 { .. } | SnmpSecurity::V2c { .. } => fields.push(format!(
                    "community_file = {}",
                    q(&password_file(&SecretSlot::SnmpCommunity(id.clone())))
                )),
                SnmpSecurity::V3(usm) => {
                    fields.push(format!("user = {}", q(&usm.user)));
                    fields.push(format!("auth_protocol = {}", q(usm.auth_protocol.as_str())));
                    fields.push(format!(
                        "auth_password_file = {}",
                        q(&password_file(&SecretSlot::SnmpAuth(id.clone())))
                    ));
                    if let Some(privacy) = usm.privacy {
                        fields.push(format!("priv_protocol = {}", q(privacy.as_str())));
                        fields.push(format!(
                            "priv_password_file = {}",
                            q(&password_file(&SecretSlot::SnmpPriv(id.clone())))
                        ));
                    }
                }
            }
            fields.push(format!("mib = {}", q(snmp.mib.as_str())));
            format!("snmp = {{ {} }}\n", fields.join(", "))
        }
    }
}

fn tls(trust: &TlsTrust) -> Vec<(&'static str, String)> {
    match trust {
        TlsTrust::Unpinned => Vec::new(),
        TlsTrust::Fingerprint(f) => vec![("tls_fingerprint", q(&f.to_string()))],
        TlsTrust::CaFile(path) => vec![("ca_file", q(path))],
    }
}

fn ups_policy(p: &UpsPolicy) -> String {
    let comms_lost = match p.comms_lost {
        CommsLostPolicy::Alarm => "alarm".to_owned(),
        CommsLostPolicy::ActAfter { secs } => format!("act after {secs}s"),
    };
    format!(
        "{{ grace = {}, act_on_low_battery = {}, runtime_margin = {}, comms_lost = {}, \
         restore_after = {}, restore_min_charge = {}, auto_restore = {}, ups_off = {}, \
         ups_off_margin = {}, output_return = {} }}",
        p.grace_s,
        p.act_on_low_battery,
        p.runtime_margin_s,
        q(&comms_lost),
        p.restore_stable_s,
        p.restore_min_charge_pct,
        p.auto_restore,
        q(p.ups_off.as_str()),
        p.ups_off_margin_s,
        p.output_return_s
    )
}

fn server_table(s: &Server, has_password: &dyn Fn(&SecretSlot) -> bool) -> String {
    let mut out = format!(
        "\n[[server]]\nname = {}\nroom = {}\nkind = {}\n",
        q(s.id.as_str()),
        q(s.room.as_str()),
        q(s.kind.as_str())
    );
    // No feeds: a server on no managed UPS, which the file says by leaving the key out.
    if !s.feeds.is_empty() {
        let _ = writeln!(out, "feeds = {}", list(s.feeds.iter().map(|f| f.as_str())));
        if s.feeds_required != crate::model::DEFAULT_FEEDS_REQUIRED {
            let _ = writeln!(out, "feeds_required = {}", s.feeds_required);
        }
    }
    let _ = writeln!(out, "tier = {}", s.tier);
    if !s.depends_on.is_empty() {
        let _ = writeln!(
            out,
            "depends_on = {}",
            list(s.depends_on.iter().map(|d| d.as_str()))
        );
    }
    if let Some(host) = &s.vsphere_host {
        let _ = writeln!(out, "vsphere_host = {}", q(host));
    }
    if !s.migrate_to.is_empty() {
        let _ = writeln!(
            out,
            "migrate_to = {}",
            list(s.migrate_to.iter().map(|t| t.as_str()))
        );
    }
    if s.this_host {
        out.push_str("this_host = true\n");
    }
    if let Some(bmc) = &s.bmc {
        let mut keys = vec![("url", q(bmc.url.as_str())), ("user", q(&bmc.login.user))];
        let slot = SecretSlot::Bmc(s.id.clone());
        if has_password(&slot) {
            keys.push(("password_file", q(&password_file(&slot))));
        }
        keys.extend(tls(&bmc.tls));
        let _ = writeln!(out, "bmc = {}", inline(&keys));
    }
    if let Some(ssh) = &s.ssh {
        let mut keys = vec![("address", q(&ssh.address))];
        if let Some(user) = &ssh.user {
            keys.push(("user", q(user)));
        }
        if let Some(key) = &ssh.host_key {
            keys.push(("host_key", q(key)));
        }
        let _ = writeln!(out, "ssh = {}", inline(&keys));
    }
    out
}

fn inline(keys: &[(&str, String)]) -> String {
    let pairs: Vec<String> = keys.iter().map(|(k, v)| format!("{k} = {v}")).collect();
    format!("{{ {} }}", pairs.join(", "))
}

fn plan_tables(p: &PlanSettings) -> String {
    let e = &p.estimates;
    format!(
        "\n[plan]\nmigrations_per_host = {}\nlive_migrate = {}\nguest_shutdown_timeout = {}\n\
         server_off_timeout = {}\nforce_off = {}\nserver_on_timeout = {}\nmemory_headroom = {}\n\
         vcpus_per_thread = {}\nmigrate_to_hosts_without_ups = {}\n\n[plan.estimates]\nmigrate_vm = {}\nstop_vm = {}\n\
         enter_maintenance = {}\nshutdown_server = {}\npower_on_server = {}\nwait_connected = {}\n\
         exit_maintenance = {}\nstart_vm = {}\nups_off = {}\nshutdown_this_host = {}\n",
        p.migrations_per_host,
        p.live_migrate,
        p.guest_shutdown_timeout_s,
        p.server_off_timeout_s,
        p.force_off,
        p.server_on_timeout_s,
        p.memory_headroom_pct,
        p.vcpus_per_thread,
        p.migrate_to_hosts_without_ups,
        e.migrate_vm_s,
        e.stop_vm_s,
        e.enter_maintenance_s,
        e.shutdown_server_s,
        e.power_on_server_s,
        e.wait_connected_s,
        e.exit_maintenance_s,
        e.start_vm_s,
        e.ups_off_s,
        e.shutdown_this_host_s
    )
}
