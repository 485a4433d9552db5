//! A UPS read over SNMP shows where it is read (version, address, MIB, v3 user) in its
//! details, never a community or a password: English and French, 80×24 and 200×50.

use crate::support;

use support::{apply, lab, logged_in, ups};
use upstra_core::api::v1::SnmpView;
use upstra_tui::console::action::Action;

#[test]
fn details_of_an_snmp_ups() {
    let mut state = logged_in();
    let mut snmp_lab = lab();
    let mut u = ups("ups-a1", "lab-a", "OB DISCHRG", 64.0);
    u.nut = String::new();
    u.snmp = Some(SnmpView {
        address: "10.0.0.5:161".into(),
        version: "v3".into(),
        mib: "apc".into(),
        user: Some("upsmon".into()),
    });
    snmp_lab.ups[0] = u;
    let epoch = state.epoch;
    apply(
        &mut state,
        vec![
            Action::ListsLoaded {
                epoch,
                result: Ok(snmp_lab),
            },
            Action::Down,
        ],
    );
    screens!("details_of_an_snmp_ups", state);
}
