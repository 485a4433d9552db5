//! A whole outage of the demo in a real terminal at 80x24, as an operator watching the plan
//! view lives it: the mains of ups-a1 cut (the demo's power cut), the grace period, the
//! daemon's own trigger and shed, mains back, the stability wait and the daemon's restore.
//! Every screen captured on the way is checked for contradictions: never "on mains" for a UPS
//! the header says is ON BATTERY, never "If UPS … lost mains now" while it is on battery or a
//! run goes on, one battery runtime in the header and the plan view; and the status line
//! follows the outage rather than keeping the first message. Waits poll with deadlines.
#![cfg(feature = "demo")]

use crate::harness;

use std::time::{Duration, Instant};

use harness::Demo;
use harness::tmux::Tmux;

const SCREEN: Duration = Duration::from_secs(30);
/// The demo's 60 s grace period, then the shed of the simulated lab, on a loaded machine.
const TRIGGER: Duration = Duration::from_secs(240);
/// Mains must stay back 2 minutes before the daemon restores; then the restore runs.
const RESTORE: Duration = Duration::from_secs(480);

/// The durations (`1h 01m`, `40m 00s`, `45s`) right after `marker` in `text`.
fn duration_after(text: &str, marker: &str) -> Option<String> {
    let at = text.find(marker)? + marker.len();
    let words: Vec<&str> = text[at..]
        .split(|c: char| c.is_whitespace() || matches!(c, '.' | ',' | ';' | '│'))
        .take_while(|w| {
            !w.is_empty()
                && w.chars().next().is_some_and(|c| c.is_ascii_digit())
                && w.ends_with(['h', 'm', 's'])
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// What no screen may say at once.
fn check(screen: &str) {
    let header = screen.lines().next().unwrap_or_default();
    let on_battery = header.contains("ON BATTERY ups-a1");
    let running = ["shed ", "restore "].iter().any(|kind| {
        header.split(kind).nth(1).is_some_and(|rest| {
            rest.split('/').count() > 1 && rest.starts_with(|c: char| c.is_ascii_digit())
        })
    });
    if on_battery {
        assert!(
            !screen.contains("ups-a1 on mains"),
            "contradiction:\n{screen}"
        );
    }
    if on_battery || running {
        assert!(
            !screen.contains("lost mains now"),
            "a hypothesis during the outage:\n{screen}"
        );
    }
    // The timeline's legend, on one line (the heading may wrap a runtime).
    let legend = screen
        .lines()
        .find(|l| l.contains("┊ battery runtime "))
        .unwrap_or_default();
    if let (Some(left), Some(plan)) = (
        duration_after(header, "ups-a1 "),
        duration_after(legend, "┊ battery runtime "),
    ) {
        assert_eq!(left, plan, "two runtimes:\n{screen}");
    }
}

/// Polls the screen, checking each one, until `done` holds, for at most `limit`.
fn follow(
    tmux: &Tmux,
    seen: &mut usize,
    what: &str,
    limit: Duration,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + limit;
    loop {
        let screen = tmux.screen();
        check(&screen);
        *seen += 1;
        if done(&screen) {
            return screen;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}; screen:\n{screen}"
        );
        std::thread::park_timeout(Duration::from_millis(100));
    }
}

/// The status line: the row above the footer.
fn status_line(screen: &str) -> String {
    let rows: Vec<&str> = screen.lines().collect();
    rows.len()
        .checked_sub(2)
        .and_then(|i| rows.get(i))
        .map(|r| r.trim().to_owned())
        .unwrap_or_default()
}

#[test]
fn a_whole_outage_of_the_demo_never_contradicts_itself_at_80x24() {
    let Some(tmux) = Tmux::start("upstra-truth-test", 80, 24) else {
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
    let mut seen = 0;
    follow(&tmux, &mut seen, "the lab", SCREEN, |s| {
        s.contains("esx-a2") && s.contains("OL")
    });
    tmux.keys(&["F3"]);
    follow(&tmux, &mut seen, "the plan preview", SCREEN, |s| {
        s.contains("If UPS ups-a1 lost mains now")
    });

    // The cut: the banner turns, the plan view says what is happening.
    tmux.keys(&["Z"]);
    follow(&tmux, &mut seen, "the power cut question", SCREEN, |s| {
        s.contains("Demo: cut the mains of simulated UPS ups-a1?")
    });
    tmux.keys(&["Right", "Enter"]);
    let grace = follow(&tmux, &mut seen, "the grace period", SCREEN, |s| {
        s.contains("UPS ups-a1 on battery: acting in")
    });
    eprintln!("on battery:\n{grace}");

    // The daemon triggers its plan by itself at the end of the grace period; the simulated
    // lab sheds in seconds, so the screens of the run itself are checked as they pass.
    let report = follow(&tmux, &mut seen, "the shed report", TRIGGER, |s| {
        s.contains("Shed report")
    });
    eprintln!("the shed, ended:\n{report}");
    let line = status_line(&report);
    assert!(
        !line.contains("on battery now") && !line.is_empty(),
        "the status line follows the outage: {line}\n{report}"
    );

    // Mains back: the daemon waits for it to hold, then restores by itself.
    tmux.keys(&["Z"]);
    follow(&tmux, &mut seen, "the mains question", SCREEN, |s| {
        s.contains("bring the mains of simulated UPS ups-a1 back")
    });
    tmux.keys(&["Right", "Enter"]);
    let waiting = follow(&tmux, &mut seen, "mains back", SCREEN, |s| {
        !s.contains("ON BATTERY") && s.contains("ups-a1 mains back, waiting")
    });
    assert!(
        !waiting.contains("lost mains now"),
        "the lab is shed, not quiet:\n{waiting}"
    );
    eprintln!("mains back:\n{waiting}");
    let report = follow(&tmux, &mut seen, "the restore report", RESTORE, |s| {
        s.contains("Restore report")
    });
    eprintln!("the restore, ended ({seen} screens checked):\n{report}");

    tmux.keys(&["q"]);
    let screen = tmux.wait_for("the shell", SCREEN, |s| s.contains("status="));
    assert!(screen.contains("status=0"), "{screen}");
}
