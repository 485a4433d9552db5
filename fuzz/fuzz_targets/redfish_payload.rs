//! A response body from a BMC's Redfish service.
#![no_main]

libfuzzer_sys::fuzz_target!(|body: &[u8]| upstra_adapter_redfish::fuzzing::payloads(body));
