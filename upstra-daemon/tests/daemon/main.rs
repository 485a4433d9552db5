//! The daemon's integration tests, in one binary so that the daemon and SQLCipher are linked
//! once instead of once per file. One module per topic; most start the real `upstrad` on a
//! temporary socket and data directory (`../support/`), some against the harness's real
//! peers. The outage story (`tests/outage/`) and the attacks (`tests/abuse/`) are binaries of
//! their own.

#[path = "../support/mod.rs"]
mod support;

mod activation;
mod apply_seen;
mod backup;
mod credentials;
mod host_power;
mod last_out_demo;
mod last_out_shown;
mod lifecycle;
mod man_pages;
mod metrics;
mod notify;
mod peers;
mod reload;
mod secrets;
mod sessions_next_call;
mod snmp_traps;
mod snmp_traps_counted;
mod snmp_traps_v3;
mod status_checks;
mod ups_output;
mod watchdog;
