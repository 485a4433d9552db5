//! A run's view from a daemon older than the shed's last steps still reads: their fields are
//! absent, and mean "this host did not power off" and "no power race".

use super::RunView;

#[test]
fn a_run_from_an_older_daemon_reads_without_the_last_steps_fields() {
    let old = r#"{
        "id": 3, "state": "finished", "reason": "grace period expired", "by": null,
        "stopped": null, "started_at": 1795600000000, "ended_at": null,
        "counts": {"pending": 0, "running": 0, "done": 0, "failed": 0, "skipped": 0},
        "plan": {"kind": "shed", "ups": ["ups-a"], "steps": [], "makespan_s": 0,
                 "critical_path_s": 0, "notes": [], "runtime_s": null},
        "undoes": []
    }"#;
    let run: RunView = serde_json::from_str(old).expect("reads");
    assert!(!run.continues_after_power_returns);
    assert_eq!(run.power_race, None);
}
