//! The migration plan alone: its hosts in order, their iLOs and destinations, and the vCenter;
//! a room and a UPS stand in for what the plan does not hold.

use std::collections::BTreeMap;

use super::map::{Builder, LServer, MOIDS_QUOTED, usable};
use super::render::quoted;
use super::source::{Plan, PlanHost, PlanServer};

impl Builder {
    pub(super) fn read_plan(&mut self, plan: &Plan) {
        let room = self.room(
            "lab",
            Some("PLACEHOLDER: the migration plan names no room: rename it.".into()),
        );
        let ups = self.ups(
            "ups",
            room.clone(),
            "",
            (plan.shutdown_grace_s, plan.restart_grace_s),
            "the plan's `ups` grace pair",
        );
        self.readings.push(
            "without the database the plan gives no room and no UPS: one room and one UPS stand \
             for them, feeding every server, with the plan's grace pair as its policy"
                .into(),
        );
        if let Some(vc) = &plan.vcenter {
            self.vcenter(&vc.address, vc.port, &vc.login, "the plan's vCenter");
        }
        let mut declared: BTreeMap<String, String> = BTreeMap::new();
        let hosts = plan.servers.len();
        for (i, entry) in plan.servers.iter().enumerate() {
            let origin = format!("plan servers[{i}].host");
            let tier = u32::try_from(i + 1).unwrap_or(u32::MAX);
            let name = self.plan_host(&entry.host, &room, &ups, tier, &origin);
            declared.insert(entry.host.moid.clone(), name.clone());
            self.vm_order_note(&name, entry, i);
        }
        for (i, entry) in plan.servers.iter().enumerate() {
            let Some(dest) = &entry.destination else {
                continue;
            };
            let origin = format!("plan servers[{i}].destination");
            let dest_name = match declared.get(&dest.moid) {
                Some(n) => n.clone(),
                None => {
                    let tier = u32::try_from(hosts + 1).unwrap_or(u32::MAX);
                    let n = self.plan_host(dest, &room, &ups, tier, &origin);
                    if let Some(s) = self.servers.last_mut() {
                        s.notes.push(
                            "Only a destination in the plan: put in the last tier; check its \
                             UPS and tier."
                                .into(),
                        );
                    }
                    declared.insert(dest.moid.clone(), n.clone());
                    n
                }
            };
            let source_name = declared.get(&entry.host.moid).cloned().unwrap_or_default();
            self.destination(&source_name, &dest_name, &origin);
        }
    }

    fn plan_host(
        &mut self,
        host: &PlanHost,
        room: &str,
        ups: &str,
        tier: u32,
        origin: &str,
    ) -> String {
        let name = self.server_names.name(&host.name);
        let bmc = host
            .ilo
            .as_ref()
            .and_then(|ilo| self.bmc(&name, ilo, origin));
        let vsphere_host = usable(&host.name).then(|| host.name.clone());
        if vsphere_host.is_none() {
            self.unmapped.push(format!(
                "server {name} ({origin}): its name {} is not usable as vsphere_host; set it to \
                 the host's name in vCenter",
                quoted(&host.name)
            ));
        }
        self.servers.push(LServer {
            name: name.clone(),
            room: room.to_owned(),
            kind: "hypervisor",
            feeds: vec![ups.to_owned()],
            tier,
            vsphere_host,
            bmc,
            notes: vec![format!("From {origin} (moid {}).", quoted(&host.moid))],
            migrate_to: Vec::new(),
            held_migrate_to: Vec::new(),
        });
        name
    }

    fn vm_order_note(&mut self, server: &str, entry: &PlanServer, i: usize) {
        if entry.vm_order.is_empty() {
            return;
        }
        let shown: Vec<String> = entry
            .vm_order
            .iter()
            .take(MOIDS_QUOTED)
            .map(|m| quoted(m))
            .collect();
        let more = entry.vm_order.len().saturating_sub(MOIDS_QUOTED);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        self.unmapped.push(format!(
            "the VM order of server {server} (plan servers[{i}].vmOrder): {}{more}. The plan \
             names VMs by moid only and a lab file by their vCenter name: run the import with \
             --postgres, or add [[vm]] entries (the first in order gets priority 999, the next \
             998...)",
            shown.join(", ")
        ));
    }
}
