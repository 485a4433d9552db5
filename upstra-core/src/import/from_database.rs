//! The predecessor's database, completed by the plan when both are given: rooms, UPS with their
//! grace periods, servers with their priority and iLO, the vCenter row, VMs and groups.

use std::collections::{BTreeMap, BTreeSet};

use super::map::{Builder, LServer, LVm, MOIDS_QUOTED, TOP_PRIORITY, usable};
use super::render::quoted;
use super::source::*;

impl Builder {
    pub(super) fn read_database(&mut self, db: &Database, plan: Option<&Plan>) {
        self.readings.extend(db.readings.iter().cloned());
        let mut rooms: BTreeMap<&str, String> = BTreeMap::new();
        for r in &db.rooms {
            let name = self.room(&r.name, None);
            rooms.insert(r.id.as_str(), name);
        }
        let mut ups_names: BTreeMap<&str, String> = BTreeMap::new();
        for u in &db.ups {
            let room = match u.room_id.as_deref().and_then(|id| rooms.get(id)) {
                Some(r) => r.clone(),
                None => self.fallback_room(),
            };
            let origin = format!("database ups {}", quoted(&u.id));
            let name = self.ups(
                &u.name,
                room,
                &u.address,
                (u.grace_off_s, u.grace_on_s),
                &origin,
            );
            ups_names.insert(u.id.as_str(), name);
        }
        if let Some(plan) = plan
            && (plan.shutdown_grace_s.is_some() || plan.restart_grace_s.is_some())
        {
            self.readings.push(format!(
                "the plan's single grace pair (shutdownGrace {}, restartGrace {}) came from \
                     one UPS; each UPS keeps its own from the database",
                opt_secs(plan.shutdown_grace_s),
                opt_secs(plan.restart_grace_s)
            ));
        }
        self.database_vcenter(db, plan);
        let names = self.database_servers(db, &rooms, &ups_names, plan);
        self.database_vms(db, &names, plan);
        self.groups(db, &names);
    }

    fn database_vcenter(&mut self, db: &Database, plan: Option<&Plan>) {
        let mut vcenters = db.servers.iter().filter(|s| s.kind == ServerType::VCenter);
        match vcenters.next() {
            Some(vc) => {
                let origin = format!("database server {}", quoted(&vc.id));
                let login = vc.login.clone().unwrap_or(Login {
                    user: String::new(),
                    password: None,
                });
                // The row holds no port; the plan's, for the same address, does.
                let port = plan
                    .and_then(|p| p.vcenter.as_ref())
                    .filter(|p| p.address == vc.address)
                    .and_then(|p| p.port);
                self.vcenter(&vc.address, port, &login, &origin);
            }
            None => {
                if let Some(vc) = plan.and_then(|p| p.vcenter.as_ref()) {
                    self.vcenter(&vc.address, vc.port, &vc.login, "the plan's vCenter");
                }
            }
        }
        for extra in vcenters {
            self.unmapped.push(format!(
                "a second vCenter row {} (database server {}): a lab has one vCenter; not \
                 declared",
                quoted(&extra.name),
                quoted(&extra.id)
            ));
        }
    }

    fn database_servers(
        &mut self,
        db: &Database,
        rooms: &BTreeMap<&str, String>,
        ups: &BTreeMap<&str, String>,
        plan: Option<&Plan>,
    ) -> BTreeMap<String, String> {
        let hosts: Vec<&SourceServer> = db
            .servers
            .iter()
            .filter(|s| s.kind != ServerType::VCenter)
            .collect();
        let priorities: BTreeSet<i64> = hosts.iter().filter_map(|s| s.priority).collect();
        let tier_of = |p: Option<i64>| {
            let rank = match p {
                Some(p) => priorities.range(..p).count(),
                None => priorities.len(),
            };
            u32::try_from(rank + 1).unwrap_or(u32::MAX)
        };
        if !priorities.is_empty() {
            self.readings.push(
                "server priority 1 is shut down first: each distinct priority became a tier, in \
                 order, so servers go down one after another as before (give several the same \
                 tier to shut them down together)"
                    .into(),
            );
        }
        let mut names = BTreeMap::new();
        for s in hosts {
            let origin = format!("database server {}", quoted(&s.id));
            let name = self.server_names.name(&s.name);
            names.insert(s.id.clone(), name.clone());
            let room = match s.room_id.as_deref().and_then(|id| rooms.get(id)) {
                Some(r) => r.clone(),
                None => self.fallback_room(),
            };
            let mut notes = vec![format!("From {origin}.")];
            let feeds: Vec<String> = s
                .ups_id
                .as_deref()
                .and_then(|id| ups.get(id))
                .cloned()
                .into_iter()
                .collect();
            if feeds.is_empty() {
                // A server on no UPS is declared without `feeds`: never shed, no migration
                // target by default. Said at the top too, since the predecessor may simply not
                // have recorded its UPS.
                notes.push(
                    "On no UPS the predecessor knew: declared without feeds, so it is never \
                     shed. If a UPS Upstra manages powers it, add `feeds`."
                        .into(),
                );
                self.unmapped.push(format!(
                    "server {name} ({origin}) is on no UPS: declared without feeds (review)"
                ));
            }
            let bmc = match &s.ilo {
                Some(ilo) => self.bmc(&name, ilo, &origin),
                None => {
                    if s.kind == ServerType::Esxi {
                        notes.push("The predecessor held no iLO for it: no bmc.".into());
                    }
                    None
                }
            };
            if s.login.as_ref().is_some_and(|l| !l.user.is_empty()) {
                self.unmapped.push(format!(
                    "the login of server {name} ({origin}): Upstra reaches hosts through vCenter \
                     and their BMC; not carried, its password not written"
                ));
            }
            let vsphere_host = self.vsphere_host(db, s, &name, plan, &mut notes);
            let kind = match &s.kind {
                ServerType::Esxi => "hypervisor",
                _ => "other",
            };
            if let ServerType::Other(t) = &s.kind {
                notes.push(format!(
                    "Its type was {}: declared as kind other.",
                    quoted(t)
                ));
            }
            self.servers.push(LServer {
                name,
                room,
                kind,
                feeds,
                tier: tier_of(s.priority),
                vsphere_host,
                bmc,
                notes,
                migrate_to: Vec::new(),
                held_migrate_to: Vec::new(),
            });
        }
        if let Some(plan) = plan {
            self.plan_destinations(db, plan, &names);
        }
        names
    }

    /// vCenter's name for the host: what its VMs say (`esxiHostName`), else the plan's host
    /// name, else the server's own name.
    fn vsphere_host(
        &mut self,
        db: &Database,
        s: &SourceServer,
        name: &str,
        plan: Option<&Plan>,
        notes: &mut Vec<String>,
    ) -> Option<String> {
        if s.kind != ServerType::Esxi {
            return None;
        }
        let from_vms = db
            .vms
            .iter()
            .filter(|v| v.server_id.as_deref() == Some(s.id.as_str()))
            .filter_map(|v| v.host_name.as_deref())
            .find(|h| usable(h));
        if let Some(h) = from_vms {
            return Some(h.to_owned());
        }
        let from_plan = plan
            .into_iter()
            .flat_map(|p| &p.servers)
            .flat_map(|e| std::iter::once(&e.host).chain(e.destination.as_ref()))
            .find(|h| s.host_moid.as_deref() == Some(h.moid.as_str()))
            .map(|h| h.name.as_str())
            .filter(|h| usable(h));
        let guess = from_plan.or_else(|| usable(&s.name).then_some(s.name.as_str()));
        match guess {
            Some(h) => {
                notes.push(
                    "REVIEW: vsphere_host is the predecessor's name for this host (none of its \
                     VMs named it): check it is the host's name in vCenter."
                        .into(),
                );
                Some(h.to_owned())
            }
            None => {
                self.unmapped.push(format!(
                    "server {name}: no usable host name for vsphere_host; set it to the host's \
                     name in vCenter"
                ));
                None
            }
        }
    }

    fn plan_destinations(&mut self, db: &Database, plan: &Plan, names: &BTreeMap<String, String>) {
        let find = |h: &PlanHost| {
            db.servers
                .iter()
                .find(|s| s.host_moid.as_deref() == Some(h.moid.as_str()))
                .or_else(|| db.servers.iter().find(|s| s.name == h.name))
                .and_then(|s| names.get(&s.id))
                .cloned()
        };
        for (i, entry) in plan.servers.iter().enumerate() {
            let Some(source) = find(&entry.host) else {
                self.unmapped.push(format!(
                    "plan host {} (servers[{i}].host, moid {}) matches no server of the \
                     database: not declared",
                    quoted(&entry.host.name),
                    quoted(&entry.host.moid)
                ));
                continue;
            };
            let Some(dest) = &entry.destination else {
                continue;
            };
            let origin = format!("plan servers[{i}].destination");
            match find(dest) {
                Some(d) => self.destination(&source, &d, &origin),
                None => self.unmapped.push(format!(
                    "the destination {} of {source} ({origin}, moid {}) matches no server of \
                     the database: not declared",
                    quoted(&dest.name),
                    quoted(&dest.moid)
                )),
            }
        }
    }

    fn database_vms(
        &mut self,
        db: &Database,
        servers: &BTreeMap<String, String>,
        plan: Option<&Plan>,
    ) {
        // Position in its host's order, for VMs the database gives no priority.
        let mut order: BTreeMap<&str, i64> = BTreeMap::new();
        for entry in plan.into_iter().flat_map(|p| &p.servers) {
            for (i, moid) in entry.vm_order.iter().enumerate() {
                order
                    .entry(moid.as_str())
                    .or_insert(i64::try_from(i + 1).unwrap_or(i64::MAX));
            }
        }
        let mut vms: Vec<(i64, i64, &SourceVm, &'static str)> = Vec::new();
        let mut with_login = Vec::new();
        for v in &db.vms {
            if v.has_login {
                with_login.push(quoted(&v.name));
            }
            let (p, from) = match (v.priority, v.moid.as_deref().and_then(|m| order.get(m))) {
                (Some(p), _) => (p, "priority"),
                (None, Some(pos)) => (*pos, "plan order"),
                (None, None) => continue,
            };
            vms.push((
                TOP_PRIORITY
                    .saturating_sub(p)
                    .clamp(-TOP_PRIORITY, TOP_PRIORITY),
                p,
                v,
                from,
            ));
        }
        // Highest first, so that of two VMs with one name the more important is kept.
        vms.sort_by(|a, b| b.0.cmp(&a.0).then(a.2.name.cmp(&b.2.name)));
        let mut seen = BTreeSet::new();
        for (priority, source_p, v, from) in vms {
            let origin = format!("database vm {}", quoted(&v.id));
            if !usable(&v.name) {
                self.unmapped.push(format!(
                    "VM {} ({origin}): its name is empty or holds a control character, and a \
                     [[vm]] entry names a VM as vCenter does; not declared",
                    quoted(&v.name)
                ));
                continue;
            }
            if !seen.insert(v.name.clone()) {
                self.unmapped.push(format!(
                    "VM {} ({origin}): another VM has the same name and a higher priority; a \
                     lab file names VMs by name, so this one is not declared",
                    quoted(&v.name)
                ));
                continue;
            }
            let host = v
                .server_id
                .as_deref()
                .and_then(|id| servers.get(id))
                .map_or(String::new(), |h| format!(" on {h}"));
            self.vms.push(LVm {
                name: v.name.clone(),
                priority,
                note: format!("{origin}{host}, {from} {source_p}"),
            });
        }
        if !self.vms.is_empty() {
            self.readings.push(
                "VM priority 1 is handled first by the predecessor: it became priority 999 (a \
                 higher priority moves first, stops last and starts first in Upstra)"
                    .into(),
            );
        }
        if !with_login.is_empty() {
            let n = with_login.len();
            with_login.truncate(MOIDS_QUOTED);
            self.unmapped.push(format!(
                "{n} VMs held a guest login ({}{}): Upstra does not log into guests; not \
                 carried, their passwords not written",
                with_login.join(", "),
                if n > MOIDS_QUOTED { ", ..." } else { "" }
            ));
        }
    }

    fn groups(&mut self, db: &Database, servers: &BTreeMap<String, String>) {
        for g in &db.groups {
            let mut members: Vec<String> = db
                .servers
                .iter()
                .filter(|s| s.group_id.as_deref() == Some(g.id.as_str()))
                .filter_map(|s| servers.get(&s.id).cloned())
                .collect();
            members.extend(
                db.vms
                    .iter()
                    .filter(|v| v.group_id.as_deref() == Some(g.id.as_str()))
                    .map(|v| format!("VM {}", quoted(&v.name))),
            );
            let n = members.len();
            members.truncate(MOIDS_QUOTED);
            self.unmapped.push(format!(
                "group {} ({}, database groups {}) with {n} members{}{}: groups only organised \
                 the predecessor's screens",
                quoted(&g.name),
                quoted(&g.kind),
                quoted(&g.id),
                if n > 0 { ": " } else { "" },
                members.join(", ")
            ));
        }
    }
}

fn opt_secs(v: Option<i64>) -> String {
    v.map_or("unset".into(), |s| format!("{s} s"))
}
