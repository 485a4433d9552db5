//! The dashboard in a real terminal through a (simulated) outage: tmux at 80x24 runs
//! `upstra` against a demo daemon. The operator cuts the mains of ups-a1 with the demo's
//! power cut (from the plan view, where the cut's UPS is chosen), opens the dashboard (F6),
//! and watches the gauge and the charge curve go on battery, the trigger and the shed land in
//! the event list, the fleet lose servers; then mains comes back and the wait before the
//! restore counts down, and the restore brings the fleet back. Every step waits on the screen
//! with a deadline, never a sleep.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::Demo;
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);
/// The demo's grace period (60 s) and a shed of the simulated lab, on a loaded machine.
const OUTAGE: Duration = Duration::from_secs(180);
/// The demo's policy waits 2 minutes of stable mains before restoring by itself.
const RESTORE: Duration = Duration::from_secs(240);
/// The heights of a curve's cell, as the dashboard draws them.
const BARS: &str = "▁▂▃▄▅▆▇█";

/// Starts the console on the demo at 80x24, cuts ups-a1's mains and opens the dashboard; the
/// screen once the gauge shows it on battery.
fn cut_and_open_the_dashboard(tmux: &Tmux, demo: &Demo) -> String {
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
    tmux.keys(&["F6"]);
    let calm = tmux.wait_for("the dashboard on mains", SCREEN, |s| {
        s.contains("┌ UPS") && s.contains("ups-a1  on mains") && s.contains("┌ Fleet")
    });
    eprintln!("the dashboard on mains:\n{calm}");
    tmux.keys(&["F3"]);
    tmux.wait_for("the plan view", SCREEN, |s| s.contains("Plan · ups-a1"));
    tmux.keys(&["Z"]);
    tmux.wait_for("the power cut question", SCREEN, |s| {
        s.contains("Demo: cut the mains of simulated UPS ups-a1?")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.keys(&["F6"]);
    tmux.wait_for("the dashboard on battery", SCREEN, |s| {
        s.contains("ups-a1  ON BATTERY") && s.contains("grace period runs")
    })
}

/// The line of `ups`'s charge curve: the line after its state line.
fn charge_line<'a>(screen: &'a str, ups: &str) -> Option<&'a str> {
    let mut lines = screen.lines();
    lines.find(|l| l.contains(&format!("{ups}  ")))?;
    lines.next()
}

/// The charge the gauge of `ups` shows, in percent.
fn gauge(screen: &str, ups: &str) -> Option<u32> {
    let line = charge_line(screen, ups)?;
    let after = &line[line.find(']')? + 1..];
    after.split('%').next()?.trim().parse().ok()
}

#[test]
fn the_dashboard_follows_a_simulated_outage_at_80x24() {
    let Some(tmux) = Tmux::start("upstra-dashboard-test", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    let screen = cut_and_open_the_dashboard(&tmux, &demo);
    let line = charge_line(&screen, "ups-a1").unwrap_or_else(|| panic!("a charge line:\n{screen}"));
    assert!(line.contains('[') && line.contains('%'), "a gauge: {line}");
    assert!(line.chars().any(|c| BARS.contains(c)), "a curve: {line}");
    let first = gauge(&screen, "ups-a1").unwrap_or_else(|| panic!("a gauge:\n{screen}"));
    // The battery drains: the gauge follows the readings.
    let draining = tmux.wait_for("the gauge going down", OUTAGE, |s| {
        gauge(s, "ups-a1").is_some_and(|g| g < first)
    });
    eprintln!("on battery:\n{draining}");

    // The grace period ends: the trigger and the shed land in the list, servers go off.
    let shed = tmux.wait_for("the shed in the events", OUTAGE, |s| {
        s.contains("outage plan is triggered") && s.contains("(shed) finished")
    });
    assert!(
        shed.lines()
            .any(|l| l.contains("lab-a:") && !l.contains(" 0 off")),
        "servers off in lab-a:\n{shed}"
    );
    eprintln!("after the shed:\n{shed}");

    // Mains back, and the restore now (E asks first).
    tmux.keys(&["F3"]);
    tmux.wait_for("the plan view", SCREEN, |s| s.contains("Plan · ups-a1"));
    tmux.keys(&["Z"]);
    tmux.wait_for("the mains question", SCREEN, |s| {
        s.contains("bring the mains of simulated UPS ups-a1 back")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.keys(&["F6"]);
    tmux.wait_for("mains back", SCREEN, |s| s.contains("ups-a1  on mains"));
    // The shed told ups-a1 to cut and restore its output: the restore waits for that.
    tmux.restore_by_hand(OUTAGE);
    let restored = tmux.wait_for("the restore in the events", OUTAGE, |s| {
        s.contains("(restore) finished")
    });
    assert!(
        restored.lines().count() <= 24 && restored.lines().all(|l| l.chars().count() <= 80),
        "fits 80x24"
    );
    eprintln!("after the restore:\n{restored}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}

/// The wait before the restore counts down on the dashboard, from what the daemon says the
/// restore waits for (`WatchView::restore_wait`).
#[test]
fn the_dashboard_counts_down_to_the_restore_after_a_simulated_outage() {
    let Some(tmux) = Tmux::start("upstra-dashboard-wait-test", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    cut_and_open_the_dashboard(&tmux, &demo);
    tmux.wait_for("the shed in the events", OUTAGE, |s| {
        s.contains("(shed) finished")
    });
    tmux.keys(&["F3"]);
    tmux.wait_for("the plan view", SCREEN, |s| s.contains("Plan · ups-a1"));
    tmux.keys(&["Z"]);
    tmux.wait_for("the mains question", SCREEN, |s| {
        s.contains("bring the mains of simulated UPS ups-a1 back")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.keys(&["F6"]);
    let screen = tmux.wait_for("the countdown", SCREEN, |s| {
        s.contains("ups-a1: restore in ")
    });
    let first = left(&screen).unwrap_or_else(|| panic!("a countdown:\n{screen}"));
    assert!(screen.contains("mains stable"), "{screen}");
    let later = tmux.wait_for("the countdown going down", SCREEN, |s| {
        left(s).is_some_and(|l| l < first)
    });
    eprintln!("waiting to restore:\n{later}");
    tmux.wait_for("the restore by itself", RESTORE, |s| {
        s.contains("(restore) finished")
    });
    tmux.keys(&["q"]);
    tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
}

/// The seconds the countdown shows: `restore in 42 s`.
fn left(screen: &str) -> Option<u64> {
    let at = screen.find("restore in ")? + "restore in ".len();
    screen[at..].split_whitespace().next()?.parse().ok()
}
