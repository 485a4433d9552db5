//! The core's [`Hypervisor`] contract, implemented by [`VsphereClient`]: each call maps its
//! [`VsphereError`](crate::VsphereError) to an [`AdapterError`] naming this vCenter.

use upstra_core::model::Vm;
use upstra_core::traits::{
    AdapterError, BoxFuture, Hypervisor, HypervisorInventory, VmPowerAction,
};

use crate::client::VsphereClient;
use crate::inventory::VsphereInventory;

impl Hypervisor for VsphereClient {
    fn inventory(&self) -> BoxFuture<'_, Result<HypervisorInventory, AdapterError>> {
        Box::pin(async move {
            self.read_inventory()
                .await
                .map(VsphereInventory::into_core)
                .map_err(|e| e.into_adapter(self.peer()))
        })
    }

    fn vm_power<'a>(
        &'a self,
        vm: &'a Vm,
        action: VmPowerAction,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(async move {
            self.power(&vm.id, action)
                .await
                .map_err(|e| e.into_adapter(self.peer()))
        })
    }

    fn migrate<'a>(
        &'a self,
        vm: &'a Vm,
        to_host: &'a str,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(async move {
            self.migrate_vm(&vm.id, to_host)
                .await
                .map_err(|e| e.into_adapter(self.peer()))
        })
    }

    fn set_maintenance<'a>(
        &'a self,
        host: &'a str,
        on: bool,
    ) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(async move {
            VsphereClient::set_maintenance(self, host, on)
                .await
                .map_err(|e| e.into_adapter(self.peer()))
        })
    }

    fn shutdown_host<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<(), AdapterError>> {
        Box::pin(async move {
            VsphereClient::shutdown_host(self, host, false)
                .await
                .map_err(|e| e.into_adapter(self.peer()))
        })
    }
}
