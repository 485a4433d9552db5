//! The harness of the end-to-end tests: a demo daemon in this process (its own temp store,
//! socket and simulated lab) and the built `upstra` binary driven the way scripts drive it,
//! with one session file per user so several users can be logged in at once.
#![allow(dead_code)] // each test binary uses a different part of this module

pub mod bare;
pub mod driven;
pub mod headless;
pub mod ssh_lab;
pub mod tmux;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use upstra_daemon::demo::DemoDaemon;

/// A demo daemon on its own runtime, stopped on drop.
pub struct Demo {
    runtime: tokio::runtime::Runtime,
    daemon: Option<DemoDaemon>,
    dir: tempfile::TempDir,
}

impl Demo {
    pub fn start() -> Self {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = tempfile::tempdir().expect("temp dir");
        let daemon = runtime
            .block_on(upstra_daemon::demo::start(dir.path()))
            .expect("demo daemon starts");
        Self {
            runtime,
            daemon: Some(daemon),
            dir,
        }
    }

    pub fn daemon(&self) -> &DemoDaemon {
        self.daemon.as_ref().expect("running")
    }

    /// The session file of the demo admin.
    pub fn session_file(&self) -> PathBuf {
        self.dir.path().join("session")
    }

    /// The session file of another user.
    pub fn session_of(&self, user: &str) -> PathBuf {
        self.dir.path().join(format!("session-{user}"))
    }

    /// Runs `upstra --socket <demo> ARGS` as the demo admin with `stdin` on standard input.
    pub fn upstra(&self, args: &[&str], stdin: &str) -> Output {
        upstra(&self.daemon().socket, &self.session_file(), args, stdin)
    }

    /// Runs `upstra ARGS` with `user`'s session file.
    pub fn as_user(&self, user: &str, args: &[&str], stdin: &str) -> Output {
        upstra(&self.daemon().socket, &self.session_of(user), args, stdin)
    }

    /// Logs the demo admin in.
    pub fn login(&self) {
        let out = self.upstra(
            &["login", "--user", "demo", "--password-stdin"],
            &format!("{}\n", self.daemon().password),
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    }

    /// Runs `args` as the demo admin and returns standard output; it must succeed.
    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        ok(self.upstra(args, stdin))
    }

    /// Creates `user` with `role` (as the demo admin) and logs them in with their own file.
    pub fn add_and_login(&self, user: &str, role: &str) -> String {
        let password = format!("{user}-password-1");
        self.ok(
            &["user", "add", user, "--role", role, "--password-stdin"],
            &format!("{password}\n"),
        );
        ok(self.as_user(
            user,
            &["login", "--user", user, "--password-stdin"],
            &format!("{password}\n"),
        ));
        password
    }

    /// Starts `upstra ARGS` as the demo admin with its standard output read line by line.
    pub fn spawn(&self, args: &[&str]) -> Lines {
        let mut child = base(&self.daemon().socket, &self.session_file(), args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("upstra runs");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Lines { child, rx }
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        if let Some(daemon) = self.daemon.take() {
            self.runtime.block_on(daemon.shutdown());
        }
    }
}

/// A running `upstra` whose output lines arrive on a channel; killed on drop.
pub struct Lines {
    child: Child,
    rx: mpsc::Receiver<String>,
}

impl Lines {
    /// Reads lines until one satisfies `want`, or fails after `within`.
    pub fn wait_for(&self, within: Duration, want: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.rx.recv_timeout(left) {
                Ok(line) if want(&line) => return line,
                Ok(_) => {}
                Err(e) => panic!("no matching line within {within:?}: {e}"),
            }
        }
    }
}

impl Drop for Lines {
    fn drop(&mut self) {
        // Ours to stop: the child this harness spawned, by its handle.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn base(socket: &Path, session: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_upstra"));
    command
        .arg("--socket")
        .arg(socket)
        .args(args)
        .env("UPSTRA_SESSION_FILE", session)
        .env_remove("UPSTRA_SOCKET")
        .env_remove("NO_COLOR");
    command
}

/// Runs the binary with `stdin` written to its standard input.
pub fn upstra(socket: &Path, session: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = base(socket, session, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("upstra runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("stdin written");
    child.wait_with_output().expect("upstra exits")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Standard output of a run that must have succeeded.
pub fn ok(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "stderr: {}\nstdout: {}",
        text(&out.stderr),
        text(&out.stdout)
    );
    text(&out.stdout)
}

/// Checks a failure: its exit code and its one sentence on stderr, which must contain `says`.
pub fn fails(out: &Output, code: i32, says: &str) {
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one sentence: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(stderr.contains(says), "expected `{says}` in: {stderr}");
}

/// The Unix time now, in seconds.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}
