//! Each typed detail stores the text its `json!` object stored, byte for byte: the same keys,
//! in the same order, with the same values. Each case names the action, the typed value, the
//! `json!` the daemon wrote before, and the text both must store.

use serde::Serialize;
use serde_json::json;
use upstra_core::ids::UpsId;

use super::super::audit_detail_outage::*;
use super::*;
use crate::store::AuditEntry;

/// The detail's text as the audit table stores it.
fn stored(detail: &impl Serialize) -> String {
    AuditEntry::new("pinned", "ok")
        .detail(detail)
        .detail
        .map(|d| d.to_string())
        .unwrap_or_default()
}

#[track_caller]
fn pinned(action: &str, typed: &impl Serialize, before: &serde_json::Value, text: &str) {
    assert_eq!(
        stored(typed),
        stored(before),
        "{action}: not what it stored before"
    );
    assert_eq!(stored(typed), text, "{action}");
}

#[test]
fn ssh_details() {
    pinned(
        "ssh_open",
        &SshOpened {
            address: "10.0.0.5:22".into(),
            login: "root".into(),
            host_key_pinned: true,
            upstra_session: "a1b2c3".into(),
        },
        &json!({
            "address": "10.0.0.5:22",
            "login": "root",
            "host_key_pinned": true,
            "upstra_session": "a1b2c3",
        }),
        r#"{"address":"10.0.0.5:22","host_key_pinned":true,"login":"root","upstra_session":"a1b2c3"}"#,
    );
    pinned(
        "ssh_close",
        &SshClosed {
            duration_ms: 61_000,
            reason: "exit 0 \"quoted\"".into(),
        },
        &json!({ "duration_ms": 61_000, "reason": "exit 0 \"quoted\"" }),
        r#"{"duration_ms":61000,"reason":"exit 0 \"quoted\""}"#,
    );
    let before: Option<String> = None;
    pinned(
        "ssh_pin_host_key",
        &SshHostKeyPinned {
            host_key: "ssh-ed25519 AAAA".into(),
            before: before.clone(),
        },
        &json!({ "host_key": "ssh-ed25519 AAAA", "before": before }),
        r#"{"before":null,"host_key":"ssh-ed25519 AAAA"}"#,
    );
}

#[test]
fn backup_and_restore_details() {
    pinned(
        "backup",
        &BackupTaken {
            id: "0f1e",
            size: 4096,
            sha256: "ab12",
            passphrase: false,
        },
        &json!({ "id": "0f1e", "size": 4096_u64, "sha256": "ab12", "passphrase": false }),
        r#"{"id":"0f1e","passphrase":false,"sha256":"ab12","size":4096}"#,
    );
    pinned(
        "backup_read",
        &BackupRead {
            id: "0f1e",
            size: 4096,
        },
        &json!({ "id": "0f1e", "size": 4096_u64 }),
        r#"{"id":"0f1e","size":4096}"#,
    );
    pinned(
        "backup_expired",
        &BackupExpired {
            id: "0f1e".into(),
            idle_timeout_s: 120,
        },
        &json!({ "id": "0f1e", "idle_timeout_s": 120_u64 }),
        r#"{"id":"0f1e","idle_timeout_s":120}"#,
    );
    // Before, the store added `sessions_ended` to the object the restore built.
    let mut before = json!({ "backup_sha256": "ab12", "passphrase": true });
    if let Some(map) = before.as_object_mut() {
        map.insert("sessions_ended".into(), 3_u64.into());
    }
    pinned(
        "store_restored",
        &StoreRestored {
            backup_sha256: "ab12".into(),
            passphrase: true,
            sessions_ended: 3,
        },
        &before,
        r#"{"backup_sha256":"ab12","passphrase":true,"sessions_ended":3}"#,
    );
}

#[test]
fn access_details() {
    pinned(
        "login rate_limited",
        &LoginsRateLimited {
            refusals: 7,
            window_s: 60,
        },
        &json!({ "refusals": 7_u64, "window_s": 60_i64 }),
        r#"{"refusals":7,"window_s":60}"#,
    );
    pinned(
        "login_second_factor denied",
        &ChallengeOfAnotherUid {
            reason: "challenge received by another Unix user",
            received_by_uid: 1001,
        },
        &json!({
            "reason": "challenge received by another Unix user",
            "received_by_uid": 1001_u32,
        }),
        r#"{"reason":"challenge received by another Unix user","received_by_uid":1001}"#,
    );
    pinned(
        "a method, denied",
        &SessionOfAnotherUid {
            reason: "session opened by another Unix user",
            opened_by_uid: 1000,
        },
        &json!({
            "reason": "session opened by another Unix user",
            "opened_by_uid": 1000_u32,
        }),
        r#"{"opened_by_uid":1000,"reason":"session opened by another Unix user"}"#,
    );
    let asked = vec!["esx-a1", "vm \"x\""];
    pinned(
        "a method, refused",
        &NotDeclared {
            not_declared: asked.clone(),
        },
        &json!({ "not_declared": asked }),
        r#"{"not_declared":["esx-a1","vm \"x\""]}"#,
    );
    pinned(
        "audit_verify broken",
        &AuditChainBroken {
            problem: "record 12: hash differs",
        },
        &json!({ "problem": "record 12: hash differs" }),
        r#"{"problem":"record 12: hash differs"}"#,
    );
}

#[test]
fn operation_details() {
    pinned(
        "server_power",
        &ServerPowered {
            action: "off",
            before: "on".into(),
            after: "unknown".into(),
        },
        &json!({ "action": "off", "before": "on", "after": "unknown" }),
        r#"{"action":"off","after":"unknown","before":"on"}"#,
    );
    pinned(
        "vm_power",
        &VmPowered {
            action: "shutdown",
            before: "on",
            vm_id: "vm-42".into(),
        },
        &json!({ "action": "shutdown", "before": "on", "vm_id": "vm-42" }),
        r#"{"action":"shutdown","before":"on","vm_id":"vm-42"}"#,
    );
    pinned(
        "vm_migrate",
        &VmMigrated {
            from: "esx-a1",
            to: "esx-a2".into(),
            from_host: "esx-a1.lab",
            to_host: "esx-a2.lab",
            vm_id: "vm-42".into(),
        },
        &json!({
            "from": "esx-a1",
            "to": "esx-a2",
            "from_host": "esx-a1.lab",
            "to_host": "esx-a2.lab",
            "vm_id": "vm-42",
        }),
        r#"{"from":"esx-a1","from_host":"esx-a1.lab","to":"esx-a2","to_host":"esx-a2.lab","vm_id":"vm-42"}"#,
    );
    pinned(
        "tls_fingerprint, tls_pin",
        &TlsFingerprint {
            fingerprint: "sha256:AB:CD".into(),
        },
        &json!({ "fingerprint": "sha256:AB:CD" }),
        r#"{"fingerprint":"sha256:AB:CD"}"#,
    );
}

#[test]
fn config_reload_details() {
    pinned(
        "config_reload failed",
        &ConfigReloaded::failed(),
        &json!({ "by": "signal" }),
        r#"{"by":"signal"}"#,
    );
    for (line, text) in [
        (Some(12_usize), r#"{"by":"signal","line":12}"#),
        (None, r#"{"by":"signal","line":null}"#),
    ] {
        pinned(
            "config_reload invalid",
            &ConfigReloaded::invalid(line),
            &json!({ "by": "signal", "line": line }),
            text,
        );
    }
    let (changed, restart_needed) = (vec!["log", "limits.login"], Vec::<&str>::new());
    pinned(
        "config_reload ok",
        &ConfigReloaded::done(changed.clone(), restart_needed.clone()),
        &json!({ "by": "signal", "changed": changed, "restart_needed": restart_needed }),
        r#"{"by":"signal","changed":["log","limits.login"],"restart_needed":[]}"#,
    );
}

#[test]
fn outage_details() {
    let ups = vec![UpsId::new("ups-a").expect("id")];
    pinned(
        "plan_run, plan_restore started",
        &RunStarted {
            reason: "on battery",
            ups: &ups,
            steps: 12,
            waits_for_operator: false,
        },
        &json!({
            "reason": "on battery",
            "ups": ups,
            "steps": 12_usize,
            "waits_for_operator": false,
        }),
        r#"{"reason":"on battery","steps":12,"ups":["ups-a"],"waits_for_operator":false}"#,
    );
    pinned(
        "plan_step",
        &StepEnded {
            run: 3,
            step: 4,
            action: "shut down server esx-a1".into(),
            outcome: "é\u{1b}[2J".into(),
        },
        &json!({
            "run": 3_i64,
            "step": 4_u32,
            "action": "shut down server esx-a1",
            "outcome": "é\u{1b}[2J",
        }),
        r#"{"action":"shut down server esx-a1","outcome":"é\u001b[2J","run":3,"step":4}"#,
    );
    pinned(
        "plan_end",
        &RunEnded {
            run: 3,
            plan: "shed",
            done: 12,
            failed: 1,
            skipped: 0,
        },
        &json!({
            "run": 3_i64,
            "plan": "shed",
            "done": 12_usize,
            "failed": 1_usize,
            "skipped": 0_usize,
        }),
        r#"{"done":12,"failed":1,"plan":"shed","run":3,"skipped":0}"#,
    );
    pinned(
        "plan_verify",
        &RestoreVerified {
            restored: 4,
            of: 5,
            not_restored: vec![StillOwed {
                target: "vm:db-1".into(),
                shed: 2,
                expected: "on".into(),
                found: None,
                error: Some("vCenter silent".into()),
            }],
        },
        &json!({
            "restored": 4_u32,
            "of": 5_u32,
            "not_restored": [json!({
                "target": "vm:db-1", "shed": 2_i64, "expected": "on",
                "found": Option::<String>::None, "error": Some("vCenter silent"),
            })],
        }),
        r#"{"not_restored":[{"error":"vCenter silent","expected":"on","found":null,"shed":2,"target":"vm:db-1"}],"of":5,"restored":4}"#,
    );
    pinned(
        "power_race",
        &PowerRace {
            ups: &ups[0],
            report: "mains returned before the command",
        },
        &json!({ "ups": ups[0], "report": "mains returned before the command" }),
        r#"{"report":"mains returned before the command","ups":"ups-a"}"#,
    );
    pinned(
        "host_poweroff",
        &HostPoweroff {
            run: 3,
            step: 9,
            how: "systemctl poweroff".into(),
        },
        &json!({ "run": 3_i64, "step": 9_u32, "how": "systemctl poweroff" }),
        r#"{"how":"systemctl poweroff","run":3,"step":9}"#,
    );
}
