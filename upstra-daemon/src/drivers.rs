//! Which implementations of the adapter traits drive the lab: the real peers through the
//! adapter crates, or the simulated lab. Everything else in the daemon sees only the traits.

use std::sync::{Arc, Mutex};

use upstra_adapter_nut::{NutConfig, NutMonitor};
use upstra_adapter_redfish::RedfishBmc;
use upstra_adapter_vsphere::{VsphereClient, VsphereOptions};
use upstra_core::model::{Inventory, VCenter};
use upstra_core::traits::{Bmc, Hypervisor, UpsMonitor};

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
    hypervisor: HypervisorSlot,
    /// Kept to log out of BMC sessions on shutdown.
    redfish: Option<Arc<RedfishBmc>>,
    /// The simulated lab itself, for the demo's fake power cuts; `None` on the real peers.
    sim: Option<Arc<SimLab>>,
}

impl Drivers {
    /// The simulated lab (`upstra demo`, dry runs).
    pub fn simulated(inventory: &Inventory) -> Self {
        let lab = Arc::new(SimLab::new(inventory));
        Self {
            ups: lab.clone(),
            bmc: lab.clone(),
            hypervisor: HypervisorSlot::Fixed(lab.clone()),
            redfish: None,
            sim: Some(lab),
        }
    }

    /// The real peers.
    pub fn peers() -> Self {
        let redfish = Arc::new(RedfishBmc::new(upstra_adapter_redfish::Options::default()));
        Self {
            ups: Arc::new(NutMonitor::new(NutConfig::default())),
            bmc: redfish.clone(),
            hypervisor: HypervisorSlot::FromVcenter(Mutex::new(None)),
            redfish: Some(redfish),
            sim: None,
        }
    }

    /// The simulated lab, when it drives the state (demo only).
    pub fn simulated_lab(&self) -> Option<&SimLab> {
        self.sim.as_deref()
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
