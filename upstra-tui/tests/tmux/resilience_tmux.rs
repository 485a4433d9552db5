//! The console in a real terminal when the world moves under it: the daemon stops and comes
//! back (the console says the connection is lost, keeps the view, and reconnects by itself
//! with the same session and selection), and the terminal is resized at any moment, down to
//! a few cells, and back. tmux at 80x24; every step waits on the screen with a deadline.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::bare::Bare;
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);

#[test]
fn the_console_survives_a_daemon_restart_and_resizes_keeping_its_view() {
    let Some(tmux) = Tmux::start("upstra-resilience-test", 80, 24) else {
        return;
    };
    let mut daemon = Bare::start();
    daemon.seed("root", "a long first password");
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "PS1='ready$ '; env -u LC_ALL -u LC_MESSAGES -u NO_COLOR LANG=C.UTF-8 \
             UPSTRA_SESSION_FILE={} {upstra} --socket {}; echo st\"\"atus=$?",
            daemon.session_file().display(),
            daemon.socket().display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the lab", SCREEN, |s| {
        s.contains("esx-a2") && s.contains("connected")
    });
    // Select esx-b1 with the keys: lab-a, ups-a1, esx-a1, esx-a2, mgmt-a1, nas-a1, lab-b,
    // ups-b1, core-sw, esx-b1.
    for _ in 0..9 {
        tmux.keys(&["Down"]);
    }
    tmux.wait_for("esx-b1 selected", SCREEN, |s| s.contains("Server esx-b1"));

    daemon.stop();
    let screen = tmux.wait_for("the lost connection", SCREEN, |s| {
        s.contains("connection lost")
    });
    assert!(
        screen.contains("Server esx-b1"),
        "the view stays:\n{screen}"
    );
    eprintln!("the daemon gone:\n{screen}");
    daemon.resume();
    let screen = tmux.wait_for("reconnected", SCREEN, |s| {
        s.contains("│ connected") && !s.contains("connection lost")
    });
    assert!(
        screen.contains("Server esx-b1"),
        "the same selection:\n{screen}"
    );
    assert!(screen.contains("│ root │"), "the same session:\n{screen}");
    eprintln!("the daemon back:\n{screen}");

    // Larger, tiny, then back: each drawn at once at the new size.
    tmux.run(&["resize-window", "-t", "t", "-x", "120", "-y", "40"]);
    let screen = tmux.wait_for("120x40", SCREEN, |s| {
        s.lines().next().is_some_and(|l| l.contains("connected"))
            && s.lines()
                .any(|l| l.chars().count() > 100 && l.contains('┐'))
    });
    assert!(screen.contains("Server esx-b1"), "{screen}");
    tmux.run(&["resize-window", "-t", "t", "-x", "20", "-y", "5"]);
    tmux.wait_for("20x5", SCREEN, |s| {
        s.lines().all(|l| l.chars().count() <= 20) && s.contains("Upstra")
    });
    tmux.run(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let screen = tmux.wait_for("80x24 again", SCREEN, |s| {
        s.contains("Server esx-b1") && s.lines().any(|l| l.contains("Details"))
    });
    eprintln!("after the resizes:\n{screen}");
    // Still answering keys.
    tmux.keys(&["F3"]);
    tmux.wait_for("the plan view of esx-b1's UPS", SCREEN, |s| {
        s.contains("Plan · ups-b1")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}
