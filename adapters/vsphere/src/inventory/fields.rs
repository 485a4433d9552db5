//! Reading single property values: vSphere's enum strings and the numbers in
//! `summary.hardware` / `summary.quickStats`. Unknown enum values are kept, not refused.

use upstra_core::model::VmPower;

use super::{HostCapacity, HostConnection, HostUsage, ToolsStatus};
use crate::response::{ObjectContent, Value};

pub(super) fn text<'a>(o: &'a ObjectContent, path: &str) -> Option<&'a str> {
    o.prop(path).map(|v| v.text.trim())
}

pub(super) fn number<T: std::str::FromStr>(o: &ObjectContent, path: &str) -> Option<T> {
    text(o, path)?.parse().ok()
}

fn child_number<T: std::str::FromStr>(v: &Value, name: &str) -> Option<T> {
    v.child_text(name)?.trim().parse().ok()
}

pub(crate) fn power(state: Option<&str>) -> Option<VmPower> {
    match state? {
        "poweredOn" => Some(VmPower::PoweredOn),
        "poweredOff" => Some(VmPower::PoweredOff),
        "suspended" => Some(VmPower::Suspended),
        _ => None,
    }
}

pub(super) fn connection(state: Option<&str>) -> HostConnection {
    match state.unwrap_or_default() {
        "connected" => HostConnection::Connected,
        "disconnected" => HostConnection::Disconnected,
        "notResponding" => HostConnection::NotResponding,
        other => HostConnection::Other(other.to_owned()),
    }
}

pub(super) fn tools(status: &str) -> ToolsStatus {
    match status {
        "guestToolsRunning" => ToolsStatus::Running,
        "guestToolsNotRunning" => ToolsStatus::NotRunning,
        "guestToolsExecutingScripts" => ToolsStatus::ExecutingScripts,
        other => ToolsStatus::Other(other.to_owned()),
    }
}

pub(super) fn capacity(hw: &Value) -> Option<HostCapacity> {
    let cores: u32 = child_number(hw, "numCpuCores")?;
    let mhz: u64 = child_number(hw, "cpuMhz")?;
    Some(HostCapacity {
        cpu_mhz: mhz * u64::from(cores),
        cpu_cores: cores,
        cpu_threads: child_number(hw, "numCpuThreads").unwrap_or(cores),
        memory_bytes: child_number(hw, "memorySize")?,
    })
}

pub(super) fn usage(stats: &Value) -> Option<HostUsage> {
    Some(HostUsage {
        cpu_mhz: child_number(stats, "overallCpuUsage")?,
        memory_mib: child_number(stats, "overallMemoryUsage")?,
        uptime_secs: child_number(stats, "uptime"),
    })
}
