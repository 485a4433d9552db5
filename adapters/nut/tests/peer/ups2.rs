//! Tests that change `ups2`: its status through the `.dev` file, its driver by signals. One
//! lock keeps them apart; each waits for `ups2` to be on line first and restores it.

use std::time::Duration;

use tokio::sync::{Mutex, MutexGuard};
use upstra_adapter_nut::{CommsTracker, Connection, NutConfig, NutMonitor};
use upstra_core::secret::Secret;
use upstra_core::state::UpsLive;
use upstra_core::traits::UpsMonitor;

use crate::SOON;
use upstra_tests::nut::DevFile;

use crate::harness::{Driver, Frozen, Killed, Lab, now, poll_read};

static UPS2: Mutex<()> = Mutex::const_new(());

/// Takes the lock and waits until `ups2` reads OL (a previous test may just have restored it).
async fn take_ups2(lab: &Lab, monitor: &NutMonitor) -> MutexGuard<'static, ()> {
    let guard = UPS2.lock().await;
    poll_read(
        monitor,
        &lab.ups("ups2"),
        Duration::from_secs(20),
        "ups2 back to OL",
        |r| matches!(r, Ok(r) if r.status_line() == "OL"),
    )
    .await
    .ok();
    guard
}

#[tokio::test]
async fn sees_ups2_go_on_battery_low_battery_and_back() {
    let Some(lab) = Lab::get("sees_ups2_go_on_battery_low_battery_and_back") else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let _lock = take_ups2(&lab, &monitor).await;
    let ups2 = lab.ups("ups2");
    let dev = DevFile::open(&lab.nut_dir, "ups2");
    let steps = [
        ("OB", "80", "1800"),
        ("OB LB", "9", "120"),
        ("OL", "100", "3600"),
    ];
    for (status, charge, runtime) in steps {
        dev.set(&[
            ("ups.status", status),
            ("battery.charge", charge),
            ("battery.runtime", runtime),
        ]);
        let seen = poll_read(
            &monitor,
            &ups2,
            SOON,
            status,
            |r| matches!(r, Ok(r) if r.status_line() == status),
        )
        .await
        .expect("a reading");
        assert_eq!(seen.charge_pct, Some(charge.parse().expect("number")));
        assert_eq!(seen.runtime_s, Some(runtime.parse().expect("number")));
        assert_eq!(seen.on_battery(), status.starts_with("OB"));
    }
}

#[tokio::test]
async fn a_frozen_driver_gives_comms_lost_data_stale_then_recovers() {
    let Some(lab) = Lab::get("a_frozen_driver_gives_comms_lost_data_stale_then_recovers") else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let _lock = take_ups2(&lab, &monitor).await;
    let (ups2, driver) = (lab.ups("ups2"), Driver::ups2(&lab));
    let mut comms = CommsTracker::new(Duration::from_secs(1));
    assert!(matches!(
        comms.observe(monitor.read(&ups2).await, now()),
        UpsLive::Reading { .. }
    ));
    {
        let _frozen = Frozen::new(&driver);
        // upsd calls the data stale after MAXAGE (5 s in the harness), then the dead time.
        let mut live = UpsLive::Unknown;
        poll_read(
            &monitor,
            &ups2,
            Duration::from_secs(20),
            "CommsLost DATA-STALE",
            |r| {
                live = comms.observe(r.clone(), now());
                matches!(&live, UpsLive::CommsLost { .. })
            },
        )
        .await
        .ok();
        let UpsLive::CommsLost { reason, since } = live else {
            unreachable!()
        };
        assert!(
            reason.contains("DATA-STALE: the UPS driver stopped updating"),
            "{reason}"
        );
        assert!(since <= now());
    }
    // SIGCONT (the guard's drop): upsd serves fresh data again at once.
    let back = poll_read(&monitor, &ups2, SOON, "readings after SIGCONT", |r| {
        r.is_ok()
    })
    .await;
    assert!(matches!(
        comms.observe(back, now()),
        UpsLive::Reading { .. }
    ));
}

#[tokio::test]
async fn a_killed_driver_gives_driver_not_connected_then_a_restart_recovers() {
    let Some(lab) = Lab::get("a_killed_driver_gives_driver_not_connected_then_a_restart_recovers")
    else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let _lock = take_ups2(&lab, &monitor).await;
    let (ups2, driver) = (lab.ups("ups2"), Driver::ups2(&lab));
    let mut comms = CommsTracker::new(Duration::ZERO);
    {
        let _killed = Killed::new(&driver);
        let err = poll_read(
            &monitor,
            &ups2,
            SOON,
            "DRIVER-NOT-CONNECTED",
            |r| matches!(r, Err(e) if e.to_string().contains("DRIVER-NOT-CONNECTED")),
        )
        .await
        .expect_err("an error");
        let live = comms.observe(Err(&err), now());
        assert!(
            matches!(&live, UpsLive::CommsLost { reason, .. }
                if reason.ends_with("DRIVER-NOT-CONNECTED: upsd has no driver for this UPS")),
            "{live:?}"
        );
        driver.restart();
    }
    // A new driver reports WAIT first, then OL.
    poll_read(
        &monitor,
        &ups2,
        Duration::from_secs(20),
        "OL from the new driver",
        |r| matches!(r, Ok(r) if r.status_line() == "OL"),
    )
    .await
    .expect("OL");
    assert!(driver.alive());
}

#[tokio::test]
async fn the_right_password_may_act() {
    let Some(lab) = Lab::get("the_right_password_may_act") else {
        return;
    };
    let monitor = NutMonitor::new(NutConfig::default());
    let _lock = take_ups2(&lab, &monitor).await;
    let (user, password) = &lab.admin;
    let mut conn = Connection::connect(&lab.host, lab.port)
        .await
        .expect("connects");
    conn.login(user, Some(&Secret::new(password.as_str())))
        .await
        .expect("login");
    // The value it already has: nothing changes.
    conn.set_var("ups2", "battery.charge.low", "20")
        .await
        .expect("SET allowed");
    monitor.read(&lab.ups("ups2")).await.expect("still reads");
}
