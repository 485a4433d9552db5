//! A UPS that stops answering: the alarm says how long it has been silent and when the daemon
//! will act, per its policy, rather than "alarm only" before a shed.

use std::time::Duration;

use upstra_core::events::DomainEvent;
use upstra_core::outage::CommsLostPolicy;
use upstra_tests::lab::Size;

use crate::lab::*;
use crate::support::*;

/// Long enough that the test never sees the shed it announces.
const ACT_AFTER_S: u64 = 600;

/// Stops a peer's process (a dummy-ups driver: upsd then reports its data as stale; a Redfish
/// emulator: every call to it waits) and lets it run again when dropped, however the test ends.
pub struct Frozen(nix::unistd::Pid);

impl Frozen {
    fn driver(pidfile: &str) -> Self {
        let pid: u32 = std::fs::read_to_string(pidfile)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        Self::process(pid)
    }

    pub fn process(pid: u32) -> Self {
        let pid = nix::unistd::Pid::from_raw(i32::try_from(pid).unwrap());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).unwrap();
        Self(pid)
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.0, nix::sys::signal::Signal::SIGCONT);
    }
}

#[tokio::test]
async fn a_silent_ups_alarm_says_when_the_daemon_acts() {
    let Some(peers) = upstra_tests::peers("outage comms lost") else {
        return;
    };
    let lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 1,
            vms_per_cluster: 1,
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let mut spec = lab.spec();
    for ups in spec.ups.iter_mut().filter(|u| u.name == "ups-two") {
        ups.policy.comms_lost = CommsLostPolicy::ActAfter { secs: ACT_AFTER_S };
    }
    c.apply(ctx(), t.clone(), spec, false)
        .await
        .unwrap()
        .unwrap();

    let mut cursor = 0;
    let frozen = Frozen::driver(lab.peers.get("UPSTRA_PEER_NUT_UPS2_DRIVER_PIDFILE"));
    let alarm = wait_event(
        &c,
        &t,
        &mut cursor,
        "the comms alarm of ups-two",
        Duration::from_secs(90),
        |e| matches!(e, DomainEvent::OutageCommsAlarm { ups, .. } if ups.as_str() == "ups-two"),
    )
    .await;
    drop(frozen);
    let DomainEvent::OutageCommsAlarm {
        silent_s,
        acts_in_s,
        ..
    } = alarm.event
    else {
        unreachable!()
    };
    let silent = silent_s.expect("how long it has been silent");
    let acts_in = acts_in_s.expect("when the daemon acts, per its policy");
    assert_eq!(silent + acts_in, ACT_AFTER_S, "{silent} + {acts_in}");
    assert!(acts_in > 0);
    wait_event(
        &c,
        &t,
        &mut cursor,
        "ups-two answers again",
        Duration::from_secs(30),
        |e| matches!(e, DomainEvent::UpsCommsRestored { ups } if ups.as_str() == "ups-two"),
    )
    .await;
}
