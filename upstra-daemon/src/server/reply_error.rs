//! The refusal a reply carries, whatever the method: for the metrics' outcome label (and the
//! tests' checks).

use upstra_core::api::v1::{ApiError, UpstraResponse};

/// The error inside any reply, if it is one.
pub fn error_of(resp: &UpstraResponse) -> Option<&ApiError> {
    use UpstraResponse as R;
    match resp {
        R::Health(_) => None,
        R::Setup(r)
        | R::Logout(r)
        | R::ChangePassword(r)
        | R::UserAdd(r)
        | R::UserSetDisabled(r)
        | R::UserRemove(r)
        | R::UserSetRole(r)
        | R::RoleCreate(r)
        | R::RoleRemove(r)
        | R::GrantAdd(r)
        | R::GrantRemove(r)
        | R::TotpDisable(r)
        | R::SettingsSet(r)
        | R::SessionRevoke(r)
        | R::TlsPin(r)
        | R::SshClosed(r)
        | R::SshPinHostKey(r) => r.as_ref().err(),
        R::SshOpen(r) => r.as_ref().err(),
        R::Login(r) => r.as_ref().err(),
        R::LoginSecondFactor(r) => r.as_ref().err(),
        R::Whoami(r) => r.as_ref().err(),
        R::Apply(r) => r.as_ref().err(),
        R::ListRooms(r) => r.as_ref().err(),
        R::ListUps(r) => r.as_ref().err(),
        R::UpsHistory(r) => r.as_ref().err(),
        R::ListServers(r) => r.as_ref().err(),
        R::ListVms(r) => r.as_ref().err(),
        R::EventsSince(r) => r.as_ref().err(),
        R::UserList(r) => r.as_ref().err(),
        R::UserResetPassword(r) => r.as_ref().err(),
        R::RoleList(r) => r.as_ref().err(),
        R::GrantList(r) => r.as_ref().err(),
        R::TotpEnroll(r) => r.as_ref().err(),
        R::TotpConfirm(r) => r.as_ref().err(),
        R::SettingsGet(r) => r.as_ref().err(),
        R::SessionList(r) => r.as_ref().err(),
        R::SessionRevokeUser(r) => r.as_ref().err(),
        R::Presence(r) => r.as_ref().err(),
        R::Sync(r) => r.as_ref().err(),
        R::ExportLab(r) => r.as_ref().err(),
        R::ServerPower(r) | R::VmPower(r) | R::VmMigrate(r) => r.as_ref().err(),
        R::TlsFingerprint(r) => r.as_ref().err(),
        R::PlanShow(r) => r.as_ref().err(),
        R::PlanSimulate(r) => r.as_ref().err(),
        R::PlanRun(r) | R::PlanCancel(r) | R::PlanRestore(r) => r.as_ref().err(),
        R::PlanStatus(r) => r.as_ref().err(),
        R::DemoPowerCut(r) => r.as_ref().err(),
        R::AuditList(r) => r.as_ref().err(),
        R::AuditVerify(r) => r.as_ref().err(),
        R::BackupStart(r) => r.as_ref().err(),
        R::BackupChunk(r) => r.as_ref().err(),
        R::NotifyTest(r) => r.as_ref().err(),
        R::NotifyList(r) => r.as_ref().err(),
    }
}
