//! `upstra demo` in a real terminal: tmux at 80x24 runs the binary, we read the screen with
//! capture-pane, press `q`, and check the terminal is given back clean (normal screen, cursor
//! shown, the shell prompt back). Needs tmux: under CI=true a missing tmux fails the test,
//! elsewhere it is skipped with a note.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::tmux::Tmux;

#[test]
fn demo_shows_the_tree_at_80x24_and_q_leaves_a_clean_terminal() {
    let Some(tmux) = Tmux::start("upstra-demo-test", 80, 24) else {
        return;
    };
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.run(&[
        "send-keys",
        "-t",
        "t",
        // English whatever the machine's locale: the console follows LANG now.
        &format!(
            "PS1='ready$ '; env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 {upstra} demo; \
             echo st\"\"atus=$?"
        ),
        "Enter",
    ]);

    let screen = tmux.wait_for("the demo tree", Duration::from_secs(60), |s| {
        s.contains("esx-b2") && s.contains("ups-a1") && s.contains("OL")
    });
    for expected in [
        "lab-a",
        "lab-b",
        "ups-a1",
        "ups-b1",
        "esx-a1",
        "esx-a2",
        "nas-a1",
        "core-sw",
        "connected",
    ] {
        assert!(screen.contains(expected), "{expected} missing:\n{screen}");
    }
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "1",
        "the console uses the alternate screen"
    );
    assert!(screen.lines().count() <= 24 && screen.lines().all(|l| l.chars().count() <= 80));

    // Open a hypervisor: its VMs appear under it.
    tmux.run(&["send-keys", "-t", "t", "j", "j", "l"]);
    tmux.wait_for("VMs under esx-a1", Duration::from_secs(10), |s| {
        s.contains("web-01") || s.contains("dns-01")
    });

    // `/esx-b`: the tree keeps lab-b's branch down to those two servers (and the VMs that
    // run there), nothing of lab-a; Esc brings it all back.
    tmux.type_text("/esx-b");
    let screen = tmux.wait_for("the filtered tree", Duration::from_secs(10), |s| {
        s.contains("/esx-b ·") && tree_pane(s).contains("esx-b2")
    });
    let tree = tree_pane(&screen);
    for shown in ["lab-b", "ups-b1", "esx-b1", "esx-b2"] {
        assert!(tree.contains(shown), "{shown} missing:\n{screen}");
    }
    for hidden in ["lab-a", "ups-a1", "esx-a1", "esx-a2", "nas-a1", "core-sw"] {
        assert!(!tree.contains(hidden), "{hidden} shows:\n{screen}");
    }
    eprintln!("the tree filtered on esx-b:\n{screen}");
    tmux.run(&["send-keys", "-t", "t", "Escape"]);
    tmux.wait_for("the whole tree again", Duration::from_secs(10), |s| {
        !s.contains("/esx-b") && tree_pane(s).contains("lab-a")
    });

    tmux.run(&["send-keys", "-t", "t", "q"]);
    let screen = tmux.wait_for("the shell after quitting", Duration::from_secs(30), |s| {
        s.contains("status=")
    });
    assert!(screen.contains("status=0"), "{screen}");
    assert!(
        screen.contains("password  demo-"),
        "the demo login is printed: {screen}"
    );
    assert!(
        !screen.contains("┌"),
        "no console frame left on the normal screen:\n{screen}"
    );
    assert_eq!(
        tmux.display("#{alternate_on}"),
        "0",
        "back on the normal screen"
    );
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "cursor visible again");
}

/// The tree pane of an 80x24 console: the left half of the lines between the header and the
/// status line.
fn tree_pane(screen: &str) -> String {
    screen
        .lines()
        .skip(1)
        .take(21)
        .map(|l| l.chars().take(40).collect::<String>() + "\n")
        .collect()
}

#[test]
fn demo_prints_its_login_and_socket_before_the_console_opens() {
    let Some(tmux) = Tmux::start("upstra-demo-banner", 80, 24) else {
        return;
    };
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.run(&[
        "send-keys",
        "-t",
        "t",
        &format!(
            "PS1='ready$ '; env -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8 {upstra} demo; \
             echo st\"\"atus=$?"
        ),
        "Enter",
    ]);
    tmux.wait_for("the console", Duration::from_secs(60), |s| {
        s.contains("esx-b2") && s.contains("connected")
    });
    // The help shows the login again, over the console.
    tmux.run(&["send-keys", "-t", "t", "?"]);
    let help = tmux.wait_for("the help", Duration::from_secs(10), |s| {
        s.contains("Demo login: demo / demo-")
    });
    let password = help
        .split("Demo login: demo / ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the password on the help's border")
        .to_owned();
    // Esc and q apart: together, a terminal reads them as Alt-q.
    tmux.run(&["send-keys", "-t", "t", "Escape"]);
    tmux.wait_for("the help closed", Duration::from_secs(10), |s| {
        !s.contains("Demo login")
    });
    tmux.run(&["send-keys", "-t", "t", "q"]);
    // Back on the normal screen: what was printed before the console opened.
    let shell = tmux.wait_for("the shell after quitting", Duration::from_secs(30), |s| {
        s.contains("status=")
    });
    let printed = shell
        .split("status=")
        .next()
        .expect("text before the status");
    for expected in [
        "Upstra demo",
        "user      demo",
        &format!("password  {password}"),
        "The daemon listens on the socket /",
        "A second console, from another terminal:",
        "upstra --socket /",
    ] {
        assert!(printed.contains(expected), "{expected} missing:\n{shell}");
    }
}
