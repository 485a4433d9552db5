//! TLS trust for the HTTP adapters (Redfish, vSphere): a certificate is trusted when its SHA-256
//! fingerprint matches the one pinned in the lab file, or when it chains to the CA file named
//! there. There is no insecure mode.
#![forbid(unsafe_code)]
