//! The scripting commands in a real terminal, where they differ from a pipe: `upstra ssh`
//! must give the prompt back as soon as the remote shell ends, with its exit status, and
//! `upstra login` must not show the password typed at its prompt and must end its message
//! with a newline. tmux runs the built binary in bash; the screen is polled with a deadline.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::Duration;

use harness::Demo;
use harness::ssh_lab::{SshLab, SshServer};
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);

/// The lines of the screen without the empty ones at the bottom.
fn lines(screen: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = screen.lines().collect();
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines
}

#[test]
fn upstra_ssh_returns_to_the_prompt_with_the_remote_status_when_the_shell_exits() {
    let Some(lab) = SshLab::start("ssh_exit_in_tmux", &[]) else {
        return;
    };
    let key = lab.host_key().to_owned();
    lab.redeclare(&[SshServer {
        name: "shell-x",
        host_key: Some(&key),
    }]);
    let Some(tmux) = Tmux::start("upstra-ssh-exit", 80, 24) else {
        return;
    };
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "PS1='ready$ '; env -u SSH_AUTH_SOCK TERM=xterm-256color UPSTRA_SSH_IDENTITY={} \
             UPSTRA_SESSION_FILE={} {upstra} --socket {} ssh shell-x; echo st\"\"atus=$?",
            lab.get("UPSTRA_PEER_SSH_CLIENT_KEY"),
            lab.demo.session_file().display(),
            lab.demo.daemon().socket.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the remote shell's prompt", SCREEN, |s| {
        lines(s).last().is_some_and(|l| {
            let l = l.trim_end();
            (l.ends_with('$') || l.ends_with('#')) && !l.starts_with("ready$")
        })
    });
    tmux.type_text("echo remote-$((6*7))");
    tmux.keys(&["Enter"]);
    tmux.wait_for("the command's output", SCREEN, |s| s.contains("remote-42"));
    tmux.type_text("exit 3");
    tmux.keys(&["Enter"]);
    // No key is pressed after `exit`: the prompt must come back by itself.
    let screen = tmux.wait_for("the local prompt", SCREEN, |s| {
        s.lines().any(|l| l.starts_with("status="))
    });
    assert!(screen.contains("status=3"), "{screen}");
    let screen = tmux.wait_for("the local prompt after the status", SCREEN, |s| {
        lines(s).last().is_some_and(|l| l.starts_with("ready$"))
    });
    // The terminal is back in cooked mode: what is typed now echoes, and runs.
    tmux.type_text("echo local-$((6*7))");
    tmux.keys(&["Enter"]);
    tmux.wait_for("a local command", SCREEN, |s| {
        s.lines().any(|l| l.starts_with("local-42"))
    });
    eprintln!("{screen}");
}

#[test]
fn upstra_login_at_a_terminal_hides_the_password_and_ends_its_line() {
    let demo = Demo::start();
    let Some(tmux) = Tmux::start("upstra-login", 100, 24) else {
        return;
    };
    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "PS1='ready$ '; UPSTRA_SESSION_FILE={} {upstra} --socket {} login --user demo \
             --password-stdin; echo st\"\"atus=$?",
            demo.session_file().display(),
            demo.daemon().socket.display()
        ),
        "Enter",
    ]);
    tmux.wait_for("the password prompt", SCREEN, |s| {
        s.contains("(read from standard input):")
    });
    let password = demo.daemon().password.clone();
    tmux.type_text(&password);
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the status", SCREEN, |s| {
        s.lines().any(|l| l.starts_with("status="))
    });
    assert!(!screen.contains(&password), "the password shows:\n{screen}");
    let shown = lines(&screen);
    assert!(
        shown.iter().any(|l| l.starts_with("logged in as demo")),
        "the message is not on a line of its own:\n{screen}"
    );
    assert!(
        shown.contains(&"status=0"),
        "the message does not end its line:\n{screen}"
    );
}
