//! SNMP agents of a test's own: `snmpsim` serving the recorded UPS data of `tests/peers/snmp/`
//! over v1/v2c, and net-snmp's `snmpd` serving the same values to v3 users. Each runs on a
//! free loopback port in a temp dir, under a guard `sh` that stops it when the test drops it
//! or dies (as in `own_nut`).
//!
//! The agents are installed by `tests/peers/install.sh`; a test whose agent is missing skips
//! with the reason printed, and fails under `CI=true`.
#![allow(clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::net::UdpSocket;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long an agent may take to answer its first request on a loaded 2-core machine.
const READY_WITHIN: Duration = Duration::from_secs(60);

/// The recorded data files (`MIB-STATE.snmprec`).
pub fn recordings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("peers/snmp")
}

fn snmpsim_bin() -> PathBuf {
    let cache =
        std::env::var("UPSTRA_PEERS_CACHE").unwrap_or_else(|_| "/var/cache/upstra-peers".into());
    Path::new(&cache).join("venv/bin/snmpsim-command-responder")
}

/// `None` (skip) when `what` is missing outside CI; a panic under `CI=true`.
fn missing(test: &str, what: &str) -> Option<std::convert::Infallible> {
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{test}: {what} is missing but CI=true: run tests/peers/install.sh");
    }
    eprintln!("skipping {test}: {what} is missing (run tests/peers/install.sh)");
    None
}

fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("a free port")
        .port()
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|u| u == "0"))
        })
        .unwrap_or(false)
}

/// One agent under a guard `sh` that stops it when its stdin closes.
struct Guarded(Child);

impl Guarded {
    fn spawn(program: &Path, args: &[String], env: &[(&str, &Path)], log: &Path) -> Self {
        let script = r#"log=$1; shift
"$@" </dev/null >>"$log" 2>&1 &
child=$!
echo "$child"
read -r _ || true
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
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("sh");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the guard's pid line");
        Self(child)
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Polls with `snmpget` until the agent answers `args` (the security part) or the deadline.
fn wait_ready(port: u16, security: &[&str], log: &Path) {
    let deadline = Instant::now() + READY_WITHIN;
    loop {
        let ok = Command::new("snmpget")
            .args(security)
            .args(["-t", "1", "-r", "0", "-On"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("1.3.6.1.2.1.1.2.0")
            .output()
            .is_ok_and(|o| o.status.success());
        if ok {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "SNMP agent on port {port} not ready within {READY_WITHIN:?}; log:\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// An snmpsim agent. Each served file answers to the community named like it.
pub struct OwnSnmpsim {
    pub port: u16,
    dir: tempfile::TempDir,
    guard: Option<Guarded>,
    /// The modification time of the last file served: snmpsim notices a new file by its
    /// mtime in whole seconds, so each one gets a later second than the one before.
    served_at: std::cell::Cell<std::time::SystemTime>,
}

impl OwnSnmpsim {
    /// Serves `files`: (community, recording) pairs, e.g. `("ups1", "apc-ol")`.
    pub fn start(test: &str, files: &[(&str, &str)]) -> Option<Self> {
        let bin = snmpsim_bin();
        if !bin.exists() {
            missing(test, "snmpsim")?;
        }
        if Command::new("snmpget").arg("--version").output().is_err() {
            missing(test, "net-snmp's snmpget")?;
        }
        let dir = tempfile::Builder::new()
            .prefix("upstra-snmpsim.")
            .tempdir()
            .expect("temp dir");
        let data = dir.path().join("data");
        let cache = dir.path().join("cache");
        std::fs::create_dir_all(&data).expect("data dir");
        std::fs::create_dir_all(&cache).expect("cache dir");
        let mut me = Self {
            port: free_udp_port(),
            dir,
            guard: None,
            served_at: std::cell::Cell::new(std::time::SystemTime::now()),
        };
        for (community, recording) in files {
            me.serve(community, recording);
        }
        let mut args = vec![
            format!("--data-dir={}", data.display()),
            format!("--cache-dir={}", cache.display()),
            format!("--agent-udpv4-endpoint=127.0.0.1:{}", me.port),
        ];
        if is_root() {
            // snmpsim refuses to run as root; it reads the data as nobody.
            use std::os::unix::fs::PermissionsExt;
            for p in [me.dir.path(), &data] {
                std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
            }
            std::os::unix::fs::chown(&cache, Some(65534), Some(65534)).expect("chown cache");
            args.push("--process-user=nobody".into());
            args.push("--process-group=nogroup".into());
        }
        let log = me.dir.path().join("snmpsim.log");
        me.guard = Some(Guarded::spawn(&bin, &args, &[], &log));
        let first = files.first().map_or("none", |(c, _)| c);
        wait_ready(me.port, &["-v2c", "-c", first], &log);
        Some(me)
    }

    /// Serves `recording` under `community` from now on (a rewrite of the file the agent
    /// reads: the next request sees the new state).
    pub fn serve(&self, community: &str, recording: &str) {
        let from = recordings().join(format!("{recording}.snmprec"));
        let to = self
            .dir
            .path()
            .join("data")
            .join(format!("{community}.snmprec"));
        let tmp = to.with_extension("tmp");
        std::fs::copy(&from, &tmp).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let at = self.served_at.get().max(std::time::SystemTime::now()) + Duration::from_secs(2);
        self.served_at.set(at);
        std::fs::File::options()
            .write(true)
            .open(&tmp)
            .and_then(|f| f.set_modified(at))
            .expect("mtime");
        std::fs::rename(&tmp, &to).expect("rename");
    }

    /// Stops the agent (comms lost).
    pub fn stop(&mut self) {
        self.guard = None;
    }
}

/// A v3 user of [`OwnSnmpd`].
pub struct V3User {
    pub name: &'static str,
    /// net-snmp's name: `SHA-256`, `SHA-512`...
    pub auth: &'static str,
    pub auth_password: &'static str,
    /// `AES` (128) or `None` for authNoPriv.
    pub privacy: Option<(&'static str, &'static str)>,
}

/// net-snmp's snmpd with v3 users, serving a recording's UPS values through a `pass` script
/// that reads the file at each request, so [`OwnSnmpd::serve`] switches the UPS's state
/// without a restart (which would also restart the v3 engine's clock).
pub struct OwnSnmpd {
    pub port: u16,
    dir: tempfile::TempDir,
    guard: Option<Guarded>,
}

/// The subtrees the `pass` script serves: RFC 1628, PowerNet, XUPS.
const PASSED: [&str; 3] = [".1.3.6.1.2.1.33", ".1.3.6.1.4.1.318", ".1.3.6.1.4.1.534"];

/// GET only (the adapter never walks): prints the OID, its type and value, or nothing.
const PASS_SCRIPT: &str = r#"[ "$1" = "-g" ] || exit 0
oid=${2#.}
line=$(grep -F "$oid|" "$(dirname "$0")/current.snmprec" | grep "^$oid|" | head -n 1)
[ -n "$line" ] || exit 0
tag=$(echo "$line" | cut -d'|' -f2)
value=$(echo "$line" | cut -d'|' -f3-)
case "$tag" in
  2) type=integer ;;
  66) type=gauge ;;
  67) type=timeticks ;;
  6) type=objectid ;;
  *) type=string ;;
esac
printf '%s
%s
%s
' "$2" "$type" "$value"
"#;

impl OwnSnmpd {
    pub fn start(test: &str, users: &[V3User], recording: &str) -> Option<Self> {
        Self::start_with(test, users, &[], recording)
    }

    /// An agent answering v2c `communities` (from loopback only) besides the v3 `users`.
    pub fn start_with(
        test: &str,
        users: &[V3User],
        communities: &[&str],
        recording: &str,
    ) -> Option<Self> {
        let Ok(snmpd) = which("snmpd") else {
            return missing(test, "net-snmp's snmpd").map(|never| match never {});
        };
        let dir = tempfile::Builder::new()
            .prefix("upstra-snmpd.")
            .tempdir()
            .expect("temp dir");
        let port = free_udp_port();
        let script = dir.path().join("ups.sh");
        std::fs::write(&script, PASS_SCRIPT).expect("pass script");
        let mut conf = format!("agentAddress udp:127.0.0.1:{port}\n");
        for u in users {
            match u.privacy {
                Some((proto, pw)) => {
                    conf += &format!(
                        "createUser {} {} {} {} {}\nrouser {} priv\n",
                        u.name, u.auth, u.auth_password, proto, pw, u.name
                    );
                }
                None => {
                    conf += &format!(
                        "createUser {} {} {}\nrouser {} auth\n",
                        u.name, u.auth, u.auth_password, u.name
                    );
                }
            }
        }
        for community in communities {
            conf += &format!("rocommunity {community} 127.0.0.1\n");
        }
        for tree in PASSED {
            conf += &format!("pass {tree} /bin/sh {}\n", script.display());
        }
        let text = std::fs::read_to_string(recordings().join(format!("{recording}.snmprec")))
            .expect("recording");
        let sys_object_id = text
            .lines()
            .find(|l| l.starts_with("1.3.6.1.2.1.1.2.0|"))
            .and_then(|line| line.rsplit('|').next());
        if let Some(value) = sys_object_id {
            conf += &format!("sysObjectID {value}\n");
        }
        let conf_path = dir.path().join("snmpd.conf");
        std::fs::write(&conf_path, conf).expect("snmpd.conf");
        let log = dir.path().join("snmpd.log");
        let persist = dir.path().join("persist");
        let args = vec![
            "-f".to_owned(),
            "-Lf".into(),
            log.display().to_string(),
            "-C".into(),
            "-c".into(),
            conf_path.display().to_string(),
        ];
        let guard = Guarded::spawn(&snmpd, &args, &[("SNMP_PERSISTENT_DIR", &persist)], &log);
        let me = Self {
            port,
            dir,
            guard: Some(guard),
        };
        me.serve(recording);
        let security = match (users.first(), communities.first()) {
            (Some(first), _) => {
                let mut security = vec![
                    "-v3",
                    "-u",
                    first.name,
                    "-a",
                    first.auth,
                    "-A",
                    first.auth_password,
                ];
                match first.privacy {
                    Some((proto, pw)) => security.extend(["-l", "authPriv", "-x", proto, "-X", pw]),
                    None => security.extend(["-l", "authNoPriv"]),
                }
                security
            }
            (None, Some(community)) => vec!["-v2c", "-c", community],
            (None, None) => panic!("an agent needs a v3 user or a community"),
        };
        wait_ready(port, &security, &me.dir.path().join("snmpd.log"));
        Some(me)
    }

    /// Serves `recording`'s values from the next request on.
    pub fn serve(&self, recording: &str) {
        let from = recordings().join(format!("{recording}.snmprec"));
        let to = self.dir.path().join("current.snmprec");
        let tmp = to.with_extension("tmp");
        std::fs::copy(&from, &tmp).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
        std::fs::rename(&tmp, &to).expect("rename");
    }

    pub fn stop(&mut self) {
        self.guard = None;
    }
}

fn which(program: &str) -> Result<PathBuf, ()> {
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] {
        let p = Path::new(dir).join(program);
        if p.exists() {
            return Ok(p);
        }
    }
    Err(())
}
