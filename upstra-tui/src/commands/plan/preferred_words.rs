//! What `plan show` says of the preferred migration targets (`migrate_to`): which VMs go to
//! their preferred host, and why a preferred host was passed over.

use upstra_core::api::v1::PlanView;

use super::super::shown;

/// A block under the steps, one line per VM of a server with preferred targets; empty without.
pub fn preferred(plan: &PlanView) -> String {
    if plan.preferred.is_empty() {
        return String::new();
    }
    let mut out = String::from("preferred hosts (migrate_to):\n");
    for choice in &plan.preferred {
        // The VM's name is vCenter's free text: shown escaped, on its own line.
        out.push_str(&format!("  {}\n", shown(&choice.to_string())));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::ids::ServerId;
    use upstra_core::outage::{PreferredChoice, Skipped, Unfit};

    fn sid(s: &str) -> ServerId {
        ServerId::new(s).expect("name")
    }

    #[test]
    fn each_vm_says_where_it_goes_and_what_was_passed_over() {
        let plan = PlanView {
            kind: "shed".into(),
            ups: vec!["ups-a".into()],
            steps: Vec::new(),
            makespan_s: 0,
            critical_path_s: 0,
            notes: Vec::new(),
            runtime_s: None,
            output_cut_s: None,
            preferred: vec![
                PreferredChoice {
                    vm: "web".into(),
                    from: sid("esx-01"),
                    used: Some(sid("esx-03")),
                    skipped: vec![Skipped {
                        server: sid("esx-02"),
                        why: Unfit::Shed,
                    }],
                },
                PreferredChoice {
                    vm: "db\u{1b}[31m".into(),
                    from: sid("esx-01"),
                    used: None,
                    skipped: vec![Skipped {
                        server: sid("esx-02"),
                        why: Unfit::NoRoom,
                    }],
                },
            ],
        };
        assert_eq!(
            preferred(&plan),
            "preferred hosts (migrate_to):\n\
             \x20 vm:web: goes to esx-03, its next preferred host; passed over: esx-02 (shed in this outage)\n\
             \x20 vm:db\\e[31m: no preferred host of esx-01 can take it, the usual choice applies; passed over: esx-02 (not enough memory or vCPUs left)\n"
        );
    }
}
