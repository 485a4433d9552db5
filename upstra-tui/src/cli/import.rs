//! `upstra import`: bringing another tool's lab across, as a lab file for review.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// What to import from.
#[derive(Debug, Subcommand)]
pub enum ImportVerb {
    /// From the predecessor (upstra-v1): its migration plan, and its PostgreSQL database.
    #[command(name = "upstra-v1", after_long_help = UPSTRA_V1_HELP)]
    UpstraV1(UpstraV1Args),
}

const UPSTRA_V1_HELP: &str = "\
Writes DIR/lab.toml and its password files (mode 0600, DIR created 0700) for review; nothing
is applied. Review the file, then run `upstra apply -f DIR/lab.toml --dry-run`.

Mapping: server priority becomes the shutdown tier (1 first), VM priority or order a VM
priority (first = 999), a UPS's grace periods its policy (grace, restore_after), and a plan's
destination host is declared and named at its source host. Groups, guest and ESXi logins and
other records with no equivalent are listed at the top of the lab file with the record each
came from; names are made valid lab names and each change is listed.

Passwords: the predecessor encrypted them (AES-256-GCM under its ENCRYPTION_KEY). Give that key
in a file (its value alone, or the predecessor's .env with its ENCRYPTION_KEY= line) to have
them written as password files; without it, or for one that does not decrypt, the lab file
names a placeholder and says why. A value not in the encrypted form is taken as written (some
plans hold plain passwords), and the summary says so.

The database password is never an argument: any user of this machine can read a process's
arguments. Give the URL without a password, and the password in --postgres-password-file or in
a libpq password file (PGPASSFILE, else ~/.pgpass, mode 0600). A URL with a password is refused.
The connection does not use TLS: reach the database on this machine, over its Unix socket
(`host=/var/run/postgresql user=upstra dbname=upstra`) or loopback
(`postgresql://upstra@localhost/upstra`), or through an SSH tunnel.

Examples:
  upstra import upstra-v1 --plan plans/migration.yml --out imported
  upstra import upstra-v1 --plan plans/migration.yml --encryption-key-file key \\
      --postgres postgresql://upstra@localhost:5432/upstra --postgres-password-file pw --out imported";

/// `upstra import upstra-v1`.
#[derive(Debug, Args)]
pub struct UpstraV1Args {
    /// The predecessor's migration plan (its plans/migration.yml).
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Its PostgreSQL database, as a URL without a password (see below).
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
    /// A file whose first line is the database user's password.
    #[arg(long, value_name = "FILE", requires = "postgres")]
    pub postgres_password_file: Option<PathBuf>,
    /// A file holding the predecessor's ENCRYPTION_KEY, to decrypt its passwords.
    #[arg(long, value_name = "FILE")]
    pub encryption_key_file: Option<PathBuf>,
    /// The directory to write lab.toml and its password files into.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Replace a lab.toml and password files already in DIR.
    #[arg(long)]
    pub force: bool,
}
