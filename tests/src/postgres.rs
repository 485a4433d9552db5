//! A PostgreSQL server of a test's own (Debian's `postgresql`, installed by
//! `tests/peers/install.sh`): `initdb` in a temp dir, `postgres` on a free loopback port and a
//! socket in that dir, run as the `postgres` system user when the test runs as root (the server
//! refuses root). Its superuser `admin` logs in with a password over TCP (what an importer
//! does) and without one on the Unix socket (what the test's own `psql` uses to load data).
//!
//! The server runs under a small `sh` that holds a pipe from the test: when the test ends
//! (dropped, or its process killed), the pipe closes and the `sh` stops the server, so none
//! outlives its test.
#![allow(clippy::expect_used)]

use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long initdb plus the first start may take on two loaded cores.
const READY_WITHIN: Duration = Duration::from_secs(90);
/// The superuser's name.
pub const ADMIN: &str = "admin";

pub struct OwnPostgres {
    dir: PathBuf,
    pub port: u16,
    /// The file holding the superuser's password (mode 0600).
    pub password_file: PathBuf,
    guard: Option<Child>,
}

/// Where Debian puts the server's programs (the newest major version installed).
fn bin_dir() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let v = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("postgres").exists().then_some((v, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, b)| b)
}

/// The `postgres` system user's uid and gid, when this process is root and must switch.
fn run_as() -> Option<(u32, u32)> {
    let id = |args: &[&str]| -> Option<u32> {
        let out = Command::new("id").args(args).output().ok()?;
        String::from_utf8_lossy(&out.stdout).trim().parse().ok()
    };
    if id(&["-u"])? != 0 {
        return None;
    }
    Some((id(&["-u", "postgres"])?, id(&["-g", "postgres"])?))
}

impl OwnPostgres {
    /// Starts one, or `None` (the test skips, saying why) when PostgreSQL is not installed;
    /// under `CI=true` a missing server fails the test.
    pub fn start(test: &str) -> Option<Self> {
        let Some(bin) = bin_dir() else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "PostgreSQL missing but CI=true: run tests/peers/install.sh"
            );
            eprintln!("skipping {test}: PostgreSQL is not installed (tests/peers/install.sh)");
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("upstra-pg-{}-{port}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).expect("postgres dir");
        let owner = run_as();
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&dir, Some(uid), Some(gid)).expect("chown the dir");
        }
        let password = format!("pg-admin-{port}");
        let password_file = dir.join("admin.password");
        fs::write(&password_file, format!("{password}\n")).expect("password file");
        if let Some((uid, gid)) = owner {
            std::os::unix::fs::chown(&password_file, Some(uid), Some(gid)).expect("chown");
        }
        let data = dir.join("data");
        let mut initdb = Command::new(bin.join("initdb"));
        initdb
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                ADMIN,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", password_file.display()))
            .args(["-E", "UTF8", "--locale=C.UTF-8", "--no-sync"])
            .stdin(Stdio::null());
        if let Some((uid, gid)) = owner {
            initdb.uid(uid).gid(gid);
        }
        let out = initdb.output().expect("initdb runs");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `read` returns when the test closes the pipe or dies; then a fast shutdown.
        let script = r#""$@" </dev/null >>"$LOG" 2>&1 &
child=$!
echo "$child"
read -r _ || true
kill -INT "$child" 2>/dev/null
wait "$child""#;
        let mut command = Command::new("sh");
        command
            .args(["-c", script, "sh"])
            .arg(bin.join("postgres"))
            .arg("-D")
            .arg(&data)
            .args(["-p", &port.to_string(), "-k"])
            .arg(&dir)
            .args(["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"])
            .env("LOG", dir.join("postgres.log"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some((uid, gid)) = owner {
            command.uid(uid).gid(gid);
        }
        let mut guard = command.spawn().expect("postgres starts");
        let mut line = String::new();
        BufReader::new(guard.stdout.take().expect("the guard's stdout"))
            .read_line(&mut line)
            .expect("the guard's pid line");
        let pg = Self {
            dir,
            port,
            password_file,
            guard: Some(guard),
        };
        pg.wait_ready();
        pg.psql("postgres", "CREATE DATABASE upstra;");
        Some(pg)
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            let ok = self
                .psql_command("postgres")
                .args(["-c", "SELECT 1"])
                .stdin(Stdio::null())
                .output()
                .is_ok_and(|o| o.status.success());
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres on {} not ready within {READY_WITHIN:?}; log:\n{}",
                self.port,
                self.log()
            );
            std::thread::park_timeout(Duration::from_millis(100));
        }
    }

    fn psql_command(&self, database: &str) -> Command {
        let mut c = Command::new("psql");
        c.args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h"])
            .arg(&self.dir)
            .args(["-p", &self.port.to_string(), "-U", ADMIN, "-d", database]);
        c
    }

    /// Runs `sql` through `psql` on the Unix socket (trusted); panics with its error.
    pub fn psql(&self, database: &str, sql: &str) {
        let mut child = self
            .psql_command(database)
            .args(["-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("psql runs");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(sql.as_bytes())
            .expect("sql written");
        let out = child.wait_with_output().expect("psql exits");
        assert!(
            out.status.success(),
            "psql failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The URL of `database` over TCP, without the password (it is in [`Self::password_file`]).
    pub fn url(&self, database: &str) -> String {
        format!("postgresql://{ADMIN}@127.0.0.1:{}/{database}", self.port)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn log(&self) -> String {
        fs::read_to_string(self.dir.join("postgres.log")).unwrap_or_default()
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take() {
            // Closing the pipe makes the guard stop the server and wait for it.
            drop(guard.stdin.take());
            let _ = guard.wait();
        }
        let _ = fs::remove_dir_all(&self.dir);
    }
}
