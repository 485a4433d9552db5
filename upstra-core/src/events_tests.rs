//! The JSON of the run and step events is pinned: events are stored, replayed and followed by
//! consoles and other daemons, so a record written before their states were typed must still
//! read, and what is written now must be the same text as then.

use super::*;

use crate::api::v1::VmPowerName;
use crate::model::VmPower;

/// Events as a daemon stored them when these states were strings, byte for byte (the store
/// keeps the event alone; its sequence number and time are columns).
const RUN_STARTED: &str = r#"{"kind":"run_started","run":3,"plan":"shed","ups":["ups-a"],"reason":"on battery","steps":12,"estimate_s":300}"#;
const STEP_STARTED: &str =
    r#"{"kind":"step_started","run":3,"step":4,"action":"shut down server esx-a1"}"#;
const STEP_ENDED: &str =
    r#"{"kind":"step_ended","run":3,"step":4,"state":"failed","detail":"timeout"}"#;
const RUN_ENDED: &str = r#"{"kind":"run_ended","run":3,"plan":"restore","state":"halted","done":10,"failed":1,"skipped":1}"#;

fn read(json: &str) -> DomainEvent {
    serde_json::from_str(json).expect("an older event reads")
}

#[test]
fn an_older_records_run_and_step_states_read_as_the_enums() {
    assert!(matches!(
        read(RUN_STARTED),
        DomainEvent::RunStarted {
            plan: PlanType::Shed,
            ..
        }
    ));
    assert!(matches!(
        read(STEP_ENDED),
        DomainEvent::StepEnded {
            state: StepStatus::Failed,
            ..
        }
    ));
    assert!(matches!(
        read(RUN_ENDED),
        DomainEvent::RunEnded {
            plan: PlanType::Restore,
            state: RunStatus::Halted,
            ..
        }
    ));
}

#[test]
fn the_run_and_step_events_write_the_words_they_always_wrote() {
    for json in [RUN_STARTED, STEP_STARTED, STEP_ENDED, RUN_ENDED] {
        let again = serde_json::to_string(&read(json)).expect("writes");
        assert_eq!(again, json);
    }
}

#[test]
fn every_state_a_run_or_step_ends_in_writes_its_word() {
    for state in RunStatus::KNOWN {
        let event = DomainEvent::RunEnded {
            run: 1,
            plan: PlanType::Shed,
            state: *state,
            done: 0,
            failed: 0,
            skipped: 0,
        };
        let json = serde_json::to_string(&event).expect("writes");
        assert!(
            json.contains(&format!(r#""state":"{}""#, state.as_str())),
            "{json}"
        );
    }
    for state in StepStatus::KNOWN {
        let event = DomainEvent::StepEnded {
            run: 1,
            step: 1,
            state: *state,
            detail: String::new(),
        };
        let json = serde_json::to_string(&event).expect("writes");
        assert!(
            json.contains(&format!(r#""state":"{}""#, state.as_str())),
            "{json}"
        );
    }
}

/// A newer daemon's run kind or state does not lose the event, nor the reply it is in.
#[test]
fn a_newer_daemons_words_read_as_unknown() {
    let run = read(
        r#"{"kind":"run_ended","run":9,"plan":"rebalance","state":"paused","done":0,"failed":0,"skipped":0}"#,
    );
    assert!(matches!(
        run,
        DomainEvent::RunEnded {
            plan: PlanType::Unknown,
            state: RunStatus::Unknown,
            ..
        }
    ));
    let started = read(
        r#"{"kind":"run_started","run":9,"plan":"rebalance","ups":[],"reason":"r","steps":0,"estimate_s":0}"#,
    );
    assert!(matches!(
        started,
        DomainEvent::RunStarted {
            plan: PlanType::Unknown,
            ..
        }
    ));
    let step = read(r#"{"kind":"step_ended","run":9,"step":1,"state":"retried","detail":""}"#);
    assert!(matches!(
        step,
        DomainEvent::StepEnded {
            state: StepStatus::Unknown,
            ..
        }
    ));
}

/// What `events_since` sends: the stored event inside its record.
#[test]
fn a_record_on_the_wire_keeps_the_same_words() {
    let record = EventRecord {
        seq: 44,
        at: Timestamp(1_700_000_003_000),
        event: read(RUN_ENDED),
    };
    let json = serde_json::to_string(&record).expect("writes");
    assert_eq!(
        json,
        format!(r#"{{"seq":44,"at":1700000003000,"event":{RUN_ENDED}}}"#)
    );
}

/// A kind a newer daemon added, with fields of every shape an event carries.
const NEWER_KIND: &str = r#"{"kind":"ups_bypass_engaged","ups":"ups-a","since":1700000000000,"loads":["esx-a1","esx-a2"],"detail":{"phase":2,"volts":null},"ratio":0.5,"ok":true}"#;

fn is_unknown_of_kind(event: &DomainEvent, expected: &str) -> bool {
    matches!(event, DomainEvent::Unknown { kind, .. } if kind == expected)
}

#[test]
fn a_kind_this_build_does_not_know_reads_as_one_unknown_event() {
    let event = read(NEWER_KIND);
    assert!(
        is_unknown_of_kind(&event, "ups_bypass_engaged"),
        "{event:?}"
    );
    assert!(event.is_unknown());
    assert_eq!(event.kind(), "unknown");
    assert!(!KINDS.contains(&"unknown"), "no daemon sends it");
    // Without any field too.
    assert!(is_unknown_of_kind(
        &read(r#"{"kind":"from_the_future"}"#),
        "from_the_future"
    ));
}

/// `upstra events --json` of an older console prints what the newer daemon sent, not a bare
/// `{"kind":"unknown"}`: a script reading it loses nothing to the console's age.
#[test]
fn an_unknown_event_is_written_back_with_its_kind_and_every_field() {
    let event = read(NEWER_KIND);
    let again = serde_json::to_value(&event).expect("writes");
    let sent: serde_json::Value = serde_json::from_str(NEWER_KIND).expect("json");
    assert_eq!(again, sent);
    assert_eq!(read(&again.to_string()), event);
}

#[test]
fn a_known_kind_with_a_wrong_field_is_still_an_error_not_an_unknown_event() {
    let wrong = r#"{"kind":"step_ended","run":"three","step":4,"state":"failed","detail":"x"}"#;
    assert!(serde_json::from_str::<DomainEvent>(wrong).is_err());
    assert!(serde_json::from_str::<DomainEvent>(r#"{"run":3}"#).is_err());
    assert!(serde_json::from_str::<DomainEvent>(r#"{"kind":7}"#).is_err());
}

#[test]
fn a_newer_kind_followed_from_another_site_is_unknown_inside_its_remote() {
    let remote = read(&format!(
        r#"{{"kind":"remote","site":"b","seq":5,"at":0,"event":{NEWER_KIND}}}"#
    ));
    assert!(
        matches!(&remote, DomainEvent::Remote { event, .. } if is_unknown_of_kind(event, "ups_bypass_engaged"))
    );
    assert!(remote.is_unknown());
    assert!(!read(RUN_ENDED).is_unknown());
}

/// What `events_since` sends a console older than the daemon: the page reads, the events
/// this build knows keep their content, and the others are one `Unknown` each, in place.
#[test]
fn a_page_with_a_newer_kind_still_reads() {
    let json = format!(
        r#"{{"events":[{{"seq":1,"at":0,"event":{RUN_STARTED}}},{{"seq":2,"at":1,"event":{NEWER_KIND}}},{{"seq":3,"at":2,"event":{STEP_ENDED}}}],"next_cursor":3,"gap":false}}"#
    );
    let page: crate::api::v1::EventPage = serde_json::from_str(&json).expect("the page reads");
    let events: Vec<_> = page.events.iter().map(|r| &r.event).collect();
    assert_eq!(events[0], &read(RUN_STARTED));
    assert!(is_unknown_of_kind(events[1], "ups_bypass_engaged"));
    assert_eq!(events[2], &read(STEP_ENDED));
    assert_eq!(page.next_cursor, 3);
}

/// A VM's power change and a server's, as daemons have always stored them.
const VM_POWER_CHANGED: &str = r#"{"kind":"vm_power_changed","vm":"vm-42","name":"web-01","from":"powered_on","to":"suspended"}"#;
const SERVER_POWER_CHANGED: &str =
    r#"{"kind":"server_power_changed","server":"esx-a1","from":"on","to":"powering_off"}"#;

#[test]
fn the_power_changes_write_the_words_they_always_wrote() {
    for json in [VM_POWER_CHANGED, SERVER_POWER_CHANGED] {
        let again = serde_json::to_string(&read(json)).expect("writes");
        assert_eq!(again, json);
    }
    assert!(matches!(
        read(VM_POWER_CHANGED),
        DomainEvent::VmPowerChanged {
            from: VmPowerName::PoweredOn,
            to: VmPowerName::Suspended,
            ..
        }
    ));
}

/// What the daemon writes for each power vSphere reports: vSphere's names, as before.
#[test]
fn every_vm_power_writes_its_word() {
    for (power, word) in [
        (VmPower::PoweredOn, "powered_on"),
        (VmPower::PoweredOff, "powered_off"),
        (VmPower::Suspended, "suspended"),
    ] {
        let event = DomainEvent::VmPowerChanged {
            vm: VmId::new("vm-1").expect("id"),
            name: "a".into(),
            from: power.into(),
            to: power.into(),
        };
        let json = serde_json::to_string(&event).expect("writes");
        assert!(
            json.ends_with(&format!(r#""from":"{word}","to":"{word}"}}"#)),
            "{json}"
        );
    }
}

/// A power a newer daemon reports (vSphere may add one) does not lose the event, nor the page.
#[test]
fn a_newer_daemons_power_words_read_as_unknown() {
    let vm = read(
        r#"{"kind":"vm_power_changed","vm":"vm-42","name":"web-01","from":"powered_on","to":"hibernated"}"#,
    );
    assert!(matches!(
        vm,
        DomainEvent::VmPowerChanged {
            from: VmPowerName::PoweredOn,
            to: VmPowerName::Unknown,
            ..
        }
    ));
    assert!(
        !vm.is_unknown(),
        "a known kind with an unknown word is still its kind"
    );
    let server =
        read(r#"{"kind":"server_power_changed","server":"esx-a1","from":"on","to":"standby"}"#);
    assert!(matches!(
        server,
        DomainEvent::ServerPowerChanged {
            from: PowerState::On,
            to: PowerState::Unknown,
            ..
        }
    ));
}
