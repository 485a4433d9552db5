//! A NUT server of a test's own: a copy of the harness's upsd configuration (the same UPS,
//! users, passwords and clone settings) with its own dummy-ups drivers, state and port. A test
//! that flips a UPS, freezes a driver or sends a UPS command changes only its own copy, so
//! such tests run side by side instead of one at a time on the shared upsd.
//!
//! Every process runs under a small `sh` that holds a pipe from the test: when the test ends
//! (dropped, or its process killed by the runner), the pipe closes and the `sh` stops its
//! process, so no upsd or driver outlives the test that started it.
#![allow(clippy::expect_used)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use crate::Peers;

/// How long each NUT process may take to come up: the harness allows 30 s per peer, and a
/// test's copy starts while other tests load the same two cores.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// The runtime files of the harness's NUT that a copy rewrites, relative to its NUT dir.
const CONFIG_FILES: [&str; 3] = ["etc/ups.conf", "etc/upsd.conf", "etc/upsd.users"];

/// The UPS whose dummy-ups `.dev` files are copied (the clone follows `ups1`'s driver).
const DUMMY_UPS: [&str; 2] = ["ups1", "ups2"];

/// One NUT process under its guard `sh`.
struct Tied {
    guard: Child,
    /// The process itself (not the `sh`), for a test that signals it.
    pid: u32,
}

impl Tied {
    /// Starts `program args` with `env`, its output appended to `log`.
    fn spawn(program: &str, args: &[&str], env: &[(&str, &Path)], log: &Path) -> Self {
        // `read` returns when the test closes the pipe or dies; then the process is stopped
        // (CONT first: a test may have left it stopped) and waited for.
        let script = r#"log=$1; shift
"$@" </dev/null >>"$log" 2>&1 &
child=$!
echo "$child"
read -r _ || true
kill -CONT "$child" 2>/dev/null
kill -TERM "$child" 2>/dev/null
wait "$child""#;
        let mut command = Command::new("sh");
        command
            .args(["-c", script, "sh"])
            .arg(log)
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        for (key, value) in env {
            command.env(key, value);
        }
        let mut guard = command
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {program}: {e}"));
        let stdout: ChildStdout = guard.stdout.take().expect("the guard's stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("the guard's pid line");
        let pid = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{program} did not start: {line:?}"));
        Self { guard, pid }
    }

    /// The guard waits, and the process neither exited nor is a zombie (exited, not yet
    /// reaped by its guard).
    fn running(&mut self) -> bool {
        let state = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .ok()
            .and_then(|stat| {
                let (_, after_name) = stat.rsplit_once(") ")?;
                after_name.chars().next()
            });
        matches!(self.guard.try_wait(), Ok(None)) && state.is_some_and(|s| s != 'Z')
    }
}

impl Drop for Tied {
    fn drop(&mut self) {
        // Closing the pipe is the signal; the guard then stops the process and exits.
        drop(self.guard.stdin.take());
        let _ = self.guard.wait();
    }
}

/// The running copy.
pub struct OwnNut {
    pub dir: PathBuf,
    pub port: u16,
    vars: Vec<(&'static str, String)>,
    /// upsd first, so it stops before the drivers it reads.
    processes: Vec<Tied>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// The gid of group `nut`, which the drivers and upsd run as, from `/etc/group`.
fn nut_gid() -> Option<u32> {
    let groups = std::fs::read_to_string("/etc/group").ok()?;
    groups.lines().find_map(|line| {
        let mut fields = line.split(':');
        (fields.next() == Some("nut"))
            .then(|| fields.nth(1)?.parse().ok())
            .flatten()
    })
}

/// `ups`'s status as the upsd on loopback `port` serves it, if it answers.
pub fn ups_status(port: u16, ups: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    stream
        .write_all(format!("GET VAR {ups} ups.status\n").as_bytes())
        .ok()?;
    let mut line = String::new();
    BufReader::new(stream).read_line(&mut line).ok()?;
    let prefix = format!("VAR {ups} ups.status ");
    Some(
        line.trim()
            .strip_prefix(&prefix)?
            .trim_matches('"')
            .to_owned(),
    )
}

/// Polls `ready` until it holds; panics naming `what` and the log after [`READY_WITHIN`] or
/// when one of `processes` exits.
fn wait_for(what: &str, log: &Path, processes: &mut [Tied], mut ready: impl FnMut() -> bool) {
    let deadline = Instant::now() + READY_WITHIN;
    while !ready() {
        let log = || std::fs::read_to_string(log).unwrap_or_default();
        assert!(
            processes.iter_mut().all(Tied::running),
            "the test's own NUT: a process exited before {what}: {}",
            log()
        );
        assert!(
            Instant::now() < deadline,
            "the test's own NUT: no {what} within {READY_WITHIN:?}: {}",
            log()
        );
        std::thread::park_timeout(Duration::from_millis(50));
    }
}

impl OwnNut {
    /// Copies the harness's NUT (from `UPSTRA_PEER_NUT_DIR`) and starts it; panics with the
    /// reason and the processes' log when a part does not come up.
    pub fn start(peers: &Peers) -> Self {
        let shared = PathBuf::from(peers.get("UPSTRA_PEER_NUT_DIR"));
        let shared_port = peers.get("UPSTRA_PEER_NUT_PORT");
        let host = peers.get("UPSTRA_PEER_NUT_HOST");
        let drivers = PathBuf::from(peers.get("UPSTRA_PEER_NUT_DRIVER_DIR"));
        let cmd_ups = peers.get("UPSTRA_PEER_NUT_CMD_UPS").to_owned();
        let port = free_port();
        // Beside the harness's own runtime dir: its parents are known to let user nut through.
        let base = shared
            .parent()
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(std::env::temp_dir);
        remove_stale(&base);
        let dir = base.join(format!("{DIR_PREFIX}{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["etc", "state", "logs"] {
            std::fs::create_dir_all(dir.join(sub)).expect("the NUT dirs");
        }
        // From here on, a failure drops it: its processes stop and its dir goes.
        let mut nut = Self {
            dir: dir.clone(),
            port,
            vars: Vec::new(),
            processes: Vec::new(),
        };
        let shared_text = shared.to_str().expect("a UTF-8 NUT dir");
        let own_text = dir.to_str().expect("a UTF-8 dir");
        for file in CONFIG_FILES {
            let text = std::fs::read_to_string(shared.join(file)).unwrap_or_else(|e| {
                panic!("cannot read the harness's {file} (is it running as root?): {e}")
            });
            let text = text.replace(shared_text, own_text).replace(
                &format!("LISTEN {host} {shared_port}"),
                &format!("LISTEN {host} {port}"),
            );
            std::fs::write(dir.join(file), text).expect("write a NUT config file");
        }
        for ups in DUMMY_UPS {
            // The harness's file as it started, not as a test may have flipped it.
            std::fs::copy(
                shared.join(format!("{ups}.dev.orig")),
                dir.join(format!("{ups}.dev")),
            )
            .expect("the harness's pristine .dev file (start.sh writes <ups>.dev.orig)");
        }
        Self::set_modes(&dir);

        let env: [(&str, &Path); 3] = [
            ("NUT_CONFPATH", &dir.join("etc")),
            ("NUT_STATEPATH", &dir.join("state")),
            ("NUT_ALTPIDPATH", &dir.join("state")),
        ];
        let log = dir.join("logs").join("nut.log");
        let upsd_log = dir.join("logs").join("nut-upsd.log");
        let program = |name: &str| drivers.join(name).to_str().expect("UTF-8").to_owned();
        nut.processes = DUMMY_UPS
            .iter()
            .map(|ups| Tied::spawn(&program("dummy-ups"), &["-a", ups, "-F"], &env, &log))
            .collect();
        for (ups, tied) in DUMMY_UPS.iter().zip(&nut.processes) {
            std::fs::write(
                dir.join(format!("nut-{ups}.pid")),
                format!("{}\n", tied.pid),
            )
            .expect("a driver pid file");
        }
        let state = dir.join("state");
        wait_for("dummy-ups driver sockets", &log, &mut nut.processes, || {
            DUMMY_UPS
                .iter()
                .all(|u| state.join(format!("dummy-ups-{u}")).exists())
        });
        // The clone reads ups1's driver socket, so it starts once that socket exists.
        nut.processes.push(Tied::spawn(
            &program("clone"),
            &["-a", &cmd_ups, "-F"],
            &env,
            &log,
        ));
        wait_for("clone driver socket", &log, &mut nut.processes, || {
            state.join(format!("clone-{cmd_ups}")).exists()
        });
        // -FF: in the foreground, still writing its pid file.
        // First in the list, so it stops before the drivers it reads.
        let upsd = Tied::spawn(&program("upsd"), &["-FF"], &env, &upsd_log);
        nut.processes.insert(0, upsd);
        let all_ups: Vec<&str> = DUMMY_UPS
            .iter()
            .copied()
            .chain([cmd_ups.as_str()])
            .collect();
        wait_for(
            "upsd serving every UPS on mains",
            &upsd_log,
            &mut nut.processes,
            || {
                all_ups
                    .iter()
                    .all(|u| ups_status(port, u).as_deref() == Some("OL"))
            },
        );

        let path = |p: PathBuf| p.to_str().expect("UTF-8").to_owned();
        nut.vars = vec![
            ("UPSTRA_PEER_NUT_PORT", port.to_string()),
            ("UPSTRA_PEER_NUT_DIR", own_text.to_owned()),
            ("UPSTRA_PEER_NUT_UPSD_LOG", path(upsd_log)),
            (
                "UPSTRA_PEER_NUT_USERS_FILE",
                path(dir.join("etc/upsd.users")),
            ),
            (
                "UPSTRA_PEER_NUT_UPS1_DRIVER_PIDFILE",
                path(dir.join("nut-ups1.pid")),
            ),
            (
                "UPSTRA_PEER_NUT_UPS2_DRIVER_PIDFILE",
                path(dir.join("nut-ups2.pid")),
            ),
        ];
        nut
    }

    /// The harness's endpoints with this copy's NUT in place of the shared one.
    pub fn peers(&self, shared: &Peers) -> Peers {
        let mut vars: HashMap<String, String> = shared.vars.clone();
        for (key, value) in &self.vars {
            vars.insert((*key).to_owned(), value.clone());
        }
        Peers {
            path: format!("{} (with the test's own NUT)", shared.path),
            vars,
        }
    }

    /// The modes and group the harness gives its NUT dir: the daemons run as user nut and
    /// must read the config and write their sockets; the users file stays private.
    fn set_modes(dir: &Path) {
        let is_root = std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0);
        if is_root {
            let gid = nut_gid().expect("group nut (installed with NUT)");
            for path in walk(dir) {
                std::os::unix::fs::chown(&path, Some(0), Some(gid)).expect("chown to root:nut");
            }
        }
        let mode = |p: PathBuf, m: u32| {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(m)).expect("chmod");
        };
        mode(dir.to_path_buf(), 0o755);
        mode(dir.join("logs"), 0o755);
        mode(dir.join("etc"), 0o750);
        for file in CONFIG_FILES {
            mode(dir.join(file), 0o640);
        }
        mode(dir.join("state"), 0o770);
        for ups in DUMMY_UPS {
            mode(dir.join(format!("{ups}.dev")), 0o644);
        }
    }
}

/// A copy's runtime dir is `<prefix><test pid>-<port>`.
const DIR_PREFIX: &str = "upstra-own-nut-";

/// Removes the dirs of copies whose test process is gone: a test killed by the runner stops
/// its processes (see [`Tied`]) but cannot remove its files.
fn remove_stale(base: &Path) {
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let pid = name
            .to_str()
            .and_then(|n| n.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && !Path::new(&format!("/proc/{pid}")).exists()
        {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// `dir` and everything under it.
fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    let mut i = 0;
    while i < out.len() {
        if out[i].is_dir() {
            let entries = std::fs::read_dir(&out[i]).expect("read a NUT dir");
            out.extend(entries.map(|e| e.expect("a dir entry").path()));
        }
        i += 1;
    }
    out
}

impl Drop for OwnNut {
    fn drop(&mut self) {
        // The processes stop before their files go (fields drop only after this body).
        self.processes.clear();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
