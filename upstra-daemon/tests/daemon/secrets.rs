//! No secret in the daemon's log (at debug level), in the replies that are not meant to carry
//! one, or in the daemon's arguments: every secret this test uses is grepped for.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use crate::support;

use std::time::{SystemTime, UNIX_EPOCH};

use support::*;
use upstra_core::api::v1::*;
use upstra_core::lab::{KnownNames, parse};
use upstra_core::secret::Secret;

const BMC: &str = "bmc-secret-4711-alpha";
const NUT: &str = "nut-secret-4712-bravo";
const VCENTER: &str = "vcenter-secret-4713-charlie";
const SECOND: &str = "second-user-passphrase-4714";

const LAB: &str = r#"
[[room]]
name = "r"
[[ups]]
name = "u"
room = "r"
nut = "u@127.0.0.1:1"
user = "mon"
[vcenter]
url = "https://127.0.0.1:1/sdk"
user = "vc"
tls_fingerprint = "sha256:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA"
[[server]]
name = "s"
room = "r"
feeds = ["u"]
bmc = { url = "https://127.0.0.1:1/redfish/v1/Systems/1", user = "admin", tls_fingerprint = "sha256:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA:AA" }
"#;

fn now_s() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn no_secret_reaches_the_log_the_replies_or_the_arguments() {
    let dir = tempfile::tempdir().unwrap();
    let daemon = Daemon::start_with_log(dir.path(), "debug").await;
    let c = connect(&daemon.socket).await.unwrap();
    let token = setup_and_login(&c).await;
    let mut secrets: Vec<String> = vec![
        PASSWORD.into(),
        BMC.into(),
        NUT.into(),
        VCENTER.into(),
        SECOND.into(),
    ];
    secrets.push(token.expose().to_owned());

    let mut doc = parse(LAB, &KnownNames::default()).unwrap();
    doc.fill_secret(
        &upstra_core::lab::SecretSlot::Bmc("s".parse().unwrap()),
        Secret::new(BMC),
    );
    doc.fill_secret(
        &upstra_core::lab::SecretSlot::UpsLogin("u".parse().unwrap()),
        Secret::new(NUT),
    );
    doc.fill_secret(&upstra_core::lab::SecretSlot::VCenter, Secret::new(VCENTER));
    c.apply(ctx(), token.clone(), LabSpec::from(&doc.inventory), false)
        .await
        .unwrap()
        .unwrap();

    let add = UserAddRequest {
        name: "second".into(),
        role: "operator".into(),
        password: Secret::new(SECOND),
    };
    c.user_add(ctx(), token.clone(), add)
        .await
        .unwrap()
        .unwrap();
    // A failed login with a secret as the user name must not log it either.
    let wrong = LoginRequest {
        user: "second".into(),
        password: Secret::new(BMC),
    };
    assert!(c.login(ctx(), wrong).await.unwrap().is_err());

    let enrolled = c.totp_enroll(ctx(), token.clone()).await.unwrap().unwrap();
    let seed = enrolled.secret.expose().to_owned();
    let code = upstra_daemon::twofactor::code_at(&seed, now_s() - 30).unwrap();
    let codes = c
        .totp_confirm(ctx(), token.clone(), code)
        .await
        .unwrap()
        .unwrap();
    secrets.push(seed.clone());
    secrets.extend(codes.iter().cloned());

    let LoginOutcome::SecondFactorRequired { challenge, .. } = c
        .login(
            ctx(),
            LoginRequest {
                user: ADMIN.into(),
                password: Secret::new(PASSWORD),
            },
        )
        .await
        .unwrap()
        .unwrap()
    else {
        panic!("2fa is on")
    };
    secrets.push(challenge.expose().to_owned());
    let totp = upstra_daemon::twofactor::code_at(&seed, now_s()).unwrap();
    let session = c
        .login_second_factor(ctx(), challenge, SecondFactor::Totp(Secret::new(totp)))
        .await
        .unwrap()
        .unwrap();
    let admin = session.token.clone();
    secrets.push(admin.expose().to_owned());
    let reset = c
        .user_reset_password(ctx(), admin.clone(), "second".into())
        .await
        .unwrap()
        .unwrap();
    secrets.push(reset.secret.expose().to_owned());

    // The replies that are not meant to carry a secret.
    let replies = [
        serde_json::to_string(&c.list_servers(ctx(), admin.clone()).await.unwrap().unwrap())
            .unwrap(),
        serde_json::to_string(&c.list_ups(ctx(), admin.clone()).await.unwrap().unwrap()).unwrap(),
        serde_json::to_string(&c.whoami(ctx(), admin.clone()).await.unwrap().unwrap()).unwrap(),
        serde_json::to_string(&c.user_list(ctx(), admin.clone()).await.unwrap().unwrap()).unwrap(),
        serde_json::to_string(
            &c.session_list(ctx(), admin.clone(), None)
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(
            &c.audit_list(ctx(), admin.clone(), AuditQuery::default())
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap(),
        serde_json::to_string(&c.grant_list(ctx(), admin.clone()).await.unwrap().unwrap()).unwrap(),
        serde_json::to_string(
            &c.events_since(ctx(), admin.clone(), 0, 0)
                .await
                .unwrap()
                .unwrap(),
        )
        .unwrap(),
        c.login(
            ctx(),
            LoginRequest {
                user: "second".into(),
                password: Secret::new(BMC),
            },
        )
        .await
        .unwrap()
        .unwrap_err()
        .to_string(),
    ];
    let cmdline = std::fs::read(format!("/proc/{}/cmdline", daemon.pid())).unwrap();
    let log = daemon.log();
    assert!(log.contains("DEBUG"), "the log ran at debug level");
    for secret in &secrets {
        assert!(
            !log.contains(secret.as_str()),
            "a secret is in the daemon's log"
        );
        for reply in &replies {
            assert!(
                !reply.contains(secret.as_str()),
                "a secret is in a reply: {reply}"
            );
        }
        assert!(!String::from_utf8_lossy(&cmdline).contains(secret.as_str()));
    }
}
