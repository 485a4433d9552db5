//! The command line: every subcommand and flag of `upstra`, with the exit codes in the long
//! help. The names follow the command-line contract in the design brief and are kept stable:
//! scripts and the end-to-end tests drive the same commands users type.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// Where `upstrad` listens unless told otherwise.
pub const DEFAULT_SOCKET: &str = "/run/upstra/upstra.sock";

const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  the command failed (the message on stderr says why)
  2  usage error (unknown flag, missing argument, empty password)
  3  cannot reach the daemon (not running, wrong --socket, no permission, connection lost)
  4  not logged in, or the session has expired: run `upstra login`

Passwords are read from standard input only (--password-stdin), never from arguments.
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
    #[command(subcommand)]
    /// What to do; none opens the console.
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run a daemon on a simulated lab and open the console on it; nothing to install.
    #[cfg(feature = "demo")]
    Demo,
    /// Create the first admin (only while the store has no user).
    Setup(Credentials),
    /// Open a session and keep its token for the following commands.
    Login(LoginArgs),
    /// End the session and forget its token.
    Logout,
    /// Show who the session belongs to.
    Whoami(JsonFlag),
    /// Declare rooms, UPS, servers and the vCenter from a lab file; idempotent.
    Apply(ApplyArgs),
    /// Rooms.
    #[command(subcommand)]
    Room(ListVerb),
    /// UPS units with their live state.
    #[command(subcommand)]
    Ups(ListVerb),
    /// Servers with their power state and feeds.
    #[command(subcommand)]
    Server(ListVerb),
    /// VMs as the hypervisor last reported them.
    #[command(subcommand)]
    Vm(ListVerb),
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
        ] {
            assert!(help.contains(code), "{code} missing from --help");
        }
    }
}
