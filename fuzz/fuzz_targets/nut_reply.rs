//! A reply from upsd, as bytes off the socket.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| upstra_adapter_nut::fuzzing::replies(bytes));
