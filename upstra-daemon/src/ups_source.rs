//! Reads each UPS with the adapter its lab entry names: NUT's upsd or an SNMP agent.

use std::sync::Arc;

use upstra_adapter_nut::NutMonitor;
use upstra_adapter_snmp::SnmpMonitor;
use upstra_core::model::{Ups, UpsSource};
use upstra_core::state::UpsReading;
use upstra_core::traits::{AdapterError, BoxFuture, UpsMonitor};

/// One [`UpsMonitor`] over both protocols.
pub struct UpsBySource {
    pub nut: Arc<NutMonitor>,
    pub snmp: Arc<SnmpMonitor>,
}

impl UpsMonitor for UpsBySource {
    fn read<'a>(&'a self, ups: &'a Ups) -> BoxFuture<'a, Result<UpsReading, AdapterError>> {
        match ups.source {
            UpsSource::Nut(_) => self.nut.read(ups),
            UpsSource::Snmp(_) => self.snmp.read(ups),
        }
    }
}
