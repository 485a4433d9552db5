//! `power_on_stagger`: the restore powers a room's servers on a stagger apart, as the
//! Redfish emulator itself saw the commands arrive.
//!
//! The emulator logs each request with a time in whole seconds, so the check allows one
//! second less than the stagger between consecutive power-on commands.

use std::time::Duration;

use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::lab::*;
use upstra_core::api::v1::StepKind;

/// Long enough that one second of log resolution leaves a meaningful check.
const STAGGER_S: u64 = 3;

/// The emulator's request log of the test's own lab.
fn emulator_log(lab: &Lab) -> String {
    std::fs::read_to_string(lab.own.dir.join("sushy.log")).unwrap_or_default()
}

/// Seconds since the start of the month of each reset POSTed to one of `systems`, in order:
/// werkzeug logs `... [06/Dec/2026 17:36:10] "POST /redfish/v1/Systems/ID/Actions/ComputerSystem.Reset ...`
/// (the request in colour escapes when the answer is a 204).
fn resets(log: &str, systems: &[String]) -> Vec<(u64, String)> {
    log.lines()
        // werkzeug colours the request of a 204 answer: match inside the escapes.
        .filter(|l| l.contains("POST /redfish/") && l.contains("ComputerSystem.Reset"))
        .filter_map(|l| {
            let system = systems.iter().find(|s| l.contains(s.as_str()))?;
            let stamp = l.split('[').nth(1)?.split(']').next()?;
            let (date, time) = stamp.split_once(' ')?;
            let day: u64 = date.split('/').next()?.parse().ok()?;
            let mut hms = time.split(':').map(|p| p.parse::<u64>().ok());
            let (h, m, s) = (hms.next()??, hms.next()??, hms.next()??);
            Some((((day * 24 + h) * 60 + m) * 60 + s, system.clone()))
        })
        .collect()
}

#[tokio::test]
async fn a_rooms_servers_are_powered_on_a_stagger_apart() {
    let Some(peers) = upstra_tests::peers("outage power-on stagger") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 3,
            vms_per_cluster: 2,
        },
    );
    lab.edits = vec![(
        "[[room]]\nname = \"lab\"\n".into(),
        format!("[[room]]\nname = \"lab\"\npower_on_stagger = \"{STAGGER_S}s\"\n"),
    )];
    // Cluster 0's BMCs, in the order of its hosts.
    let systems: Vec<String> = lab.own.systems[..lab.own.hosts[0].len()].to_vec();
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let mut cursor = 0;
    let log_before_restore;
    {
        let dev = DevFile::open(lab.nut_dir(), "ups1");
        dev.set(&[("ups.status", "OB DISCHRG")]);
        wait_run_end(&c, &t, &mut cursor, "shed", Duration::from_secs(240)).await;
        let shed = last_run(&c, &t, "shed").await;
        assert_eq!(shed.counts.failed, 0, "{shed:#?}");
        log_before_restore = emulator_log(&lab).len();
        // Mains back (the file is restored): the restore starts after the stability wait.
    }
    wait_run_end(&c, &t, &mut cursor, "restore", Duration::from_secs(240)).await;
    let restore = last_run(&c, &t, "restore").await;
    assert_eq!(restore.counts.failed, 0, "{restore:#?}");
    let log = emulator_log(&lab);
    let restore_log = log.get(log_before_restore..).unwrap_or_default();
    let power_ons = resets(restore_log, &systems);
    eprintln!("power-on commands as the emulator logged them: {power_ons:?}");
    assert_eq!(
        power_ons.len(),
        systems.len(),
        "one power-on per server of the room: {power_ons:?}\n{:?}",
        restore_log
            .lines()
            .filter(|l| l.contains("POST"))
            .collect::<Vec<_>>()
    );
    for pair in power_ons.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        assert!(
            gap + 1 >= STAGGER_S,
            "power-on of {} only {gap} s after {} (stagger {STAGGER_S} s): {power_ons:?}",
            pair[1].1,
            pair[0].1
        );
    }
    // The plan said so too: its timeline spaces the power-ons.
    let mut starts: Vec<u64> = restore
        .plan
        .steps
        .iter()
        .filter(|s| s.kind == StepKind::PowerOnServer)
        .map(|s| s.start_s)
        .collect();
    starts.sort_unstable();
    assert_eq!(
        starts,
        (0..systems.len() as u64)
            .map(|i| i * STAGGER_S)
            .collect::<Vec<_>>(),
        "{:#?}",
        restore.plan
    );
}

#[test]
fn the_emulator_log_is_read() {
    let log = "127.0.0.1 - - [06/Dec/2026 17:41:50] \"\u{1b}[35m\u{1b}[1mPOST /redfish/v1/Systems/00000003-0000-4000-8000-00000000a003/Actions/ComputerSystem.Reset HTTP/1.1\u{1b}[0m\" 204 -\n\
               127.0.0.1 - - [06/Dec/2026 17:41:53] \"GET /redfish/v1/Systems/00000003-0000-4000-8000-00000000a003 HTTP/1.1\" 200 -\n";
    let systems = vec!["00000003-0000-4000-8000-00000000a003".to_owned()];
    assert_eq!(
        resets(log, &systems),
        [(((6 * 24 + 17) * 60 + 41) * 60 + 50, systems[0].clone())]
    );
}
