//! The shed's last steps in a real terminal at 80x24, on the demo (ups-a1 has `ups_off =
//! "return"` and feeds mgmt-a1, this host): the plan view names both steps, marks
//! the UPS's output cut (`╳`) beside the battery runtime (`┊`) and explains both marks in its
//! legend. Then a whole demo outage: the cut of ups-a1's mains, the shed with its last steps
//! carried out on the simulated drivers (this machine is never powered off, and the console
//! says it was simulated), mains back and the daemon's restore. Waits poll with deadlines.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::Demo;
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);
/// A shed of the simulated lab with its last steps: the UPS's delay before the cut (30 s in
/// the demo lab) and the simulated host's shutdown, on a loaded machine.
const RUN: Duration = Duration::from_secs(420);
/// Mains must stay back 2 minutes before the daemon restores; then the restore runs.
const RESTORE: Duration = Duration::from_secs(480);

/// Starts the console on the demo in `tmux`, on the plan view of ups-a1.
fn plan_view(tmux: &Tmux, demo: &Demo) {
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
    tmux.keys(&["F3"]);
    tmux.wait_for("the plan preview", SCREEN, |s| {
        s.contains("Plan · ups-a1") && s.contains("If UPS ups-a1 lost mains now")
    });
}

/// Moves the selection down until `what` is on screen (the timeline scrolls with it).
fn scroll_to(tmux: &Tmux, what: &str) -> String {
    for _ in 0..40 {
        let screen = tmux.screen();
        if screen.contains(what) {
            return screen;
        }
        tmux.keys(&["Down"]);
        tmux.wait_for("the selection moved", SCREEN, |s| s != screen);
    }
    tmux.wait_for(what, SCREEN, |s| s.contains(what))
}

fn fits(screen: &str) {
    assert!(
        screen.lines().count() <= 24 && screen.lines().all(|l| l.chars().count() <= 80),
        "fits 80x24:\n{screen}"
    );
}

#[test]
fn the_plan_view_shows_the_last_steps_and_the_output_cut() {
    let Some(tmux) = Tmux::start("upstra-last-out-test", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    demo.login();
    plan_view(&tmux, &demo);
    // Down to the last step, whose pane says what the daemon will do.
    let screen = scroll_to(
        &tmux,
        "shut down this host (mgmt-a1), where the daemon runs",
    );
    assert!(screen.contains("cut ups-a1 output"), "{screen}");
    assert!(screen.contains("shut down mgmt-a1 (here)"), "{screen}");
    let legend = screen
        .lines()
        .find(|l| l.contains("┊ battery runtime "))
        .unwrap_or_default();
    assert!(legend.contains("╳ UPS off "), "{screen}");
    // The cut is marked on the step lines, not only in the legend.
    assert!(
        screen.lines().filter(|l| l.contains('╳')).count() >= 3,
        "{screen}"
    );
    assert!(
        screen.contains("UPS ups-a1 cuts its output at ")
            && screen.contains("(after this host is down)"),
        "{screen}"
    );
    fits(&screen);
    eprintln!("the last steps:\n{screen}");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}

/// The demo's whole outage with the last steps, shed by hand on battery: the report says the
/// last steps were simulated, the status line never claims mains is back before it is, and
/// the operator's restore brings the lab back once mains returns.
#[test]
fn a_demo_outage_runs_the_last_steps_simulated_and_restores() {
    let Some(tmux) = Tmux::start("upstra-last-out-run", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    demo.login();
    plan_view(&tmux, &demo);

    tmux.keys(&["Z"]);
    tmux.wait_for("the power cut question", SCREEN, |s| {
        s.contains("Demo: cut the mains of simulated UPS ups-a1?")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.wait_for("on battery", SCREEN, |s| {
        s.lines()
            .next()
            .is_some_and(|h| h.contains("ON BATTERY ups-a1"))
    });
    // Shed now rather than at the end of the grace period: on battery, an operator's shed
    // includes the last steps (it is a real outage).
    tmux.keys(&["R"]);
    tmux.wait_for("the run question", SCREEN, |s| {
        s.contains("Shed the load of UPS ups-a1 now")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.wait_for("the run on screen", SCREEN, |s| {
        s.contains("Run ") && s.contains("shed")
    });
    let report = tmux.wait_for("the shed report", RUN, |s| s.contains("Shed report"));
    fits(&report);
    eprintln!("the shed, ended:\n{report}");
    // Back to the run's timeline: both last steps done, this machine untouched.
    let screen = scroll_to(&tmux, "shut down mgmt-a1 (here)");
    assert!(
        screen
            .lines()
            .any(|l| l.contains("shut down mgmt-a1 (here)") && l.contains("done")),
        "{screen}"
    );
    assert!(
        screen
            .lines()
            .any(|l| l.contains("cut ups-a1 output") && l.contains("done")),
        "{screen}"
    );
    assert!(
        screen.contains("Demo: simulated; this host would power off here"),
        "said to be simulated:\n{screen}"
    );
    // A shed by hand on battery: the status line must not say mains is back.
    assert!(!screen.contains("ups-a1: mains is back"), "{screen}");
    fits(&screen);

    tmux.keys(&["Z"]);
    tmux.wait_for("the mains question", SCREEN, |s| {
        s.contains("bring the mains of simulated UPS ups-a1 back")
    });
    tmux.keys(&["Right", "Enter"]);
    tmux.wait_for("mains back", SCREEN, |s| !s.contains("ON BATTERY"));
    // A shed by hand stays shed until an operator restores it; the UPS's cycle may make the
    // daemon ask to retry in a few seconds, which the harness does.
    tmux.restore_by_hand(RESTORE);
    let report = tmux.wait_for("the daemon's restore report", RESTORE, |s| {
        s.contains("Restore report")
    });
    assert!(report.contains("Restored ("), "{report}");
    fits(&report);
    eprintln!("the restore report:\n{report}");
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}
