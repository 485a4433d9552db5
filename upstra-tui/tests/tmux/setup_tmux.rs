//! The first-run setup wizard in a real terminal: a daemon with an empty store, `upstra` in
//! tmux at 80x24. The wizard asks for the first admin and logs in with it, then finds the
//! lab empty: it loads the demo's lab file by path (read here, as `upstra apply` does),
//! shows the dry run, applies it, reads every peer and shows what answers, and finishes on
//! the lab view with the lab in it.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::bare::Bare;
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);

#[test]
fn the_wizard_creates_the_first_admin_then_loads_a_lab_file_and_checks_it() {
    let Some(tmux) = Tmux::start("upstra-setup-test", 80, 24) else {
        return;
    };
    let daemon = Bare::start();
    open_as_first_admin(&tmux, &daemon, SCREEN);

    // Logged in, the lab is empty: the menu.
    let screen = tmux.wait_for("the wizard's menu", SCREEN, |s| {
        s.contains("Load a lab file") && s.contains("│ root │")
    });
    assert!(screen.contains("0 room(s), 0 UPS"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the lab file form", SCREEN, |s| s.contains("Lab file"));
    let lab = concat!(env!("CARGO_MANIFEST_DIR"), "/../config/demo-lab.toml");
    tmux.type_text(lab);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the dry run", SCREEN, |s| {
        s.contains("What the lab file changes") && s.contains("create    server esx-a1")
    });
    eprintln!("the dry run:\n{screen}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the live check", SCREEN, |s| {
        s.contains("What answers now") && s.contains("UPS ups-a1") && s.contains("answers")
    });
    eprintln!("the live check:\n{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the menu again", SCREEN, |s| s.contains("Declared here:"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the lab", SCREEN, |s| {
        s.contains("esx-a1") && s.contains("lab-b") && !s.contains("First-run setup")
    });
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}

/// Opens the console on `daemon`'s empty store in `tmux` and creates the first admin (`root`):
/// the wizard's menu comes next. The status line after the console exits reads `status=N`.
pub(crate) fn open_as_first_admin(tmux: &Tmux, daemon: &Bare, within: Duration) {
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
    tmux.wait_for("the first admin", within, |s| {
        s.contains("First-run setup · The first admin")
    });
    let password = "a long first password";
    tmux.type_text("root");
    tmux.keys(&["Tab"]);
    tmux.type_text(password);
    tmux.keys(&["Tab"]);
    tmux.type_text(password);
    tmux.keys(&["Enter"]);
}
