//! The SSH pane in a real terminal: tmux at 80x24 runs `upstra` against a demo daemon whose
//! inventory has a server on the harness's real sshd. Log in, find the server with the
//! palette, open its shell with `e`, type a command and see its output, leave with Ctrl-],
//! find the tree again, and quit, which closes the shell first. The screen is polled with a
//! deadline, never a sleep. Skipped (with a note) without the peers or tmux outside CI.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::ssh_lab::{SshLab, SshServer};
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);

#[test]
fn log_in_open_a_shell_run_a_command_leave_it_and_quit() {
    let Some(lab) = SshLab::start("ssh_pane_in_tmux", &[]) else {
        return;
    };
    let key = lab.host_key().to_owned();
    lab.redeclare(&[SshServer {
        name: "shell-t",
        host_key: Some(&key),
    }]);
    let Some(tmux) = Tmux::start("upstra-ssh-test", 80, 24) else {
        return;
    };
    let session = lab.demo.session_of("tmux");
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "PS1='ready$ '; env -u LC_ALL -u LC_MESSAGES -u NO_COLOR -u SSH_AUTH_SOCK \
             LANG=C.UTF-8 TERM=xterm-256color UPSTRA_SSH_IDENTITY={} UPSTRA_SESSION_FILE={} \
             {upstra} --socket {}; echo st\"\"atus=$?",
            lab.get("UPSTRA_PEER_SSH_CLIENT_KEY"),
            session.display(),
            lab.demo.daemon().socket.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the login form", SCREEN, |s| s.contains("Log in to Upstra"));
    tmux.type_text("demo");
    tmux.keys(&["Tab"]);
    tmux.type_text(&lab.demo.daemon().password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the lab", SCREEN, |s| {
        s.contains("shell-t") && s.contains("connected")
    });

    tmux.keys(&["C-k"]);
    tmux.wait_for("the palette", SCREEN, |s| s.contains("Commands and lab"));
    tmux.type_text("shell-t");
    tmux.wait_for("shell-t in the palette", SCREEN, |s| {
        s.contains("Server shell-t")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("shell-t selected", SCREEN, |s| {
        !s.contains("Commands and lab") && s.contains("Server shell-t")
    });

    tmux.keys(&["e"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| {
        s.contains("● shell-t") && s.contains("$ ")
    });
    eprintln!("the pane once open:\n{screen}");
    tmux.type_text("echo from-tmux-$((6*7))");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the output", SCREEN, |s| s.contains("from-tmux-42"));
    assert!(screen.contains("Ctrl-] back to the lab"), "{screen}");
    eprintln!("the pane after the command:\n{screen}");

    tmux.keys(&["C-]"]);
    let screen = tmux.wait_for("the tree again", SCREEN, |s| {
        s.contains("┌ Lab") && s.contains("Server shell-t") && !s.contains("● shell-t")
    });
    eprintln!("back in the tree:\n{screen}");

    // Quitting closes the shell (and records it) before the terminal is given back.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell prompt", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "normal screen");
    let closes = lab.audit("ssh_close");
    assert_eq!(closes.len(), 1, "{closes:?}");
    assert!(
        closes[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("closed by the operator")),
        "{}",
        closes[0]
    );
}
