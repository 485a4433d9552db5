//! The harness's NUT side, as the peer tests need it: endpoints from `peers.env`, rewriting a
//! dummy-ups `.dev` file, signalling and restarting a driver. Every change is undone by a
//! guard's `Drop`, even when a test fails.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;
use upstra_adapter_nut::NutMonitor;
use upstra_core::model::Ups;
use upstra_core::state::{Timestamp, UpsReading};
use upstra_core::traits::{AdapterError, UpsMonitor};

use crate::common;

/// The harness's upsd and where its files are.
pub struct Lab {
    pub host: String,
    pub port: u16,
    pub nut_dir: PathBuf,
    pub ups2_pidfile: PathBuf,
    pub admin: (String, String),
    /// The UPS that answers instant commands (NUT's clone driver) and its fixed delay.
    pub cmd_ups: String,
    pub cmd_offdelay: u64,
    /// A user allowed `shutdown.return`, and one allowed no instant command.
    pub cmd_user: (String, String),
    pub nocmd_user: (String, String),
    /// upsd's log, where it notes every instant command it passes on.
    pub upsd_log: PathBuf,
    /// upsd's users file (the harness's upsd runs on this machine, as on a NUT primary).
    pub users_file: PathBuf,
}

impl Lab {
    /// The lab, or `None` (skip) without a harness run; see `upstra_tests::peers`.
    pub fn get(test: &str) -> Option<Self> {
        let p = upstra_tests::peers(test)?;
        Some(Self {
            host: p.get("UPSTRA_PEER_NUT_HOST").into(),
            port: p.get("UPSTRA_PEER_NUT_PORT").parse().expect("a port"),
            nut_dir: p.get("UPSTRA_PEER_NUT_DIR").into(),
            ups2_pidfile: p.get("UPSTRA_PEER_NUT_UPS2_DRIVER_PIDFILE").into(),
            admin: (
                p.get("UPSTRA_PEER_NUT_ADMIN_USER").into(),
                p.get("UPSTRA_PEER_NUT_ADMIN_PASSWORD").into(),
            ),
            cmd_ups: p.get("UPSTRA_PEER_NUT_CMD_UPS").into(),
            cmd_offdelay: p
                .get("UPSTRA_PEER_NUT_CMD_OFFDELAY")
                .parse()
                .expect("seconds"),
            cmd_user: (
                p.get("UPSTRA_PEER_NUT_CMD_USER").into(),
                p.get("UPSTRA_PEER_NUT_CMD_PASSWORD").into(),
            ),
            nocmd_user: (
                p.get("UPSTRA_PEER_NUT_NOCMD_USER").into(),
                p.get("UPSTRA_PEER_NUT_NOCMD_PASSWORD").into(),
            ),
            upsd_log: p.get("UPSTRA_PEER_NUT_UPSD_LOG").into(),
            users_file: p.get("UPSTRA_PEER_NUT_USERS_FILE").into(),
        })
    }

    /// `name` on the harness's upsd, without a login.
    pub fn ups(&self, name: &str) -> Ups {
        common::ups(name, &self.host, self.port, None)
    }
}

/// The time now, as the daemon passes it to `CommsTracker`.
pub fn now() -> Timestamp {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_millis();
    Timestamp(i64::try_from(ms).expect("fits"))
}

/// Reads `ups` every 100 ms until `done` accepts a result; panics after `within`.
pub async fn poll_read(
    monitor: &NutMonitor,
    ups: &Ups,
    within: Duration,
    what: &str,
    mut done: impl FnMut(&Result<UpsReading, AdapterError>) -> bool,
) -> Result<UpsReading, AdapterError> {
    let deadline = Instant::now() + within;
    loop {
        let result = monitor.read(ups).await;
        if done(&result) {
            return result;
        }
        assert!(
            Instant::now() < deadline,
            "{what}: not seen within {within:?}; last: {result:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A UPS driver the harness started, by its PID file.
pub struct Driver {
    ups: String,
    pidfile: PathBuf,
    nut_dir: PathBuf,
}

impl Driver {
    pub fn ups2(lab: &Lab) -> Self {
        Self {
            ups: "ups2".into(),
            pidfile: lab.ups2_pidfile.clone(),
            nut_dir: lab.nut_dir.clone(),
        }
    }

    pub fn pid(&self) -> u32 {
        let text = fs::read_to_string(&self.pidfile).expect("pid file");
        text.trim().parse().expect("a pid")
    }

    pub fn signal(&self, sig: &str) {
        let status = Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{sig} failed");
    }

    /// Alive and not a zombie.
    pub fn alive(&self) -> bool {
        stat(self.pid()).is_some_and(|fields| fields.first().map(String::as_str) != Some("Z"))
    }

    /// Starts the driver again exactly as `start.sh` does, and records the new PID and its
    /// start time where `stop.sh` looks for them.
    pub fn restart(&self) {
        let run = self
            .pidfile
            .parent()
            .and_then(Path::parent)
            .expect("harness dir");
        let log = run.join("logs").join(format!("nut-{}.log", self.ups));
        let (etc, state) = (self.nut_dir.join("etc"), self.nut_dir.join("state"));
        let out = Command::new("sh")
            .arg("-c")
            .arg(r#"nohup setsid "$0" -a "$1" -F >>"$2" 2>&1 </dev/null & echo $!"#)
            .args([Path::new("/lib/nut/dummy-ups"), Path::new(&self.ups), &log])
            .env("NUT_CONFPATH", etc)
            .env("NUT_STATEPATH", &state)
            .env("NUT_ALTPIDPATH", &state)
            .output()
            .expect("sh runs");
        let pid: u32 = String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .expect("a pid");
        let start = stat(pid)
            .and_then(|f| f.get(19).cloned())
            .expect("new driver running");
        fs::write(&self.pidfile, format!("{pid}\n")).expect("write pid file");
        let name = format!("nut-{}", self.ups);
        fs::write(
            run.join("run").join(format!("{name}.start")),
            format!("{start}\n"),
        )
        .expect("write start time");
    }
}

/// `/proc/<pid>/stat` after the command name: state, ppid, ... (starttime is index 19).
fn stat(pid: u32) -> Option<Vec<String>> {
    let text = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let (_, rest) = text.rsplit_once(") ")?;
    Some(rest.split_whitespace().map(str::to_owned).collect())
}

/// SIGSTOPs a driver; SIGCONT when dropped.
pub struct Frozen<'a>(&'a Driver);

impl<'a> Frozen<'a> {
    pub fn new(driver: &'a Driver) -> Self {
        driver.signal("STOP");
        Self(driver)
    }
}

impl Drop for Frozen<'_> {
    fn drop(&mut self) {
        self.0.signal("CONT");
    }
}

/// Kills a driver; restarts it when dropped unless it runs again already.
pub struct Killed<'a>(&'a Driver);

impl<'a> Killed<'a> {
    pub fn new(driver: &'a Driver) -> Self {
        driver.signal("TERM");
        Self(driver)
    }
}

impl Drop for Killed<'_> {
    fn drop(&mut self) {
        if !self.0.alive() {
            self.0.restart();
        }
    }
}
