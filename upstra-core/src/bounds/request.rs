//! Every string and list of every request against its bound. The match is exhaustive, so a new
//! method does not compile until its arguments are bounded here.

use super::{
    BoundError, CODE, FREE_TEXT, HOST_KEY, LAB_OBJECTS_PER_KIND, OBJECT_NAME, PASSWORD,
    PERMISSIONS, ROLE_NAME, ROLES, TOKEN, USER_NAME, check_count, check_len,
};
use crate::api::v1::{
    AuditQuery, GrantView, LabSpec, LoginSpec, SecondFactor, Settings, TlsPeer, TlsSpec,
    TwoFactorRequirement, UpstraRequest,
};

/// Checks the bounds of every argument of `req`; the first one over names itself.
pub fn check_request(req: &UpstraRequest) -> Result<(), BoundError> {
    use UpstraRequest as R;
    let token = |t: &crate::api::v1::SessionToken| check_len("session token", t.expose(), TOKEN);
    match req {
        R::Health {} => Ok(()),
        R::Setup { req } => {
            check_len("user name", &req.user, USER_NAME)?;
            check_len("password", req.password.expose(), PASSWORD)
        }
        R::Login { req } => {
            check_len("user name", &req.user, USER_NAME)?;
            check_len("password", req.password.expose(), PASSWORD)
        }
        R::LoginSecondFactor { challenge, factor } => {
            check_len("challenge", challenge.expose(), TOKEN)?;
            let code = match factor {
                SecondFactor::Totp(c) | SecondFactor::RecoveryCode(c) => c,
            };
            check_len("code", code.expose(), CODE)
        }
        R::Logout { token: t }
        | R::Whoami { token: t }
        | R::ListRooms { token: t }
        | R::ListUps { token: t }
        | R::UpsHistory { token: t }
        | R::ListServers { token: t }
        | R::ListVms { token: t }
        | R::EventsSince { token: t, .. }
        | R::UserList { token: t }
        | R::RoleList { token: t }
        | R::GrantList { token: t }
        | R::TotpEnroll { token: t }
        | R::SettingsGet { token: t }
        | R::Presence { token: t }
        | R::Sync { token: t }
        | R::ExportLab { token: t }
        | R::PlanCancel { token: t }
        | R::PlanRestore { token: t }
        | R::PlanStatus { token: t }
        | R::AuditVerify { token: t } => token(t),
        R::BackupStart {
            token: t,
            passphrase,
        } => {
            token(t)?;
            match passphrase {
                Some(p) => check_len("passphrase", p.expose(), PASSWORD),
                None => Ok(()),
            }
        }
        R::BackupChunk { token: t, id, .. } => {
            token(t)?;
            check_len("backup id", id, TOKEN)
        }
        R::NotifyTest { token: t, channel } => {
            token(t)?;
            check_len("channel name", channel, OBJECT_NAME)
        }
        R::NotifyList { token: t, .. } => token(t),
        R::ChangePassword {
            token: t,
            current,
            new,
        } => {
            token(t)?;
            check_len("current password", current.expose(), PASSWORD)?;
            check_len("new password", new.expose(), PASSWORD)
        }
        R::Apply { token: t, spec, .. } => {
            token(t)?;
            check_lab(spec)
        }
        R::UserAdd { token: t, req } => {
            token(t)?;
            check_len("user name", &req.name, USER_NAME)?;
            check_len("role", &req.role, ROLE_NAME)?;
            check_len("password", req.password.expose(), PASSWORD)
        }
        R::UserSetDisabled { token: t, user, .. }
        | R::UserRemove { token: t, user }
        | R::UserResetPassword { token: t, user }
        | R::SessionRevokeUser { token: t, user } => {
            token(t)?;
            check_len("user name", user, USER_NAME)
        }
        R::UserSetRole {
            token: t,
            user,
            role,
        } => {
            token(t)?;
            check_len("user name", user, USER_NAME)?;
            check_len("role", role, ROLE_NAME)
        }
        R::RoleCreate {
            token: t,
            name,
            permissions,
        } => {
            token(t)?;
            check_len("role", name, ROLE_NAME)?;
            check_count("permissions", permissions.len(), PERMISSIONS)?;
            permissions
                .iter()
                .try_for_each(|p| check_len("permission", p, ROLE_NAME))
        }
        R::RoleRemove { token: t, name } => {
            token(t)?;
            check_len("role", name, ROLE_NAME)
        }
        R::GrantAdd { token: t, grant } | R::GrantRemove { token: t, grant } => {
            token(t)?;
            check_grant(grant)
        }
        R::TotpConfirm { token: t, code } | R::TotpDisable { token: t, code } => {
            token(t)?;
            check_len("code", code, CODE)
        }
        R::SettingsSet { token: t, settings } => {
            token(t)?;
            check_settings(settings)
        }
        R::SessionList { token: t, user } => {
            token(t)?;
            user.as_deref()
                .map_or(Ok(()), |u| check_len("user name", u, USER_NAME))
        }
        R::SessionRevoke { token: t, id } => {
            token(t)?;
            check_len("session id", id, TOKEN)
        }
        R::ServerPower {
            token: t, server, ..
        }
        | R::SshOpen { token: t, server } => {
            token(t)?;
            check_len("server", server, OBJECT_NAME)
        }
        R::VmPower { token: t, vm, .. } => {
            token(t)?;
            check_len("VM", vm, OBJECT_NAME)
        }
        R::VmMigrate { token: t, vm, to } => {
            token(t)?;
            check_len("VM", vm, OBJECT_NAME)?;
            check_len("destination", to, OBJECT_NAME)
        }
        R::TlsFingerprint { token: t, peer } => {
            token(t)?;
            check_peer(peer)
        }
        R::TlsPin {
            token: t,
            peer,
            fingerprint,
        } => {
            token(t)?;
            check_peer(peer)?;
            check_len("fingerprint", fingerprint, FREE_TEXT)
        }
        R::PlanShow { token: t, ups } => {
            token(t)?;
            ups.as_deref()
                .map_or(Ok(()), |u| check_len("UPS", u, OBJECT_NAME))
        }
        R::PlanSimulate { token: t, ups } | R::DemoPowerCut { token: t, ups, .. } => {
            token(t)?;
            check_len("UPS", ups, OBJECT_NAME)
        }
        R::PlanRun { token: t, ups } => {
            token(t)?;
            check_len("UPS", &ups.ups, OBJECT_NAME)
        }
        R::SshClosed {
            token: t,
            session_id,
            reason,
            ..
        } => {
            token(t)?;
            check_len("SSH session id", session_id, TOKEN)?;
            check_len("reason", reason, FREE_TEXT)
        }
        R::SshPinHostKey {
            token: t,
            server,
            host_key,
        } => {
            token(t)?;
            check_len("server", server, OBJECT_NAME)?;
            check_len("host key", host_key, HOST_KEY)
        }
        R::AuditList { token: t, query } => {
            token(t)?;
            check_audit_query(query)
        }
    }
}

fn check_grant(grant: &GrantView) -> Result<(), BoundError> {
    check_len("user name", &grant.user, USER_NAME)?;
    check_len("role", &grant.role, ROLE_NAME)?;
    check_len("resource", &grant.resource, OBJECT_NAME)
}

fn check_settings(settings: &Settings) -> Result<(), BoundError> {
    if let TwoFactorRequirement::Roles(roles) = &settings.require_two_factor {
        check_count("roles", roles.len(), ROLES)?;
        roles
            .iter()
            .try_for_each(|r| check_len("role", r, ROLE_NAME))?;
    }
    Ok(())
}

fn check_peer(peer: &TlsPeer) -> Result<(), BoundError> {
    match peer {
        TlsPeer::Bmc(server) => check_len("server", server, OBJECT_NAME),
        TlsPeer::Vcenter => Ok(()),
    }
}

fn check_audit_query(q: &AuditQuery) -> Result<(), BoundError> {
    if let Some(user) = &q.user {
        check_len("user name", user, USER_NAME)?;
    }
    if let Some(action) = &q.action {
        check_len("action", action, OBJECT_NAME)?;
    }
    Ok(())
}

fn check_login(field: &str, login: &LoginSpec) -> Result<(), BoundError> {
    check_len(&format!("{field} user"), &login.user, FREE_TEXT)?;
    login.password.as_ref().map_or(Ok(()), |p| {
        check_len(&format!("{field} password"), p.expose(), PASSWORD)
    })
}

fn check_snmp(snmp: &crate::api::v1::SnmpSpec) -> Result<(), BoundError> {
    use crate::snmp::SnmpSecurity;
    check_len("ups snmp host", &snmp.host, FREE_TEXT)?;
    let secret = |field: &str, s: &Option<crate::secret::Secret>| {
        s.as_ref()
            .map_or(Ok(()), |s| check_len(field, s.expose(), PASSWORD))
    };
    match &snmp.security {
        SnmpSecurity::V1 { community } | SnmpSecurity::V2c { community } => {
            secret("ups snmp community", community)
        }
        SnmpSecurity::V3(usm) => {
            check_len("ups snmp user", &usm.user, FREE_TEXT)?;
            secret("ups snmp auth password", &usm.auth_password)?;
            secret("ups snmp priv password", &usm.priv_password)
        }
    }
}

fn check_tls(field: &str, tls: &TlsSpec) -> Result<(), BoundError> {
    match tls {
        TlsSpec::Unpinned => Ok(()),
        TlsSpec::Fingerprint(s) | TlsSpec::CaFile(s) => {
            check_len(&format!("{field} tls"), s, FREE_TEXT)
        }
    }
}

/// A lab: how many objects of each kind, then every name and text in them.
fn check_lab(lab: &LabSpec) -> Result<(), BoundError> {
    let max = LAB_OBJECTS_PER_KIND;
    check_count("rooms", lab.rooms.len(), max)?;
    check_count("ups", lab.ups.len(), max)?;
    check_count("servers", lab.servers.len(), max)?;
    check_count("vms", lab.vms.len(), max)?;
    for room in &lab.rooms {
        check_len("room name", &room.name, OBJECT_NAME)?;
    }
    for ups in &lab.ups {
        check_len("ups name", &ups.name, OBJECT_NAME)?;
        check_len("ups room", &ups.room, OBJECT_NAME)?;
        check_len("ups nut", &ups.nut, FREE_TEXT)?;
        if let Some(snmp) = &ups.snmp {
            check_snmp(snmp)?;
        }
        if let Some(login) = &ups.login {
            check_login("ups login", login)?;
        }
    }
    for server in &lab.servers {
        check_len("server name", &server.name, OBJECT_NAME)?;
        check_len("server room", &server.room, OBJECT_NAME)?;
        check_len("server kind", &server.kind, OBJECT_NAME)?;
        check_count("server feeds", server.feeds.len(), max)?;
        check_count("server depends_on", server.depends_on.len(), max)?;
        for name in server.feeds.iter().chain(&server.depends_on) {
            check_len("server feed or dependency", name, OBJECT_NAME)?;
        }
        if let Some(host) = &server.vsphere_host {
            check_len("server vsphere_host", host, OBJECT_NAME)?;
        }
        if let Some(bmc) = &server.bmc {
            check_len("server bmc url", &bmc.url, FREE_TEXT)?;
            check_login("server bmc", &bmc.login)?;
            check_tls("server bmc", &bmc.tls)?;
        }
        if let Some(ssh) = &server.ssh {
            check_len("server ssh address", &ssh.address, FREE_TEXT)?;
            if let Some(key) = &ssh.host_key {
                check_len("server ssh host_key", key, HOST_KEY)?;
            }
            if let Some(user) = &ssh.user {
                check_len("server ssh user", user, USER_NAME)?;
            }
        }
    }
    if let Some(vc) = &lab.vcenter {
        check_len("vcenter url", &vc.url, FREE_TEXT)?;
        check_login("vcenter", &vc.login)?;
        check_tls("vcenter", &vc.tls)?;
    }
    lab.vms
        .keys()
        .try_for_each(|vm| check_len("vm name", vm, OBJECT_NAME))
}
