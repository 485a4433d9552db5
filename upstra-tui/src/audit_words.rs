//! What an audit record says, as facts a catalog can word: its detail is JSON as the daemon
//! wrote it (`{"from":"esx-b1","to":"esx-a2"}`), which only `--json` shows as is. The CLI and
//! the console's history read the same facts, so both say "moved from esx-b1 to esx-a2".
//!
//! Parsing is kept apart from wording so that each language words the same facts
//! (`HistoryWords::fact` in `views_en` / `views_fr`), and any list of records (the history, a
//! dashboard) can use them.

use serde_json::{Map, Value};
use upstra_core::api::v1::AuditView;

/// The most fields an unknown detail is shown with: a detail is bounded by what it describes,
/// but a line of words is read, not searched (`--json` has everything).
const MAX_FIELDS: usize = 6;

/// One record's detail, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditFact {
    /// A VM moved between hosts (named as the lab declares them).
    Moved { from: String, to: String },
    /// A power action on a server or VM, with the state before and, when known, after.
    Power {
        action: String,
        before: Option<String>,
        after: Option<String>,
    },
    /// A shed or restore started.
    Run {
        ups: Vec<String>,
        steps: u64,
        reason: String,
    },
    /// A run ended, with its step counts.
    RunEnded {
        run: i64,
        plan: String,
        done: u64,
        failed: u64,
        skipped: u64,
    },
    /// One step of a run ended.
    Step {
        run: i64,
        step: u64,
        action: String,
        outcome: String,
    },
    /// A role given, taken, or set (on a resource, for a grant).
    Role {
        role: String,
        resource: Option<String>,
    },
    /// Logins refused too often: the limit kicked in.
    Refusals { count: u64, window_s: u64 },
    /// Why something was refused or failed.
    Reason(String),
    /// Any other detail: its fields, in order, as text.
    Fields(Vec<(String, String)>),
}

/// The target as readers should see it: by the name the inventory knows today when the
/// record names it by an internal id.
pub fn target(record: &AuditView) -> Option<&str> {
    record.target_name.as_deref().or(record.target.as_deref())
}

/// Whether `record`'s target, as recorded or as named today, contains `part` (any case): the
/// target filter of the CLI and the console. An empty `part` keeps everything.
pub fn target_matches(record: &AuditView, part: &str) -> bool {
    let part = part.to_lowercase();
    part.is_empty()
        || [record.target.as_deref(), record.target_name.as_deref()]
            .into_iter()
            .flatten()
            .any(|t| t.to_lowercase().contains(&part))
}

/// The facts of `record`'s detail; `None` when it has none.
pub fn fact(record: &AuditView) -> Option<AuditFact> {
    let detail = record.detail.as_deref()?;
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(detail) else {
        // Not an object: shown as the text it is.
        return Some(AuditFact::Fields(vec![(String::new(), detail.to_owned())]));
    };
    let text = |key: &str| map.get(key).map(plain);
    let number = |key: &str| map.get(key).and_then(Value::as_u64);
    let known = match record.action.as_str() {
        "vm_migrate" => text("from")
            .zip(text("to"))
            .map(|(from, to)| AuditFact::Moved { from, to }),
        "vm_power" | "server_power" => text("action").map(|action| AuditFact::Power {
            action,
            before: text("before"),
            after: text("after"),
        }),
        "plan_run" | "plan_restore" => number("steps").map(|steps| AuditFact::Run {
            ups: map
                .get("ups")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(plain).collect())
                .unwrap_or_default(),
            steps,
            reason: text("reason").unwrap_or_default(),
        }),
        "plan_end" => map
            .get("run")
            .and_then(Value::as_i64)
            .map(|run| AuditFact::RunEnded {
                run,
                plan: text("plan").unwrap_or_default(),
                done: number("done").unwrap_or(0),
                failed: number("failed").unwrap_or(0),
                skipped: number("skipped").unwrap_or(0),
            }),
        "plan_step" => map
            .get("run")
            .and_then(Value::as_i64)
            .zip(number("step"))
            .map(|(run, step)| AuditFact::Step {
                run,
                step,
                action: text("action").unwrap_or_default(),
                outcome: text("outcome").unwrap_or_default(),
            }),
        _ => None,
    };
    known
        .or_else(|| {
            text("role").map(|role| AuditFact::Role {
                role,
                resource: text("resource"),
            })
        })
        .or_else(|| {
            number("refusals")
                .zip(number("window_s"))
                .map(|(count, window_s)| AuditFact::Refusals { count, window_s })
        })
        .or_else(|| {
            (map.len() == 1)
                .then(|| text("reason").or_else(|| text("problem")))
                .flatten()
                .map(AuditFact::Reason)
        })
        .or_else(|| Some(fields(&map)))
}

/// A JSON value as the text a person reads: strings without quotes, lists joined.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(plain).collect::<Vec<_>>().join(", "),
        Value::Null => "-".to_owned(),
        other => other.to_string(),
    }
}

fn fields(map: &Map<String, Value>) -> AuditFact {
    AuditFact::Fields(
        map.iter()
            .take(MAX_FIELDS)
            .map(|(k, v)| (k.replace('_', " "), plain(v)))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::state::Timestamp;

    fn record(action: &str, detail: &str) -> AuditView {
        AuditView {
            seq: 1,
            at: Timestamp(0),
            actor: Some("demo".into()),
            peer_uid: None,
            action: action.into(),
            target: Some("vm:vm-101".into()),
            result: "ok".into(),
            detail: Some(detail.into()),
            correlation: None,
            target_name: None,
        }
    }

    #[test]
    fn the_end_of_a_run_reads_as_its_counts() {
        assert_eq!(
            fact(&record(
                "plan_end",
                r#"{"run":3,"plan":"shed","done":12,"failed":1,"skipped":0}"#
            )),
            Some(AuditFact::RunEnded {
                run: 3,
                plan: "shed".into(),
                done: 12,
                failed: 1,
                skipped: 0
            })
        );
    }

    #[test]
    fn known_details_become_facts() {
        assert_eq!(
            fact(&record(
                "vm_migrate",
                r#"{"from":"esx-b1","to":"esx-a2","vm_id":"vm-101"}"#
            )),
            Some(AuditFact::Moved {
                from: "esx-b1".into(),
                to: "esx-a2".into()
            })
        );
        assert_eq!(
            fact(&record(
                "plan_step",
                r#"{"run":3,"step":4,"action":"power off esx-a1","outcome":"done"}"#
            )),
            Some(AuditFact::Step {
                run: 3,
                step: 4,
                action: "power off esx-a1".into(),
                outcome: "done".into()
            })
        );
        assert_eq!(
            fact(&record(
                "plan_run",
                r#"{"reason":"low battery","ups":["ups-a1"],"steps":12}"#
            )),
            Some(AuditFact::Run {
                ups: vec!["ups-a1".into()],
                steps: 12,
                reason: "low battery".into()
            })
        );
        assert_eq!(
            fact(&record(
                "grant_add",
                r#"{"role":"operator","resource":"room:a"}"#
            )),
            Some(AuditFact::Role {
                role: "operator".into(),
                resource: Some("room:a".into())
            })
        );
    }

    #[test]
    fn other_details_are_fields_and_the_name_wins_over_the_id() {
        assert_eq!(
            fact(&record(
                "tls_pin",
                r#"{"tls_fingerprint":"sha256:AB","n":2}"#
            )),
            Some(AuditFact::Fields(vec![
                ("n".into(), "2".into()),
                ("tls fingerprint".into(), "sha256:AB".into())
            ]))
        );
        let mut r = record("vm_power", r#"{"action":"off","before":"poweredOn"}"#);
        assert_eq!(target(&r), Some("vm:vm-101"));
        r.target_name = Some("vm:db-01".into());
        assert_eq!(target(&r), Some("vm:db-01"));
        r.detail = None;
        assert_eq!(fact(&r), None);
    }
}
