//! The accounts view's calls against a running daemon, through the console's own driver: a
//! role created with permissions ticked in the form, given to a user, refused while still
//! granted, then removed; a user removed; and the daemon's refusals (last admin, built-in
//! role, role still granted) with the reason codes the console words them from.
#![cfg(feature = "demo")]

use crate::harness;

use harness::Demo;
use harness::driven::Driven;
use upstra_core::api::v1::{ApiError, ConflictReason};
use upstra_tui::console::action::Failure;
use upstra_tui::console::call::{Call, Reply, Request};

/// The reason code the console words a refusal from.
fn problem(result: Result<(), Failure>) -> ConflictReason {
    match result {
        Err(Failure::Refused(ApiError::Conflict { reason, .. })) => reason,
        other => panic!("not a conflict: {other:?}"),
    }
}

/// Role changes count against a tight per-user limit (3 an hour by default), so the story
/// is shared between three admins.
#[test]
fn roles_and_users_are_administered_and_refusals_recognised() {
    let demo = Demo::start();
    demo.login();
    demo.ok(
        &["user", "add", "bob", "--role", "viewer", "--password-stdin"],
        "bob-password-1\n",
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // The demo admin is the only one: it may be neither removed nor demoted.
        let mut demo_admin = Driven::new(&demo, demo.session_file());
        let demote = Request::SetRole {
            user: "demo".into(),
            role: "viewer".into(),
        };
        assert_eq!(
            problem(demo_admin.request(demote).await),
            ConflictReason::LastAdmin
        );
        let remove_demo = Request::RemoveUser {
            user: "demo".into(),
        };
        assert_eq!(
            problem(demo_admin.request(remove_demo).await),
            ConflictReason::LastAdmin
        );
        let builtin = Request::RemoveRole {
            name: "viewer".into(),
        };
        assert_eq!(
            problem(demo_admin.request(builtin).await),
            ConflictReason::BuiltinRole
        );
        let created = demo_admin
            .call(Call::CreateRole {
                name: "night-shift".into(),
                permissions: vec!["read".into(), "power".into()],
            })
            .await;
        assert!(
            matches!(&created, Reply::RoleCreated { result: Ok(()), .. }),
            "{created:?}"
        );

        demo.add_and_login("carol", "admin");
        let mut carol = Driven::new(&demo, demo.session_of("carol"));
        let again = carol
            .call(Call::CreateRole {
                name: "night-shift".into(),
                permissions: vec!["read".into()],
            })
            .await;
        let Reply::RoleCreated { result, .. } = again else {
            panic!("{again:?}");
        };
        assert_eq!(problem(result), ConflictReason::RoleExists);
        carol
            .request(Request::SetRole {
                user: "bob".into(),
                role: "night-shift".into(),
            })
            .await
            .expect("bob gets the role");
        let Reply::Accounts(Ok(accounts)) = carol.call(Call::Accounts).await else {
            panic!("accounts");
        };
        let bob = accounts
            .users
            .iter()
            .find(|u| u.name == "bob")
            .expect("bob");
        assert_eq!(bob.role.as_deref(), Some("night-shift"));
        let role = accounts
            .roles
            .iter()
            .find(|r| r.name == "night-shift")
            .expect("the role");
        assert_eq!(role.permissions, ["read", "power"]);
        let remove_role = Request::RemoveRole {
            name: "night-shift".into(),
        };
        assert_eq!(
            problem(carol.request(remove_role.clone()).await),
            ConflictReason::RoleInUse { grants: 1 }
        );

        demo.add_and_login("dave", "admin");
        let mut dave = Driven::new(&demo, demo.session_of("dave"));
        dave.request(Request::RemoveUser { user: "bob".into() })
            .await
            .expect("bob is removed");
        dave.request(remove_role)
            .await
            .expect("no grant holds the role any more");
        let Reply::Accounts(Ok(accounts)) = dave.call(Call::Accounts).await else {
            panic!("accounts");
        };
        assert!(accounts.users.iter().all(|u| u.name != "bob"));
        assert!(accounts.roles.iter().all(|r| r.name != "night-shift"));
    });
}
