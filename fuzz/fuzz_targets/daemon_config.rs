//! The daemon's config file; it is read as UTF-8 text before parsing.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        upstra_daemon::config::fuzzing::config_file(text);
    }
});
