//! A SOAP answer from vCenter; the transport refuses a body that is not UTF-8 before parsing.
#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| {
    if let Ok(text) = std::str::from_utf8(bytes) {
        upstra_adapter_vsphere::fuzzing::answers(text);
    }
});
