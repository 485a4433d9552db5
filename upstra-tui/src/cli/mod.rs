//! The command line: every subcommand and flag of `upstra`, with the exit codes in the long
//! help. The names follow the command-line contract in the design brief and are kept stable:
//! scripts and the end-to-end tests drive the same commands users type.
//!
//! This module holds the top level and the session commands; [`identity`] the users, roles,
//! grants, two-factor, settings, sessions and audit nouns; [`operations`] power, migration,
//! sync, events and TLS trust.

mod examples;
mod identity;
mod import;
mod lab_help;
mod notify;
mod operations;
mod plan;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

pub use examples::command;
pub use identity::*;
pub use import::*;
pub use lab_help::LAB_FILE_EXAMPLE;
pub use notify::*;
pub use operations::*;
pub use plan::*;

/// Where `upstrad` listens unless told otherwise.
pub const DEFAULT_SOCKET: &str = "/run/upstra/upstra.sock";

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command failed (the message on stderr says why)
  2  usage error (unknown flag, missing argument, empty password)
  3  cannot reach the daemon (not running, wrong --socket, no permission, connection lost)
  4  not logged in, or the session has expired: run `upstra login`
  5  refused by policy: permission denied, too many attempts (the message says when to
     retry), or a session that may only set up two-factor or change its password

Passwords are read from standard input only (--password-stdin), never from arguments; the
only secrets an argument takes are the one-time codes of --totp and --recovery-code.
Actions that stop or move something (server and VM power off, shutdown or cycle, migration,
user removal, pinning a certificate) ask you to type the target's name; --yes skips that,
and without a terminal on standard input they refuse to run unless --yes is given.
The session from `upstra login` is kept per Unix user and per daemon socket, in
$XDG_RUNTIME_DIR/upstra/ (or a private directory under the system temp directory);
UPSTRA_SESSION_FILE names the file explicitly.";

/// Upstra: keep a lab alive through power cuts, from one terminal.
#[derive(Debug, Parser)]
#[command(name = "upstra", version, after_long_help = EXIT_CODES)]
#[command(
    long_about = "Upstra: keep a lab alive through power cuts, from one terminal.\n\n\
    Without a subcommand, opens the console. Subcommands are for scripts: each prints one \
    clear sentence on stderr when it fails, and `--json` prints the API's documented shapes."
)]
pub struct Cli {
    /// The daemon's socket.
    #[arg(long, global = true, env = "UPSTRA_SOCKET", value_name = "PATH",
          default_value = DEFAULT_SOCKET)]
    pub socket: PathBuf,
    /// The console's key file (default: $XDG_CONFIG_HOME/upstra/keys.toml, when it exists).
    /// Before any subcommand: only the console reads it.
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
    #[command(subcommand)]
    /// What to do; none opens the console.
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a daemon on a simulated lab and open the console on it; nothing to install.
    #[cfg(feature = "demo")]
    Demo(DemoArgs),
    /// Create the first admin (only while the store has no user).
    Setup(Credentials),
    /// Open a session and keep its token for the following commands.
    Login(LoginArgs),
    /// End the session and forget its token.
    Logout,
    /// Show who the session belongs to.
    Whoami(JsonFlag),
    /// Change your own password: the current one, then the new one, on standard input.
    Passwd(PasswdArgs),
    /// Declare rooms, UPS, servers and the vCenter from a lab file; idempotent.
    Apply(ApplyArgs),
    /// Write a lab file for review from another tool's data (nothing is applied).
    #[command(subcommand)]
    Import(ImportVerb),
    /// Print the declaration as a lab file (no secrets: password files to fill in).
    Export(JsonFlag),
    /// Rooms.
    #[command(subcommand)]
    Room(ListVerb),
    /// UPS units with their live state.
    #[command(subcommand)]
    Ups(ListVerb),
    /// Servers: list them, power them.
    #[command(subcommand)]
    Server(ServerVerb),
    /// VMs: list them, power them, migrate them.
    #[command(subcommand)]
    Vm(VmVerb),
    /// Read every UPS, BMC and the vCenter now instead of waiting for the next poll.
    Sync(JsonFlag),
    /// The daemon's event log: what is buffered, or followed live with --follow.
    Events(EventsArgs),
    /// Outage plans: show, simulate, run, cancel, restore, status.
    #[command(subcommand)]
    Plan(PlanVerb),
    /// Pin the TLS certificate of a BMC or of the vCenter after checking its fingerprint.
    #[command(subcommand)]
    Trust(TrustVerb),
    /// Users (admin).
    #[command(subcommand)]
    User(UserVerb),
    /// Roles: named sets of permissions (admin).
    #[command(subcommand)]
    Role(RoleVerb),
    /// Grants: a role given to a user on a resource (admin).
    #[command(subcommand)]
    Grant(GrantVerb),
    /// Two-factor authentication (TOTP) for your own account.
    #[command(subcommand, name = "2fa")]
    TwoFactor(TwoFactorVerb),
    /// Installation-wide settings (admin).
    #[command(subcommand)]
    Settings(SettingsVerb),
    /// Sessions: yours, or another user's (admin).
    #[command(subcommand)]
    Session(SessionVerb),
    /// Who is connected right now.
    Who(JsonFlag),
    /// The audit trail: list records, or `audit verify` its hash chain.
    Audit(AuditArgs),
    /// Copy the daemon's encrypted store to a file while it runs (admin).
    Backup(BackupArgs),
    /// Notification channels: send a test message, list deliveries and failures (admin).
    #[command(subcommand)]
    Notify(NotifyVerb),
    /// A shell on a server in this terminal, authorized and audited by the daemon.
    Ssh(SshArgs),
    /// Print a shell completion script: `upstra completions bash > /etc/bash_completion.d/upstra`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff): `upstra man | man -l -`.
    Man,
}

/// `upstra backup`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
The copy is consistent even during an outage run, and stays encrypted under the daemon's
store key. The key is not in it: back up the data directory's store.key as well, and keep it
apart from the backup. Restore on a stopped daemon with `upstrad restore --from FILE`.")]
pub struct BackupArgs {
    /// Where to write the backup (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Replace FILE if it exists.
    #[arg(long)]
    pub force: bool,
    /// Encrypt the backup under a passphrase read from the first line of standard input
    /// (at least 12 bytes) instead of the store key, for a copy kept where the key is not.
    #[arg(long)]
    pub passphrase_stdin: bool,
    /// Print the API's JSON (size, SHA-256) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `upstra demo`: it opens the console, so it takes the console's key file too.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The console's key file (default: $XDG_CONFIG_HOME/upstra/keys.toml, when it exists).
    #[arg(long, value_name = "FILE")]
    pub keys: Option<PathBuf>,
}

/// `upstra completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for.
    pub shell: clap_complete::Shell,
}

/// A user name, with the password on standard input.
#[derive(Debug, Args)]
pub struct Credentials {
    /// The user name.
    #[arg(long, value_name = "NAME")]
    pub user: String,
    /// Read the password from the first line of standard input (required: passwords are
    /// never taken from arguments, where other users could see them).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

/// `upstra login`: the password, and the second factor when the account has two-factor on.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(flatten)]
    pub credentials: Credentials,
    /// The 6-digit code your authenticator app shows now.
    #[arg(long, value_name = "CODE", conflicts_with = "recovery_code")]
    pub totp: Option<String>,
    /// One of your single-use recovery codes (`XXXX-XXXX`), when the authenticator is lost.
    #[arg(long, value_name = "CODE")]
    pub recovery_code: Option<String>,
}

/// `upstra passwd`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Standard input holds two lines: your current password, then the new one. After logging in
with a reset secret from `upstra user reset-password`, the daemon does not check the first
line (the secret proved who you are), but it must still be there.
Every session of yours ends, this one too: log in again afterwards.")]
pub struct PasswdArgs {
    /// Read the current and the new password from standard input, one per line (required).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

/// `--json` for commands that print one object.
#[derive(Debug, Args)]
pub struct JsonFlag {
    /// Print the API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `upstra apply`.
#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The lab file (TOML).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: PathBuf,
    /// Report what would change without changing anything.
    #[arg(long)]
    pub dry_run: bool,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The verbs of the inventory nouns (`upstra ups list`, ...).
#[derive(Debug, Subcommand)]
pub enum ListVerb {
    /// List them as an aligned table, or a JSON array with `--json`.
    List(JsonFlag),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
        command().debug_assert();
    }

    #[test]
    fn a_password_is_never_an_argument() {
        let missing = Cli::try_parse_from(["upstra", "login", "--user", "a"]);
        assert!(missing.is_err());
        let inline = Cli::try_parse_from(["upstra", "login", "--user", "a", "--password", "x"]);
        assert!(inline.is_err());
        let ok = Cli::try_parse_from(["upstra", "login", "--user", "a", "--password-stdin"]);
        assert!(ok.is_ok());
    }

    #[test]
    fn the_long_help_documents_exit_codes() {
        let help = Cli::command().render_long_help().to_string();
        for code in [
            "0  success",
            "2  usage error",
            "3  cannot reach",
            "4  not logged in",
            "5  refused by policy",
        ] {
            assert!(help.contains(code), "{code} missing from --help");
        }
    }
}
