//! Every piece of text the console shows, in one catalog per language, so that a French
//! catalog is one more `const` (the struct makes the compiler list anything it forgets).
//! Render functions take their words from here and contain no literals.

use upstra_core::events::DomainEvent;

/// One language's text. Parameterised messages are functions.
pub struct Strings {
    pub app: &'static str,
    pub separator: &'static str,
    pub not_logged_in: &'static str,
    pub connecting: &'static str,
    pub connected: &'static str,
    pub connection_lost: &'static str,
    pub on_battery: &'static str,
    pub tree_title: &'static str,
    pub details_title: &'static str,
    pub loading: &'static str,
    pub empty_lab: &'static str,
    pub nothing_selected: &'static str,
    pub unplaced_vms: &'static str,
    pub also_fed_by: &'static str,
    pub comms_lost: &'static str,
    pub not_read_yet: &'static str,
    pub checking_session: &'static str,
    pub footer_tree: &'static str,
    pub footer_login: &'static str,
    pub footer_starting: &'static str,

    pub login_title: &'static str,
    pub second_factor_use_cli: &'static str,
    pub login_daemon: &'static str,
    pub login_user: &'static str,
    pub login_password: &'static str,
    pub login_pending: &'static str,
    pub login_need_user: &'static str,
    pub login_need_password: &'static str,
    pub login_refused: &'static str,
    pub session_expired: &'static str,

    pub label_room: &'static str,
    pub label_ups: &'static str,
    pub label_server: &'static str,
    pub label_vm: &'static str,
    pub label_status: &'static str,
    pub label_charge: &'static str,
    pub label_runtime: &'static str,
    pub label_load: &'static str,
    pub label_input: &'static str,
    pub label_reachability: &'static str,
    pub label_nut: &'static str,
    pub label_updated: &'static str,
    pub label_reason: &'static str,
    pub label_kind: &'static str,
    pub label_power: &'static str,
    pub label_health: &'static str,
    pub label_feeds: &'static str,
    pub label_tier: &'static str,
    pub label_depends_on: &'static str,
    pub label_vsphere_host: &'static str,
    pub label_bmc: &'static str,
    pub label_watts: &'static str,
    pub label_maintenance: &'static str,
    pub label_vms: &'static str,
    pub label_servers: &'static str,
    pub label_host: &'static str,
    pub label_cpus: &'static str,
    pub label_memory: &'static str,
    pub label_id: &'static str,
    pub yes: &'static str,
    pub no: &'static str,

    /// "3 VMs on no known server".
    pub vm_count: fn(usize) -> String,
    /// One line for the status bar.
    pub event: fn(&DomainEvent) -> String,
}

/// The catalog in use. English only for now; the choice by locale goes here.
pub fn strings() -> &'static Strings {
    &EN
}

/// English.
pub static EN: Strings = Strings {
    app: "Upstra",
    separator: " │ ",
    not_logged_in: "not logged in",
    connecting: "connecting",
    connected: "connected",
    connection_lost: "connection lost",
    on_battery: "ON BATTERY",
    tree_title: "Lab",
    details_title: "Details",
    loading: "Loading the inventory…",
    empty_lab: "Nothing declared yet: run `upstra apply -f lab.toml`.",
    nothing_selected: "Select something on the left.",
    unplaced_vms: "VMs on no known server",
    also_fed_by: "also",
    comms_lost: "comms lost",
    not_read_yet: "not read yet",
    checking_session: "Checking your session…",
    footer_tree: "↑↓/jk move  ←→/hl fold  Enter toggle  q quit",
    footer_login: "Tab next field  Enter log in  Esc quit",
    footer_starting: "q quit",

    second_factor_use_cli: "this account has two-factor on: log in with `upstra login --totp CODE`, then open the console",
    login_title: "Log in to Upstra",
    login_daemon: "Daemon",
    login_user: "User",
    login_password: "Password",
    login_pending: "Logging in…",
    login_need_user: "Enter your user name.",
    login_need_password: "Enter your password.",
    login_refused: "The daemon refused the login.",
    session_expired: "Your session has ended: please log in again.",

    label_room: "Room",
    label_ups: "UPS",
    label_server: "Server",
    label_vm: "VM",
    label_status: "Status",
    label_charge: "Charge",
    label_runtime: "Runtime",
    label_load: "Load",
    label_input: "Input",
    label_reachability: "Reachable",
    label_nut: "NUT",
    label_updated: "Updated",
    label_reason: "Reason",
    label_kind: "Kind",
    label_power: "Power",
    label_health: "Health",
    label_feeds: "Feeds",
    label_tier: "Tier",
    label_depends_on: "Depends on",
    label_vsphere_host: "vSphere",
    label_bmc: "BMC",
    label_watts: "Draw",
    label_maintenance: "Maintenance",
    label_vms: "VMs",
    label_servers: "Servers",
    label_host: "Host",
    label_cpus: "CPUs",
    label_memory: "Memory",
    label_id: "Id",
    yes: "yes",
    no: "no",

    vm_count: en_vm_count,
    event: en_event,
};

fn en_vm_count(n: usize) -> String {
    match n {
        1 => "1 VM".to_owned(),
        n => format!("{n} VMs"),
    }
}

fn en_event(e: &DomainEvent) -> String {
    match e {
        DomainEvent::DaemonStarted { version } => format!("daemon {version} started"),
        DomainEvent::UpsStatusChanged { ups, from, to } => format!("UPS {ups}: {from} → {to}"),
        DomainEvent::UpsCommsLost { ups, reason } => format!("UPS {ups}: comms lost ({reason})"),
        DomainEvent::UpsCommsRestored { ups } => format!("UPS {ups}: comms restored"),
        DomainEvent::ServerPowerChanged { server, from, to } => {
            format!("server {server}: {from} → {to}")
        }
        DomainEvent::VmPowerChanged { name, from, to, .. } => {
            format!("VM {name}: {} → {}", from.as_str(), to.as_str())
        }
        DomainEvent::VmMoved { name, to, .. } => {
            format!("VM {name} moved to {}", to.as_deref().unwrap_or("?"))
        }
        DomainEvent::VmGone { name, .. } => format!("VM {name} is gone"),
        DomainEvent::InventoryApplied {
            by,
            created,
            updated,
        } => {
            format!("{by} applied a lab file: {created} created, {updated} updated")
        }
        DomainEvent::UserLoggedIn { user } => format!("{user} logged in"),
        DomainEvent::UserLoggedOut { user } => format!("{user} logged out"),
        other => other.kind().replace('_', " "),
    }
}
