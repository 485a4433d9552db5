//! What a client on the daemon's socket writes: length-delimited frames of tarpc JSON.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| upstra_daemon::server::fuzzing::frames(bytes));
