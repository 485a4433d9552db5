//! Support for the end-to-end suite: reading the peer harness endpoints.
#![forbid(unsafe_code)]
