//! The plan view in a real terminal during a (simulated) outage: tmux at 80x24 runs `upstra`
//! against a demo daemon. The operator opens the plan view (F3), cuts the mains of ups-a1
//! with the demo's power cut, sees the banner turn to ON BATTERY with the grace period
//! counting down, runs the shed at once (R, confirmed), follows it to its report, brings the
//! mains back and restores (E), and reads the restore report. Every step waits on the screen
//! with a deadline, never a sleep.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::Demo;
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);
/// A shed or a restore of the simulated lab: every step is quick, the waits are the daemon's
/// own polls.
const RUN: Duration = Duration::from_secs(90);

#[test]
fn the_plan_view_follows_a_simulated_outage_from_the_cut_to_the_restore_report() {
    let Some(tmux) = Tmux::start("upstra-plan-test", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    demo.login();
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "PS1='ready$ '; env -u LC_ALL -u LC_MESSAGES -u NO_COLOR LANG=C.UTF-8 \
             UPSTRA_SESSION_FILE={} {upstra} --socket {}; echo st\"\"atus=$?",
            demo.session_file().display(),
            demo.daemon().socket.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the lab", SCREEN, |s| {
        s.contains("esx-a2") && s.contains("OL")
    });

    // The plan view: what an outage of ups-a1 would do, over its battery runtime.
    tmux.keys(&["F3"]);
    let screen = tmux.wait_for("the plan preview", SCREEN, |s| {
        s.contains("Plan · ups-a1") && s.contains("If UPS ups-a1 lost mains now")
    });
    assert!(screen.contains("critical path"), "{screen}");
    eprintln!("the plan preview:\n{screen}");

    // The demo's power cut: asked first, then the banner turns and the grace counts down.
    tmux.keys(&["Z"]);
    tmux.wait_for("the power cut question", SCREEN, |s| {
        s.contains("Demo: cut the mains of simulated UPS ups-a1?")
    });
    tmux.keys(&["Right", "Enter"]);
    // The banner's grace, not the status line's event about it.
    let screen = tmux.wait_for("the banner", SCREEN, |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.contains("ON BATTERY ups-a1") && h.contains("grace"))
    });
    let first = grace(&screen).unwrap_or_else(|| panic!("grace in the banner:\n{screen}"));
    let later = tmux.wait_for("the grace counting down", SCREEN, |s| {
        grace(s).is_some_and(|g| g < first)
    });
    eprintln!("on battery, the grace period running:\n{later}");

    // Shed now rather than at the end of the grace period.
    tmux.keys(&["R"]);
    tmux.wait_for("the run question", SCREEN, |s| {
        s.contains("Shed the load of UPS ups-a1 now")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.wait_for("the run on screen", SCREEN, |s| {
        s.contains("Run ") && s.contains("shed")
    });
    let report = tmux.wait_for("the shed report", RUN, |s| s.contains("Shed report"));
    assert!(report.contains("Shed ("), "{report}");
    eprintln!("the shed, ended:\n{report}");

    // Mains back, then restore now rather than after the stability wait.
    tmux.keys(&["Z"]);
    tmux.wait_for("the mains question", SCREEN, |s| {
        s.contains("bring the mains of simulated UPS ups-a1 back")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.wait_for("mains back", SCREEN, |s| !s.contains("ON BATTERY"));
    // The shed told ups-a1 to cut and restore its output: the restore waits for that.
    tmux.restore_by_hand(RUN + RUN);
    let report = tmux.wait_for("the restore report", RUN, |s| s.contains("Restore report"));
    assert!(report.contains("Restored ("), "{report}");
    assert!(
        report.lines().count() <= 24 && report.lines().all(|l| l.chars().count() <= 80),
        "fits 80x24"
    );
    eprintln!("the restore report:\n{report}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}

/// The grace period the banner shows, in seconds: `grace 59s` or `grace 1m 00s`.
fn grace(screen: &str) -> Option<u64> {
    let header = screen.lines().next()?;
    let at = header.find(", grace ")? + ", grace ".len();
    let mut total = 0;
    for part in header[at..].split_whitespace().take(2) {
        if let Some(m) = part.strip_suffix('m') {
            total += m.parse::<u64>().ok()? * 60;
        } else if let Some(s) = part.strip_suffix('s') {
            return Some(total + s.parse::<u64>().ok()?);
        } else {
            return None;
        }
    }
    None
}
