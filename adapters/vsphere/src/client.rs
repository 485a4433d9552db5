//! [`VsphereClient`]: the operations the daemon needs, on top of the session and the
//! property collector. Every HTTP exchange has the call timeout; every task and state change
//! has its own deadline.

use std::time::Duration;

use upstra_core::ids::VmId;
use upstra_core::model::{VCenter, VmPower};
use upstra_core::traits::VmPowerAction;

use crate::collect::{read_one, read_view, wait_power, wait_task};
use crate::error::VsphereError;
use crate::inventory::{self, InventoryBuilder, VsphereInventory};
use crate::request::{self, MoRef, PropertySpec};
use crate::response;
use crate::session::{About, Session};
use crate::transport::Transport;

/// Deadlines. The defaults suit a real vCenter; tests against vcsim can use much shorter ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VsphereOptions {
    /// One HTTP exchange (connect, send, read the answer).
    pub call_timeout: Duration,
    /// A task from start to end (power, vMotion, maintenance mode, host shutdown).
    pub task_timeout: Duration,
    /// A guest OS shutdown, from the request until the VM is powered off.
    pub guest_shutdown_timeout: Duration,
}

impl Default for VsphereOptions {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(30),
            task_timeout: Duration::from_secs(600),
            guest_shutdown_timeout: Duration::from_secs(300),
        }
    }
}

/// A client for one vCenter over the vim25 SOAP API. It logs in on first use, logs in again
/// when the session expires, and logs out when dropped inside a Tokio runtime.
pub struct VsphereClient {
    session: Session,
    peer: String,
    options: VsphereOptions,
    /// One inventory read at a time. A large lab's answer is tens of MB while it is read; the
    /// monitor's periodic sync and an operator's `upstra sync` (or the orchestrator) asking
    /// together held two. The second waits for the first and then reads afresh: a read that
    /// started before its caller asked could miss what the caller just did.
    inventory_reads: tokio::sync::Mutex<()>,
}

impl VsphereClient {
    /// Prepares a client: builds the pinned TLS client from `vcenter.tls`; no network I/O.
    /// Fails when no password is set or the TLS trust cannot be used (unpinned, bad CA file).
    pub fn new(vcenter: &VCenter, options: VsphereOptions) -> Result<Self, VsphereError> {
        let http =
            upstra_adapter_tls::http_client(&vcenter.tls, options.call_timeout).map_err(|e| {
                VsphereError::TlsSetup {
                    reason: e.to_string(),
                }
            })?;
        Self::with_http_client(vcenter, http, options)
    }

    /// Like [`new`](Self::new), then logs in, so configuration and credential errors show at
    /// once.
    pub async fn connect(vcenter: &VCenter, options: VsphereOptions) -> Result<Self, VsphereError> {
        let client = Self::new(vcenter, options)?;
        client.login().await?;
        Ok(client)
    }

    /// Uses a caller-built HTTP client (its TLS settings are the caller's responsibility);
    /// `vcenter.tls` is ignored.
    pub fn with_http_client(
        vcenter: &VCenter,
        http: reqwest::Client,
        options: VsphereOptions,
    ) -> Result<Self, VsphereError> {
        let password = vcenter
            .login
            .password
            .clone()
            .ok_or_else(|| VsphereError::NoPassword {
                user: vcenter.login.user.clone(),
            })?;
        let transport = Transport::new(http, vcenter.url.as_str(), options.call_timeout);
        Ok(Self {
            session: Session::new(transport, vcenter.login.user.clone(), password),
            peer: format!("vCenter {}", vcenter.url),
            options,
            inventory_reads: tokio::sync::Mutex::new(()),
        })
    }

    /// How errors name this vCenter (`vCenter https://vc.lab/sdk`).
    pub fn peer(&self) -> &str {
        &self.peer
    }

    /// Logs in now (replacing any session) and returns what the server says about itself.
    pub async fn login(&self) -> Result<About, VsphereError> {
        Ok(self.session.login().await?.about.clone())
    }

    /// Ends the session on the server. Later calls log in again.
    pub async fn logout(&self) -> Result<(), VsphereError> {
        self.session.logout().await
    }

    /// A cheap authenticated read (`SessionManager.currentSession`) that keeps the session
    /// from expiring and logs in again if it already has.
    pub async fn keep_alive(&self) -> Result<(), VsphereError> {
        let content = self.session.content().await?;
        let current =
            read_one(&self.session, &content.session_manager, &["currentSession"]).await?;
        if current.prop("currentSession").is_none() {
            self.session.login().await?;
        }
        Ok(())
    }

    /// Hosts (cluster, connection, maintenance, capacity, usage) and VMs (power, host, size,
    /// tools) in one property-collector read.
    pub async fn read_inventory(&self) -> Result<VsphereInventory, VsphereError> {
        let _one_at_a_time = self.inventory_reads.lock().await;
        let mut builder = InventoryBuilder::default();
        read_view(
            &self.session,
            inventory::VIEW_TYPES,
            inventory::PROPERTIES,
            &mut |object| builder.add(object),
        )
        .await?;
        Ok(builder.finish())
    }

    /// Powers a VM on or off, or asks its guest to shut down and waits until it is off.
    /// Asking for the state a VM is already in succeeds without doing anything.
    pub async fn power(&self, vm: &VmId, action: VmPowerAction) -> Result<(), VsphereError> {
        let mo = MoRef::new("VirtualMachine", vm.as_str());
        let (method, target) = match action {
            VmPowerAction::On => ("PowerOnVM_Task", VmPower::PoweredOn),
            VmPowerAction::Off => ("PowerOffVM_Task", VmPower::PoweredOff),
            VmPowerAction::ShutdownGuest => ("ShutdownGuest", VmPower::PoweredOff),
        };
        let result = if action == VmPowerAction::ShutdownGuest {
            self.session
                .call(method, &request::on_object(method, &mo))
                .await
                .and_then(|text| response::empty(method, &text))
        } else {
            self.run_task(method, &request::on_object(method, &mo))
                .await
        };
        match result {
            Err(e) if already_in(&e, target) => return Ok(()),
            Err(e) => return Err(e),
            Ok(()) => {}
        }
        if action == VmPowerAction::ShutdownGuest {
            let timeout = self.options.guest_shutdown_timeout;
            wait_power(&self.session, &mo, target, timeout).await?;
        }
        Ok(())
    }

    /// Live-migrates (vMotion) a VM to the host called `host`. The target's resource pool is
    /// named when the VM changes cluster or standalone host, as vCenter requires then. A VM
    /// already on that host is left alone.
    pub async fn migrate_vm(&self, vm: &VmId, host: &str) -> Result<(), VsphereError> {
        let inv = self.read_inventory().await?;
        let current = inv.vm(vm).ok_or_else(|| VsphereError::NotFound {
            what: format!("VM {vm}"),
        })?;
        let target = inv.host_named(host)?;
        let target_mo = MoRef::new("HostSystem", &target.id);
        if current.host_moref.as_ref() == Some(&target_mo) {
            return Ok(());
        }
        let from_compute = current
            .host_moref
            .as_ref()
            .and_then(|h| inv.hosts.iter().find(|x| x.id == h.value))
            .and_then(|h| h.compute.clone());
        let pool = if from_compute.is_some() && from_compute == target.compute {
            None
        } else {
            target.pool.as_ref()
        };
        let vm_mo = MoRef::new("VirtualMachine", vm.as_str());
        let body = request::relocate_vm(&vm_mo, &target_mo, pool);
        self.run_task("RelocateVM_Task", &body).await
    }

    /// Puts the host called `host` into maintenance mode or takes it out. Asking for the mode
    /// it is already in succeeds without a task.
    pub async fn set_maintenance(&self, host: &str, on: bool) -> Result<(), VsphereError> {
        let (mo, in_maintenance) = self.find_host(host).await?;
        if in_maintenance == on {
            return Ok(());
        }
        let method = if on {
            "EnterMaintenanceMode_Task"
        } else {
            "ExitMaintenanceMode_Task"
        };
        self.run_task(method, &request::maintenance(&mo, on, 0))
            .await
    }

    /// Shuts the host called `host` down through vCenter (`force`: even outside maintenance
    /// mode). [`VsphereError::Unsupported`] when the server lacks `ShutdownHost_Task` (vcsim,
    /// some licences): then shut it down through its BMC.
    pub async fn shutdown_host(&self, host: &str, force: bool) -> Result<(), VsphereError> {
        let (mo, _) = self.find_host(host).await?;
        self.run_task("ShutdownHost_Task", &request::shutdown_host(&mo, force))
            .await
    }

    /// What the server says about itself, from the current login.
    pub async fn about(&self) -> Result<About, VsphereError> {
        Ok(self.session.content().await?.about.clone())
    }

    /// The host's moref and maintenance flag, by name.
    async fn find_host(&self, name: &str) -> Result<(MoRef, bool), VsphereError> {
        let props = [PropertySpec {
            kind: "HostSystem",
            paths: &["name", "runtime.inMaintenanceMode"],
        }];
        let mut objects = Vec::new();
        read_view(&self.session, &["HostSystem"], &props, &mut |object| {
            objects.push(object);
            Ok(())
        })
        .await?;
        let mut found = objects
            .iter()
            .filter(|o| o.prop("name").is_some_and(|v| v.text == name));
        match (found.next(), found.count()) {
            (Some(o), 0) => {
                let flag = o.prop("runtime.inMaintenanceMode");
                Ok((o.obj.clone(), flag.is_some_and(|v| v.text.trim() == "true")))
            }
            (Some(_), more) => Err(VsphereError::Ambiguous {
                what: format!("host `{name}`"),
                count: more + 1,
            }),
            (None, _) => Err(VsphereError::NotFound {
                what: format!("host `{name}`"),
            }),
        }
    }

    /// Starts a `*_Task` method and waits for the task within the task deadline.
    async fn run_task(&self, method: &'static str, body: &str) -> Result<(), VsphereError> {
        let task = response::returned_moref(method, &self.session.call(method, body).await?)?;
        let started = tokio::time::Instant::now();
        let result = wait_task(&self.session, method, &task, self.options.task_timeout).await;
        tracing::debug!(method, task = %task.value, elapsed_ms = started.elapsed().as_millis() as u64, ok = result.is_ok(), "vCenter task done");
        result
    }
}

/// `InvalidPowerState` with the wanted state as the existing one: nothing to do.
fn already_in(e: &VsphereError, target: VmPower) -> bool {
    let want = match target {
        VmPower::PoweredOn => "poweredOn",
        VmPower::PoweredOff => "poweredOff",
        VmPower::Suspended => "suspended",
    };
    e.fault()
        .is_some_and(|f| f.name == "InvalidPowerState" && f.detail("existingState") == Some(want))
}

impl Drop for VsphereClient {
    /// Logs out in the background when a Tokio runtime is available (best effort: a session
    /// left behind expires on the server after its idle timeout).
    fn drop(&mut self) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        if let Some((transport, cookie, session_manager)) = self.session.take_for_drop() {
            runtime.spawn(async move {
                let body = request::logout(&session_manager);
                let _ = transport.post("Logout", &body, Some(&cookie)).await;
            });
        }
    }
}
