//! `notify_test` and `notify_list` on the real `upstrad`, with a webhook receiver of the
//! test's own: a test message reaches the receiver and says what it answered, a refusal says
//! why, both show in the list and the audit trail and in `/metrics`, and only an admin may
//! call either.
#![allow(clippy::unwrap_used)] // a test that cannot set up should fail right there

use std::io::{Read, Write};
use std::time::Duration;

use upstra_core::api::v1::{ApiError, UserAddRequest};
use upstra_core::secret::Secret;
use upstra_tests::webhook::WebhookReceiver;

use crate::support::*;
use upstra_core::api::v1::DeliveryState;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `GET /metrics`, the body.
fn scrape(port: u16) -> String {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[tokio::test]
async fn an_admin_tests_a_channel_and_lists_what_was_sent_and_nobody_else_may() {
    let dir = tempfile::tempdir().unwrap();
    let hook = WebhookReceiver::start();
    std::fs::write(
        dir.path().join("upstrad.toml"),
        format!(
            "[[notify.channel]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{}\"\n\
             language = \"fr\"\n",
            hook.url()
        ),
    )
    .unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_DRIVERS", "simulated"),
            ("UPSTRA_METRICS__LISTEN", &listen),
        ],
    )
    .await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;

    let ok = c
        .notify_test(ctx(), admin.clone(), "ops-hook".into())
        .await
        .unwrap()
        .unwrap();
    assert!(ok.delivered, "{ok:?}");
    assert_eq!(ok.answer, "HTTP 200 OK: ok");
    let got = hook.received();
    assert_eq!(got.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&got[0].body).unwrap();
    assert_eq!(body["kind"], "notify_test");
    assert_eq!(
        body["title"], "Message de test d'Upstra",
        "in the channel's language"
    );

    hook.answer(500);
    let refused = c
        .notify_test(ctx(), admin.clone(), "ops-hook".into())
        .await
        .unwrap()
        .unwrap();
    assert!(!refused.delivered);
    assert!(refused.answer.contains("HTTP 500"), "{refused:?}");

    let missing = c
        .notify_test(ctx(), admin.clone(), "nope".into())
        .await
        .unwrap();
    assert!(
        matches!(&missing, Err(ApiError::NotFound { what }) if what.contains("ops-hook")),
        "{missing:?}"
    );

    let list = c
        .notify_list(ctx(), admin.clone(), 10)
        .await
        .unwrap()
        .unwrap();
    let states: Vec<(&str, &str, &str)> = list
        .iter()
        .map(|d| (d.channel.as_str(), d.event.as_str(), d.state.as_str()))
        .collect();
    assert_eq!(
        states,
        [
            ("ops-hook", "notify_test", "failed"),
            ("ops-hook", "notify_test", "delivered")
        ],
        "newest first: {list:#?}"
    );
    assert_eq!(list[1].answer.as_deref(), Some("HTTP 200 OK: ok"));

    let trail = c
        .audit_list(ctx(), admin.clone(), Default::default())
        .await
        .unwrap()
        .unwrap()
        .records;
    let tests: Vec<&str> = trail
        .iter()
        .filter(|r| r.action == "notify_test")
        .map(|r| r.result.as_str())
        .collect();
    assert_eq!(tests.len(), 2, "each test send is audited: {tests:?}");
    assert!(
        tests.contains(&"ok") && tests.contains(&"failed"),
        "{tests:?}"
    );

    let metrics = scrape(port);
    assert!(
        metrics
            .contains("upstra_notifications_total{channel=\"ops-hook\",outcome=\"delivered\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("upstra_notifications_total{channel=\"ops-hook\",outcome=\"failed\"} 1"),
        "{metrics}"
    );

    c.user_add(
        ctx(),
        admin.clone(),
        UserAddRequest {
            name: "olivia".into(),
            role: "operator".into(),
            password: Secret::new(PASSWORD),
        },
    )
    .await
    .unwrap()
    .unwrap();
    let operator = login_as(&c, "olivia", PASSWORD).await;
    let test = c
        .notify_test(ctx(), operator.clone(), "ops-hook".into())
        .await
        .unwrap();
    assert!(matches!(test, Err(ApiError::Forbidden { .. })), "{test:?}");
    let list = c.notify_list(ctx(), operator, 10).await.unwrap();
    assert!(matches!(list, Err(ApiError::Forbidden { .. })), "{list:?}");
    assert_eq!(hook.received().len(), 2, "a refused call sends nothing");
}

#[tokio::test]
async fn a_broken_channel_stops_the_daemon_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("upstrad.toml"),
        "[[notify.channel]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/\"\n\
         [[notify.route]]\nchannels = [\"ops-hok\"]\n",
    )
    .unwrap();
    let out = run_upstrad(&[
        "--config".as_ref(),
        dir.path().join("upstrad.toml").as_os_str(),
        "check-config".as_ref(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        err.contains("upstrad.toml:5:") && err.contains("no channel is named `ops-hok`"),
        "{err}"
    );
}

fn kinds_told(hook: &WebhookReceiver) -> Vec<String> {
    hook.received()
        .iter()
        .map(|r| {
            let b: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            b["kind"].as_str().unwrap_or_default().to_owned()
        })
        .collect()
}

#[tokio::test]
async fn a_killed_daemon_and_a_burst_of_failed_logins_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let hook = WebhookReceiver::start();
    std::fs::write(
        dir.path().join("upstrad.toml"),
        format!(
            "[[notify.channel]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{}\"\n\
             [[notify.route]]\nchannels = [\"ops-hook\"]\nmin_severity = \"warning\"\n",
            hook.url()
        ),
    )
    .unwrap();
    let settings = [("UPSTRA_DRIVERS", "simulated")];
    let mut daemon = Daemon::start_with_env(dir.path(), &settings).await;
    let c = connect(&daemon.socket).await.unwrap();
    setup_and_login(&c).await;
    // A clean stop is nothing to tell.
    daemon.stop();
    daemon = Daemon::start_with_env(dir.path(), &settings).await;
    daemon.kill();
    let daemon = Daemon::start_with_env(dir.path(), &settings).await;
    until("the unclean stop told", Duration::from_secs(30), || async {
        (!hook.received().is_empty()).then_some(())
    })
    .await;
    assert_eq!(kinds_told(&hook), ["daemon_unclean_start"]);

    let c = connect(&daemon.socket).await.unwrap();
    // Each name its own, so that the per-name login limit never steps in first.
    for i in 0..10 {
        let refused = c
            .login(
                ctx(),
                upstra_core::api::v1::LoginRequest {
                    user: format!("guess{i}"),
                    password: Secret::new("wrong password"),
                },
            )
            .await
            .unwrap();
        assert!(refused.is_err());
    }
    until(
        "the burst of failed logins told",
        Duration::from_secs(30),
        || async { (hook.received().len() >= 2).then_some(()) },
    )
    .await;
    assert_eq!(
        kinds_told(&hook),
        ["daemon_unclean_start", "login_failures"]
    );
    let last: serde_json::Value = serde_json::from_slice(&hook.received()[1].body).unwrap();
    assert_eq!(last["details"]["failures"], 10, "{last}");
}

#[tokio::test]
async fn a_message_undelivered_past_the_retry_horizon_is_marked_failed_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let mut hook = WebhookReceiver::start();
    hook.down();
    std::fs::write(
        dir.path().join("upstrad.toml"),
        format!(
            "[notify]\nbackoff_min = \"500ms\"\nbackoff_max = \"1s\"\nretry_for = \"3s\"\n\
             [[notify.channel]]\nname = \"ops-hook\"\nkind = \"webhook\"\nurl = \"{}\"\n\
             [[notify.route]]\nchannels = [\"ops-hook\"]\n",
            hook.url()
        ),
    )
    .unwrap();
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let daemon = Daemon::start_with_env(
        dir.path(),
        &[
            ("UPSTRA_DRIVERS", "simulated"),
            ("UPSTRA_METRICS__LISTEN", &listen),
        ],
    )
    .await;
    let c = connect(&daemon.socket).await.unwrap();
    let admin = setup_and_login(&c).await;
    for i in 0..10 {
        let _ = c
            .login(
                ctx(),
                upstra_core::api::v1::LoginRequest {
                    user: format!("guess{i}"),
                    password: Secret::new("wrong password"),
                },
            )
            .await
            .unwrap();
    }
    let row = until("the message given up", Duration::from_secs(60), || async {
        let list = c
            .notify_list(ctx(), admin.clone(), 10)
            .await
            .unwrap()
            .unwrap();
        list.into_iter()
            .find(|d| d.event == "login_failures" && d.state == DeliveryState::Failed)
    })
    .await;
    assert!(row.attempts >= 2, "{row:?}");
    let answer = row.answer.unwrap_or_default();
    assert!(answer.starts_with("gave up after"), "{answer}");
    assert!(
        !answer.contains(&hook.url()),
        "no URL in a reason: {answer}"
    );
    let metrics = scrape(port);
    assert!(
        metrics.contains("upstra_notifications_total{channel=\"ops-hook\",outcome=\"failed\"} 1"),
        "{metrics}"
    );
    assert!(hook.received().is_empty());
}
