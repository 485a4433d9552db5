//! Restarting upsd: a private upsd on the harness's drivers is stopped and started again on the
//! same port; one `NutMonitor` sees it go and come back without being recreated.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use upstra_adapter_nut::{NutConfig, NutMonitor};
use upstra_core::state::UpsFlag;
use upstra_core::traits::AdapterError;

use crate::common;
use crate::harness::{Lab, poll_read};

#[tokio::test]
async fn a_restarted_upsd_is_read_again_by_the_same_monitor() {
    let Some(lab) = Lab::get("a_restarted_upsd_is_read_again_by_the_same_monitor") else {
        return;
    };
    let mut upsd = PrivateUpsd::new(&lab);
    let ups1 = common::ups("ups1", "127.0.0.1", upsd.port, None);
    let monitor = NutMonitor::new(NutConfig::default());
    let within = Duration::from_secs(20);
    upsd.start();
    poll_read(
        &monitor,
        &ups1,
        within,
        "the private upsd serving ups1",
        |r| matches!(r, Ok(r) if r.has(&UpsFlag::Ol)),
    )
    .await
    .ok();

    upsd.stop();
    let err = poll_read(&monitor, &ups1, within, "connection refused", |r| {
        r.is_err()
    })
    .await
    .expect_err("stopped");
    assert!(
        matches!(&err, AdapterError::Unreachable { reason, .. } if reason == "connection refused"),
        "{err:?}"
    );

    upsd.start();
    // A fresh upsd says WAIT until its drivers have sent their data.
    let reading = poll_read(
        &monitor,
        &ups1,
        within,
        "ups1 OL after the restart",
        |r| matches!(r, Ok(r) if r.has(&UpsFlag::Ol)),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}; upsd log:\n{}", upsd.log()));
    assert!(reading.has(&UpsFlag::Ol));
}

/// A second upsd of our own on a free port, serving the harness's drivers, so a test can stop
/// and start it without disturbing the shared one.
struct PrivateUpsd {
    dir: tempfile::TempDir,
    state: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl PrivateUpsd {
    fn new(lab: &Lab) -> Self {
        // In the harness's runtime dir: user nut can traverse it by construction.
        let parent = lab.nut_dir.parent().expect("harness dir");
        let dir = tempfile::Builder::new()
            .prefix("upsd-restart.")
            .tempdir_in(parent)
            .expect("dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let (etc, state) = (dir.path().join("etc"), lab.nut_dir.join("state"));
        fs::create_dir_all(&etc).expect("etc");
        fs::create_dir_all(dir.path().join("run")).expect("run");
        for f in ["ups.conf", "upsd.users"] {
            fs::copy(lab.nut_dir.join("etc").join(f), etc.join(f)).expect("copy config");
        }
        let conf = format!(
            "LISTEN 127.0.0.1 {port}\nSTATEPATH {}\nMAXAGE 5\n",
            state.display()
        );
        fs::write(etc.join("upsd.conf"), conf).expect("upsd.conf");
        let chown = Command::new("chown")
            .arg("-R")
            .arg("root:nut")
            .arg(dir.path())
            .status();
        assert!(chown.expect("chown runs").success());
        for (path, mode) in [(dir.path().to_owned(), 0o755), (etc.clone(), 0o750)] {
            fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod");
        }
        fs::set_permissions(dir.path().join("run"), fs::Permissions::from_mode(0o770))
            .expect("chmod");
        Self {
            dir,
            state,
            port,
            child: None,
        }
    }

    fn start(&mut self) {
        let log = fs::File::options()
            .create(true)
            .append(true)
            .open(self.dir.path().join("upsd.log"));
        let log = log.expect("log file");
        let child = Command::new("/lib/nut/upsd")
            .arg("-F")
            .env("NUT_CONFPATH", self.dir.path().join("etc"))
            .env("NUT_STATEPATH", &self.state)
            .env("NUT_ALTPIDPATH", self.dir.path().join("run"))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("dup log"))
            .stderr(log)
            .spawn()
            .expect("upsd starts");
        self.child = Some(child);
    }

    /// SIGTERM (upsd's clean exit), then reap it.
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(child.id().to_string())
                .status();
            let _ = child.wait();
        }
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("upsd.log")).unwrap_or_default()
    }
}

impl Drop for PrivateUpsd {
    fn drop(&mut self) {
        self.stop();
    }
}
