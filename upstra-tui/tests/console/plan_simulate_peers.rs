//! `upstra plan simulate` against the harness's real upsd (issue 16's acceptance): a UPS
//! whose NUT user has no `instcmds` fails the simulation with a check that names the fix
//! (the line to add to upsd.users), and the same UPS with a user that has them passes. The
//! daemon is `upstrad`'s own `run` in this process, on the real drivers, reading the
//! harness's upsd.users as it would on a NUT primary; the `upstra` binary is driven as
//! scripts drive it. The lab has no `this_host` server, so nothing here can power this
//! machine off, whatever another test does to the shared UPS.
//! Skipped (with a note) without a harness run; a failure under CI=true.
#![cfg(feature = "demo")]

use crate::harness;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use harness::{ok, text, upstra};
use upstra_daemon::config::{Config, Drivers, NutSettings};
use upstra_daemon::store::{KeySource, Store};

/// The daemon on the real peers, stopped when dropped with its runtime.
struct PeersDaemon {
    _runtime: tokio::runtime::Runtime,
    dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl PeersDaemon {
    fn start(users_file: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = Config {
            socket: dir.path().join("upstra.sock"),
            data_dir: dir.path().join("data"),
            drivers: Drivers::Peers,
            ups_poll_interval: Duration::from_millis(250),
            sync_interval: Duration::from_secs(2),
            nut: NutSettings {
                users_file: PathBuf::from(users_file),
            },
            ..Config::default()
        };
        let store = Store::open(&config.data_dir, &KeySource::locate(&config.data_dir, None))
            .expect("store opens");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        {
            let _inside = runtime.enter();
            let listener = upstra_daemon::server::bind(&config.socket, None).expect("binds");
            runtime.spawn(upstra_daemon::run(config, store, listener, async move {
                let _ = rx.await;
            }));
        }
        Self {
            _runtime: runtime,
            dir,
            stop: Some(tx),
        }
    }

    fn cli(&self, args: &[&str], stdin: &str) -> std::process::Output {
        upstra(
            &self.dir.path().join("upstra.sock"),
            &self.dir.path().join("session"),
            args,
            stdin,
        )
    }

    /// Applies a lab whose UPS `ups-out` is the harness's command-taking clone UPS, logged in
    /// as `user`, and waits until the daemon has read it.
    fn apply(&self, peers: &upstra_tests::Peers, user: &str, password: &str) {
        let secret = self.dir.path().join("nut-password");
        std::fs::write(&secret, password).expect("written");
        // A long grace and no action on low battery: this test only simulates.
        let lab = format!(
            "[[room]]\nname = \"lab\"\n\
             [[ups]]\nname = \"ups-out\"\nroom = \"lab\"\nnut = \"{}@{}:{}\"\nuser = \"{user}\"\n\
             password_file = \"{}\"\n\
             policy = {{ grace = \"1h\", act_on_low_battery = false, ups_off = \"return\", ups_off_margin = \"20s\" }}\n",
            peers.get("UPSTRA_PEER_NUT_CMD_UPS"),
            peers.get("UPSTRA_PEER_NUT_HOST"),
            peers.get("UPSTRA_PEER_NUT_PORT"),
            secret.display(),
        );
        let file = self.dir.path().join("lab.toml");
        std::fs::write(&file, lab).expect("written");
        ok(self.cli(&["apply", "-f", &file.display().to_string()], ""));
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let list = ok(self.cli(&["ups", "list"], ""));
            if list
                .lines()
                .any(|l| l.starts_with("ups-out") && l.contains("OL"))
            {
                return;
            }
            assert!(Instant::now() < deadline, "ups-out never read:\n{list}");
            std::thread::park_timeout(Duration::from_millis(200));
        }
    }
}

impl Drop for PeersDaemon {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        // Dropping the runtime then ends the daemon's tasks, as the end of a process would.
    }
}

#[test]
fn plan_simulate_names_the_fix_for_a_ups_user_without_instcmds() {
    let test = "plan_simulate_names_the_fix_for_a_ups_user_without_instcmds";
    let Some(peers) = upstra_tests::peers(test) else {
        return;
    };
    let daemon = PeersDaemon::start(peers.get("UPSTRA_PEER_NUT_USERS_FILE"));
    let password = "a-long-enough-password";
    ok(daemon.cli(
        &["setup", "--user", "root", "--password-stdin"],
        &format!("{password}\n"),
    ));
    ok(daemon.cli(
        &["login", "--user", "root", "--password-stdin"],
        &format!("{password}\n"),
    ));

    let user = peers.get("UPSTRA_PEER_NUT_NOCMD_USER");
    daemon.apply(&peers, user, peers.get("UPSTRA_PEER_NUT_NOCMD_PASSWORD"));
    let out = daemon.cli(&["plan", "simulate", "ups-out"], "");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let check = stdout
        .lines()
        .find(|l| l.contains(" ups:ups-out "))
        .unwrap_or_else(|| panic!("no check of ups-out:\n{stdout}"));
    assert!(check.starts_with("  FAIL"), "{stdout}");
    assert!(
        check.contains(&format!(
            "add `instcmds = shutdown.return` to the `[{user}]` section of upsd.users and reload upsd"
        )),
        "{stdout}"
    );
    assert!(
        text(&out.stderr).contains("the plan for UPS ups-out has 1 problem"),
        "{}",
        text(&out.stderr)
    );

    daemon.apply(
        &peers,
        peers.get("UPSTRA_PEER_NUT_CMD_USER"),
        peers.get("UPSTRA_PEER_NUT_CMD_PASSWORD"),
    );
    let out = daemon.cli(&["plan", "simulate", "ups-out"], "");
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    // The clone UPS's delay is fixed in its driver (longer than the 20 s asked): the check
    // says the delay the UPS will really apply.
    let fixed = peers.get("UPSTRA_PEER_NUT_CMD_OFFDELAY");
    assert!(
        stdout.lines().any(|l| l.starts_with("  ok")
            && l.contains(" ups:ups-out ")
            && l.contains(&format!(
                "shutdown.return, output cut {fixed} s after the command, restored on mains"
            ))),
        "{stdout}"
    );
    // The plan's header sets the cut beside the runtime.
    assert!(stdout.contains("; output cut at "), "{stdout}");
    // plan show says when the UPS really cuts: after its own fixed delay.
    let shown = ok(daemon.cli(&["plan", "show", "ups-out"], ""));
    assert!(
        shown.contains(&format!(
            "UPS ups-out cuts its output at {fixed} s, its own delay of {fixed} s (after every \
             server it feeds is down)"
        )),
        "{shown}"
    );
    let view: upstra_core::api::v1::PlanView =
        serde_json::from_str(&ok(daemon.cli(&["plan", "show", "ups-out", "--json"], "")))
            .expect("json");
    assert_eq!(
        view.output_cut_s.map(|s| s.to_string()).as_deref(),
        Some(fixed),
        "the timeline's cut is the UPS's own: {view:#?}"
    );
}
