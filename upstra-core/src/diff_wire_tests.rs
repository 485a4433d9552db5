//! The words of an apply report are pinned: `upstra apply --json` prints them, and a console
//! must still read the report of a newer daemon that knows more kinds of objects or changes.

use super::*;

fn change(json: &str) -> Change {
    serde_json::from_str(json).expect("a change reads")
}

#[test]
fn each_kind_of_object_writes_its_word() {
    let words = ["room", "ups", "vcenter", "server", "plan", "vm"];
    assert_eq!(EntityKind::KNOWN.len(), words.len());
    for (kind, word) in EntityKind::KNOWN.iter().zip(words) {
        assert_eq!(
            serde_json::to_string(kind).expect("json"),
            format!("\"{word}\"")
        );
        assert_eq!(kind.as_str(), word);
        assert_eq!(EntityKind::parse(word), *kind);
    }
    assert_eq!(
        serde_json::to_string(&EntityKind::Unknown).expect("json"),
        "\"unknown\""
    );
}

#[test]
fn each_change_writes_the_json_it_always_wrote() {
    for json in [
        r#"{"entity":"room","name":"lab-a","action":"create"}"#,
        r#"{"entity":"server","name":"esx-a1","action":"update","fields":["bmc","ssh"]}"#,
        r#"{"entity":"vcenter","name":"vcenter","action":"unchanged"}"#,
        r#"{"entity":"vm","name":"db-1","action":"unchanged"}"#,
    ] {
        assert_eq!(serde_json::to_string(&change(json)).expect("json"), json);
    }
    let unknown = Change {
        entity: EntityKind::Unknown,
        name: "x".into(),
        kind: ChangeKind::Unknown,
    };
    assert_eq!(
        serde_json::to_string(&unknown).expect("json"),
        r#"{"entity":"unknown","name":"x","action":"unknown"}"#
    );
}

/// A newer daemon's report: an object kind and a change this build does not know, with a
/// field it does not know either.
#[test]
fn a_newer_daemons_words_read_as_unknown() {
    let c = change(r#"{"entity":"pdu","name":"pdu-1","action":"rename","from":"pdu-0"}"#);
    assert_eq!(c.entity, EntityKind::Unknown);
    assert_eq!(c.kind, ChangeKind::Unknown);
    assert_eq!(c.name, "pdu-1");
    let report: crate::api::v1::ApplyReport = serde_json::from_str(
        r#"{"dry_run":true,"changes":[
            {"entity":"room","name":"lab-a","action":"create"},
            {"entity":"pdu","name":"pdu-1","action":"create"}],"warnings":[]}"#,
    )
    .expect("the whole report reads");
    assert_eq!(report.changes[0].kind, ChangeKind::Create);
    assert_eq!(report.changes[1].entity, EntityKind::Unknown);
}
