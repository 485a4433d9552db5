//! The setup wizard declares a UPS read over SNMP, in a real terminal: a daemon with an empty
//! store that drives the real peers, an snmpsim agent of the test's own serving a UPS on
//! line (RFC 1628 UPS-MIB) to a v2c community, and `upstra` in tmux at 80x24. The operator
//! creates the first admin, adds a room, then a UPS: → on "Read over" picks SNMP, the v2c
//! fields show, the community is typed (never shown). The wizard's live check reads the
//! agent, and `upstra ups list --json` shows the UPS declared with its SNMP source and on
//! line.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::{Duration, Instant};

use harness::bare::Bare;
use harness::tmux::Tmux;

use crate::setup_tmux::open_as_first_admin;
use upstra_core::api::v1::{Reachability, UpsView};
use upstra_tests::snmp::OwnSnmpsim;

/// Generous for a loaded 2-core machine.
const SCREEN: Duration = Duration::from_secs(60);
/// snmpsim answers to a community named like the file it serves; this one must never show.
const COMMUNITY: &str = "wizard-community-7";

#[test]
fn the_wizard_declares_an_snmp_v2c_ups_that_reads_on_line() {
    let Some(agent) = OwnSnmpsim::start(
        "the_wizard_declares_an_snmp_v2c_ups",
        &[(COMMUNITY, "ietf-ol")],
    ) else {
        return;
    };
    let Some(tmux) = Tmux::start("upstra-setup-snmp-test", 80, 24) else {
        return;
    };
    let daemon = Bare::on_peers();
    open_as_first_admin(&tmux, &daemon, SCREEN);

    // A room first: the UPS goes in it.
    tmux.wait_for("the wizard's menu", SCREEN, |s| {
        s.contains("Add a room") && s.contains("│ root │")
    });
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("the room form", SCREEN, |s| s.contains("A short name"));
    tmux.type_text("lab-s");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the room's check", SCREEN, |s| {
        s.contains("What answers now") && s.contains("VMs seen")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("the menu again", SCREEN, |s| s.contains("Declared here:"));

    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for("the UPS form, NUT first", SCREEN, |s| {
        s.contains("Add a UPS") && s.contains("Read over") && s.contains("nut")
    });
    tmux.type_text("ups-s1");
    tmux.keys(&["Tab"]);
    tmux.type_text("lab-s");
    tmux.keys(&["Tab", "Right"]);
    let screen = tmux.wait_for("the SNMP fields", SCREEN, |s| {
        s.contains("Community file") && s.contains("v2c")
    });
    assert!(
        !screen.contains("Password"),
        "the NUT fields left: {screen}"
    );
    tmux.keys(&["Tab"]);
    tmux.type_text(&format!("127.0.0.1:{}", agent.port));
    tmux.keys(&["Tab"]);
    // v3 shows its fields, and back to v2c (→ twice wraps past v1).
    tmux.keys(&["Right"]);
    tmux.wait_for("the v3 fields", SCREEN, |s| s.contains("Auth protocol"));
    tmux.keys(&["Right", "Right"]);
    tmux.wait_for("v2c again", SCREEN, |s| {
        s.contains("Community file") && !s.contains("Auth protocol")
    });
    tmux.keys(&["Tab"]);
    tmux.type_text(COMMUNITY);
    let screen = tmux.wait_for("the community masked", SCREEN, |s| {
        s.contains(&"*".repeat(COMMUNITY.len()))
    });
    eprintln!("the SNMP form:\n{screen}");
    assert!(!screen.contains(COMMUNITY), "{screen}");
    tmux.keys(&["Enter"]);

    let screen = tmux.wait_for("the live check reading the agent", SCREEN, |s| {
        s.contains("What answers now") && s.contains("UPS ups-s1") && s.contains("answers: OL")
    });
    eprintln!("the live check:\n{screen}");
    assert!(!screen.contains(COMMUNITY), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the menu again", SCREEN, |s| s.contains("UPS ups-s1"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the lab", SCREEN, |s| {
        s.contains("ups-s1") && !s.contains("First-run setup")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");

    // What the daemon holds, read back as a script would.
    let deadline = Instant::now() + SCREEN;
    let ups = loop {
        let out = harness::upstra(
            &daemon.socket(),
            &daemon.session_file(),
            &["ups", "list", "--json"],
            "",
        );
        let all = format!(
            "{}{}",
            harness::text(&out.stdout),
            harness::text(&out.stderr)
        );
        assert!(!all.contains(COMMUNITY), "the community was shown: {all}");
        let list: Vec<UpsView> = serde_json::from_slice(&out.stdout).expect("UpsView array");
        let ups = list
            .into_iter()
            .find(|u| u.name == "ups-s1")
            .expect("declared");
        if ups.reachability == Reachability::Ok || Instant::now() > deadline {
            break ups;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(ups.room, "lab-s");
    assert_eq!(ups.nut, "");
    assert_eq!(
        ups.snmp.as_ref().map(ToString::to_string),
        Some(format!("v2c 127.0.0.1:{} mib=auto", agent.port))
    );
    assert_eq!(ups.reachability, Reachability::Ok, "{ups:?}");
    assert_eq!(ups.status.as_deref(), Some("OL"), "{ups:?}");
}
