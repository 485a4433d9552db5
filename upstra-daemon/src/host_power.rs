//! Powering off the machine the daemon runs on: the last step of a shed whose lab marks a
//! server `this_host`. The orchestrator calls [`HostPower::power_off`] once the journal is
//! synced; which implementation answers is chosen with the other drivers:
//!
//! - [`SystemdHostPower`] on the real peers: an orderly `systemctl poweroff`, so systemd stops
//!   every unit (this daemon included, through SIGTERM) before the machine goes down;
//! - [`SimulatedHostPower`] for the demo: records the request and touches nothing;
//! - with the `test-doubles` feature, which only test builds enable, and
//!   [`TEST_POWEROFF_ENV`] set: a double that writes the request to a file and then stops the
//!   daemon the way systemd would, so the end-to-end tests never power off their machine.

use std::sync::Mutex;
use std::time::Duration;

use upstra_core::traits::BoxFuture;

#[cfg(feature = "test-doubles")]
pub mod test_double;
#[cfg(feature = "test-doubles")]
pub use test_double::{TEST_POWEROFF_ENV, TestHostPower};

/// The one program run, with a fixed argument vector and no shell: an absolute path, so the
/// daemon's PATH cannot choose it (merged-/usr distributions have it there).
pub const SYSTEMCTL: &str = "/usr/bin/systemctl";
/// How long `systemctl poweroff` may take to queue the job: it returns once systemd accepted
/// it, in well under a second; a generous bound for a host under load during an outage.
pub const SYSTEMCTL_DEADLINE: Duration = Duration::from_secs(30);
/// How often the child is checked for its exit while waiting.
const SYSTEMCTL_POLL: Duration = Duration::from_millis(100);
/// What is kept of systemctl's own words for the error: one or two lines are all it says.
const STDERR_KEPT: usize = 512;

/// Asks the local machine for an orderly shutdown.
pub trait HostPower: Send + Sync {
    /// Starts the shutdown; `why` is recorded where the implementation can (the run's id and
    /// step). `Ok` means the machine accepted the request, not that it is down.
    fn power_off<'a>(&'a self, why: &'a str) -> BoxFuture<'a, Result<(), HostPowerError>>;
    /// How this host would be powered off, for logs and `plan show`.
    fn describe(&self) -> String;
}

/// Why the host could not be asked to power off; every message ends with what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostPowerError {
    /// systemctl could not be started at all.
    #[error("cannot run {program} poweroff ({reason}): shut this host down by hand")]
    Spawn { program: String, reason: String },
    /// systemctl ran and refused.
    #[error("{program} poweroff failed ({status}): {stderr} — shut this host down by hand")]
    Failed {
        program: String,
        status: String,
        stderr: String,
    },
    /// systemctl did not return within [`SYSTEMCTL_DEADLINE`]; it was killed.
    #[error(
        "{program} poweroff did not return within {} s and was stopped: check that systemd \
         answers (systemctl is-system-running), then shut this host down by hand",
        SYSTEMCTL_DEADLINE.as_secs()
    )]
    TimedOut { program: String },
    /// The test double could not write its record.
    #[error("the test double cannot record the power-off in {path}: {reason}")]
    Record { path: String, reason: String },
}

/// The real one: `systemctl poweroff`.
#[derive(Debug, Default)]
pub struct SystemdHostPower;

impl HostPower for SystemdHostPower {
    fn power_off<'a>(&'a self, why: &'a str) -> BoxFuture<'a, Result<(), HostPowerError>> {
        Box::pin(async move {
            tracing::warn!(why, "powering this host off: {SYSTEMCTL} poweroff");
            run_fixed(SYSTEMCTL, &["poweroff"]).await
        })
    }

    fn describe(&self) -> String {
        format!("{SYSTEMCTL} poweroff")
    }
}

/// Runs `program args` (never through a shell) and waits, bounded by [`SYSTEMCTL_DEADLINE`].
/// std's process API polled from the runtime: the daemon's tokio has no process feature, and
/// one short child at the end of a shed does not need one.
async fn run_fixed(program: &str, args: &[&str]) -> Result<(), HostPowerError> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| HostPowerError::Spawn {
            program: program.to_owned(),
            reason: e.to_string(),
        })?;
    let deadline = tokio::time::Instant::now() + SYSTEMCTL_DEADLINE;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if tokio::time::Instant::now() >= deadline => {
                // Best effort: the error already says what to do.
                let _ = child.kill();
                let _ = child.wait();
                return Err(HostPowerError::TimedOut {
                    program: program.to_owned(),
                });
            }
            Ok(None) => tokio::time::sleep(SYSTEMCTL_POLL).await,
            Err(e) => {
                return Err(HostPowerError::Spawn {
                    program: program.to_owned(),
                    reason: e.to_string(),
                });
            }
        }
    };
    if status.success() {
        return Ok(());
    }
    let mut stderr = String::new();
    if let Some(pipe) = child.stderr.take() {
        // Bounded: systemctl's message is a line or two; the rest is dropped.
        let _ = pipe.take(STDERR_KEPT as u64).read_to_string(&mut stderr);
    }
    let stderr = stderr.split_whitespace().collect::<Vec<_>>().join(" ");
    Err(HostPowerError::Failed {
        program: program.to_owned(),
        status: status
            .code()
            .map_or_else(|| status.to_string(), |c| format!("exit {c}")),
        stderr: if stderr.is_empty() {
            "it said nothing".to_owned()
        } else {
            stderr
        },
    })
}

/// The demo's: never touches the machine; remembers that it was asked, so the console can say
/// "this host would power off now".
#[derive(Debug, Default)]
pub struct SimulatedHostPower {
    asked: Mutex<Option<String>>,
}

impl SimulatedHostPower {
    /// Why the last power-off was asked, if one was.
    pub fn asked(&self) -> Option<String> {
        self.asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl HostPower for SimulatedHostPower {
    fn power_off<'a>(&'a self, why: &'a str) -> BoxFuture<'a, Result<(), HostPowerError>> {
        tracing::warn!(why, "simulated: this host would power off now");
        *self
            .asked
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(why.to_owned());
        Box::pin(std::future::ready(Ok(())))
    }

    fn describe(&self) -> String {
        "simulated: this host is never powered off".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_simulated_host_remembers_why_and_stays_up() {
        let host = SimulatedHostPower::default();
        assert_eq!(host.asked(), None);
        host.power_off("run 7: shed complete").await.expect("ok");
        assert_eq!(host.asked().as_deref(), Some("run 7: shed complete"));
    }

    #[tokio::test]
    async fn a_failing_command_says_what_failed_and_what_to_do() {
        // `false` stands in for a systemctl that refuses: same fixed-vector path, exit 1.
        let err = run_fixed("false", &[]).await.expect_err("false fails");
        let text = err.to_string();
        assert!(text.contains("failed (exit 1)"), "{text}");
        assert!(text.ends_with("shut this host down by hand"), "{text}");
        let err = run_fixed("/nonexistent/systemctl", &["poweroff"])
            .await
            .expect_err("missing program");
        assert!(matches!(err, HostPowerError::Spawn { .. }), "{err}");
    }
}
