//! Which implementations of the adapter traits drive the lab: the real peers through the
//! adapter crates, or the simulated lab. Everything else in the daemon sees only the traits.

use std::path::Path;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;
use upstra_adapter_nut::{NutConfig, NutMonitor, UpsCommander};
use upstra_adapter_redfish::RedfishBmc;
use upstra_adapter_vsphere::{VsphereClient, VsphereOptions};
use upstra_core::model::{Inventory, VCenter};
use upstra_core::traits::{Bmc, Hypervisor, UpsMonitor, UpsOutputControl};

use crate::host_power::{HostPower, SimulatedHostPower, SystemdHostPower};
use crate::sim::SimLab;

/// The hypervisor follows the declared vCenter: a new URL, login or pin means a new client.
enum HypervisorSlot {
    Fixed(Arc<dyn Hypervisor>),
    FromVcenter(Mutex<Option<(VCenter, Arc<dyn Hypervisor>)>>),
}

/// The drivers of one daemon.
pub struct Drivers {
    pub ups: Arc<dyn UpsMonitor>,
    pub bmc: Arc<dyn Bmc>,
    /// Cuts a UPS's output after a delay and restores it on mains (the UPS-off step).
    pub ups_output: Arc<dyn UpsOutputControl>,
    /// Powers off the machine the daemon runs on (the `this_host` step).
    pub host_power: Arc<dyn HostPower>,
    hypervisor: HypervisorSlot,
    /// Kept to log out of BMC sessions on shutdown.
    redfish: Option<Arc<RedfishBmc>>,
    /// The simulated lab itself, for the demo's fake power cuts; `None` on the real peers.
    sim: Option<Arc<SimLab>>,
    /// The demo's host power-off, to say that this host would power off now.
    sim_host_power: Option<Arc<SimulatedHostPower>>,
}

impl Drivers {
    /// The simulated lab (`upstra demo`, dry runs).
    pub fn simulated(inventory: &Inventory) -> Self {
        let lab = Arc::new(SimLab::new(inventory));
        let host_power = Arc::new(SimulatedHostPower::default());
        Self {
            ups: lab.clone(),
            bmc: lab.clone(),
            ups_output: lab.clone(),
            host_power: host_power.clone(),
            hypervisor: HypervisorSlot::Fixed(lab.clone()),
            redfish: None,
            sim: Some(lab),
            sim_host_power: Some(host_power),
        }
    }

    /// The real peers. `nut_users_file` is upsd.users, read to check UPS-off permissions
    /// when upsd runs here; `stopping` is the daemon's shutdown, which the test build's host
    /// power-off double fires as systemd would.
    pub fn peers(nut_users_file: &Path, stopping: &CancellationToken) -> Self {
        let redfish = Arc::new(RedfishBmc::new(upstra_adapter_redfish::Options::default()));
        let host_power = real_host_power(stopping);
        tracing::info!(host_power = %host_power.describe(), "this host's power-off");
        Self {
            ups: Arc::new(crate::ups_source::UpsBySource {
                nut: Arc::new(NutMonitor::new(NutConfig::default())),
                snmp: Arc::new(upstra_adapter_snmp::SnmpMonitor::new(
                    upstra_adapter_snmp::SnmpConfig::default(),
                )),
            }),
            bmc: redfish.clone(),
            ups_output: Arc::new(UpsCommander::with_users_file(nut_users_file)),
            host_power,
            hypervisor: HypervisorSlot::FromVcenter(Mutex::new(None)),
            redfish: Some(redfish),
            sim: None,
            sim_host_power: None,
        }
    }

    /// The simulated lab, when it drives the state (demo only).
    pub fn simulated_lab(&self) -> Option<&SimLab> {
        self.sim.as_deref()
    }

    /// The demo's host power-off, to show whether (and why) this host would have powered off.
    pub fn simulated_host_power(&self) -> Option<&SimulatedHostPower> {
        self.sim_host_power.as_deref()
    }

    /// The hypervisor for the declared vCenter: `Ok(None)` when none is declared.
    pub fn hypervisor(&self, inventory: &Inventory) -> Result<Option<Arc<dyn Hypervisor>>, String> {
        let slot = match &self.hypervisor {
            HypervisorSlot::Fixed(h) => return Ok(Some(h.clone())),
            HypervisorSlot::FromVcenter(slot) => slot,
        };
        let Some(vcenter) = &inventory.vcenter else {
            return Ok(None);
        };
        let mut slot = slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((declared, client)) = slot.as_ref()
            && declared == vcenter
        {
            return Ok(Some(client.clone()));
        }
        let client: Arc<dyn Hypervisor> = Arc::new(
            VsphereClient::new(vcenter, VsphereOptions::default())
                .map_err(|e| format!("vcenter: {e}"))?,
        );
        *slot = Some((vcenter.clone(), client.clone()));
        Ok(Some(client))
    }

    /// Ends the sessions the drivers hold on the peers.
    pub async fn close(&self) {
        if let Some(redfish) = &self.redfish {
            redfish.close().await;
        }
    }
}

/// systemd's poweroff, unless a test build's double is active (never in a normal build).
fn real_host_power(stopping: &CancellationToken) -> Arc<dyn HostPower> {
    #[cfg(feature = "test-doubles")]
    if let Some(double) = crate::host_power::TestHostPower::from_env(stopping) {
        return Arc::new(double);
    }
    let _ = stopping;
    Arc::new(SystemdHostPower)
}
