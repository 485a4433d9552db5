//! Identity and access from the command line (issue 3), end to end against the demo daemon:
//! users, roles, grants, passwords, sessions, presence, settings and the audit trail. Two-factor
//! and the rate limits have their own file, `two_factor.rs`.
//!
//! The daemon allows 3 sensitive changes (roles, grants, role changes, resets) per user and
//! hour: tests that need more spread them over several admins, as a real team would.
#![cfg(feature = "demo")]

use crate::harness;

use harness::{Demo, fails, ok, text};
use upstra_core::api::v1::{
    AuditVerification, AuditView, GrantView, PresenceView, ResetSecret, RoleView, SessionView,
    Settings, TwoFactorRequirement, UserView,
};

fn users(demo: &Demo) -> Vec<UserView> {
    serde_json::from_str(&demo.ok(&["user", "list", "--json"], "")).expect("UserView array")
}

#[test]
fn users_are_added_listed_disabled_enabled_and_removed() {
    let demo = Demo::start();
    demo.login();
    let said = demo.ok(
        &[
            "user",
            "add",
            "alice",
            "--role",
            "operator",
            "--password-stdin",
        ],
        "alice-password-1\n",
    );
    assert_eq!(
        said,
        "created user alice with role operator on everything\n"
    );
    fails(
        &demo.upstra(
            &[
                "user",
                "add",
                "bob",
                "--role",
                "operator",
                "--password-stdin",
            ],
            "short\n",
        ),
        1,
        "the password must have at least 12 characters",
    );
    fails(
        &demo.upstra(
            &[
                "user",
                "add",
                "alice",
                "--role",
                "operator",
                "--password-stdin",
            ],
            "alice-password-1\n",
        ),
        1,
        "user `alice` already exists",
    );
    let alice = users(&demo)
        .into_iter()
        .find(|u| u.name == "alice")
        .expect("alice is listed");
    assert_eq!(alice.role.as_deref(), Some("operator"));
    assert!(!alice.disabled && !alice.two_factor);
    let table = demo.ok(&["user", "list"], "");
    assert!(
        table.starts_with("NAME   ROLE      GRANTS  2FA  STATE"),
        "{table}"
    );
    assert!(
        table.contains("\nalice  operator       0  off  active"),
        "{table}"
    );

    let login = |password: &str| {
        demo.as_user(
            "alice",
            &["login", "--user", "alice", "--password-stdin"],
            &format!("{password}\n"),
        )
    };
    ok(login("alice-password-1"));
    assert_eq!(
        demo.ok(&["user", "disable", "alice"], ""),
        "disabled alice; their sessions have ended\n"
    );
    fails(
        &demo.as_user("alice", &["whoami"], ""),
        4,
        "run `upstra login`",
    );
    fails(&login("alice-password-1"), 1, "wrong user name or password");
    demo.ok(&["user", "enable", "alice"], "");
    ok(login("alice-password-1"));

    fails(
        &demo.upstra(&["user", "remove", "alice"], ""),
        2,
        "to remove user alice with their grants and sessions without a terminal to ask on, add --yes",
    );
    assert_eq!(
        demo.ok(&["user", "remove", "alice", "--yes"], ""),
        "removed alice\n"
    );
    assert!(users(&demo).iter().all(|u| u.name != "alice"));
    fails(
        &demo.upstra(&["user", "remove", "alice", "--yes"], ""),
        1,
        "user `alice` not found",
    );
}

#[test]
fn the_last_admin_cannot_be_removed_disabled_or_demoted() {
    let demo = Demo::start();
    demo.login();
    let last = "`demo` is the last admin and cannot be";
    fails(
        &demo.upstra(&["user", "remove", "demo", "--yes"], ""),
        1,
        &format!("{last} removed; make another user admin first"),
    );
    fails(
        &demo.upstra(&["user", "disable", "demo"], ""),
        1,
        &format!("{last} disabled"),
    );
    fails(
        &demo.upstra(&["user", "set-role", "demo", "viewer"], ""),
        1,
        &format!("{last} demoted"),
    );
    // With a second admin, the first may go.
    demo.add_and_login("root2", "admin");
    ok(demo.as_user("root2", &["user", "set-role", "demo", "viewer"], ""));
    let role_of = |name: &str| {
        let list: Vec<UserView> =
            serde_json::from_str(&ok(demo.as_user("root2", &["user", "list", "--json"], "")))
                .expect("UserView array");
        list.into_iter()
            .find(|u| u.name == name)
            .and_then(|u| u.role)
    };
    assert_eq!(role_of("demo").as_deref(), Some("viewer"));
    assert_eq!(role_of("root2").as_deref(), Some("admin"));
}

#[test]
fn a_viewer_is_refused_admin_commands_with_exit_5() {
    let demo = Demo::start();
    demo.login();
    demo.add_and_login("vic", "viewer");
    for args in [
        &["user", "list"][..],
        &["role", "list"],
        &["grant", "list"],
        &["audit"],
        &["settings", "show"],
    ] {
        fails(
            &demo.as_user("vic", args, ""),
            5,
            "permission denied: this needs the",
        );
    }
    // Reading the lab is what a viewer is for.
    ok(demo.as_user("vic", &["ups", "list"], ""));
}

#[test]
fn roles_and_grants_are_created_listed_and_removed() {
    let demo = Demo::start();
    demo.login();
    // The grants are changed by a second admin: each admin has 3 sensitive changes an hour.
    demo.add_and_login("ops", "admin");
    demo.ok(
        &[
            "user",
            "add",
            "carol",
            "--role",
            "viewer",
            "--password-stdin",
        ],
        "carol-password-1\n",
    );

    assert_eq!(
        demo.ok(
            &["role", "create", "auditor", "--permissions", "read,audit"],
            ""
        ),
        "created role auditor with read,audit\n"
    );
    let roles: Vec<RoleView> =
        serde_json::from_str(&demo.ok(&["role", "list", "--json"], "")).expect("RoleView array");
    let auditor = roles.iter().find(|r| r.name == "auditor").expect("listed");
    assert_eq!(auditor.permissions, ["read", "audit"]);
    assert!(!auditor.builtin);
    assert!(roles.iter().any(|r| r.name == "admin" && r.builtin));
    let table = demo.ok(&["role", "list"], "");
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("auditor   no        read,audit"), "{table}");

    let grant = ["carol", "auditor", "room:lab-a"];
    let said = ok(demo.as_user("ops", &[&["grant", "add"][..], &grant].concat(), ""));
    assert_eq!(said, "carol now has auditor on room:lab-a\n");
    let grants: Vec<GrantView> =
        serde_json::from_str(&demo.ok(&["grant", "list", "--json"], "")).expect("GrantView array");
    assert!(grants.contains(&GrantView {
        user: "carol".into(),
        role: "auditor".into(),
        resource: "room:lab-a".into(),
    }));
    assert!(demo.ok(&["grant", "list"], "").starts_with("USER   ROLE"));
    fails(
        &demo.upstra(&["role", "remove", "auditor"], ""),
        1,
        "role `auditor` is used by 1 grant(s); remove them first",
    );

    let said = ok(demo.as_user("ops", &[&["grant", "remove"][..], &grant].concat(), ""));
    assert_eq!(said, "carol no longer has auditor on room:lab-a\n");
    assert_eq!(
        demo.ok(&["role", "remove", "auditor"], ""),
        "removed role auditor\n"
    );
    let roles: Vec<RoleView> =
        serde_json::from_str(&demo.ok(&["role", "list", "--json"], "")).expect("RoleView array");
    assert!(roles.iter().all(|r| r.name != "auditor"));

    // That was the demo admin's third sensitive change this hour: the fourth waits.
    let out = demo.upstra(&["role", "create", "x", "--permissions", "read"], "");
    fails(&out, 5, "too many attempts: try again in ");
    assert!(
        text(&out.stderr).ends_with(" min\n"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn passwd_changes_the_password_and_ends_every_session() {
    let demo = Demo::start();
    demo.login();
    let old = demo.add_and_login("dave", "operator");
    let login = |password: &str| {
        demo.as_user(
            "dave",
            &["login", "--user", "dave", "--password-stdin"],
            &format!("{password}\n"),
        )
    };
    fails(
        &demo.as_user(
            "dave",
            &["passwd", "--password-stdin"],
            "not-my-password\nnew-password-2\n",
        ),
        1,
        "wrong user name or password",
    );
    fails(
        &demo.as_user("dave", &["passwd", "--password-stdin"], &format!("{old}\n")),
        2,
        "the new password on standard input is empty",
    );
    let said = ok(demo.as_user(
        "dave",
        &["passwd", "--password-stdin"],
        &format!("{old}\nnew-password-2\n"),
    ));
    assert!(
        said.contains("every session of dave has ended, this one too: log in again"),
        "{said}"
    );
    assert!(
        !demo.session_of("dave").exists(),
        "the session is forgotten"
    );
    fails(&login(&old), 1, "wrong user name or password");
    ok(login("new-password-2"));
}

#[test]
fn a_reset_secret_logs_in_once_to_set_a_new_password() {
    let demo = Demo::start();
    demo.login();
    demo.add_and_login("erin", "operator");
    let text_reply = demo.ok(&["user", "reset-password", "erin"], "");
    assert!(
        text_reply.starts_with("one-time secret for erin: "),
        "{text_reply}"
    );
    assert!(text_reply.contains("upstra login --user erin --password-stdin"));
    assert!(text_reply.contains("upstra passwd --password-stdin"));
    // A second reset replaces the first; its JSON is the API's `ResetSecret`.
    let reset: ResetSecret =
        serde_json::from_str(&demo.ok(&["user", "reset-password", "erin", "--json"], ""))
            .expect("ResetSecret");
    let secret = reset.secret.expose().to_owned();

    let said = ok(demo.as_user(
        "erin",
        &["login", "--user", "erin", "--password-stdin"],
        &format!("{secret}\n"),
    ));
    assert!(
        said.contains("your password was reset: set a new one with `upstra passwd`"),
        "{said}"
    );
    fails(
        &demo.as_user("erin", &["ups", "list"], ""),
        5,
        "this session can only be used to change the password",
    );
    // After a reset login the daemon ignores the first line, but it must be there.
    ok(demo.as_user(
        "erin",
        &["passwd", "--password-stdin"],
        "ignored\nerin-new-password\n",
    ));
    ok(demo.as_user(
        "erin",
        &["login", "--user", "erin", "--password-stdin"],
        "erin-new-password\n",
    ));
    fails(
        &demo.as_user(
            "erin",
            &["login", "--user", "erin", "--password-stdin"],
            &format!("{secret}\n"),
        ),
        1,
        "wrong user name or password",
    );
}

#[test]
fn sessions_are_listed_and_revoked_and_presence_shows_who_is_here() {
    let demo = Demo::start();
    demo.login();
    // A second session of the same user, in another file.
    ok(demo.as_user(
        "demo-2",
        &["login", "--user", "demo", "--password-stdin"],
        &format!("{}\n", demo.daemon().password),
    ));
    let sessions: Vec<SessionView> =
        serde_json::from_str(&demo.ok(&["session", "list", "--json"], ""))
            .expect("SessionView array");
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s.current).count(), 1);
    let other = sessions.iter().find(|s| !s.current).expect("the other one");
    assert!(demo.ok(&["session", "list"], "").contains("(this one)"));

    assert_eq!(
        demo.ok(&["session", "revoke", &other.id], ""),
        format!("ended session {}\n", other.id)
    );
    fails(&demo.as_user("demo-2", &["whoami"], ""), 4, "upstra login");

    let present: Vec<PresenceView> =
        serde_json::from_str(&demo.ok(&["who", "--json"], "")).expect("PresenceView array");
    assert!(present.iter().any(|p| p.user == "demo"), "{present:?}");
    assert!(demo.ok(&["who"], "").starts_with("USER  SINCE"));

    let said = demo.ok(&["session", "revoke-user", "demo"], "");
    assert_eq!(
        said,
        "ended 1 session of demo, this one too: log in again to go on\n"
    );
    assert!(!demo.session_file().exists());
}

#[test]
fn settings_can_require_two_factor_of_a_role() {
    let demo = Demo::start();
    demo.login();
    assert_eq!(
        demo.ok(&["settings", "show"], ""),
        "two-factor required of: nobody (each user's choice)\n"
    );
    fails(
        &demo.upstra(&["settings", "require-2fa", "roles"], ""),
        2,
        "name the roles after `roles`",
    );
    fails(
        &demo.upstra(&["settings", "require-2fa", "roles", "nosuchrole"], ""),
        1,
        "role `nosuchrole` does not exist",
    );
    assert_eq!(
        demo.ok(&["settings", "require-2fa", "roles", "operator,viewer"], ""),
        "two-factor required of: holders of operator, viewer\n"
    );
    let settings: Settings =
        serde_json::from_str(&demo.ok(&["settings", "show", "--json"], "")).expect("Settings");
    assert_eq!(
        settings.require_two_factor,
        TwoFactorRequirement::Roles(vec!["operator".into(), "viewer".into()])
    );
}

#[test]
fn audit_lists_records_and_verify_says_the_chain_is_intact() {
    let demo = Demo::start();
    demo.login();
    fails(
        &demo.upstra(&["login", "--user", "demo", "--password-stdin"], "wrong\n"),
        1,
        "wrong user name or password",
    );
    let records: Vec<AuditView> =
        serde_json::from_str(&demo.ok(&["audit", "--json"], "")).expect("AuditView array");
    assert!(
        records
            .iter()
            .any(|r| r.action == "login" && r.result == "refused"),
        "the failed login is recorded: {records:?}"
    );
    let logins: Vec<AuditView> = serde_json::from_str(&demo.ok(
        &[
            "audit", "--json", "--action", "login", "--user", "demo", "--since", "1h",
        ],
        "",
    ))
    .expect("AuditView array");
    assert!(!logins.is_empty());
    assert!(logins.iter().all(|r| r.action == "login"));
    let one: Vec<AuditView> =
        serde_json::from_str(&demo.ok(&["audit", "--json", "--limit", "1"], "")).expect("array");
    assert_eq!(one.len(), 1);
    let table = demo.ok(&["audit", "--since", "2026-01-01T00:00:00Z"], "");
    assert!(table.starts_with("SEQ  TIME"), "{table}");
    fails(
        &demo.upstra(&["audit", "--since", "yesterday"], ""),
        2,
        "--since yesterday: give a time",
    );

    let said = demo.ok(&["audit", "verify"], "");
    assert!(said.starts_with("the audit trail is intact: "), "{said}");
    let report: AuditVerification =
        serde_json::from_str(&demo.ok(&["audit", "verify", "--json"], "")).expect("report");
    assert!(report.intact && report.verified > 0 && report.problem.is_none());
}
