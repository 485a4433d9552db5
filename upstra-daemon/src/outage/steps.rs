//! What each kind of step does against the drivers.
//!
//! Every step looks before it acts: a target already in the wanted state is done without a
//! command (a resumed run never repeats what landed). The state before is journaled before
//! anything is sent, and the moment a command goes out is journaled too: a step found
//! "dispatched" after a restart waits for its result instead of sending it again, and only
//! escalates (ForceOff after a graceful shutdown, power-off after a guest shutdown) once its
//! deadline has passed. Transient peer errors are retried with backoff within the deadline.

use std::sync::Arc;
use std::time::{Duration, Instant};

use upstra_core::model::{Server, Vm, VmPower};
use upstra_core::outage::{Before, Step, StepAction, StepState};
use upstra_core::state::{PowerState, Timestamp};
use upstra_core::traits::{
    AdapterError, BmcStatus, Hypervisor, HypervisorInventory, ResetType, VmPowerAction,
};

use super::stagger::PowerOnGate;
use crate::clock;
use crate::shared::Shared;
use crate::store::StepRecord;

mod last_out;

/// How often a wait looks at the peer again.
const POLL: Duration = Duration::from_secs(1);
/// Attempts at a step whose peer fails in a way that may pass.
const ATTEMPTS: u32 = 3;
/// Deadline of one peer call.
const CALL_DEADLINE: Duration = Duration::from_secs(60);
/// How long a resumed, dispatched step waits for its command to show before sending it again
/// (for commands that are safe to repeat: migrations, maintenance, power on).
const RESUME_WAIT: Duration = Duration::from_secs(60);
/// How long a hard power-off may take to show.
const FORCE_WAIT: Duration = Duration::from_secs(60);

/// Why an attempt failed.
struct StepError {
    message: String,
    retry: bool,
}

impl StepError {
    fn fatal(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            retry: false,
        }
    }
}

impl From<AdapterError> for StepError {
    fn from(e: AdapterError) -> Self {
        let retry = matches!(
            e,
            AdapterError::Unreachable { .. }
                | AdapterError::Timeout { .. }
                | AdapterError::Protocol { .. }
        );
        Self {
            message: e.to_string(),
            retry,
        }
    }
}

type StepResult = Result<String, StepError>;

/// A power-on's outcome, saying so when the BMC confirmed the firmware finished POST.
fn booted(on: &str, post_finished: Option<bool>) -> String {
    match post_finished {
        Some(true) => format!("{on}; the firmware finished POST"),
        _ => on.to_owned(),
    }
}

/// Looks with `probe` every [`POLL`] until it says yes or `wait` after `since` has passed
/// (measured on the wall clock, since `since` may come from the journal of an earlier daemon).
async fn poll_until<F, Fut>(
    since: Timestamp,
    wait: Duration,
    mut probe: F,
) -> Result<bool, StepError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, StepError>>,
{
    let until = since.millis() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX);
    loop {
        if probe().await? {
            return Ok(true);
        }
        if clock::now().millis() >= until {
            return Ok(false);
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Reads the hypervisor at most once per `MAX_AGE` however many steps ask, so a hundred
/// parallel steps do not read vCenter a hundred times.
#[derive(Default)]
pub struct HypervisorReader {
    last: tokio::sync::Mutex<Option<(Instant, Arc<HypervisorInventory>)>>,
}

impl HypervisorReader {
    const MAX_AGE: Duration = Duration::from_millis(500);

    async fn read(&self, hv: &dyn Hypervisor) -> Result<Arc<HypervisorInventory>, StepError> {
        let mut last = self.last.lock().await;
        if let Some((at, inv)) = last.as_ref()
            && at.elapsed() < Self::MAX_AGE
        {
            return Ok(inv.clone());
        }
        let inv = Arc::new(within(hv.inventory()).await?);
        *last = Some((Instant::now(), inv.clone()));
        Ok(inv)
    }

    /// Forgets the last read: the next one sees what a command just changed.
    async fn invalidate(&self) {
        *self.last.lock().await = None;
    }
}

async fn within<T>(
    f: impl std::future::Future<Output = Result<T, AdapterError>>,
) -> Result<T, StepError> {
    match tokio::time::timeout(CALL_DEADLINE, f).await {
        Ok(r) => r.map_err(StepError::from),
        Err(_) => Err(StepError {
            message: format!("no answer within {} s", CALL_DEADLINE.as_secs()),
            retry: true,
        }),
    }
}

/// One step being performed.
pub struct StepRun<'a> {
    pub shared: &'a Shared,
    pub run: i64,
    pub step: &'a Step,
    pub record: StepRecord,
    pub reader: &'a HypervisorReader,
    /// Spaces the power-on commands of a room.
    pub gate: &'a PowerOnGate,
}

impl StepRun<'_> {
    /// Performs the step to its end and journals it; returns how it ended.
    pub async fn perform(mut self) -> (StepState, String) {
        let deadline = Instant::now() + self.deadline();
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Err(e) = self.journal_attempt().await {
                return (StepState::Failed, e.message);
            }
            match self.attempt().await {
                Ok(outcome) => return (StepState::Done, outcome),
                Err(e) if e.retry && attempt < ATTEMPTS && Instant::now() < deadline => {
                    let backoff = Duration::from_secs(1 << attempt);
                    tracing::warn!(run = self.run, step = %self.step.id, error = %e.message, "step failed; retrying in {} s", backoff.as_secs());
                    tokio::time::sleep(backoff).await;
                    // What was sent may have landed: look again before acting.
                    self.record.state = StepState::Started;
                }
                Err(e) => return (StepState::Failed, e.message),
            }
        }
    }

    /// The longest the step may take, retries included.
    fn deadline(&self) -> Duration {
        let s = |secs: u64| Duration::from_secs(secs);
        match &self.step.action {
            StepAction::StopVm {
                guest_timeout_s, ..
            } => s(guest_timeout_s + 180),
            StepAction::ShutdownServer { off_timeout_s, .. } => s(off_timeout_s + 180),
            StepAction::PowerOnServer { on_timeout_s, .. } => s(on_timeout_s + 120),
            StepAction::WaitConnected { timeout_s, .. } => s(*timeout_s + 60),
            _ => s(900),
        }
    }

    async fn attempt(&mut self) -> StepResult {
        let inventory = self.shared.inventory();
        let hv = || -> Result<Arc<dyn Hypervisor>, StepError> {
            self.shared
                .drivers
                .hypervisor(&inventory)
                .map_err(StepError::fatal)?
                .ok_or_else(|| StepError::fatal("no vCenter is declared"))
        };
        let server = |id: &upstra_core::ids::ServerId| -> Result<Server, StepError> {
            inventory
                .servers
                .get(id)
                .cloned()
                .ok_or_else(|| StepError::fatal(format!("server {id} is no longer declared")))
        };
        match &self.step.action {
            StepAction::MigrateVm { vm, to, .. } => {
                let hv = hv()?;
                self.migrate(hv.as_ref(), vm, to).await
            }
            StepAction::StopVm {
                vm,
                guest_timeout_s,
                ..
            } => {
                let hv = hv()?;
                self.stop_vm(hv.as_ref(), vm, Duration::from_secs(*guest_timeout_s))
                    .await
            }
            StepAction::EnterMaintenance { host, .. } => {
                let hv = hv()?;
                self.maintenance(hv.as_ref(), host, true).await
            }
            StepAction::ExitMaintenance { host, .. } => {
                let hv = hv()?;
                self.maintenance(hv.as_ref(), host, false).await
            }
            StepAction::ShutdownServer {
                server: id,
                host,
                off_timeout_s,
                force_off,
            } => {
                let server = server(id)?;
                let hv = host.as_ref().map(|_| hv()).transpose()?;
                self.shutdown(
                    &server,
                    hv.as_deref().zip(host.as_deref()),
                    Duration::from_secs(*off_timeout_s),
                    *force_off,
                )
                .await
            }
            StepAction::PowerOnServer {
                server: id,
                on_timeout_s,
                ..
            } => {
                let server = server(id)?;
                self.power_on(&server, Duration::from_secs(*on_timeout_s))
                    .await
            }
            StepAction::WaitConnected {
                host, timeout_s, ..
            } => {
                let hv = hv()?;
                self.wait_connected(hv.as_ref(), host, Duration::from_secs(*timeout_s))
                    .await
            }
            StepAction::StartVm { vm, host, .. } => {
                let hv = hv()?;
                self.start_vm(hv.as_ref(), vm, host).await
            }
            StepAction::UpsOff { ups, delay_s } => self.ups_off(ups, *delay_s).await,
            StepAction::ShutdownThisHost { server } => self.shutdown_this_host(server).await,
        }
    }

    // --- the journal ------------------------------------------------------------------

    /// Counts an attempt before anything is looked at or sent.
    async fn journal_attempt(&mut self) -> Result<(), StepError> {
        let (run, step, now) = (self.run, self.step.id.0, clock::now());
        self.shared
            .store
            .call(move |db| db.step_attempt(run, step, now))
            .await
            .map_err(|e| {
                StepError::fatal(format!("cannot journal the step, so it was not run: {e}"))
            })?;
        if self.record.state == StepState::Pending {
            self.record.state = StepState::Started;
            self.record.started_at = Some(now);
        }
        Ok(())
    }

    /// Records the target's state before acting; nothing is sent until it is stored.
    async fn journal_started(&mut self, before: Option<Before>) -> Result<(), StepError> {
        let Some(before) = before else {
            return Ok(());
        };
        let (run, step) = (self.run, self.step.id.0);
        self.shared
            .store
            .call(move |db| db.step_before(run, step, &before))
            .await
            .map(|_| ())
            .map_err(|e| {
                StepError::fatal(format!("cannot journal the step, so it was not run: {e}"))
            })
    }

    /// Journals that the command goes out now; returns when that was (for deadlines).
    async fn journal_dispatched(&mut self) -> Result<Timestamp, StepError> {
        let (run, step, now) = (self.run, self.step.id.0, clock::now());
        self.shared
            .store
            .call(move |db| db.step_dispatched(run, step, now))
            .await
            .map_err(|e| {
                StepError::fatal(format!(
                    "cannot journal the command, so it was not sent: {e}"
                ))
            })?;
        self.record.state = StepState::Dispatched;
        self.record.dispatched_at = Some(now);
        Ok(now)
    }

    /// A wait found its target not yet as wanted. Only the learned estimates depend on it,
    /// so a failure to journal it is logged, not fatal.
    async fn journal_acted(&mut self) {
        let (run, step) = (self.run, self.step.id.0);
        if let Err(e) = self
            .shared
            .store
            .call(move |db| db.step_acted(run, step))
            .await
        {
            tracing::warn!(run, step = %self.step.id, error = %e, "cannot journal that the step waited for a change");
        }
    }

    /// A command was already sent by an earlier attempt or daemon: when.
    fn dispatched_before(&self) -> Option<Timestamp> {
        (self.record.state == StepState::Dispatched)
            .then_some(self.record.dispatched_at)
            .flatten()
    }

    // --- VMs --------------------------------------------------------------------------

    async fn vm(
        &self,
        hv: &dyn Hypervisor,
        id: &upstra_core::ids::VmId,
    ) -> Result<Option<Vm>, StepError> {
        Ok(self
            .reader
            .read(hv)
            .await?
            .vms
            .iter()
            .find(|v| &v.id == id)
            .cloned())
    }

    async fn migrate(
        &mut self,
        hv: &dyn Hypervisor,
        id: &upstra_core::ids::VmId,
        to: &str,
    ) -> StepResult {
        let Some(vm) = self.vm(hv, id).await? else {
            return Err(StepError::fatal("the VM is no longer in vCenter"));
        };
        self.journal_started(Some(Before::Vm {
            host: vm.host.clone(),
            power: vm.power,
        }))
        .await?;
        if vm.host.as_deref() == Some(to) {
            return Ok(format!("already on {to}"));
        }
        if let Some(sent) = self.dispatched_before()
            && self
                .wait_vm(hv, id, sent, RESUME_WAIT, |v| v.host.as_deref() == Some(to))
                .await?
        {
            return Ok(format!("on {to} (moved before the restart)"));
        }
        self.journal_dispatched().await?;
        within(hv.migrate(&vm, to)).await?;
        self.reader.invalidate().await;
        let now = clock::now();
        if self
            .wait_vm(hv, id, now, Duration::from_secs(30), |v| {
                v.host.as_deref() == Some(to)
            })
            .await?
        {
            Ok(format!("moved to {to}"))
        } else {
            Err(StepError {
                message: format!("vCenter accepted the move, but the VM is not on {to}"),
                retry: true,
            })
        }
    }

    /// Polls until `ok(vm)` holds or `wait` after `since` has passed.
    async fn wait_vm(
        &self,
        hv: &dyn Hypervisor,
        id: &upstra_core::ids::VmId,
        since: Timestamp,
        wait: Duration,
        ok: impl Fn(&Vm) -> bool,
    ) -> Result<bool, StepError> {
        poll_until(since, wait, || async {
            Ok(self.vm(hv, id).await?.is_some_and(|vm| ok(&vm)))
        })
        .await
    }

    async fn stop_vm(
        &mut self,
        hv: &dyn Hypervisor,
        id: &upstra_core::ids::VmId,
        guest_timeout: Duration,
    ) -> StepResult {
        let Some(vm) = self.vm(hv, id).await? else {
            self.journal_started(None).await?;
            return Ok("no longer in vCenter: nothing to stop".into());
        };
        self.journal_started(Some(Before::Vm {
            host: vm.host.clone(),
            power: vm.power,
        }))
        .await?;
        let off = |v: &Vm| v.power != VmPower::PoweredOn;
        if off(&vm) {
            return Ok("already off".into());
        }
        // A guest shutdown sent before (by an earlier attempt or daemon) keeps its deadline.
        let sent = match self.dispatched_before() {
            Some(sent) => sent,
            None => {
                let sent = self.journal_dispatched().await?;
                if let Err(e) = within(hv.vm_power(&vm, VmPowerAction::ShutdownGuest)).await {
                    // No tools, or the guest refused: a hard stop now beats a dead battery.
                    within(hv.vm_power(&vm, VmPowerAction::Off)).await?;
                    self.reader.invalidate().await;
                    return if self.wait_vm(hv, id, clock::now(), FORCE_WAIT, off).await? {
                        Ok(format!(
                            "powered off: the guest shutdown was refused ({})",
                            e.message
                        ))
                    } else {
                        Err(StepError::fatal(
                            "the VM is still on after a hard power-off",
                        ))
                    };
                }
                self.reader.invalidate().await;
                sent
            }
        };
        if self.wait_vm(hv, id, sent, guest_timeout, off).await? {
            return Ok("guest shut down cleanly".into());
        }
        within(hv.vm_power(&vm, VmPowerAction::Off)).await?;
        self.reader.invalidate().await;
        if self.wait_vm(hv, id, clock::now(), FORCE_WAIT, off).await? {
            Ok(format!(
                "powered off: the guest did not stop within {} s",
                guest_timeout.as_secs()
            ))
        } else {
            Err(StepError::fatal(
                "the VM is still on after a hard power-off",
            ))
        }
    }

    async fn start_vm(
        &mut self,
        hv: &dyn Hypervisor,
        id: &upstra_core::ids::VmId,
        host: &str,
    ) -> StepResult {
        let Some(vm) = self.vm(hv, id).await? else {
            return Err(StepError::fatal("the VM is no longer in vCenter"));
        };
        self.journal_started(Some(Before::Vm {
            host: vm.host.clone(),
            power: vm.power,
        }))
        .await?;
        let placed = |v: &Vm| v.host.as_deref() == Some(host);
        let running = |v: &Vm| v.power == VmPower::PoweredOn;
        if placed(&vm) && running(&vm) {
            return Ok(format!("already running on {host}"));
        }
        self.journal_dispatched().await?;
        if !placed(&vm) {
            within(hv.migrate(&vm, host)).await?;
            self.reader.invalidate().await;
        }
        if !running(&vm) {
            within(hv.vm_power(&vm, VmPowerAction::On)).await?;
            self.reader.invalidate().await;
        }
        if self
            .wait_vm(hv, id, clock::now(), Duration::from_secs(60), |v| {
                placed(v) && running(v)
            })
            .await?
        {
            Ok(format!("running on {host}"))
        } else {
            Err(StepError {
                message: format!("the VM is not running on {host} yet"),
                retry: true,
            })
        }
    }

    // --- hosts ------------------------------------------------------------------------

    async fn host_state(&self, hv: &dyn Hypervisor, host: &str) -> Result<(bool, bool), StepError> {
        let inv = self.reader.read(hv).await?;
        let h = inv
            .hosts
            .iter()
            .find(|h| h.name == host)
            .ok_or_else(|| StepError::fatal(format!("vCenter has no host {host}")))?;
        Ok((h.connected, h.in_maintenance))
    }

    async fn maintenance(&mut self, hv: &dyn Hypervisor, host: &str, on: bool) -> StepResult {
        let (connected, now_in) = self.host_state(hv, host).await?;
        self.journal_started(Some(Before::Server {
            power: PowerState::Unknown,
            in_maintenance: Some(now_in),
        }))
        .await?;
        let word = if on { "in" } else { "out of" };
        if now_in == on {
            return Ok(format!("already {word} maintenance mode"));
        }
        if !connected {
            return Err(StepError {
                message: format!("{host} is not connected to vCenter"),
                retry: true,
            });
        }
        if let Some(sent) = self.dispatched_before()
            && self
                .wait_host(hv, host, sent, RESUME_WAIT, |_, m| m == on)
                .await?
        {
            return Ok(format!("{word} maintenance mode"));
        }
        self.journal_dispatched().await?;
        within(hv.set_maintenance(host, on)).await?;
        self.reader.invalidate().await;
        if self
            .wait_host(hv, host, clock::now(), Duration::from_secs(60), |_, m| {
                m == on
            })
            .await?
        {
            Ok(format!("{word} maintenance mode"))
        } else {
            Err(StepError {
                message: format!("vCenter accepted it, but {host} is not {word} maintenance mode"),
                retry: true,
            })
        }
    }

    async fn wait_host(
        &self,
        hv: &dyn Hypervisor,
        host: &str,
        since: Timestamp,
        wait: Duration,
        ok: impl Fn(bool, bool) -> bool,
    ) -> Result<bool, StepError> {
        poll_until(since, wait, || async {
            let (connected, in_maintenance) = self.host_state(hv, host).await?;
            Ok(ok(connected, in_maintenance))
        })
        .await
    }

    async fn wait_connected(
        &mut self,
        hv: &dyn Hypervisor,
        host: &str,
        timeout: Duration,
    ) -> StepResult {
        self.journal_started(None).await?;
        let since = self.record.started_at.unwrap_or_else(clock::now);
        let (connected, _) = self.host_state(hv, host).await?;
        if connected {
            return Ok("already connected to vCenter".into());
        }
        // Waiting for a host that was down is real work: its duration is worth learning.
        self.journal_acted().await;
        if self
            .wait_host(hv, host, since, timeout, |connected, _| connected)
            .await?
        {
            Ok("connected to vCenter".into())
        } else {
            Err(StepError::fatal(format!(
                "{host} did not reconnect to vCenter within {} s",
                timeout.as_secs()
            )))
        }
    }

    // --- servers ----------------------------------------------------------------------

    async fn power(&self, server: &Server) -> Result<PowerState, StepError> {
        Ok(self.status(server).await?.power)
    }

    async fn status(&self, server: &Server) -> Result<BmcStatus, StepError> {
        let began = std::time::Instant::now();
        let status = within(self.shared.drivers.bmc.status(server)).await?;
        // Keeps the live state current so lists and the next plan see what the step saw.
        self.shared
            .live
            .record_power(&server.id, status.power, began, &self.shared.events);
        Ok(status)
    }

    /// Where the BMC reports POST (HPE iLO), a server that is On is booted only once its
    /// firmware finished it: what depends on it must not start against a server still in
    /// POST. Elsewhere, On is all there is to go by. Returns what the BMC last said.
    async fn wait_booted(
        &self,
        server: &Server,
        since: Timestamp,
        wait: Duration,
    ) -> Result<Option<bool>, StepError> {
        let last = std::sync::Mutex::new(None);
        let booted = poll_until(since, wait, || async {
            let finished = match self.status(server).await {
                Ok(s) => s.post_finished,
                Err(e) => {
                    tracing::debug!(server = %server.id, error = %e.message, "BMC read failed while waiting for POST");
                    Some(false)
                }
            };
            *last.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = finished;
            Ok(finished != Some(false))
        })
        .await?;
        if booted {
            Ok(last
                .into_inner()
                .unwrap_or_else(std::sync::PoisonError::into_inner))
        } else {
            Err(StepError::fatal(format!(
                "on, but its firmware had not finished POST {} s after the power-on; what depends on it was not started against it",
                wait.as_secs()
            )))
        }
    }

    async fn wait_power(
        &self,
        server: &Server,
        since: Timestamp,
        wait: Duration,
        want: PowerState,
    ) -> Result<bool, StepError> {
        poll_until(since, wait, || async {
            match self.power(server).await {
                Ok(p) => Ok(p == want),
                // A BMC that stops answering while its server goes down is common.
                Err(e) => {
                    tracing::debug!(server = %server.id, error = %e.message, "BMC read failed while waiting");
                    Ok(false)
                }
            }
        })
        .await
    }

    async fn shutdown(
        &mut self,
        server: &Server,
        via: Option<(&dyn Hypervisor, &str)>,
        off_timeout: Duration,
        force_off: bool,
    ) -> StepResult {
        let power = self.power(server).await?;
        self.journal_started(Some(Before::Server {
            power,
            in_maintenance: None,
        }))
        .await?;
        if power == PowerState::Off {
            return Ok("already off".into());
        }
        let mut how = String::from("shut down");
        let sent = match self.dispatched_before() {
            Some(sent) => sent,
            None => {
                let sent = self.journal_dispatched().await?;
                let through_vsphere = match via {
                    Some((hv, host)) => match within(hv.shutdown_host(host)).await {
                        Ok(()) => true,
                        Err(e) => {
                            how = format!(
                                "shut down through the BMC (vSphere could not: {})",
                                e.message
                            );
                            false
                        }
                    },
                    None => false,
                };
                if through_vsphere {
                    how = "shut down through vSphere".into();
                } else {
                    within(
                        self.shared
                            .drivers
                            .bmc
                            .reset(server, ResetType::GracefulShutdown),
                    )
                    .await?;
                }
                sent
            }
        };
        if self
            .wait_power(server, sent, off_timeout, PowerState::Off)
            .await?
        {
            return Ok(how);
        }
        if !force_off {
            return Err(StepError::fatal(format!(
                "still on {} s after the shutdown, and the plan does not allow a forced power-off",
                off_timeout.as_secs()
            )));
        }
        within(self.shared.drivers.bmc.reset(server, ResetType::ForceOff)).await?;
        if self
            .wait_power(server, clock::now(), FORCE_WAIT, PowerState::Off)
            .await?
        {
            Ok(format!(
                "forced off: it was still on {} s after the shutdown",
                off_timeout.as_secs()
            ))
        } else {
            Err(StepError::fatal("still on after a forced power-off"))
        }
    }

    async fn power_on(&mut self, server: &Server, on_timeout: Duration) -> StepResult {
        let power = self.power(server).await?;
        self.journal_started(Some(Before::Server {
            power,
            in_maintenance: None,
        }))
        .await?;
        if power == PowerState::On {
            let post = self.wait_booted(server, clock::now(), on_timeout).await?;
            return Ok(booted("already on", post));
        }
        if let Some(sent) = self.dispatched_before()
            && self
                .wait_power(server, sent, RESUME_WAIT, PowerState::On)
                .await?
        {
            let post = self.wait_booted(server, sent, on_timeout).await?;
            return Ok(booted("powered on", post));
        }
        // The room's turn is held until the BMC answered, so the next server of the room
        // powers on a full stagger after this one did.
        let turn = match self.step.action.power_on_stagger() {
            Some((room, secs)) => Some(self.gate.turn(room, Duration::from_secs(secs)).await),
            None => None,
        };
        let sent = self.journal_dispatched().await?;
        let answered = within(self.shared.drivers.bmc.reset(server, ResetType::On)).await;
        drop(turn);
        answered?;
        if self
            .wait_power(server, sent, on_timeout, PowerState::On)
            .await?
        {
            let post = self.wait_booted(server, sent, on_timeout).await?;
            Ok(booted("powered on", post))
        } else {
            Err(StepError::fatal(format!(
                "not on {} s after the power-on",
                on_timeout.as_secs()
            )))
        }
    }
}
