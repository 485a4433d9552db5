//! Every method of the service with the access it needs: one table, checked at the connection
//! edge before any handler runs.

use super::identity::SessionScope;
use super::naming::TargetKind;
use crate::rbac::Permissions;

/// The methods of [`super::Upstra`], one variant each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Health,
    Setup,
    Login,
    LoginSecondFactor,
    Logout,
    WhoAmI,
    ChangePassword,
    Apply,
    ListRooms,
    ListUps,
    UpsHistory,
    ListServers,
    ListVms,
    EventsSince,
    UserAdd,
    UserList,
    UserSetDisabled,
    UserRemove,
    UserSetRole,
    UserResetPassword,
    RoleList,
    RoleCreate,
    RoleRemove,
    GrantList,
    GrantAdd,
    GrantRemove,
    TotpEnroll,
    TotpConfirm,
    TotpDisable,
    SettingsGet,
    SettingsSet,
    SessionList,
    SessionRevoke,
    SessionRevokeUser,
    Presence,
    Sync,
    ExportLab,
    ServerPower,
    VmPower,
    VmMigrate,
    TlsFingerprint,
    TlsPin,
    PlanShow,
    PlanSimulate,
    PlanRun,
    PlanCancel,
    PlanRestore,
    PlanStatus,
    DemoPowerCut,
    AuditList,
    AuditVerify,
    SshOpen,
    SshClosed,
    SshPinHostKey,
    BackupStart,
    BackupChunk,
    NotifyTest,
    NotifyList,
}

/// What the needed permissions are checked on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Nothing: the method acts on the caller's own session or account.
    Own,
    /// The whole installation (`Resource::All`).
    Everything,
    /// Each item of the answer: the caller sees only the items it may READ.
    EachItem,
    /// Each declared object the request names, once resolved (see [`TargetKind`]).
    Named,
}

/// What a caller needs to reach a method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone who can open the socket.
    Public,
    /// Only the challenge token `login` returns when two-factor is on.
    Challenge,
    /// A session of one of `scopes` whose grants hold `needs` on `on`. `names` lists the kinds
    /// of declared objects the request's arguments may name: each is resolved before `needs`
    /// is checked, and a name that resolves to nothing is refused, whatever `on` is.
    Session {
        scopes: &'static [SessionScope],
        needs: Permissions,
        on: Target,
        names: &'static [TargetKind],
    },
}

/// Extra rate limits on top of the global per-user one every session call counts against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateTier {
    /// Password resets, 2FA disable, role and grant changes (and recovery-code use).
    Sensitive,
    /// Audit queries and other expensive reads, per session.
    ExpensiveRead,
}

const FULL: &[SessionScope] = &[SessionScope::Full];
const ANY: &[SessionScope] = &[
    SessionScope::Full,
    SessionScope::EnrollTwoFactor,
    SessionScope::ChangePassword,
];
const ENROLL: &[SessionScope] = &[SessionScope::Full, SessionScope::EnrollTwoFactor];
const PASSWORD: &[SessionScope] = &[SessionScope::Full, SessionScope::ChangePassword];

const fn session(scopes: &'static [SessionScope], needs: Permissions, on: Target) -> Access {
    Access::Session {
        scopes,
        needs,
        on,
        names: &[],
    }
}

/// A full session's row for a method whose arguments name declared objects of `names`.
const fn naming(needs: Permissions, on: Target, names: &'static [TargetKind]) -> Access {
    Access::Session {
        scopes: FULL,
        needs,
        on,
        names,
    }
}

impl Method {
    /// Every method, in declaration order.
    pub const ALL: [Method; 58] = [
        Self::Health,
        Self::Setup,
        Self::Login,
        Self::LoginSecondFactor,
        Self::Logout,
        Self::WhoAmI,
        Self::ChangePassword,
        Self::Apply,
        Self::ListRooms,
        Self::ListUps,
        Self::UpsHistory,
        Self::ListServers,
        Self::ListVms,
        Self::EventsSince,
        Self::UserAdd,
        Self::UserList,
        Self::UserSetDisabled,
        Self::UserRemove,
        Self::UserSetRole,
        Self::UserResetPassword,
        Self::RoleList,
        Self::RoleCreate,
        Self::RoleRemove,
        Self::GrantList,
        Self::GrantAdd,
        Self::GrantRemove,
        Self::TotpEnroll,
        Self::TotpConfirm,
        Self::TotpDisable,
        Self::SettingsGet,
        Self::SettingsSet,
        Self::SessionList,
        Self::SessionRevoke,
        Self::SessionRevokeUser,
        Self::Presence,
        Self::Sync,
        Self::ExportLab,
        Self::ServerPower,
        Self::VmPower,
        Self::VmMigrate,
        Self::TlsFingerprint,
        Self::TlsPin,
        Self::PlanShow,
        Self::PlanSimulate,
        Self::PlanRun,
        Self::PlanCancel,
        Self::PlanRestore,
        Self::PlanStatus,
        Self::DemoPowerCut,
        Self::AuditList,
        Self::AuditVerify,
        Self::SshOpen,
        Self::SshClosed,
        Self::SshPinHostKey,
        Self::BackupStart,
        Self::BackupChunk,
        Self::NotifyTest,
        Self::NotifyList,
    ];

    /// The access table. Deny by default: a method must be listed here to be reachable at all,
    /// and the compiler makes every new method appear in this match.
    pub const fn access(self) -> Access {
        use Permissions as P;
        use Target::*;
        use TargetKind as K;
        match self {
            Self::Health | Self::Setup | Self::Login => Access::Public,
            Self::LoginSecondFactor => Access::Challenge,
            Self::Logout | Self::WhoAmI => session(ANY, P::NONE, Own),
            Self::ChangePassword => session(PASSWORD, P::NONE, Own),
            Self::TotpEnroll | Self::TotpConfirm => session(ENROLL, P::NONE, Own),
            Self::TotpDisable | Self::SessionRevoke | Self::Presence => session(FULL, P::NONE, Own),
            // Another user's sessions need ADMIN: the daemon raises the bar when `user` names
            // someone else.
            Self::SessionList => session(FULL, P::NONE, Own),
            Self::Apply => session(FULL, P::WRITE, Everything),
            Self::ListRooms
            | Self::ListUps
            | Self::UpsHistory
            | Self::ListServers
            | Self::ListVms
            | Self::EventsSince => session(FULL, P::READ, EachItem),
            Self::UserAdd
            | Self::UserList
            | Self::UserSetDisabled
            | Self::UserRemove
            | Self::UserSetRole
            | Self::UserResetPassword
            | Self::RoleList
            | Self::RoleCreate
            | Self::RoleRemove
            | Self::GrantList
            | Self::GrantAdd
            | Self::GrantRemove
            | Self::SettingsGet
            | Self::SettingsSet
            | Self::SessionRevokeUser => session(FULL, P::ADMIN, Everything),
            Self::AuditList | Self::AuditVerify => session(FULL, P::AUDIT, Everything),
            Self::Sync => session(FULL, P::READ, Everything),
            // The whole declaration at once: only for whoever may read all of it.
            Self::ExportLab => session(FULL, P::READ, Everything),
            Self::ServerPower => naming(P::POWER, Named, &[K::Server]),
            Self::VmPower => naming(P::POWER, Named, &[K::Vm]),
            // The destination too: moving a VM onto a server acts on that server's room.
            Self::VmMigrate => naming(P::MIGRATE, Named, &[K::Vm, K::Server]),
            Self::TlsFingerprint | Self::TlsPin => naming(P::ADMIN, Everything, &[K::Server]),
            // Outage plans act on the whole lab, so even reading them needs PLAN everywhere.
            Self::PlanShow | Self::PlanSimulate | Self::PlanRun => {
                naming(P::PLAN, Everything, &[K::Ups])
            }
            Self::PlanCancel | Self::PlanRestore | Self::PlanStatus => {
                session(FULL, P::PLAN, Everything)
            }
            Self::SshOpen => naming(P::SSH, Named, &[K::Server]),
            // Recording the end of one's own shell needs nothing more: a grant revoked while
            // the shell ran must not leave its close unrecorded. The daemon checks that the
            // shell is the caller's.
            Self::SshClosed => session(FULL, P::NONE, Own),
            Self::SshPinHostKey => naming(P::ADMIN, Everything, &[K::Server]),
            // A fake power cut starts a real plan on the simulated lab: who may run plans.
            Self::DemoPowerCut => naming(P::PLAN, Everything, &[K::Ups]),
            // A backup holds every password hash, grant and the audit trail: an admin's.
            Self::BackupStart | Self::BackupChunk => session(FULL, P::ADMIN, Everything),
            // The channels and what they were told are the installation's, and a test message
            // reaches people outside it: an admin's.
            Self::NotifyTest | Self::NotifyList => session(FULL, P::ADMIN, Everything),
        }
    }

    /// The extra rate limit a method counts against, if any.
    pub const fn rate_tier(self) -> Option<RateTier> {
        match self {
            Self::UserResetPassword
            | Self::TotpDisable
            | Self::RoleCreate
            | Self::RoleRemove
            | Self::GrantAdd
            | Self::GrantRemove
            | Self::UserSetRole
            | Self::TlsPin
            | Self::SshPinHostKey
            | Self::BackupStart
            | Self::NotifyTest => Some(RateTier::Sensitive),
            Self::AuditList | Self::AuditVerify => Some(RateTier::ExpensiveRead),
            _ => None,
        }
    }

    /// Whether a call counts against the caller's global rate limit. The event stream does
    /// not: a console follows it with one long-poll at a time, answered as fast as events
    /// happen, and counting each answer would lock out the operator during an outage, when
    /// events come every second and the console matters most.
    pub const fn counts_globally(self) -> bool {
        !matches!(self, Self::EventsSince)
    }

    /// The kinds of declared objects this method's arguments may name.
    pub const fn target_kinds(self) -> &'static [TargetKind] {
        match self.access() {
            Access::Session { names, .. } => names,
            Access::Public | Access::Challenge => &[],
        }
    }

    pub const fn is_public(self) -> bool {
        matches!(self.access(), Access::Public)
    }

    /// The name used in logs and the audit trail.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Health => "health",
            Self::Setup => "setup",
            Self::Login => "login",
            Self::LoginSecondFactor => "login_second_factor",
            Self::Logout => "logout",
            Self::WhoAmI => "whoami",
            Self::ChangePassword => "change_password",
            Self::Apply => "apply",
            Self::ListRooms => "list_rooms",
            Self::ListUps => "list_ups",
            Self::UpsHistory => "ups_history",
            Self::ListServers => "list_servers",
            Self::ListVms => "list_vms",
            Self::EventsSince => "events_since",
            Self::UserAdd => "user_add",
            Self::UserList => "user_list",
            Self::UserSetDisabled => "user_set_disabled",
            Self::UserRemove => "user_remove",
            Self::UserSetRole => "user_set_role",
            Self::UserResetPassword => "user_reset_password",
            Self::RoleList => "role_list",
            Self::RoleCreate => "role_create",
            Self::RoleRemove => "role_remove",
            Self::GrantList => "grant_list",
            Self::GrantAdd => "grant_add",
            Self::GrantRemove => "grant_remove",
            Self::TotpEnroll => "totp_enroll",
            Self::TotpConfirm => "totp_confirm",
            Self::TotpDisable => "totp_disable",
            Self::SettingsGet => "settings_get",
            Self::SettingsSet => "settings_set",
            Self::SessionList => "session_list",
            Self::SessionRevoke => "session_revoke",
            Self::SessionRevokeUser => "session_revoke_user",
            Self::Presence => "presence",
            Self::Sync => "sync",
            Self::ExportLab => "export_lab",
            Self::ServerPower => "server_power",
            Self::VmPower => "vm_power",
            Self::VmMigrate => "vm_migrate",
            Self::TlsFingerprint => "tls_fingerprint",
            Self::TlsPin => "tls_pin",
            Self::PlanShow => "plan_show",
            Self::PlanSimulate => "plan_simulate",
            Self::PlanRun => "plan_run",
            Self::PlanCancel => "plan_cancel",
            Self::PlanRestore => "plan_restore",
            Self::PlanStatus => "plan_status",
            Self::DemoPowerCut => "demo_power_cut",
            Self::AuditList => "audit_list",
            Self::AuditVerify => "audit_verify",
            Self::SshOpen => "ssh_open",
            Self::SshClosed => "ssh_closed",
            Self::SshPinHostKey => "ssh_pin_host_key",
            Self::BackupStart => "backup_start",
            Self::BackupChunk => "backup_chunk",
            Self::NotifyTest => "notify_test",
            Self::NotifyList => "notify_list",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_health_setup_and_login_are_public_and_only_the_second_step_takes_a_challenge() {
        let public: Vec<_> = Method::ALL
            .iter()
            .filter(|m| m.is_public())
            .map(|m| m.name())
            .collect();
        assert_eq!(public, ["health", "setup", "login"]);
        let challenge: Vec<_> = Method::ALL
            .iter()
            .filter(|m| m.access() == Access::Challenge)
            .map(|m| m.name())
            .collect();
        assert_eq!(challenge, ["login_second_factor"]);
    }

    #[test]
    fn limited_sessions_reach_only_their_own_few_methods() {
        let reach = |scope: SessionScope| -> Vec<&str> {
            Method::ALL
                .iter()
                .filter(|m| matches!(m.access(), Access::Session { scopes, .. } if scopes.contains(&scope)))
                .map(|m| m.name())
                .collect()
        };
        assert_eq!(
            reach(SessionScope::EnrollTwoFactor),
            ["logout", "whoami", "totp_enroll", "totp_confirm"]
        );
        assert_eq!(
            reach(SessionScope::ChangePassword),
            ["logout", "whoami", "change_password"]
        );
    }

    #[test]
    fn a_method_checked_on_what_it_names_declares_what_it_names() {
        for method in Method::ALL {
            let Access::Session { on, names, .. } = method.access() else {
                continue;
            };
            assert!(
                on != Target::Named || !names.is_empty(),
                "{}: a `Named` row must list the kinds of objects it resolves",
                method.name()
            );
            assert!(
                names.is_empty() || matches!(on, Target::Named | Target::Everything),
                "{}: what a request names is checked on itself (`Named`) or on everything",
                method.name()
            );
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Method::ALL.iter().map(|m| m.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Method::ALL.len());
    }
}
