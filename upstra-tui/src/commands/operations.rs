//! Operator actions: `sync`, `server power`, `vm power`, `vm migrate` and `trust`. Each waits
//! for the daemon, which waits for the peer within its own deadline, and prints what was
//! reached; `--json` prints the API's `ActionReport` or `SyncReport`.
//!
//! Destructive actions go through [`confirm`](super::confirm) first, naming the exact target.

use std::path::Path;

use upstra_core::api::v1::{ActionReport, ServerPowerAction, SyncReport, TlsPeer, VmPowerRequest};

use super::confirm::{Confirm, confirm};
use super::{out, out_json, shown, signed_in};
use crate::cli::{ServerPowerArgs, TrustVerb, VmMigrateArgs, VmPowerArgs};
use crate::client::timeouts::{self, ACTION};
use crate::error::CliError;
use crate::format;

/// `upstra sync`.
pub async fn sync(socket: &Path, json: bool) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let report = conn
        .call(
            timeouts::APPLY,
            |c, ctx| async move { c.sync(ctx, token).await },
        )
        .await?;
    if json {
        out_json(&report)?;
    } else {
        out(&sync_text(&report))?;
    }
    if report.problems.is_empty() {
        return Ok(());
    }
    if !json {
        for p in &report.problems {
            eprintln!("{}", shown(p));
        }
    }
    Err(CliError::Failed(format!(
        "{} could not be read",
        match report.problems.len() {
            1 => "1 peer".to_owned(),
            n => format!("{n} peers"),
        }
    )))
}

fn sync_text(r: &SyncReport) -> String {
    format!(
        "read {} UPS and {} servers; the hypervisor reports {} VMs\n",
        r.ups_read, r.servers_read, r.vms
    )
}

/// `upstra server power`.
pub async fn server_power(socket: &Path, args: &ServerPowerArgs) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let action = ServerPowerAction::from(args.action);
    if action.is_destructive() {
        let words = format!("{} server {}", server_verb(action), args.name);
        confirm(
            Confirm {
                action: &words,
                target: &args.name,
                detail: None,
            },
            args.yes,
        )?;
    }
    let server = args.name.clone();
    let report = conn
        .call(ACTION, |c, ctx| async move {
            c.server_power(ctx, token, server, action).await
        })
        .await?;
    print_report(&report, args.json)
}

fn server_verb(action: ServerPowerAction) -> &'static str {
    match action {
        ServerPowerAction::On => "power on",
        ServerPowerAction::Off => "hard power off",
        ServerPowerAction::Shutdown => "shut down",
        ServerPowerAction::Cycle => "restart",
    }
}

/// `upstra vm power`.
pub async fn vm_power(socket: &Path, args: &VmPowerArgs) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let action = VmPowerRequest::from(args.action);
    if action.is_destructive() {
        let verb = match action {
            VmPowerRequest::Off => "hard power off",
            _ => "shut down the guest of",
        };
        let words = format!("{verb} VM {}", args.name);
        confirm(
            Confirm {
                action: &words,
                target: &args.name,
                detail: None,
            },
            args.yes,
        )?;
    }
    let vm = args.name.clone();
    let report = conn
        .call(ACTION, |c, ctx| async move {
            c.vm_power(ctx, token, vm, action).await
        })
        .await?;
    print_report(&report, args.json)
}

/// `upstra vm migrate`.
pub async fn vm_migrate(socket: &Path, args: &VmMigrateArgs) -> Result<(), CliError> {
    let (conn, token) = signed_in(socket).await?;
    let words = format!("live-migrate VM {} to {}", args.name, args.to);
    confirm(
        Confirm {
            action: &words,
            target: &args.name,
            detail: None,
        },
        args.yes,
    )?;
    let (vm, to) = (args.name.clone(), args.to.clone());
    let report = conn
        .call(ACTION, |c, ctx| async move {
            c.vm_migrate(ctx, token, vm, to).await
        })
        .await?;
    print_report(&report, args.json)
}

fn print_report(report: &ActionReport, json: bool) -> Result<(), CliError> {
    if json {
        return out_json(report);
    }
    out(&report_text(report))
}

fn report_text(r: &ActionReport) -> String {
    format!(
        "{} {}: reached {} in {}\n",
        r.target,
        r.action,
        r.state,
        format::millis(r.took_ms)
    )
}

/// `upstra trust bmc SERVER` / `upstra trust vcenter`: read the fingerprint trusting nothing,
/// show it, have the operator compare and confirm, then pin it.
pub async fn trust(socket: &Path, verb: TrustVerb) -> Result<(), CliError> {
    let (peer, yes) = match verb {
        TrustVerb::Bmc(b) => (TlsPeer::Bmc(b.server), b.trust.yes),
        TrustVerb::Vcenter(v) => (TlsPeer::Vcenter, v.yes),
    };
    let (target, what) = match &peer {
        TlsPeer::Bmc(server) => (server.clone(), format!("the BMC of {server}")),
        TlsPeer::Vcenter => ("vcenter".to_owned(), "the vCenter".to_owned()),
    };
    let (conn, token) = signed_in(socket).await?;
    let (read_peer, read_token) = (peer.clone(), token.clone());
    let fingerprint = conn
        .call(timeouts::APPLY, |c, ctx| async move {
            c.tls_fingerprint(ctx, read_token, read_peer).await
        })
        .await?;
    let shown = format!(
        "{what} presents a certificate with the fingerprint\n  {fingerprint}\n\
         Compare it with the one the device itself shows before you go on."
    );
    if yes {
        out(&format!("{shown}\n"))?;
    }
    let action = format!("pin this certificate for {what}");
    confirm(
        Confirm {
            action: &action,
            target: &target,
            detail: Some(&shown),
        },
        yes,
    )?;
    let pinned = fingerprint.clone();
    conn.call(timeouts::APPLY, |c, ctx| async move {
        c.tls_pin(ctx, token, peer, pinned).await
    })
    .await?;
    out(&format!(
        "pinned {fingerprint} for {what}: the daemon now refuses any other certificate there\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_says_what_was_reached_and_how_long_it_took() {
        let r = ActionReport {
            target: "server:esx-a1".into(),
            action: "off".into(),
            state: "off".into(),
            took_ms: 12_345,
        };
        assert_eq!(
            report_text(&r),
            "server:esx-a1 off: reached off in 12.3 s\n"
        );
    }

    #[test]
    fn sync_counts_what_it_read() {
        let r = SyncReport {
            ups_read: 2,
            servers_read: 4,
            vms: 9,
            problems: Vec::new(),
        };
        assert_eq!(
            sync_text(&r),
            "read 2 UPS and 4 servers; the hypervisor reports 9 VMs\n"
        );
    }
}
