//! Restarting upsd: a private upsd on the harness's drivers is stopped and started again on the
//! same port; one `NutMonitor` sees it go and come back without being recreated.

use std::time::Duration;

use upstra_adapter_nut::{NutConfig, NutMonitor};
use upstra_core::state::UpsFlag;
use upstra_core::traits::AdapterError;

use crate::common;
use crate::harness::{Lab, PrivateUpsd, poll_read};

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
