//! The shed's last steps against the clone UPS (`UPSTRA_PEER_NUT_CMD_UPS`) of the test's own
//! NUT (a copy of the harness's, see [`Lab`]): NUT's `clone` driver follows ups1 (driven with
//! [`DevFile`](upstra_tests::nut::DevFile)) and takes `shutdown.return`: `FSD` at once,
//! `ups.timer.shutdown` counting down from its fixed `offdelay`, then the output off and back
//! `ondelay` after mains is on. upsd logs each command ("Instant command: USER@ADDR did
//! shutdown.return on UPS"). The lab's `ups-one` is that UPS, logged in as the harness's user
//! with `instcmds`, with `ups_off = "return"`; the server `console` is this host
//! (`this_host = true`, no BMC, as on a typical console).

use std::time::Duration;

use tokio::time::{Instant, sleep};
use upstra_adapter_nut::Connection;
use upstra_core::api::v1::{RunView, StepView};
use upstra_tests::lab::Size;

use crate::lab::{GRACE_S, Lab, STABLE_S};

/// This host's shutdown as the lab file estimates it: with the margin, the delay asked of the
/// UPS stays within the clone's fixed `offdelay` (30 s), which the adapter refuses to exceed.
pub const HOST_SHUTDOWN_S: u64 = 10;
pub const MARGIN_S: u64 = 5;
/// The lab's `output_return` for the clone UPS: its output is back `ondelay` (5 s) after the
/// cut once mains is on, so 15 s is ample, where the default minute would only make every
/// restore after a UPS command wait 45 s more.
pub const OUTPUT_RETURN_S: u64 = 15;
/// A command sent earlier in the test is over within `offdelay` + `ondelay` (35 s) once mains
/// is on; generous for a loaded machine.
const CLONE_CYCLE: Duration = Duration::from_secs(150);

/// A lab whose `ups-one` is the clone UPS and feeds this host.
pub fn lab(peers: upstra_tests::Peers, size: Size) -> Lab {
    let mut lab = Lab::start(peers, size);
    let nut = format!(
        "{}:{}",
        lab.peers.get("UPSTRA_PEER_NUT_HOST"),
        lab.peers.get("UPSTRA_PEER_NUT_PORT")
    );
    let policy = format!(
        "policy = {{ grace = \"{GRACE_S}s\", restore_after = \"{STABLE_S}s\", restore_min_charge = 30 }}"
    );
    let cmd_ups = lab.peers.get("UPSTRA_PEER_NUT_CMD_UPS").to_owned();
    let user = lab.peers.get("UPSTRA_PEER_NUT_CMD_USER").to_owned();
    lab.edits.push((
        format!("nut = \"ups1@{nut}\"\n{policy}\n"),
        format!(
            "nut = \"{cmd_ups}@{nut}\"\nuser = \"{user}\"\n\
             policy = {{ grace = \"{GRACE_S}s\", restore_after = \"{STABLE_S}s\", \
             restore_min_charge = 30, ups_off = \"return\", ups_off_margin = \"{MARGIN_S}s\", \
             output_return = \"{OUTPUT_RETURN_S}s\" }}\n"
        ),
    ));
    lab.edits.push((
        "server_on_timeout = \"90s\"\n".into(),
        format!(
            "server_on_timeout = \"90s\"\nestimates = {{ shutdown_this_host = \"{HOST_SHUTDOWN_S}s\" }}\n\
             [[server]]\nname = \"console\"\nroom = \"lab\"\nkind = \"other\"\nfeeds = [\"ups-one\"]\n\
             this_host = true\n"
        ),
    ));
    let password = lab.peers.get("UPSTRA_PEER_NUT_CMD_PASSWORD").to_owned();
    lab.nut_passwords.push(("ups-one".into(), password));
    lab
}

pub fn cmd_ups(lab: &Lab) -> String {
    lab.peers.get("UPSTRA_PEER_NUT_CMD_UPS").to_owned()
}

async fn clone_vars(lab: &Lab) -> std::collections::BTreeMap<String, String> {
    let port = lab.peers.get("UPSTRA_PEER_NUT_PORT").parse().unwrap();
    let mut conn = Connection::connect(lab.peers.get("UPSTRA_PEER_NUT_HOST"), port)
        .await
        .unwrap();
    conn.list_var(&cmd_ups(lab))
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Waits until the clone UPS runs no command (the cycle a command started is over), so a
/// test starts from, and ends with, an idle UPS.
pub async fn wait_clone_idle(lab: &Lab) {
    let deadline = Instant::now() + CLONE_CYCLE;
    loop {
        let vars = clone_vars(lab).await;
        let idle = vars.get("ups.timer.shutdown").map(String::as_str) == Some("-1")
            && vars.get("ups.timer.start").map(String::as_str) == Some("-1")
            && vars.get("ups.status").is_some_and(|s| !s.contains("FSD"));
        if idle {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the clone UPS stays busy: {vars:?}"
        );
        sleep(Duration::from_millis(500)).await;
    }
}

/// The clone UPS took a shutdown.return: FSD at once, and at its next poll (every 2 s) its
/// shutdown timer running within `delay_s`.
pub async fn assert_clone_counting(lab: &Lab, delay_s: i64) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let vars = clone_vars(lab).await;
        let status = vars.get("ups.status").cloned().unwrap_or_default();
        assert!(status.split(' ').any(|f| f == "FSD"), "{vars:?}");
        let timer: i64 = vars
            .get("ups.timer.shutdown")
            .and_then(|t| t.parse().ok())
            .unwrap_or(-1);
        if (0..=delay_s).contains(&timer) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the shutdown timer did not start from {delay_s}: {vars:?}"
        );
        sleep(Duration::from_millis(200)).await;
    }
}

/// upsd's log so far, to count what arrives after.
pub fn upsd_log(lab: &Lab) -> String {
    std::fs::read_to_string(lab.peers.get("UPSTRA_PEER_NUT_UPSD_LOG")).unwrap_or_default()
}

/// How many shutdown.return commands reached the clone UPS since `before` was read.
pub fn commands_since(lab: &Lab, before: &str) -> usize {
    let log = upsd_log(lab);
    let line = format!(
        "did shutdown.return on {}",
        lab.peers.get("UPSTRA_PEER_NUT_CMD_UPS")
    );
    log.get(before.len()..).unwrap_or("").matches(&line).count()
}

/// The power-off requests the test double recorded in the daemon's directory.
pub fn poweroffs(dir: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(dir.join("host-poweroff.log"))
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The step of `run` of `kind` (`ups_off`, `shutdown_this_host`...).
pub fn step<'a>(run: &'a RunView, kind: &str) -> &'a StepView {
    run.plan
        .steps
        .iter()
        .find(|s| s.kind.as_str() == kind)
        .unwrap_or_else(|| panic!("no {kind} step in {:#?}", run.plan.steps))
}

/// The daemon's settings as `crate::lab::daemon` starts it, for a second daemon on its store.
pub fn settings(lab: &Lab) -> Vec<(&str, &str)> {
    let mut s = crate::lab::env();
    s.push((
        "UPSTRA_NUT__USERS_FILE",
        lab.peers.get("UPSTRA_PEER_NUT_USERS_FILE"),
    ));
    s
}
