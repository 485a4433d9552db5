//! The arguments of a request that name a declared object. The daemon resolves each of them
//! to the object it designates before any permission is checked, authorizes on what it
//! resolved to, and hands the handler that same object: what was checked and what is acted
//! on can never be two different things (a VM moved to "a host name" that is in fact a server
//! of another room, say).

use super::{TlsPeer, UpstraRequest};

/// The kind of declared object an argument names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TargetKind {
    /// A server, by its name or by its vSphere host name.
    Server,
    /// A VM, by its id or its (unique) name; it sits under the server it runs on.
    Vm,
    /// A UPS, by its name.
    Ups,
}

impl TargetKind {
    /// Every kind, so that a test can check each one has a resolver.
    pub const ALL: [TargetKind; 3] = [Self::Server, Self::Vm, Self::Ups];
}

/// One argument of a request that names a declared object, as the client wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TargetName<'a> {
    pub kind: TargetKind,
    pub name: &'a str,
}

const fn named(kind: TargetKind, name: &str) -> TargetName<'_> {
    TargetName { kind, name }
}

impl UpstraRequest {
    /// The declared objects this request names, in argument order.
    ///
    /// Every field of every request is spelt out (no `..`), so a new argument does not compile
    /// until someone decides here whether it names a target.
    pub fn target_names(&self) -> Vec<TargetName<'_>> {
        use TargetKind as K;
        use UpstraRequest as R;
        match self {
            R::ServerPower {
                token: _,
                server,
                action: _,
            } => vec![named(K::Server, server)],
            R::VmPower {
                token: _,
                vm,
                action: _,
            } => vec![named(K::Vm, vm)],
            R::VmMigrate { token: _, vm, to } => vec![named(K::Vm, vm), named(K::Server, to)],
            R::SshOpen { token: _, server } => vec![named(K::Server, server)],
            R::SshPinHostKey {
                token: _,
                server,
                host_key: _,
            } => vec![named(K::Server, server)],
            R::TlsFingerprint { token: _, peer }
            | R::TlsPin {
                token: _,
                peer,
                fingerprint: _,
            } => match peer {
                TlsPeer::Bmc(server) => vec![named(K::Server, server)],
                TlsPeer::Vcenter => Vec::new(),
            },
            R::PlanShow { token: _, ups } => ups.iter().map(|u| named(K::Ups, u)).collect(),
            R::PlanRun { token: _, ups } => vec![named(K::Ups, &ups.ups)],
            R::PlanSimulate { token: _, ups }
            | R::DemoPowerCut {
                token: _,
                ups,
                cut: _,
            } => vec![named(K::Ups, ups)],
            // Nothing declared in the lab: the caller's own session or account, accounts,
            // roles and grants (an ADMIN matter on everything), lists filtered item by item.
            R::Health {}
            | R::Setup { req: _ }
            | R::Login { req: _ }
            | R::LoginSecondFactor {
                challenge: _,
                factor: _,
            }
            | R::Logout { token: _ }
            | R::Whoami { token: _ }
            | R::ChangePassword {
                token: _,
                current: _,
                new: _,
            }
            | R::Apply {
                token: _,
                spec: _,
                dry_run: _,
            }
            | R::ListRooms { token: _ }
            | R::ListUps { token: _ }
            | R::UpsHistory { token: _ }
            | R::ListServers { token: _ }
            | R::ListVms { token: _ }
            | R::EventsSince {
                token: _,
                cursor: _,
                max_wait_ms: _,
            }
            | R::UserAdd { token: _, req: _ }
            | R::UserList { token: _ }
            | R::UserSetDisabled {
                token: _,
                user: _,
                disabled: _,
            }
            | R::UserRemove { token: _, user: _ }
            | R::UserSetRole {
                token: _,
                user: _,
                role: _,
            }
            | R::UserResetPassword { token: _, user: _ }
            | R::RoleList { token: _ }
            | R::RoleCreate {
                token: _,
                name: _,
                permissions: _,
            }
            | R::RoleRemove { token: _, name: _ }
            | R::GrantList { token: _ }
            | R::GrantAdd { token: _, grant: _ }
            | R::GrantRemove { token: _, grant: _ }
            | R::TotpEnroll { token: _ }
            | R::TotpConfirm { token: _, code: _ }
            | R::TotpDisable { token: _, code: _ }
            | R::SettingsGet { token: _ }
            | R::SettingsSet {
                token: _,
                settings: _,
            }
            | R::SessionList { token: _, user: _ }
            | R::SessionRevoke { token: _, id: _ }
            | R::SessionRevokeUser { token: _, user: _ }
            | R::Presence { token: _ }
            | R::Sync { token: _ }
            | R::ExportLab { token: _ }
            | R::PlanCancel { token: _ }
            | R::PlanRestore { token: _ }
            | R::PlanStatus { token: _ }
            | R::AuditList { token: _, query: _ }
            | R::AuditVerify { token: _ }
            | R::BackupStart {
                token: _,
                passphrase: _,
            }
            | R::BackupChunk {
                token: _,
                id: _,
                offset: _,
            }
            | R::NotifyTest {
                token: _,
                channel: _,
            }
            | R::NotifyList { token: _, limit: _ }
            | R::SshClosed {
                token: _,
                session_id: _,
                duration_ms: _,
                reason: _,
            } => Vec::new(),
        }
    }
}
