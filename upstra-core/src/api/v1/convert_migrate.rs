//! `migrate_to` of an inbound declaration, checked again by the daemon against what it will
//! hold after the apply: the servers of the declaration over the stored ones, and the `[plan]`
//! that will be in force (the declaration's, else the stored one).

use crate::ids::ServerId;
use crate::model::Inventory;
use crate::outage::{MAX_MIGRATE_TO, NeverTarget, never_moves_vms, never_target};

/// Resolves each server's asked-for preferred targets onto `inv`, returning the problems.
pub(super) fn migrate_to(
    inv: &mut Inventory,
    asked: Vec<(ServerId, Vec<String>)>,
    existing: &Inventory,
) -> Vec<String> {
    let mut problems = Vec::new();
    let settings = inv
        .plan
        .clone()
        .or_else(|| existing.plan.clone())
        .unwrap_or_default();
    for (id, names) in asked {
        let what = format!("server `{id}`");
        if names.len() > MAX_MIGRATE_TO {
            problems.push(format!(
                "{what}: migrate_to lists {} hosts, at most {MAX_MIGRATE_TO}",
                names.len()
            ));
            continue;
        }
        let Some(source) = inv.servers.get(&id) else {
            continue;
        };
        if let Some(why) = never_moves_vms(source).filter(|_| !names.is_empty()) {
            problems.push(format!("{what}: {why}"));
            continue;
        }
        let mut targets: Vec<ServerId> = Vec::new();
        for name in names {
            let target = match ServerId::new(name) {
                Ok(t) => t,
                Err(e) => {
                    problems.push(format!("{what}: migrate_to {e}"));
                    continue;
                }
            };
            let declared = inv
                .servers
                .get(&target)
                .or_else(|| existing.servers.get(&target));
            let problem = match declared {
                _ if targets.contains(&target) => Some("is listed twice".to_owned()),
                None => Some("is not a declared server".to_owned()),
                Some(t) => never_target(source, t, &settings).map(|why| match why {
                    NeverTarget::Itself => "is the server itself".to_owned(),
                    other => other.to_string(),
                }),
            };
            match problem {
                Some(problem) => problems.push(format!("{what}: migrate_to `{target}` {problem}")),
                None => targets.push(target),
            }
        }
        if let Some(server) = inv.servers.get_mut(&id) {
            server.migrate_to = targets;
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::api::v1::LabSpec;
    use crate::lab::{KnownNames, parse};
    use crate::model::Inventory;

    /// `esx-01` on `ups-a`, `esx-02` on `ups-b`, `esx-03` on `ups-a`, through the wire.
    fn spec(extra: &str) -> LabSpec {
        let text = format!(
            "[[room]]\nname = \"r\"\n\
             [[ups]]\nname = \"ups-a\"\nroom = \"r\"\nnut = \"a@h\"\n\
             [[ups]]\nname = \"ups-b\"\nroom = \"r\"\nnut = \"b@h\"\n\
             [[server]]\nname = \"esx-02\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"ups-b\"]\nvsphere_host = \"esx-02\"\n\
             [[server]]\nname = \"esx-03\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"ups-a\"]\nvsphere_host = \"esx-03\"\n\
             [[server]]\nname = \"esx-01\"\nroom = \"r\"\nkind = \"hypervisor\"\nfeeds = [\"ups-a\"]\nvsphere_host = \"esx-01\"\n{extra}"
        );
        LabSpec::from(
            &parse(&text, &KnownNames::default())
                .expect("valid")
                .inventory,
        )
    }

    fn with_targets(mut spec: LabSpec, targets: &[&str]) -> LabSpec {
        for s in &mut spec.servers {
            if s.name == "esx-01" {
                s.migrate_to = targets.iter().map(|t| (*t).to_owned()).collect();
            }
        }
        spec
    }

    #[test]
    fn a_preference_the_lab_file_accepts_reaches_the_inventory() {
        let inv = spec("migrate_to = [\"esx-02\"]\n")
            .into_inventory(&Inventory::default())
            .expect("valid");
        let esx01 = &inv.servers[&"esx-01".parse().expect("id")];
        assert_eq!(esx01.migrate_to, vec!["esx-02".parse().expect("id")]);
    }

    #[test]
    fn the_daemon_refuses_what_a_client_should_have_refused() {
        let problems = with_targets(spec(""), &["esx-01", "ghost", "esx-03", "esx-02", "esx-02"])
            .into_inventory(&Inventory::default())
            .expect_err("refused");
        assert_eq!(
            problems,
            [
                "server `esx-01`: migrate_to `esx-01` is the server itself",
                "server `esx-01`: migrate_to `ghost` is not a declared server",
                "server `esx-01`: migrate_to `esx-03` loses its power in every outage that sheds \
                 this server (it has no UPS of its own): name a host fed by another UPS",
                "server `esx-01`: migrate_to `esx-02` is listed twice",
            ]
        );
    }

    #[test]
    fn a_target_stored_earlier_is_checked_against_the_store() {
        let stored = spec("")
            .into_inventory(&Inventory::default())
            .expect("valid");
        let mut only_esx01 = with_targets(spec(""), &["esx-03"]);
        only_esx01.servers.retain(|s| s.name == "esx-01");
        let problems = only_esx01
            .into_inventory(&stored)
            .expect_err("esx-03 shares esx-01's only UPS");
        assert_eq!(problems.len(), 1, "{problems:?}");
    }
}
