//! The power-off the end-to-end tests use: compiled only with the `test-doubles` feature (which
//! the normal and release builds never enable) and active only when [`TEST_POWEROFF_ENV`] names
//! a file. It records the request there, then stops the daemon as systemd's poweroff would
//! (the SIGTERM path: `stopping` is cancelled, runs in flight stay "running" in the journal).

use std::io::Write;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio_util::sync::CancellationToken;
use upstra_core::traits::BoxFuture;

use super::{HostPower, HostPowerError};

/// The file each power-off request is appended to, one line: `<unix seconds> <why>`.
pub const TEST_POWEROFF_ENV: &str = "UPSTRA_TEST_HOST_POWEROFF";

/// Records, then stops the daemon.
#[derive(Debug)]
pub struct TestHostPower {
    record: PathBuf,
    stopping: CancellationToken,
}

impl TestHostPower {
    /// The double when [`TEST_POWEROFF_ENV`] names a file, else `None` (unset or empty: the
    /// real one is used).
    pub fn from_env(stopping: &CancellationToken) -> Option<Self> {
        let record = std::env::var_os(TEST_POWEROFF_ENV).filter(|v| !v.is_empty())?;
        Some(Self {
            record: PathBuf::from(record),
            stopping: stopping.clone(),
        })
    }

    fn append(&self, why: &str) -> Result<(), HostPowerError> {
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let why = why.replace(['\n', '\r'], " ");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.record)
            .and_then(|mut f| {
                f.write_all(format!("{secs} {why}\n").as_bytes())?;
                f.sync_all()
            })
            .map_err(|e| HostPowerError::Record {
                path: self.record.display().to_string(),
                reason: e.to_string(),
            })
    }
}

impl HostPower for TestHostPower {
    fn power_off<'a>(&'a self, why: &'a str) -> BoxFuture<'a, Result<(), HostPowerError>> {
        Box::pin(async move {
            tracing::warn!(why, "test double: this host powers off (the daemon stops)");
            self.append(why)?;
            self.stopping.cancel();
            Ok(())
        })
    }

    fn describe(&self) -> String {
        format!("test double recording to {}", self.record.display())
    }
}

/// With the double active, SIGUSR2 asks for the power-off the orchestrator would: the tests'
/// way to drive the real binary through [`HostPower::power_off`] before a plan step calls it.
pub fn spawn_trigger(shared: std::sync::Arc<crate::Shared>) {
    if std::env::var_os(TEST_POWEROFF_ENV).is_none_or(|v| v.is_empty()) {
        return;
    }
    use tokio::signal::unix::{SignalKind, signal};
    let Ok(mut usr2) = signal(SignalKind::user_defined2()) else {
        tracing::warn!("test double: cannot listen for SIGUSR2");
        return;
    };
    tokio::spawn(async move {
        tokio::select! {
            _ = usr2.recv() => {
                if let Err(e) = shared.drivers.host_power.power_off("test trigger (SIGUSR2)").await {
                    tracing::error!(error = %e, "test double: power-off failed");
                }
            }
            () = shared.stopping.cancelled() => {}
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_double_records_each_request_and_stops_the_daemon() {
        let dir = tempfile::tempdir().expect("tempdir");
        let stopping = CancellationToken::new();
        let host = TestHostPower {
            record: dir.path().join("poweroff.log"),
            stopping: stopping.clone(),
        };
        host.power_off("run 3: last\nstep").await.expect("ok");
        assert!(stopping.is_cancelled());
        let text = std::fs::read_to_string(dir.path().join("poweroff.log")).expect("read");
        let line = text.lines().next().expect("a line");
        assert!(line.ends_with(" run 3: last step"), "{line}");
        assert_eq!(text.lines().count(), 1);
    }
}
