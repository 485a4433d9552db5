//! Redfish client for server BMCs (HPE iLO): power state and reset; implements Bmc.
#![forbid(unsafe_code)]
