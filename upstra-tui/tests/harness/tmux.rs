//! A private tmux server for the real-terminal tests: its own socket name, one session `t`,
//! the screen read with capture-pane and polled with a deadline (never a sleep), killed on
//! drop. Under CI=true a missing tmux fails the test; elsewhere it is skipped with a note.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// A server named after `name` and this process, with a `width`×`height` session running
    /// a bare bash; `None` (after a note) when tmux is not installed outside CI.
    pub fn start(name: &str, width: u16, height: u16) -> Option<Self> {
        let found = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        if !found {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "tmux is missing; tests/run installs it"
            );
            eprintln!("skipping: tmux is not installed");
            return None;
        }
        let tmux = Self {
            socket: format!("{name}-{}", std::process::id()),
        };
        let started = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "t",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            "bash --norc --noprofile",
        ]);
        assert!(
            started.status.success(),
            "{}",
            String::from_utf8_lossy(&started.stderr)
        );
        Some(tmux)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux runs")
    }

    /// Presses keys by tmux's names (`Enter`, `Right`, `C-k`, `q`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "t"];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    /// Types `text` as it is.
    pub fn type_text(&self, text: &str) {
        self.run(&["send-keys", "-t", "t", "-l", text]);
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "t"]).stdout).into_owned()
    }

    pub fn display(&self, format: &str) -> String {
        String::from_utf8_lossy(&self.run(&["display", "-p", "-t", "t", format]).stdout)
            .trim()
            .to_owned()
    }

    /// Polls the screen until `done` holds, for at most `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; screen:\n{screen}"
            );
            std::thread::park_timeout(Duration::from_millis(50));
        }
    }
}

impl Tmux {
    /// Asks for the restore with E, as an operator would, until the daemon takes it. After a
    /// shed that told a UPS to cut and restore its output, the daemon refuses it until the
    /// UPS has done so, and its refusal says how long that is ("retry in N s"): the operator
    /// waits that long and asks again. Returns the screen once the restore has started.
    #[allow(dead_code)]
    pub fn restore_by_hand(&self, limit: Duration) -> String {
        let until = Instant::now() + limit;
        loop {
            self.keys(&["E"]);
            self.wait_for("the restore question", Duration::from_secs(30), |s| {
                s.contains("Restore the lab now")
            });
            self.keys(&["Right", "Enter"]);
            // The refusal is on the status line, which the next event may overwrite: a
            // refusal not seen is asked again a little later.
            let mut wait = 5;
            let look_until = Instant::now() + Duration::from_secs(15);
            while Instant::now() < look_until {
                let screen = self.screen();
                if screen.contains("restore of UPS") {
                    return screen;
                }
                if let Some(n) = retry_in(&screen) {
                    wait = n;
                    break;
                }
                std::thread::park_timeout(Duration::from_millis(50));
            }
            let again = Instant::now() + Duration::from_secs(wait + 1);
            assert!(
                again < until,
                "the restore is still refused for {wait} s:\n{}",
                self.screen()
            );
            // Waiting for the time the daemon gave, watching the screen meanwhile.
            self.wait_for(
                "the time the refusal gave",
                Duration::from_secs(wait + 30),
                |_| Instant::now() >= again,
            );
        }
    }
}

/// The seconds in a refusal's "retry in N s", even when the status line wraps it.
fn retry_in(screen: &str) -> Option<u64> {
    let flat = screen.split_whitespace().collect::<Vec<_>>().join(" ");
    let rest = &flat[flat.find("retry in ")? + "retry in ".len()..];
    rest.split(' ').next()?.parse().ok()
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}
