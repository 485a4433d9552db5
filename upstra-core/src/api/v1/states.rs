//! The closed sets the wire sends as words: a run's state, a step's kind and state, a watch's
//! phase, a UPS's reachability, a server's kind, a VM's power, a BMC's trust, a delivery's
//! state. Each is an enum whose JSON is exactly the word it replaced, so `--json` output keeps
//! its shape, plus `Unknown`: a word this build does not know (a newer daemon's) reads as
//! `Unknown` instead of failing the whole reply, so an older console still works against it.
//!
//! `Unknown` is written back as `unknown`: a console cannot repeat a word it does not know.

use crate::outage::{Plan, PlanKind, StepAction, StepState, WatchPhase};

wire_enum! {
    /// Where a run stands (`RunView::state`).
    pub enum RunStatus {
        /// Steps are being started.
        Running => "running",
        /// An operator cancelled it: no new step; the ones in flight finish.
        Cancelling => "cancelling",
        /// Mains came back: no new step; the ones in flight finish.
        Halting => "halting",
        Cancelled => "cancelled",
        Halted => "halted",
        Finished => "finished",
    }
}

impl RunStatus {
    /// Still going on: steps may start or finish.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Running | Self::Cancelling | Self::Halting)
    }
}

wire_enum! {
    /// Where a step of a run stands (`StepView::state`).
    pub enum StepStatus {
        Pending => "pending",
        Started => "started",
        Dispatched => "dispatched",
        Done => "done",
        Failed => "failed",
        Skipped => "skipped",
    }
}

impl From<StepState> for StepStatus {
    fn from(s: StepState) -> Self {
        match s {
            StepState::Pending => Self::Pending,
            StepState::Started => Self::Started,
            StepState::Dispatched => Self::Dispatched,
            StepState::Done => Self::Done,
            StepState::Failed => Self::Failed,
            StepState::Skipped => Self::Skipped,
        }
    }
}

wire_enum! {
    /// What a step does (`StepView::kind`).
    pub enum StepKind {
        MigrateVm => "migrate_vm",
        StopVm => "stop_vm",
        EnterMaintenance => "enter_maintenance",
        ShutdownServer => "shutdown_server",
        PowerOnServer => "power_on_server",
        WaitConnected => "wait_connected",
        ExitMaintenance => "exit_maintenance",
        StartVm => "start_vm",
        UpsOff => "ups_off",
        ShutdownThisHost => "shutdown_this_host",
    }
}

impl From<&StepAction> for StepKind {
    fn from(a: &StepAction) -> Self {
        match a {
            StepAction::MigrateVm { .. } => Self::MigrateVm,
            StepAction::StopVm { .. } => Self::StopVm,
            StepAction::EnterMaintenance { .. } => Self::EnterMaintenance,
            StepAction::ShutdownServer { .. } => Self::ShutdownServer,
            StepAction::PowerOnServer { .. } => Self::PowerOnServer,
            StepAction::WaitConnected { .. } => Self::WaitConnected,
            StepAction::ExitMaintenance { .. } => Self::ExitMaintenance,
            StepAction::StartVm { .. } => Self::StartVm,
            StepAction::UpsOff { .. } => Self::UpsOff,
            StepAction::ShutdownThisHost { .. } => Self::ShutdownThisHost,
        }
    }
}

wire_enum! {
    /// Whether a plan sheds load or brings it back (`PlanView::kind`).
    pub enum PlanType {
        Shed => "shed",
        Restore => "restore",
    }
}

impl From<PlanKind> for PlanType {
    fn from(k: PlanKind) -> Self {
        match k {
            PlanKind::Shed => Self::Shed,
            PlanKind::Restore => Self::Restore,
        }
    }
}

impl From<&Plan> for PlanType {
    fn from(p: &Plan) -> Self {
        p.kind.into()
    }
}

wire_enum! {
    /// Where a UPS's watch stands (`WatchView::phase`).
    pub enum WatchState {
        Online => "online",
        /// The grace period runs.
        OnBattery => "on_battery",
        /// A self-test runs on battery: not an outage.
        SelfTest => "self_test",
        /// The outage is being acted on.
        Triggered => "triggered",
        /// Mains is back after a trigger; the restore waits for it to stay.
        PowerBack => "power_back",
        Restoring => "restoring",
    }
}

impl From<&WatchPhase> for WatchState {
    fn from(p: &WatchPhase) -> Self {
        match p {
            WatchPhase::Online => Self::Online,
            WatchPhase::OnBattery { .. } => Self::OnBattery,
            WatchPhase::SelfTest => Self::SelfTest,
            WatchPhase::Triggered { .. } => Self::Triggered,
            WatchPhase::PowerBack { .. } => Self::PowerBack,
            WatchPhase::Restoring => Self::Restoring,
        }
    }
}

wire_enum! {
    /// Whether a UPS can be read (`UpsView::reachability`). Not read yet is `Unknown`.
    pub enum Reachability {
        Ok => "ok",
        /// See `UpsView::comms_lost_reason`.
        CommsLost => "comms_lost",
    }
}

wire_enum! {
    /// What a server is (`ServerView::kind`).
    pub enum ServerCategory {
        Hypervisor => "hypervisor",
        Storage => "storage",
        Network => "network",
        Other => "other",
    }
}

impl From<crate::model::ServerKind> for ServerCategory {
    fn from(k: crate::model::ServerKind) -> Self {
        use crate::model::ServerKind;
        match k {
            ServerKind::Hypervisor => Self::Hypervisor,
            ServerKind::Storage => Self::Storage,
            ServerKind::Network => Self::Network,
            ServerKind::Other => Self::Other,
        }
    }
}

wire_enum! {
    /// A VM's power (`VmView::power`).
    pub enum VmPowerState {
        On => "on",
        Off => "off",
        Suspended => "suspended",
        /// vCenter stopped reporting it; shown to those who may read everything.
        Gone => "gone",
    }
}

impl From<crate::model::VmPower> for VmPowerState {
    fn from(p: crate::model::VmPower) -> Self {
        use crate::model::VmPower;
        match p {
            VmPower::PoweredOn => Self::On,
            VmPower::PoweredOff => Self::Off,
            VmPower::Suspended => Self::Suspended,
        }
    }
}

wire_enum! {
    /// A VM's power as its events carry it (`DomainEvent::VmPowerChanged`): vSphere's names,
    /// the words those events were stored with before this type existed. Not `VmPowerState`,
    /// the view's words (`on`, `off`), nor the domain's `VmPower`, which the planner and the
    /// vSphere adapter match on and which has no `Unknown` to handle.
    pub enum VmPowerName {
        PoweredOn => "powered_on",
        PoweredOff => "powered_off",
        Suspended => "suspended",
    }
}

impl From<crate::model::VmPower> for VmPowerName {
    fn from(p: crate::model::VmPower) -> Self {
        use crate::model::VmPower;
        match p {
            VmPower::PoweredOn => Self::PoweredOn,
            VmPower::PoweredOff => Self::PoweredOff,
            VmPower::Suspended => Self::Suspended,
        }
    }
}

/// How a view shows a power an event carried.
impl From<VmPowerName> for VmPowerState {
    fn from(p: VmPowerName) -> Self {
        match p {
            VmPowerName::PoweredOn => Self::On,
            VmPowerName::PoweredOff => Self::Off,
            VmPowerName::Suspended => Self::Suspended,
            VmPowerName::Unknown => Self::Unknown,
        }
    }
}

wire_enum! {
    /// How a server's BMC certificate is trusted (`ServerView::bmc_tls`).
    pub enum BmcTrust {
        /// Its fingerprint is pinned.
        Pinned => "pinned",
        /// A CA file signs it.
        CaFile => "ca_file",
        /// Not checked: any certificate is taken.
        Unpinned => "unpinned",
    }
}

wire_enum! {
    /// Where a notification delivery stands (`NotifyDelivery::state`).
    pub enum DeliveryState {
        /// Waiting for its next attempt.
        Pending => "pending",
        /// The server took it.
        Delivered => "delivered",
        /// The server refused it for good.
        Rejected => "rejected",
        /// Still undelivered at the end of the retry horizon.
        Failed => "failed",
    }
}

wire_enum! {
    /// The SNMP version a UPS is read with (`SnmpView::version`).
    pub enum SnmpVersionName {
        V1 => "v1",
        V2c => "v2c",
        V3 => "v3",
    }
}

impl From<&crate::snmp::SnmpSecurity> for SnmpVersionName {
    fn from(s: &crate::snmp::SnmpSecurity) -> Self {
        use crate::snmp::SnmpSecurity;
        match s {
            SnmpSecurity::V1 { .. } => Self::V1,
            SnmpSecurity::V2c { .. } => Self::V2c,
            SnmpSecurity::V3(_) => Self::V3,
        }
    }
}

wire_enum! {
    /// The MIB a UPS is read through (`SnmpView::mib`).
    pub enum SnmpMibName {
        /// Decided at the first read from the agent's `sysObjectID`.
        Auto => "auto",
        Ietf => "ietf",
        Apc => "apc",
        Eaton => "eaton",
    }
}

impl From<crate::snmp::SnmpMib> for SnmpMibName {
    fn from(m: crate::snmp::SnmpMib) -> Self {
        use crate::snmp::SnmpMib;
        match m {
            SnmpMib::Auto => Self::Auto,
            SnmpMib::Ietf => Self::Ietf,
            SnmpMib::Apc => Self::Apc,
            SnmpMib::Eaton => Self::Eaton,
        }
    }
}

#[cfg(test)]
#[path = "states_tests.rs"]
mod tests;
