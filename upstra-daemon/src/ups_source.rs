//! Reads each UPS with the adapter its lab entry names: NUT's upsd or an SNMP agent.

use std::sync::Arc;

use upstra_adapter_nut::NutMonitor;
use upstra_adapter_snmp::SnmpMonitor;
use upstra_core::model::{Ups, UpsSource};
use upstra_core::state::{UpsFlag, UpsReading};
use upstra_core::traits::{AdapterError, BoxFuture, UpsMonitor, read_in_turn};

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

    // The monitor asks for the UPS of one peer together: all NUT (one upsd) or one SNMP agent.
    fn read_many<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<UpsReading, AdapterError>>> {
        if ups.iter().all(|u| matches!(u.source, UpsSource::Nut(_))) {
            UpsMonitor::read_many(self.nut.as_ref(), ups)
        } else {
            Box::pin(read_in_turn(self, ups))
        }
    }

    // SNMP cards push their changes as traps (`snmp_traps`): only NUT is asked for its status.
    fn has_cheap_status(&self, ups: &Ups) -> bool {
        match ups.source {
            UpsSource::Nut(_) => self.nut.has_cheap_status(ups),
            UpsSource::Snmp(_) => false,
        }
    }

    // The monitor asks only those with a cheap status, NUT's: any other would be answered
    // "not NUT".
    fn read_statuses<'a>(
        &'a self,
        ups: &'a [Ups],
    ) -> BoxFuture<'a, Vec<Result<Vec<UpsFlag>, AdapterError>>> {
        UpsMonitor::read_statuses(self.nut.as_ref(), ups)
    }
}
