//! Wire types for identity and access: login steps, users, roles, grants, two-factor, sessions,
//! presence and the audit trail.

use serde::{Deserialize, Serialize};

use super::types::SessionToken;
use crate::secret::Secret;
use crate::state::Timestamp;

wire_enum! {
    /// What a session may do. A console reads a newer daemon's scope as `Unknown` and lets the
    /// daemon's refusals say what it allows; the daemon never grants anything to `Unknown`
    /// (no method lists it among the scopes it accepts).
    pub enum SessionScope {
        /// Everything the user's grants allow.
        Full => "full",
        /// Only enroll two-factor (policy requires it and the user has not), see who they are,
        /// log out.
        EnrollTwoFactor => "enroll_two_factor",
        /// Only change the password (after an admin reset), see who they are, log out.
        ChangePassword => "change_password",
    }
}

/// The answer to a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    /// Logged in.
    Session(super::LoginReply),
    /// Two-factor is on: send a code with `login_second_factor` before `expires_at`. The
    /// challenge opens nothing else.
    SecondFactorRequired {
        challenge: SessionToken,
        expires_at: Timestamp,
    },
}

/// The second step of a login.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecondFactor {
    /// A 6-digit code from an authenticator app.
    Totp(Secret),
    /// One of the single-use recovery codes (`XXXX-XXXX`).
    RecoveryCode(Secret),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserAddRequest {
    pub name: String,
    /// Granted on everything.
    pub role: String,
    pub password: Secret,
}

/// A user as an admin sees them. No secret, not even a hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub name: String,
    /// The role granted on everything, if any.
    pub role: Option<String>,
    /// How many grants the user has on single rooms, UPS, servers or VMs.
    pub scoped_grants: u32,
    pub disabled: bool,
    pub two_factor: bool,
    pub must_change_password: bool,
    pub created_at: Timestamp,
}

/// A password reset: give the secret to the user; it logs them in once, to set a password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResetSecret {
    pub secret: Secret,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleView {
    pub name: String,
    /// Permission names: read, write, delete, power, migrate, ssh, plan, audit, admin.
    pub permissions: Vec<String>,
    pub builtin: bool,
}

/// A role given to a user on a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantView {
    pub user: String,
    pub role: String,
    /// `all`, `room:NAME`, `ups:NAME`, `server:NAME` or `vm:ID`.
    pub resource: String,
}

/// A new two-factor secret, shown once.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TotpEnrollment {
    /// `otpauth://totp/...`, for a QR code or an authenticator app.
    pub uri: Secret,
    /// The same secret in base32, for typing in.
    pub secret: Secret,
}

/// Who must use two-factor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoFactorRequirement {
    Nobody,
    Everyone,
    /// Users holding one of these roles (on anything).
    Roles(Vec<String>),
}

/// Installation-wide settings an admin changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settings {
    pub require_two_factor: TwoFactorRequirement,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            require_two_factor: TwoFactorRequirement::Nobody,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    /// A short public id, for `session revoke`. Not the token.
    pub id: String,
    pub user: String,
    pub scope: SessionScope,
    pub peer_uid: u32,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
    /// True for the session making this call.
    pub current: bool,
}

/// A user with at least one open connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PresenceView {
    pub user: String,
    pub since: Timestamp,
    pub peer_uids: Vec<u32>,
    pub connections: u32,
}

/// Filters for `audit_list`; all optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditQuery {
    pub since: Option<Timestamp>,
    /// The start of the user's name: `al` finds `alice` and `albert`.
    pub user: Option<String>,
    /// The start of the action, spaces read as `_`: `plan` finds `plan_run` and
    /// `plan_restore`, `plan run` only the first.
    pub action: Option<String>,
    /// At most this many in the page, newest last (default and cap: 1000; a page also stops
    /// at about a megabyte, so it always fits the frame).
    pub limit: Option<u32>,
    /// Only records older than this sequence number: the `next` of the page before, to read
    /// further back.
    #[serde(default)]
    pub before: Option<u64>,
}

/// One page of `audit_list`: records oldest first, the newest page first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub records: Vec<AuditView>,
    /// When older records match: pass it as `before` for the next page.
    pub next: Option<u64>,
}

/// One audit record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditView {
    pub seq: u64,
    pub at: Timestamp,
    pub actor: Option<String>,
    pub peer_uid: Option<u32>,
    pub action: String,
    pub target: Option<String>,
    pub result: String,
    pub detail: Option<String>,
    pub correlation: Option<String>,
    /// The target by the name the inventory knows it by today, when the record names it by
    /// an internal id (`vm:vm-101` recorded before VMs were audited by name): readers show
    /// this one. Absent when the target already is a name, or from an older daemon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
}

/// The result of walking the audit chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerification {
    /// Records checked before the first problem (all of them when intact).
    pub verified: u64,
    pub intact: bool,
    /// What is wrong and where, e.g. "record 42 was edited, or a record before it inserted".
    pub problem: Option<String>,
}
