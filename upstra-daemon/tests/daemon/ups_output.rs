//! The daemon's UPS output driver on the harness's real upsd, built as `upstrad` builds it:
//! from the configuration (`[nut] users_file`, here `UPSTRA_NUT__USERS_FILE`) through
//! `Drivers::peers`. What the outage orchestrator and `plan simulate` call.
//! Skipped (with a note) without a harness run; a failure under CI=true.
#![allow(clippy::unwrap_used)]

use tokio_util::sync::CancellationToken;
use upstra_core::ids::{RoomId, UpsId};
use upstra_core::model::{Credentials, NutEndpoint, Ups};
use upstra_core::secret::Secret;
use upstra_core::ups_off::UpsCommandFailure;
use upstra_daemon::config::{self, Overrides};
use upstra_daemon::drivers::Drivers;

fn ups(peers: &upstra_tests::Peers, user_key: &str, password_key: &str) -> Ups {
    Ups {
        id: UpsId::new("ups-out").unwrap(),
        room: RoomId::new("lab").unwrap(),
        source: upstra_core::model::UpsSource::Nut(NutEndpoint {
            ups: peers.get("UPSTRA_PEER_NUT_CMD_UPS").into(),
            host: peers.get("UPSTRA_PEER_NUT_HOST").into(),
            port: peers.get("UPSTRA_PEER_NUT_PORT").parse().unwrap(),
        }),
        login: Some(Credentials {
            user: peers.get(user_key).into(),
            password: Some(Secret::new(peers.get(password_key))),
        }),
        policy: Default::default(),
    }
}

#[tokio::test]
async fn the_configured_users_file_makes_a_user_without_instcmds_fail_the_check() {
    let test = "the_configured_users_file_makes_a_user_without_instcmds_fail_the_check";
    let Some(peers) = upstra_tests::peers(test) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("upstrad.toml");
    std::fs::write(&empty, "").unwrap();
    let env = vec![(
        "UPSTRA_NUT__USERS_FILE".to_owned(),
        peers.get("UPSTRA_PEER_NUT_USERS_FILE").to_owned(),
    )];
    let config = config::load(Some(&empty), &env, &Overrides::default()).unwrap();
    let drivers = Drivers::peers(&config.nut.users_file, &CancellationToken::new());

    let denied = ups(
        &peers,
        "UPSTRA_PEER_NUT_NOCMD_USER",
        "UPSTRA_PEER_NUT_NOCMD_PASSWORD",
    );
    let check = drivers
        .ups_output
        .ups_off_capability(&denied, 20)
        .await
        .unwrap();
    let err = check.verdict.unwrap_err();
    assert_eq!(err.kind, UpsCommandFailure::NotAllowed);
    let user = peers.get("UPSTRA_PEER_NUT_NOCMD_USER");
    assert!(
        err.message.contains(&format!(
            "add `instcmds = shutdown.return` to the `[{user}]` section of upsd.users and \
             reload upsd (`upsd -c reload`)"
        )),
        "{}",
        err.message
    );
    assert_eq!(check.unchecked, None);

    let allowed = ups(
        &peers,
        "UPSTRA_PEER_NUT_CMD_USER",
        "UPSTRA_PEER_NUT_CMD_PASSWORD",
    );
    let check = drivers
        .ups_output
        .ups_off_capability(&allowed, 20)
        .await
        .unwrap();
    assert_eq!(
        check.verdict.map(|s| s.command),
        Ok("shutdown.return".to_owned())
    );
    assert_eq!(check.unchecked, None);

    // The default path is the distribution's upsd.users, which knows nothing of the
    // harness's users: the check either says the user is missing there, or, where the file
    // is absent, that it could not prove the permission and why. Never a silent pass.
    let defaults = config::load(Some(&empty), &[], &Overrides::default()).unwrap();
    let drivers = Drivers::peers(&defaults.nut.users_file, &CancellationToken::new());
    let check = drivers
        .ups_output
        .ups_off_capability(&denied, 20)
        .await
        .unwrap();
    match (check.verdict, check.unchecked) {
        (Err(e), None) => assert!(
            e.message
                .contains(&format!("upsd.users has no user {user}")),
            "{}",
            e.message
        ),
        (Ok(_), Some(why)) => assert!(why.contains("upsd.users was not read"), "{why}"),
        other => panic!("neither a denial nor an unproved check: {other:?}"),
    }
}
