//! vSphere Web Services (SOAP) client: inventory, VM power, migration, maintenance; implements Hypervisor.
#![forbid(unsafe_code)]
