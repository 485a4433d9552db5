//! The permission half of [`crate::UpsCommander::ups_off_capability`]: upsd cannot be asked
//! whether a user may send a command without sending it, but when upsd runs on this machine
//! its upsd.users says so, and a denial is found before the outage instead of during it.

use std::net::IpAddr;
use std::path::Path;

use upstra_core::model::Ups;

use crate::ups_off::{DelayHandling, PERMISSION_UNCHECKED, UpsOffPlan};
use crate::ups_off_error::CommandError;
use crate::users_file::{Permission, UsersFile};

/// The verdict after the permission check, and what it could not prove (`None`: proved).
pub(crate) type Checked = (Result<UpsOffPlan, CommandError>, Option<String>);

/// Checks `plan` against `users_file` when the UPS's upsd is on this machine.
pub(crate) fn check(
    users_file: Option<&Path>,
    ups: &Ups,
    peer: &str,
    plan: Result<UpsOffPlan, CommandError>,
) -> Checked {
    let unchecked = |why: String| Some(format!("{PERMISSION_UNCHECKED} ({why})"));
    let Ok(chosen) = &plan else {
        return (plan, Some(PERMISSION_UNCHECKED.to_owned()));
    };
    // Instant commands need a login: without one the command could never be sent.
    let Some(login) = &ups.login else {
        let no_login = CommandError::NoLogin {
            ups: peer.to_owned(),
        };
        return (Err(no_login), None);
    };
    let Some(path) = users_file else {
        return (plan, unchecked("no upsd.users file is configured".into()));
    };
    let Some(nut) = ups.nut() else {
        return (
            plan,
            unchecked("the UPS is read over SNMP, not through upsd".into()),
        );
    };
    if !is_this_machine(&nut.host, this_hostname().as_deref()) {
        let why = format!(
            "upsd runs on {}, not on this machine, so its upsd.users cannot be read here",
            nut.host
        );
        return (plan, unchecked(why));
    }
    let users = match UsersFile::read(path) {
        Ok(users) => users,
        Err(e) => {
            return (
                plan,
                unchecked(format!("{} was not read: {e}", path.display())),
            );
        }
    };
    if let Some(given) = &login.password
        && users.password_matches(&login.user, given) == Some(false)
    {
        let user = &login.user;
        let fix = format!(
            "the password the lab file gives NUT user {user} is not the one in the `[{user}]` \
             section of upsd.users, so upsd would refuse every command: set the UPS's login \
             to that password and apply the lab again"
        );
        let wrong = CommandError::NotPermitted {
            ups: peer.to_owned(),
            fix,
        };
        return (Err(wrong), None);
    }
    let mut verdict = users.may_instcmd(&login.user, &chosen.command);
    if verdict == Permission::Allowed && chosen.delay == DelayHandling::SetVariable {
        verdict = users.may_set(&login.user);
    }
    match verdict {
        Permission::Allowed => (plan, None),
        Permission::Denied { fix } | Permission::UnknownUser { fix } => (
            Err(CommandError::NotPermitted {
                ups: peer.to_owned(),
                fix,
            }),
            None,
        ),
    }
}

/// A loopback name or address, or this machine's own host name (a lab file written on the NUT
/// primary may name it): the upsd the daemon talks to is then the one whose files it reads.
pub(crate) fn is_this_machine(host: &str, hostname: Option<&str>) -> bool {
    let bare = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.');
    if bare.eq_ignore_ascii_case("localhost") {
        return true;
    }
    if bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return true;
    }
    // `nut1` and `nut1.lab.example` both name a host whose kernel name is `nut1`.
    hostname.is_some_and(|name| {
        let short = |n: &str| n.split('.').next().unwrap_or(n).to_ascii_lowercase();
        !name.is_empty() && short(bare) == short(name)
    })
}

/// The kernel's host name, from uname(2) (what `gethostname` reads). Not from
/// `/proc/sys/kernel/hostname`: the unit's `ProcSubset=pid` hides everything in /proc but the
/// processes, and a host name the check could not read would leave a local upsd unchecked.
fn this_hostname() -> Option<String> {
    let name = nix::unistd::gethostname().ok()?;
    let name = name.to_str()?.trim();
    (!name.is_empty()).then(|| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use upstra_core::ids::{RoomId, UpsId};
    use upstra_core::model::{Credentials, NutEndpoint};
    use upstra_core::secret::Secret;

    const USERS: &str = "[cmduser]\n password = p\n instcmds = shutdown.return\n\
                         [setter]\n password = p\n instcmds = all\n actions = set\n\
                         [nocmduser]\n password = p\n";

    fn ups(host: &str, user: &str) -> Ups {
        Ups {
            id: UpsId::new("u").expect("id"),
            room: RoomId::new("r").expect("id"),
            source: upstra_core::model::UpsSource::Nut(NutEndpoint {
                ups: "upsout".into(),
                host: host.into(),
                port: 3493,
            }),
            login: Some(Credentials {
                user: user.into(),
                password: Some(Secret::new("p")),
            }),
            policy: Default::default(),
        }
    }

    fn plan(delay: DelayHandling) -> Result<UpsOffPlan, CommandError> {
        Ok(UpsOffPlan {
            command: "shutdown.return".into(),
            delay,
            returns_on_mains: true,
        })
    }

    #[test]
    fn the_host_name_is_the_kernels() {
        let kernel = std::fs::read_to_string("/proc/sys/kernel/hostname").expect("hostname");
        assert_eq!(this_hostname().as_deref(), Some(kernel.trim()));
    }

    #[test]
    fn loopback_names_addresses_and_the_host_name_are_this_machine() {
        let local = [
            "localhost",
            "localhost.",
            "127.0.0.1",
            "127.0.1.1",
            "::1",
            "[::1]",
            "LOCALHOST",
            "nut1",
            "NUT1.lab.example",
        ];
        for host in local {
            assert!(is_this_machine(host, Some("nut1")), "{host}");
        }
        for host in ["nut.example", "nut10", "192.0.2.1", "2001:db8::1", ""] {
            assert!(!is_this_machine(host, Some("nut1")), "{host}");
        }
        assert!(!is_this_machine("nut1", None));
        assert!(!is_this_machine("", Some("")));
    }

    #[test]
    fn a_local_upsd_is_checked_and_a_remote_one_is_said_unchecked() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("upsd.users");
        std::fs::write(&file, USERS).expect("write");
        let fixed = || plan(DelayHandling::Fixed { seconds: 30 });

        let (verdict, unchecked) = check(Some(&file), &ups("127.0.0.1", "cmduser"), "p", fixed());
        assert!(
            verdict.is_ok() && unchecked.is_none(),
            "{verdict:?} {unchecked:?}"
        );

        let (verdict, unchecked) = check(Some(&file), &ups("localhost", "nocmduser"), "p", fixed());
        assert_eq!(unchecked, None);
        let text = verdict.expect_err("denied").to_string();
        assert!(
            text.contains(
                "add `instcmds = shutdown.return` to the `[nocmduser]` section of upsd.users \
                 and reload upsd (`upsd -c reload`)"
            ),
            "{text}"
        );

        let (verdict, unchecked) = check(
            Some(&file),
            &ups("remote-nut.invalid", "nocmduser"),
            "p",
            fixed(),
        );
        assert!(verdict.is_ok());
        let why = unchecked.expect("unchecked");
        assert!(
            why.contains("upsd runs on remote-nut.invalid, not on this machine"),
            "{why}"
        );

        let missing = dir.path().join("none");
        let (_, unchecked) = check(Some(&missing), &ups("::1", "cmduser"), "p", fixed());
        assert!(unchecked.is_some_and(|u| u.contains("was not read: cannot read")));
        let (_, unchecked) = check(None, &ups("::1", "cmduser"), "p", fixed());
        assert!(unchecked.is_some_and(|u| u.contains("no upsd.users file is configured")));
    }

    #[test]
    fn a_password_other_than_upsd_users_one_fails_the_check() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("upsd.users");
        std::fs::write(&file, USERS).expect("write");
        let mut wrong = ups("::1", "cmduser");
        if let Some(login) = wrong.login.as_mut() {
            login.password = Some(Secret::new("not p"));
        }
        let fixed = plan(DelayHandling::Fixed { seconds: 30 });
        let (verdict, _) = check(Some(&file), &wrong, "p", fixed);
        let text = verdict.expect_err("wrong password").to_string();
        assert!(
            text.contains("is not the one in the `[cmduser]` section"),
            "{text}"
        );
        assert!(!text.contains("not p"), "never shows a password: {text}");
    }

    #[test]
    fn a_ups_without_a_login_can_never_be_commanded() {
        let mut no_login = ups("::1", "cmduser");
        no_login.login = None;
        let fixed = plan(DelayHandling::Fixed { seconds: 30 });
        let (verdict, unchecked) = check(None, &no_login, "upsout@::1:3493", fixed);
        assert_eq!(unchecked, None);
        let err = verdict.expect_err("no login");
        assert!(matches!(err, CommandError::NoLogin { .. }), "{err:?}");
    }

    #[test]
    fn a_writable_delay_also_needs_actions_set() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("upsd.users");
        std::fs::write(&file, USERS).expect("write");
        let settable = || plan(DelayHandling::SetVariable);
        let (verdict, _) = check(Some(&file), &ups("::1", "cmduser"), "p", settable());
        let text = verdict.expect_err("no SET").to_string();
        assert!(
            text.contains("add `actions = SET` to the `[cmduser]` section"),
            "{text}"
        );
        let (verdict, _) = check(Some(&file), &ups("::1", "setter"), "p", settable());
        assert!(verdict.is_ok());
    }
}
