//! English.

use upstra_core::api::v1::{
    ApiError, PlanType, Reachability, SecondFactorCode, ServerCategory, ServerPowerAction,
    VmPowerRequest, VmPowerState,
};
use upstra_core::events::DomainEvent;

use super::{KeyWords, Strings, capitalise};
use crate::console::command_table::{Applies, Command, Group};
use crate::console::message::Link;
use crate::console::operation::Operation;
use crate::format;

pub static EN: Strings = Strings {
    app: "Upstra",
    separator: " │ ",
    colon: ": ",
    keys: KeyWords {
        ctrl: "Ctrl",
        alt: "Alt",
        shift: "Shift",
        enter: "Enter",
        esc: "Esc",
        tab: "Tab",
        backtab: "Shift-Tab",
        backspace: "Backspace",
        space: "Space",
        home: "Home",
        end: "End",
        page_up: "PgUp",
        page_down: "PgDn",
        delete: "Del",
        insert: "Ins",
    },
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
    no_ups: "no UPS",
    comms_lost: "comms lost",
    not_read_yet: "not read yet",
    checking_session: "Checking your session…",
    tree_matches: |n| match n {
        0 => "no match".to_owned(),
        1 => "1 match".to_owned(),
        n => format!("{n} matches"),
    },
    tree_no_match: |text| {
        format!("Nothing matches “{text}”. Backspace changes the filter, Esc clears it.")
    },
    clear_filter: "clear filter",

    footer_starting: "q quit",
    footer_login: "Tab next field  Enter log in  Esc quit  F1 help",
    footer_second_totp: "Tab use a recovery code  Enter log in  Esc back",
    footer_second_recovery: "Tab use the app's code  Enter log in  Esc back",
    footer_enroll: "Enter confirm  Esc quit  F1 help",
    footer_enroll_failed: "Enter try again  Esc quit",
    footer_codes: "Enter I have stored them",
    footer_password: "Tab next field  Enter save  Esc quit",
    footer_palette: "↑↓ choose  Enter run  Esc close",
    footer_confirm: "←→ No/Yes  Enter answer  Esc no",
    footer_hosts: "↑↓ choose  Enter migrate there  Esc cancel",
    footer_help: "Esc close",
    footer_filter: "type a name  ↑↓ move  Enter keep the filter  Esc clear it",

    login_title: "Log in to Upstra",
    login_daemon: "Daemon",
    login_user: "User",
    login_password: "Password",
    login_pending: "Logging in…",
    code_totp: "Code",
    code_recovery: "Recovery code",
    second_hint_totp: |user| {
        format!(
            "Two-factor authentication is on for {user}: type the 6-digit code your \
             authenticator app shows."
        )
    },
    second_hint_recovery: "Type one of your recovery codes (ABCD-EFGH); each one works once.",

    enroll_title: "Set up two-factor authentication",
    enroll_why: "Your account must use two-factor authentication before it can do anything else.",
    enroll_requesting: "Asking the daemon for a new key…",
    enroll_failed: "Two-factor setup could not start:",
    enroll_step_scan: "1. Scan the QR code with your authenticator app, or add this key by hand \
                       (time-based, 6 digits, 30 s):",
    enroll_step_code: "2. Type the 6-digit code the app shows:",
    enroll_confirming: "Checking the code…",
    enroll_no_qr: "The QR code cannot be drawn for this key: add the key by hand.",
    enroll_too_small: "Enlarge the terminal to see the QR code.",
    codes_title: "Two-factor authentication is on",
    codes_warning: "STORE THESE RECOVERY CODES NOW: they are shown only this once.",
    codes_use: "Each one logs you in once if you lose your authenticator (Tab at the code step \
                of the login).",
    codes_keep: "Keep them in a password manager or on paper, not on this computer.",
    codes_next: "Then press Enter and log in again, with a code from your app.",

    password_title: "Choose a new password",
    password_why: |user| {
        format!("An admin reset the password of {user}: choose a new one to go on.")
    },
    password_new: "New",
    password_repeat: "Again",
    password_pending: "Saving…",

    palette_title: "Commands and lab",
    palette_hint: "Type to search commands, rooms, UPS, servers and VMs",
    palette_empty: "Nothing matches.",
    confirm_title: "Confirm",
    confirm_yes: "Yes",
    confirm_no: "No",
    confirm_question,
    confirm_detail,
    hosts_title: |vm| format!("Migrate VM {vm} to"),

    help_title: "Keys",
    help_group: |g| match g {
        Group::Navigation => "Navigation",
        Group::General => "General",
        Group::Lab => "On the selection (each asks first)",
        Group::Views => "Views",
        Group::Plan => "Outage plan (changes ask first)",
        Group::Admin => "Accounts (changes ask first)",
    },
    help_note: "Ctrl-C quits from anywhere. Keys can be changed in keys.toml.",
    help_demo: |user, password| format!("Demo login: {user} / {password}"),
    help_login: &[
        (
            "Tab ↑ ↓",
            "next field; at the code: the app's or a recovery code",
        ),
        ("Enter", "log in"),
        ("Esc", "back to the password, or quit"),
        ("F1", "this help"),
    ],
    help_enroll: &[
        ("0-9", "the code your app shows"),
        ("Enter", "turn two-factor on; later, go on to the login"),
        ("Esc", "quit (enroll later)"),
    ],
    help_password: &[
        ("Tab ↑ ↓", "next field"),
        ("Enter", "save the new password"),
        ("Esc", "quit"),
    ],
    command: |c| match c {
        Command::Up => "Up",
        Command::Down => "Down",
        Command::First => "First / last line",
        Command::Last => "Last line",
        Command::Collapse => "Fold, or go up a level",
        Command::Expand => "Unfold, or go down a level",
        Command::Toggle => "Fold or unfold",
        Command::Palette => "Command palette",
        Command::Help => "Keys (this help)",
        Command::Language => "Switch to French (français)",
        Command::Refresh => "Refresh the lab now",
        Command::Quit => "Quit",
        Command::PowerOn => "Power on",
        Command::Shutdown => "Shut down (graceful)",
        Command::PowerOff => "Power off (hard)",
        Command::Cycle => "Power-cycle (graceful restart)",
        Command::Migrate => "Migrate to another host",
        Command::Shell => "Open a shell (SSH)",
        Command::NextShell => "Next shell tab",
        Command::PageUp => "Page up / down",
        Command::PageDown => "Page down",
        Command::ViewLab => "Lab: tree and details",
        Command::ViewPlan => "Plan: outage timeline",
        Command::ViewHistory => "History: audit trail",
        Command::ViewAdmin => "Users, roles, sessions",
        Command::ViewDashboard => "Dashboard: UPS, fleet",
        Command::NextView => "Next / previous view",
        Command::PreviousView => "Previous view",
        Command::PlanRun => "Run the UPS's outage plan now",
        Command::PlanCancel => "Cancel the running plan",
        Command::PlanRestore => "Restore the lab now",
        Command::PlanSimulate => "Simulate an outage (read-only checks)",
        Command::DemoPowerCut => "Demo: cut or bring back a UPS's mains",
        Command::Filter => "Filter the list",
        Command::Add => "Add a user, a role or a grant",
        Command::Disable => "Disable or enable the user",
        Command::ResetPassword => "Reset the user's password",
        Command::SetRole => "Give the user a role on everything",
        Command::Remove => "Remove the user, role or grant, or end the session",
    },
    command_short: |c| match c {
        Command::Up | Command::Down => "move",
        Command::Collapse | Command::Expand | Command::Toggle => "fold",
        Command::First => "first",
        Command::Last => "last",
        Command::Palette => "palette",
        Command::Help => "help",
        Command::Language => "français",
        Command::Refresh => "refresh",
        Command::Quit => "quit",
        Command::PowerOn => "on",
        Command::Shutdown => "shut down",
        Command::PowerOff => "off",
        Command::Cycle => "restart",
        Command::Migrate => "migrate",
        Command::Shell => "shell",
        Command::NextShell => "shells",
        Command::PageUp | Command::PageDown => "page",
        Command::ViewLab => "lab",
        Command::ViewPlan => "plan",
        Command::ViewHistory => "history",
        Command::ViewAdmin => "users",
        Command::ViewDashboard => "dashboard",
        Command::NextView | Command::PreviousView => "views",
        Command::PlanRun => "run plan",
        Command::PlanCancel => "cancel plan",
        Command::PlanRestore => "restore",
        Command::PlanSimulate => "simulate",
        Command::DemoPowerCut => "demo cut",
        Command::Filter => "filter",
        Command::Add => "add",
        Command::Disable => "disable",
        Command::ResetPassword => "reset password",
        Command::Remove => "remove",
        Command::SetRole => "role",
    },

    need_user: "Enter your user name.",
    need_password: "Enter your password.",
    need_code: "Type the 6-digit code your app shows.",
    need_recovery_code: "Type one of your recovery codes.",
    totp_format: "The code is 6 digits.",
    challenge_expired: "The 5 minutes to type a code are over: enter your password again.",
    session_expired: "Your session has ended: please log in again.",
    two_factor_on: "Two-factor authentication is on: log in again, with a code from your app.",
    need_new_password: "Type a new password.",
    passwords_differ: "The two passwords differ.",
    password_changed: "Password changed: log in with the new one.",
    language_switched: "The console now speaks English.",
    select_target: |a| match a {
        Applies::ServersAndVms => "Select a server or a VM first.",
        Applies::Servers => "Select a server first.",
        Applies::Vms => "Select a VM first.",
        Applies::Anything => "Select something first.",
        Applies::Ups => "Select a UPS (or a server it feeds) first.",
    },
    no_other_host: |vm| format!("No other hypervisor to migrate VM {vm} to."),
    session_not_saved: |why| {
        format!("The session could not be kept for other upstra commands: {why}")
    },
    code_problem: |p| {
        Some(match p {
            SecondFactorCode::Replayed => {
                "This code was already used: wait for the next one (codes change every 30 s)."
            }
            SecondFactorCode::Wrong => "Wrong or expired code: type the one your app shows now.",
            SecondFactorCode::RecoveryUsed => "This recovery code was already used.",
            SecondFactorCode::RecoveryWrong => "Wrong or already used recovery code.",
            SecondFactorCode::NotRecoveryCode => "Not a recovery code: they look like ABCD-EFGH.",
            SecondFactorCode::NotEnabled => "Two-factor is not on for this account.",
            SecondFactorCode::Unknown => return None,
        })
    },

    link: |l| match l {
        Link::NotRunning => {
            "Cannot reach the daemon: is upstrad running? (see --socket, UPSTRA_SOCKET)".to_owned()
        }
        Link::NoPermission => {
            "The daemon's socket refused you: it is for root and the upstra group.".to_owned()
        }
        Link::Closed => "The daemon closed the connection: did it stop or restart?".to_owned(),
        Link::Timeout(s) => format!("The daemon did not answer within {s} s."),
        Link::Other(why) => capitalise(why),
    },
    api_error,
    conflict: |_| None,
    working: |op| format!("{}…", capitalise(&doing(op))),
    done: |op, report| {
        format!(
            "{}: {} (in {}).",
            capitalise(&target(op)),
            power_words(&report.state),
            format::millis(report.took_ms)
        )
    },
    operation_failed: |op, why| format!("Could not {}: {why}", phrase(op)),

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
    label_snmp: "SNMP",
    label_updated: "Updated",
    label_reason: "Reason",
    label_kind: "Kind",
    label_power: "Power",
    label_health: "Health",
    label_feeds: "Feeds",
    label_tier: "Tier",
    label_depends_on: "Depends on",
    label_migrate_to: "Migrate to",
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

    power: |p| match p {
        "powering-on" => "powering on",
        "powering-off" => "powering off",
        other => other,
    },
    health: |h| format::health(h),
    kind: ServerCategory::as_str,
    reachability: |r| match r {
        Reachability::CommsLost => "comms lost",
        other => other.as_str(),
    },
    vm_count: |n| match n {
        1 => "1 VM".to_owned(),
        n => format!("{n} VMs"),
    },
    event,
    ssh: &crate::console::ssh::strings::EN,

    plan: &super::plan_en::PLAN,
    dashboard: &super::dashboard_en::DASHBOARD,
    situation: &super::situation_en::SITUATION,
    history: &super::views_en::HISTORY,
    forms: &super::views_en::FORMS,
    admin: &super::admin_en::ADMIN,
    setup: &super::setup_en::SETUP,
};

/// `on esx-b2` and the like, with the power word worded.
fn power_words(state: &str) -> String {
    let (first, rest) = state.split_once(' ').unwrap_or((state, ""));
    let word = (EN.power)(first);
    if rest.is_empty() {
        word.to_owned()
    } else {
        format!("{word} {rest}")
    }
}

fn target(op: &Operation) -> String {
    match op {
        Operation::Server { server, .. } => format!("server {server}"),
        Operation::Vm { name, .. } | Operation::Migrate { name, .. } => format!("VM {name}"),
    }
}

/// "power off server esx-a1": what the operation does, as a verb phrase.
fn phrase(op: &Operation) -> String {
    match op {
        Operation::Server { server, action } => {
            let verb = match action {
                ServerPowerAction::On => "power on",
                ServerPowerAction::Off => "power off",
                ServerPowerAction::Shutdown => "shut down",
                ServerPowerAction::Cycle => "power-cycle",
            };
            format!("{verb} server {server}")
        }
        Operation::Vm { name, action, .. } => {
            let verb = match action {
                VmPowerRequest::On => "power on",
                VmPowerRequest::Off => "power off",
                VmPowerRequest::Shutdown => "shut down",
            };
            format!("{verb} VM {name}")
        }
        Operation::Migrate { name, to, .. } => format!("migrate VM {name} to {to}"),
    }
}

/// "powering off server esx-a1".
fn doing(op: &Operation) -> String {
    let verb = match op {
        Operation::Server { action, .. } => match action {
            ServerPowerAction::On => "powering on",
            ServerPowerAction::Off => "powering off",
            ServerPowerAction::Shutdown => "shutting down",
            ServerPowerAction::Cycle => "power-cycling",
        },
        Operation::Vm { action, .. } => match action {
            VmPowerRequest::On => "powering on",
            VmPowerRequest::Off => "powering off",
            VmPowerRequest::Shutdown => "shutting down",
        },
        Operation::Migrate { name, to, .. } => return format!("migrating VM {name} to {to}"),
    };
    format!("{verb} {}", target(op))
}

fn confirm_question(op: &Operation) -> String {
    let how = match op {
        Operation::Server { action, .. } => match action {
            ServerPowerAction::On => "",
            ServerPowerAction::Off => " (hard, like pulling the plug)",
            ServerPowerAction::Shutdown => " (graceful, through its operating system)",
            ServerPowerAction::Cycle => " (graceful restart)",
        },
        Operation::Vm { action, .. } => match action {
            VmPowerRequest::On => "",
            VmPowerRequest::Off => " (hard, like pulling the plug)",
            VmPowerRequest::Shutdown => " (clean guest shutdown through VMware Tools)",
        },
        Operation::Migrate { name, from, to, .. } => {
            let from = from
                .as_deref()
                .map(|f| format!(" from {f}"))
                .unwrap_or_default();
            return format!("Migrate VM {name}{from} to {to} (live: it keeps running)?");
        }
    };
    format!("{}{how}?", capitalise(&phrase(op)))
}

fn confirm_detail(op: &Operation, running_vms: usize) -> Option<String> {
    let vms = match running_vms {
        1 => "Its running VM".to_owned(),
        n => format!("Its {n} running VMs"),
    };
    let plural = running_vms != 1;
    match op {
        Operation::Server { action, .. } if running_vms > 0 => match action {
            ServerPowerAction::Off => Some(format!(
                "{vms} {} at once, without a clean shutdown.",
                if plural { "stop" } else { "stops" }
            )),
            ServerPowerAction::Shutdown => Some(format!(
                "{vms} {} down with it: migrate {} first to keep {} up.",
                if plural { "go" } else { "goes" },
                if plural { "them" } else { "it" },
                if plural { "them" } else { "it" },
            )),
            ServerPowerAction::Cycle => Some(format!(
                "{vms} {} with it.",
                if plural { "restart" } else { "restarts" }
            )),
            ServerPowerAction::On => None,
        },
        Operation::Vm {
            action: VmPowerRequest::Off,
            ..
        } => Some("The guest gets no chance to save its work.".to_owned()),
        _ => None,
    }
}

fn api_error(e: &ApiError) -> String {
    match e {
        ApiError::Unauthenticated => "Your session has ended.".to_owned(),
        ApiError::BadCredentials => "Wrong user name or password.".to_owned(),
        ApiError::RateLimited { retry_after_s } => format!(
            "Too many attempts: try again in {}.",
            format::wait(*retry_after_s)
        ),
        ApiError::Forbidden { needed } => {
            format!("Permission denied: this needs the {needed} permission.")
        }
        ApiError::Misconfigured { message } => format!("Configuration to fix: {message}."),
        ApiError::Busy { .. } => {
            "The daemon is busy checking other logins: try again in a few seconds.".to_owned()
        }
        other => capitalise(&other.to_string()),
    }
}

fn plan_kind(kind: PlanType) -> &'static str {
    match kind {
        PlanType::Restore => "restore",
        _ => "shed",
    }
}

fn event(e: &DomainEvent) -> String {
    match e {
        DomainEvent::DaemonStarted { version } => format!("daemon {version} started"),
        DomainEvent::UpsStatusChanged { ups, from, to } => format!("UPS {ups}: {from} → {to}"),
        DomainEvent::UpsCommsLost { ups, reason } => format!("UPS {ups}: comms lost ({reason})"),
        DomainEvent::UpsCommsRestored { ups } => format!("UPS {ups}: comms restored"),
        DomainEvent::UpsBatteryChanged {
            ups,
            charge_pct,
            runtime_s,
        } => format!(
            "UPS {ups}: charge {}, runtime {}",
            format::percent(*charge_pct),
            format::runtime(*runtime_s)
        ),
        DomainEvent::PeerUnreachable { peer, reason } => {
            format!("{peer} does not answer ({reason})")
        }
        DomainEvent::PeerRecovered { peer } => format!("{peer} answers again"),
        DomainEvent::ServerPowerChanged { server, from, to } => format!(
            "server {server}: {} → {}",
            (EN.power)(from.as_str()),
            (EN.power)(to.as_str())
        ),
        DomainEvent::VmPowerChanged { name, from, to, .. } => format!(
            "VM {name}: {} → {}",
            VmPowerState::from(*from),
            VmPowerState::from(*to)
        ),
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
        DomainEvent::UserConnected { user } => format!("{user} connected"),
        DomainEvent::UserDisconnected { user } => format!("{user} disconnected"),
        DomainEvent::OutageGraceStarted { ups, grace_s } => format!(
            "UPS {ups} on battery: the {} grace period runs",
            format::runtime(Some(*grace_s))
        ),
        DomainEvent::OutagePowerReturned { ups, after_s } => format!(
            "UPS {ups}: mains back after {}, nothing was done",
            format::runtime(Some(*after_s))
        ),
        DomainEvent::OutageSelfTestIgnored { ups } => {
            format!("UPS {ups}: a self-test on battery, not an outage")
        }
        DomainEvent::OutageCommsAlarm {
            ups,
            reason,
            silent_s,
            acts_in_s,
        } => match (silent_s, acts_in_s) {
            (Some(silent), Some(0)) => format!(
                "UPS {ups}: no answer for {} ({reason}); acting now",
                format::runtime(Some(*silent))
            ),
            (Some(silent), Some(acts)) => format!(
                "UPS {ups}: no answer for {} ({reason}); acting in {} unless it answers",
                format::runtime(Some(*silent)),
                format::runtime(Some(*acts))
            ),
            (Some(silent), None) => format!(
                "UPS {ups}: no answer for {} ({reason}); its policy only warns, nothing is shut down",
                format::runtime(Some(*silent))
            ),
            (None, _) => format!("UPS {ups} does not answer ({reason})"),
        },
        DomainEvent::OutageTriggered { ups, reason } => {
            format!("UPS {ups}: the outage plan is triggered ({reason})")
        }
        DomainEvent::OutageMainsReturned { ups } => {
            format!("UPS {ups}: mains back after the shed started")
        }
        DomainEvent::OutagePowerLostAgain { ups } => format!("UPS {ups}: mains lost again"),
        DomainEvent::OutageRestoreReady { ups } => {
            format!("UPS {ups}: mains stable, ready to restore")
        }
        DomainEvent::RunStarted {
            run,
            plan,
            ups,
            steps,
            estimate_s,
            ..
        } => format!(
            "run {run} started: {} of UPS {}, {steps} steps, about {}",
            plan_kind(*plan),
            ups.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            format::runtime(Some(*estimate_s))
        ),
        DomainEvent::RunStopping { run, reason } => format!("run {run} stopping: {reason}"),
        DomainEvent::RunEnded {
            run,
            plan,
            state,
            done,
            failed,
            skipped,
        } => format!(
            "run {run} ({}) {}: {done} done, {failed} failed, {skipped} skipped",
            plan_kind(*plan),
            (EN.plan.run_state)(*state)
        ),
        DomainEvent::StepStarted { run, step, action } => {
            format!("run {run}, step {step}: {action}")
        }
        DomainEvent::StepEnded {
            run,
            step,
            state,
            detail,
        } => format!(
            "run {run}, step {step} {}: {detail}",
            (EN.plan.step_state)(Some(*state))
        ),
        DomainEvent::DaemonUncleanStart { .. } => {
            "daemon restarted after an unclean stop".to_owned()
        }
        DomainEvent::LoginFailuresBurst {
            failures, within_s, ..
        } => format!("{failures} failed logins within {} min", within_s / 60),
        DomainEvent::AuditChainBroken { verified, .. } => {
            format!("audit chain broken after {verified} records")
        }
        DomainEvent::Remote { site, event, .. } => format!("[{site}] {}", self::event(event)),
        DomainEvent::Unknown { kind, .. } => format!(
            "an event this console does not know: {} (the daemon is newer)",
            upstra_core::text::escape(kind)
        ),
        other => other.kind().replace('_', " "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_names_the_target_and_what_happens() {
        let off = Operation::Server {
            server: "esx-01".into(),
            action: ServerPowerAction::Off,
        };
        assert_eq!(
            confirm_question(&off),
            "Power off server esx-01 (hard, like pulling the plug)?"
        );
        assert_eq!(
            confirm_detail(&off, 3).as_deref(),
            Some("Its 3 running VMs stop at once, without a clean shutdown.")
        );
        assert_eq!(confirm_detail(&off, 0), None);
        let migrate = Operation::Migrate {
            id: "vm-1".into(),
            name: "web-01".into(),
            from: Some("esx-a1".into()),
            to: "esx-a2".into(),
        };
        assert_eq!(
            confirm_question(&migrate),
            "Migrate VM web-01 from esx-a1 to esx-a2 (live: it keeps running)?"
        );
    }

    #[test]
    fn a_silent_ups_says_when_the_daemon_acts() {
        let alarm = |silent_s, acts_in_s| DomainEvent::OutageCommsAlarm {
            ups: upstra_core::ids::UpsId::new("ups-a1").expect("valid"),
            reason: "connection refused".into(),
            silent_s,
            acts_in_s,
        };
        assert_eq!(
            event(&alarm(Some(5), Some(15))),
            "UPS ups-a1: no answer for 5s (connection refused); acting in 15s unless it answers"
        );
        let only_warns = event(&alarm(Some(5), None));
        assert!(only_warns.contains("only warns"), "{only_warns}");
        for text in [
            event(&alarm(Some(5), Some(15))),
            (super::super::FR.event)(&alarm(Some(5), Some(15))),
        ] {
            assert!(
                !text.contains("alarm only") && !text.contains("simple alarme"),
                "{text}"
            );
        }
        assert!((super::super::FR.event)(&alarm(Some(5), Some(15))).contains("action dans 15s"));
    }
}
