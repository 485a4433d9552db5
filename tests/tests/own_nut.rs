//! A test's own NUT (`upstra_tests::own_nut`): a copy of the harness's that a test may flip
//! without the shared upsd, or any other test, seeing it, and that leaves nothing running.

use std::path::Path;
use std::time::{Duration, Instant};

use upstra_tests::nut::DevFile;
use upstra_tests::own_nut::{OwnNut, ups_status};

/// A dummy-ups driver notices a changed file at its next poll (1 s) and upsd at its next read;
/// generous for a loaded machine.
const SEEN_WITHIN: Duration = Duration::from_secs(30);

fn wait_status(port: u16, ups: &str, want: &str) {
    let deadline = Instant::now() + SEEN_WITHIN;
    loop {
        let status = ups_status(port, ups);
        if status.as_deref() == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{ups} on port {port}: {status:?}, not {want:?}, after {SEEN_WITHIN:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_flip_on_a_tests_own_nut_stays_there_and_nothing_outlives_it() {
    let Some(shared) = upstra_tests::peers("own NUT") else {
        return;
    };
    let shared_port: u16 = shared.get("UPSTRA_PEER_NUT_PORT").parse().unwrap();
    let nut = OwnNut::start(&shared);
    let own = nut.peers(&shared);
    assert_ne!(
        own.get("UPSTRA_PEER_NUT_PORT"),
        shared.get("UPSTRA_PEER_NUT_PORT")
    );
    for ups in ["ups1", "ups2", own.get("UPSTRA_PEER_NUT_CMD_UPS")] {
        assert_eq!(ups_status(nut.port, ups).as_deref(), Some("OL"), "{ups}");
    }

    let dev = DevFile::open(Path::new(own.get("UPSTRA_PEER_NUT_DIR")), "ups1");
    dev.set(&[("ups.status", "OB DISCHRG")]);
    wait_status(nut.port, "ups1", "OB DISCHRG");
    assert_eq!(
        ups_status(shared_port, "ups1").as_deref(),
        Some("OL"),
        "the shared upsd never sees the test's flip"
    );
    drop(dev);
    wait_status(nut.port, "ups1", "OL");

    let driver: u32 = std::fs::read_to_string(own.get("UPSTRA_PEER_NUT_UPS1_DRIVER_PIDFILE"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!(Path::new(&format!("/proc/{driver}")).exists());
    let dir = nut.dir.clone();
    let port = nut.port;
    drop(nut);
    assert!(
        !Path::new(&format!("/proc/{driver}")).exists(),
        "the driver stopped with its NUT"
    );
    assert_eq!(ups_status(port, "ups1"), None, "upsd stopped");
    assert!(!dir.exists(), "its files are gone");
}
