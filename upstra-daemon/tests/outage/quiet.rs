//! What must not start a shed: mains flapping faster than the grace period, and a self-test.

use std::time::{Duration, Instant};

use upstra_core::events::DomainEvent;
use upstra_tests::lab::Size;
use upstra_tests::nut::DevFile;

use crate::lab::*;
use crate::support::*;

#[tokio::test]
async fn flapping_for_a_minute_and_a_self_test_shed_nothing() {
    let Some(peers) = upstra_tests::peers("outage flapping") else {
        return;
    };
    let mut lab = Lab::start(
        peers,
        Size {
            clusters: 2,
            hosts_per_cluster: 1,
            vms_per_cluster: 2,
        },
    );
    // Each dip lasts 2 s; upsd and the poll add up to a second more: well inside 10 s.
    lab.grace_s = 10;
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, c, t) = daemon(&lab, dir.path()).await;
    let mut cursor = 0;
    {
        let dev = DevFile::open(lab.nut_dir(), "ups1");
        let start = Instant::now();
        let mut on_battery = false;
        while start.elapsed() < Duration::from_secs(60) {
            on_battery = !on_battery;
            dev.set(&[("ups.status", if on_battery { "OB DISCHRG" } else { "OL" })]);
            // Each flip must reach the daemon before the next one, so the test really flaps.
            let want = if on_battery { "OB DISCHRG" } else { "OL" };
            wait_event(&c, &t, &mut cursor, want, Duration::from_secs(10), |e| {
                matches!(e, DomainEvent::UpsStatusChanged { ups, to, .. } if ups.as_str() == "ups-one" && to == want)
            })
            .await;
            // Pacing the stimulus (a flap every 2 s), not waiting for a state.
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
        if on_battery {
            dev.set(&[("ups.status", "OL")]);
            wait_event(&c, &t, &mut cursor, "mains", Duration::from_secs(10), |e| {
                matches!(e, DomainEvent::UpsStatusChanged { ups, to, .. } if ups.as_str() == "ups-one" && to == "OL")
            })
            .await;
        }
        // A self-test on battery, longer than the grace period.
        dev.set(&[("ups.status", "OB CAL")]);
        wait_event(&c, &t, &mut cursor, "the self-test", Duration::from_secs(10), |e| {
            matches!(e, DomainEvent::OutageSelfTestIgnored { ups } if ups.as_str() == "ups-one")
        })
        .await;
        // Proving that nothing happens takes the time it would happen in.
        tokio::time::sleep(Duration::from_secs(lab.grace_s + 2)).await;
    }
    let status = c.plan_status(ctx(), t.clone()).await.unwrap().unwrap();
    assert!(status.recent.is_empty(), "no run: {:#?}", status.recent);
    let page = c
        .events_since(ctx(), t.clone(), 0, 0)
        .await
        .unwrap()
        .unwrap();
    let graces = page
        .events
        .iter()
        .filter(|e| matches!(e.event, DomainEvent::OutageGraceStarted { .. }))
        .count();
    assert!(
        graces >= 10,
        "the flaps were seen as grace periods: {graces}"
    );
    assert!(
        !page.events.iter().any(|e| matches!(
            e.event,
            DomainEvent::OutageTriggered { .. } | DomainEvent::RunStarted { .. }
        )),
        "nothing triggered"
    );
}
