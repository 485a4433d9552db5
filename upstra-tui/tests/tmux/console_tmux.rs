//! The console in a real terminal against a running daemon, as an operator uses it: tmux at
//! 80x24 runs `upstra`, keys go in with send-keys, the screen comes back with capture-pane,
//! polled with a deadline.
//!
//! The story: policy requires two-factor, so the first login lands on enrollment; the key is
//! read off the screen and the codes computed from it with totp-rs, as an authenticator app
//! would; the recovery codes show once; a fresh login takes the password and a code; the
//! palette finds a server; `x` and its confirm dialog power it off; the tree shows it off;
//! `L` switches to French; `q` gives the terminal back clean.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use harness::Demo;
use harness::tmux::Tmux;
use totp_rs::{Builder, Secret};

const SCREEN: Duration = Duration::from_secs(30);

/// The key the enrollment screen shows: the two lines of four groups of four base32 letters.
fn key_on(screen: &str) -> Option<String> {
    let base32 = |w: &str| {
        w.len() == 4
            && w.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    };
    let key: String = screen
        .lines()
        .filter_map(|line| {
            let groups: Vec<&str> = line.split_whitespace().filter(|w| base32(w)).collect();
            (groups.len() == 4).then(|| groups.concat())
        })
        .collect();
    (key.len() == 32).then_some(key)
}

/// The code an authenticator shows for `secret`, `ahead` steps of 30 s from now.
fn code(secret: &str, ahead: u64) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs();
    let secret = Secret::try_from_base32(secret).expect("base32 key");
    Builder::new()
        .with_secret(secret)
        .build()
        .expect("a TOTP")
        .generate(now + 30 * ahead)
        .to_string()
}

fn recovery_codes(screen: &str) -> usize {
    screen
        .split_whitespace()
        .filter(|w| w.len() == 9 && w.as_bytes()[4] == b'-')
        .count()
}

#[test]
fn two_factor_login_then_power_off_from_the_palette_then_french_then_quit() {
    let Some(tmux) = Tmux::start("upstra-console-test", 80, 24) else {
        return;
    };
    let demo = Demo::start();
    demo.login();
    demo.ok(&["settings", "require-2fa", "everyone"], "");
    demo.ok(&["logout"], "");
    let password = demo.daemon().password.clone();
    let session = demo.session_of("console");

    let upstra = env!("CARGO_BIN_EXE_upstra");
    tmux.keys(&[
        &format!(
            "PS1='ready$ '; env -u LC_ALL -u LC_MESSAGES -u NO_COLOR LANG=C.UTF-8 \
             UPSTRA_SESSION_FILE={} {upstra} --socket {}; echo st\"\"atus=$?",
            session.display(),
            demo.daemon().socket.display()
        ),
        "Enter",
    ]);

    tmux.wait_for("the login form", SCREEN, |s| s.contains("Log in to Upstra"));
    tmux.type_text("demo");
    tmux.keys(&["Tab"]);
    tmux.type_text(&password);
    tmux.keys(&["Enter"]);

    // Enrollment: the QR code and the key; the first code from the key on the screen.
    let screen = tmux.wait_for("the enrollment screen", SCREEN, |s| key_on(s).is_some());
    assert!(
        screen.contains("Set up two-factor authentication"),
        "{screen}"
    );
    assert!(
        screen.contains('▀') && screen.contains('█'),
        "a QR code:\n{screen}"
    );
    let secret = key_on(&screen).expect("the key");
    tmux.type_text(&code(&secret, 0));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the recovery codes", SCREEN, |s| {
        s.contains("STORE THESE RECOVERY CODES NOW")
    });
    assert_eq!(recovery_codes(&screen), 10, "{screen}");
    tmux.keys(&["Enter"]);

    // A fresh login, with the password and a code. The enrollment used this step's code, and
    // the daemon refuses a code twice: the next step's is still accepted (one step of skew).
    tmux.wait_for("the login form again", SCREEN, |s| {
        s.contains("Two-factor authentication is on: log in again")
    });
    tmux.type_text(&password);
    tmux.keys(&["Enter"]);
    tmux.wait_for("the code step", SCREEN, |s| {
        s.contains("Two-factor authentication is on for demo")
    });
    tmux.type_text(&code(&secret, 1));
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("the lab", SCREEN, |s| {
        s.contains("esx-a2") && s.contains("connected") && s.contains("OL")
    });
    assert!(screen.contains("│ demo │"), "logged in as demo:\n{screen}");

    // The palette finds the server and selects it.
    tmux.keys(&["C-k"]);
    tmux.wait_for("the palette", SCREEN, |s| s.contains("Commands and lab"));
    tmux.type_text("esx-a2");
    tmux.wait_for("esx-a2 in the palette", SCREEN, |s| {
        s.contains("Server esx-a2")
    });
    tmux.keys(&["Enter"]);
    tmux.wait_for("esx-a2 selected", SCREEN, |s| {
        !s.contains("Commands and lab") && s.contains("Server esx-a2")
    });

    // Power it off: the question names it and starts on No; Right, Enter says Yes.
    tmux.keys(&["x"]);
    tmux.wait_for("the confirm dialog", SCREEN, |s| {
        s.contains("Power off server esx-a2 (hard, like pulling the plug)?")
    });
    tmux.keys(&["Right", "Enter"]);
    let screen = tmux.wait_for("esx-a2 off", SCREEN, |s| {
        s.contains("Server esx-a2: off") && s.contains("esx-a2  off")
    });
    assert!(
        screen.contains("Power        off"),
        "the details say so:\n{screen}"
    );

    // French at run time.
    tmux.keys(&["L"]);
    let screen = tmux.wait_for("the console in French", SCREEN, |s| {
        s.contains("La console parle maintenant français") && s.contains("esx-a2  hors tension")
    });
    assert!(screen.contains("connecté"), "{screen}");
    assert!(
        screen.lines().count() <= 24 && screen.lines().all(|l| l.chars().count() <= 80),
        "fits 80x24"
    );
    eprintln!("the screen before quitting:\n{screen}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell after quitting", SCREEN, |s| {
        s.contains("status=")
    });
    assert!(screen.contains("status=0"), "{screen}");
    assert!(!screen.contains('┌'), "no console frame left:\n{screen}");
    assert_eq!(tmux.display("#{alternate_on}"), "0", "normal screen");
    assert_eq!(tmux.display("#{cursor_flag}"), "1", "cursor visible");
    eprintln!("the terminal after quitting:\n{screen}");
}
