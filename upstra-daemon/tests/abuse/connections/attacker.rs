//! The attacker's side: what a process in the socket's group does to the daemon, run as a
//! separate non-root process (the daemon exempts root). It reports on stdout, one line per
//! fact, prefixed with [`REPORT`]: `ready` once the attack is in place, `cut` each time the
//! daemon closes one of its connections.
//!
//! Frames are built from the real request types and written raw: a 4-byte big-endian length
//! (tokio-util's `LengthDelimitedCodec` defaults) around the JSON of a tarpc `ClientMessage`.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::time::{Duration, Instant};

use upstra_core::api::v1::{LoginRequest, UpstraRequest};
use upstra_core::secret::Secret;

/// Prefix of the lines the attacker reports on.
pub const REPORT: &str = "abuse-attacker:";
/// The environment that tells a re-executed binary it is the attacker, and whom to attack.
pub const ATTACK_ENV: &str = "UPSTRA_ABUSE_ATTACK";
pub const SOCKET_ENV: &str = "UPSTRA_ABUSE_SOCKET";

/// The lab the attacked daemon watches: one simulated UPS, whose readings must keep coming.
pub const LAB: &str = r#"
[[room]]
name = "room-abuse"
[[ups]]
name = "ups-abuse"
room = "room-abuse"
nut = "ups@127.0.0.1:1"
"#;

/// The resident memory of process `pid` in KiB, less the pages of its own program file. The
/// bound is on what the daemon holds, which an attack could make grow; the program's text is
/// not that: this debug build maps about 30 MB of it where the release build maps a few, and
/// it grows with each feature compiled in, never with an attack. Shared libraries, the heap
/// and the stacks all count.
pub fn rss_kb(pid: i32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let total: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(kib)
        .unwrap_or_else(|| panic!("no VmRSS for process {pid}"));
    total.saturating_sub(program_text_kb(pid))
}

fn kib(value: &str) -> Option<u64> {
    value.trim().trim_end_matches("kB").trim().parse().ok()
}

/// The resident pages of the mappings of `pid`'s own executable file, in KiB.
fn program_text_kb(pid: i32) -> u64 {
    let Ok(exe) = std::fs::read_link(format!("/proc/{pid}/exe")) else {
        return 0;
    };
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).unwrap_or_default();
    let mut in_program = false;
    let mut kb = 0;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        // A mapping's header: `start-end perms offset dev inode [path]`.
        if first.contains('-') && first.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
            in_program = fields.nth(4).map(std::path::Path::new) == Some(exe.as_path());
        } else if in_program && let Some(rss) = line.strip_prefix("Rss:").and_then(kib) {
            kb += rss;
        }
    }
    kb
}

/// The attacks of finding 1 and 2, as reproduced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attack {
    /// 300 logins with unknown user names, pipelined on one connection, replies never read.
    Logins,
    /// 600,000 `health` requests pipelined on one connection, replies never read.
    Health,
    /// 1,100 connections that send nothing, reopened as the daemon closes them.
    Idle,
    /// Clients sending a login frame one byte a second, reconnecting when cut.
    Slow,
}

impl Attack {
    pub const ALL: [Attack; 4] = [Self::Logins, Self::Health, Self::Idle, Self::Slow];

    pub fn name(self) -> &'static str {
        match self {
            Self::Logins => "logins",
            Self::Health => "health",
            Self::Idle => "idle",
            Self::Slow => "slow",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.name() == name)
    }
}

pub const PIPELINED_LOGINS: u64 = 300;
pub const PIPELINED_HEALTH: u64 = 600_000;
pub const IDLE_CONNECTIONS: usize = 1_100;
pub const SLOW_CLIENTS: usize = 20;

/// One request frame as the tarpc client would send it, with a deadline far away so that the
/// daemon cannot drop it for being late.
pub fn frame(id: u64, message: UpstraRequest) -> Vec<u8> {
    let mut context = tarpc::context::current();
    context.deadline = Instant::now() + Duration::from_secs(3600);
    let request = tarpc::ClientMessage::Request(tarpc::Request {
        context,
        id,
        message,
    });
    let body = serde_json::to_vec(&request).unwrap();
    let mut out = u32::try_from(body.len()).unwrap().to_be_bytes().to_vec();
    out.extend_from_slice(&body);
    out
}

fn login(id: u64) -> Vec<u8> {
    frame(
        id,
        UpstraRequest::Login {
            req: LoginRequest {
                user: format!("nobody-{id}"),
                password: Secret::new("not anybody's password"),
            },
        },
    )
}

fn report(what: &str) {
    println!("{REPORT} {what}");
    let _ = std::io::stdout().flush();
}

/// Runs `attack` against `socket` until killed.
pub fn run(attack: Attack, socket: &Path) {
    raise_own_descriptor_limit();
    match attack {
        Attack::Logins => {
            let mut conn = UnixStream::connect(socket).unwrap();
            for id in 0..PIPELINED_LOGINS {
                conn.write_all(&login(id)).unwrap();
            }
            report("ready");
            hold_forever(conn);
        }
        Attack::Health => health(socket),
        Attack::Idle => idle(socket),
        Attack::Slow => {
            let threads: Vec<_> = (0..SLOW_CLIENTS)
                .map(|n| {
                    let socket = socket.to_owned();
                    std::thread::spawn(move || trickle(&socket, n == SLOW_CLIENTS - 1))
                })
                .collect();
            for t in threads {
                let _ = t.join();
            }
        }
    }
}

/// Pipelines [`PIPELINED_HEALTH`] requests from a writer thread and reports `ready` once the
/// writes stall (the daemon stopped reading) or all are sent.
fn health(socket: &Path) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let mut conn = UnixStream::connect(socket).unwrap();
    let written = Arc::new(AtomicU64::new(0));
    let counter = written.clone();
    std::thread::spawn(move || {
        for id in 0..PIPELINED_HEALTH {
            // A write blocks once the daemon stops reading: that is the backpressure.
            if conn
                .write_all(&frame(id, UpstraRequest::Health {}))
                .is_err()
            {
                report("cut");
                return;
            }
            counter.store(id + 1, Ordering::Relaxed);
        }
        hold_forever(conn);
    });
    let mut last = 0;
    loop {
        std::thread::sleep(Duration::from_millis(500));
        let now = written.load(Ordering::Relaxed);
        if now == PIPELINED_HEALTH || (now > 0 && now == last) {
            report(&format!("written {now}"));
            report("ready");
            break;
        }
        last = now;
    }
    loop {
        std::thread::park();
    }
}

fn hold_forever(conn: UnixStream) -> ! {
    loop {
        std::thread::park();
        let _ = &conn;
    }
}

/// Keeps [`IDLE_CONNECTIONS`] open, reopening each one the daemon closes.
fn idle(socket: &Path) {
    let open = || {
        let c = UnixStream::connect(socket).unwrap();
        c.set_nonblocking(true).unwrap();
        c
    };
    let mut conns: Vec<UnixStream> = (0..IDLE_CONNECTIONS).map(|_| open()).collect();
    report("ready");
    let mut byte = [0u8; 1];
    loop {
        for conn in &mut conns {
            match conn.read(&mut byte) {
                Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                _ => {
                    report("cut");
                    *conn = open();
                }
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sends a login frame one byte a second, forever, reconnecting when cut.
fn trickle(socket: &Path, announce: bool) {
    let mut announced = false;
    for id in 0.. {
        let mut conn = UnixStream::connect(socket).unwrap();
        for byte in login(id) {
            if conn.write_all(&[byte]).is_err() {
                break;
            }
            if announce && !announced {
                report("ready");
                announced = true;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
        report("cut");
    }
}

/// The attacker holds more connections than a default soft limit allows.
fn raise_own_descriptor_limit() {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (_, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap();
    setrlimit(Resource::RLIMIT_NOFILE, hard, hard).unwrap();
}
