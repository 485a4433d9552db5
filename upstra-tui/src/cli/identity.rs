//! The identity and access nouns: `user`, `role`, `grant`, `2fa`, `settings`, `session` and
//! `audit`. Most of them are an admin's; `2fa` and `session list|revoke` act on the caller's
//! own account.

use clap::{Args, Subcommand, ValueEnum};

use super::JsonFlag;

/// `upstra user ...`.
#[derive(Debug, Subcommand)]
pub enum UserVerb {
    /// Create a user with a role on everything; the password is read from standard input.
    Add(UserAddArgs),
    /// List users with their role, two-factor and state.
    List(JsonFlag),
    /// Disable a user: their sessions end at once and they cannot log in.
    Disable(UserNameArg),
    /// Enable a disabled user again.
    Enable(UserNameArg),
    /// Remove a user with their grants and sessions (asks to type the name unless --yes).
    Remove(UserRemoveArgs),
    /// Replace the user's role on everything.
    SetRole(UserSetRoleArgs),
    /// Issue a one-time secret, valid 15 minutes, that lets the user set a new password.
    ResetPassword(UserResetArgs),
}

/// `upstra user add`.
#[derive(Debug, Args)]
pub struct UserAddArgs {
    /// The new user's name.
    pub name: String,
    /// The role on everything: admin, operator, viewer or a custom one (`upstra role list`).
    #[arg(long, value_name = "ROLE")]
    pub role: String,
    /// Read the new user's password from the first line of standard input (required).
    #[arg(long, required = true)]
    pub password_stdin: bool,
}

/// A user name as the only argument.
#[derive(Debug, Args)]
pub struct UserNameArg {
    /// The user.
    pub name: String,
}

/// `upstra user remove`.
#[derive(Debug, Args)]
pub struct UserRemoveArgs {
    /// The user.
    pub name: String,
    /// Do not ask for confirmation.
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// `upstra user set-role`.
#[derive(Debug, Args)]
pub struct UserSetRoleArgs {
    /// The user.
    pub name: String,
    /// The new role on everything.
    pub role: String,
}

/// `upstra user reset-password`.
#[derive(Debug, Args)]
pub struct UserResetArgs {
    /// The user.
    pub name: String,
    /// Print the API's `ResetSecret` (secret and expiry) as JSON.
    #[arg(long)]
    pub json: bool,
}

/// `upstra role ...`.
#[derive(Debug, Subcommand)]
pub enum RoleVerb {
    /// List the built-in and custom roles with their permissions.
    List(JsonFlag),
    /// Create a custom role.
    Create(RoleCreateArgs),
    /// Remove a custom role that no grant uses.
    Remove(RoleNameArg),
}

/// `upstra role create`.
#[derive(Debug, Args)]
pub struct RoleCreateArgs {
    /// The role's name.
    pub name: String,
    /// Comma-separated permissions: read, write, delete, power, migrate, ssh, plan, audit,
    /// admin.
    #[arg(long, value_name = "PERMS", value_delimiter = ',', required = true)]
    pub permissions: Vec<String>,
}

/// A role name as the only argument.
#[derive(Debug, Args)]
pub struct RoleNameArg {
    /// The role.
    pub name: String,
}

/// `upstra grant ...`.
#[derive(Debug, Subcommand)]
pub enum GrantVerb {
    /// List every grant.
    List(JsonFlag),
    /// Give USER the permissions of ROLE on RESOURCE and everything below it.
    Add(GrantArgs),
    /// Take a grant back.
    Remove(GrantArgs),
}

/// One grant.
#[derive(Debug, Args)]
pub struct GrantArgs {
    /// The user.
    pub user: String,
    /// The role.
    pub role: String,
    /// `all`, `room:NAME`, `ups:NAME`, `server:NAME` or `vm:ID`; a room covers its UPS,
    /// servers and their VMs, a server its VMs.
    pub resource: String,
}

/// `upstra 2fa ...`.
#[derive(Debug, Subcommand)]
pub enum TwoFactorVerb {
    /// Start: draws a QR code for your authenticator app and prints its key.
    Enroll(JsonFlag),
    /// Turn two-factor on with the first code; prints your recovery codes, only this once.
    Confirm(ConfirmArgs),
    /// Turn two-factor off; needs a current code.
    Disable(DisableArgs),
}

/// `upstra 2fa confirm`.
#[derive(Debug, Args)]
pub struct ConfirmArgs {
    /// The 6-digit code your authenticator app shows now.
    pub code: String,
    /// Print the recovery codes as a JSON array.
    #[arg(long)]
    pub json: bool,
}

/// `upstra 2fa disable`.
#[derive(Debug, Args)]
pub struct DisableArgs {
    /// The 6-digit code your authenticator app shows now.
    #[arg(long, value_name = "CODE", required = true)]
    pub totp: String,
}

/// `upstra settings ...`.
#[derive(Debug, Subcommand)]
pub enum SettingsVerb {
    /// Show the installation-wide settings.
    Show(JsonFlag),
    /// Who must use two-factor: nobody, everyone, or the holders of some roles.
    #[command(name = "require-2fa")]
    RequireTwoFactor(RequireArgs),
}

/// Who must use two-factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Requirement {
    /// Two-factor is each user's choice.
    Nobody,
    /// Every user.
    Everyone,
    /// Users holding one of the roles listed next (on anything).
    Roles,
}

/// `upstra settings require-2fa`.
#[derive(Debug, Args)]
#[command(after_long_help = "\
Users who must use two-factor and have not set it up get, at their next login, a session
that can only enroll (`upstra 2fa enroll`, then `upstra 2fa confirm CODE`).")]
pub struct RequireArgs {
    /// Who.
    pub who: Requirement,
    /// With `roles`: the roles, comma-separated (admin,operator).
    #[arg(value_name = "ROLE[,ROLE...]", value_delimiter = ',')]
    pub roles: Vec<String>,
}

/// `upstra session ...`.
#[derive(Debug, Subcommand)]
pub enum SessionVerb {
    /// Your sessions, or another user's with --user (admin).
    List(SessionListArgs),
    /// End one of your sessions by its id (from `session list`).
    Revoke(SessionRevokeArgs),
    /// End every session of a user (admin).
    RevokeUser(UserNameArg),
}

/// `upstra session list`.
#[derive(Debug, Args)]
pub struct SessionListArgs {
    /// Another user's sessions (admin).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Print the API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `upstra session revoke`.
#[derive(Debug, Args)]
pub struct SessionRevokeArgs {
    /// The session's id.
    pub id: String,
}

/// `upstra audit [verify]`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub verb: Option<AuditVerb>,
    #[command(flatten)]
    pub query: AuditQueryArgs,
}

/// `upstra audit verify`.
#[derive(Debug, Subcommand)]
pub enum AuditVerb {
    /// Walk the hash chain: exits 0 when intact, 1 naming the first record that was edited,
    /// inserted or deleted.
    Verify(JsonFlag),
}

/// The filters of `upstra audit`.
#[derive(Debug, Args)]
pub struct AuditQueryArgs {
    /// Print the API's JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Only records from this time on: RFC 3339 (2026-11-25T10:00:00Z) or an age (90m, 2h,
    /// 1d).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only the records of users whose name starts with USER (`al`: alice, albert).
    #[arg(long, value_name = "USER")]
    pub user: Option<String>,
    /// Only actions starting with ACTION: `plan` finds plan_run, plan_restore, plan_step;
    /// `login`, `user_add`, `grant`... (spaces read as `_`).
    #[arg(long, value_name = "ACTION")]
    pub action: Option<String>,
    /// Only records whose target contains TARGET, as recorded or as named today (`server:`,
    /// `db-01`); matched here among the records read (see --limit and --all).
    #[arg(long, value_name = "TARGET")]
    pub target: Option<String>,
    /// At most this many, the newest (default 1000); read page by page from the daemon.
    #[arg(long, value_name = "N", conflicts_with = "all")]
    pub limit: Option<u32>,
    /// Every matching record, however many: read page by page from the daemon.
    #[arg(long)]
    pub all: bool,
}
